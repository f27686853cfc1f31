"""`orsync listen`: the webhook receiver, until SIGTERM or SIGINT (exit 0 after draining)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext
from orsync.errors import UsageError

if TYPE_CHECKING:
    from orsync.config import Profile
    from orsync.services.listen import Listener, Registration


def listen_command(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on (put a TLS reverse proxy in front).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: a free one).")] = 8787,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            metavar="URL",
            help="The HTTPS address OfficeRnD reaches this listener at (for --register).",
        ),
    ] = None,
    register: Annotated[
        bool,
        typer.Option(
            "--register",
            help="Create the OfficeRnD webhook for --public-url and store its secret first.",
        ),
    ] = False,
    poll_interval: Annotated[
        float,
        typer.Option(metavar="SECONDS", help="How often Intacct is polled for what goes back."),
    ] = 60.0,
    catch_up_interval: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="How often an incremental sync catches what no webhook announced.",
        ),
    ] = 300.0,
    all_profiles: Annotated[
        bool, typer.Option("--all-profiles", help="Listen for every configured profile.")
    ] = False,
) -> None:
    """Receive OfficeRnD webhooks and sync what they announce, until stopped.

    \b
    POST /webhooks/officernd  signed deliveries (verified, recorded, then 200)
    GET  /healthz             orsync.health/1: backlog, last event, write and error
    Takes turns with cron's `orsync sync` on the profile lock. SIGTERM drains and exits 0.
    """
    from orsync.services.listen import ListenOptions, WorkerSettings, listen_until_stopped

    state: AppContext = ctx.obj
    for name, value in (
        ("--poll-interval", poll_interval),
        ("--catch-up-interval", catch_up_interval),
    ):
        if not 1 <= value <= 86_400:
            raise UsageError(f"{name} must be between 1 and 86400 seconds, not {value:g}")
    if not 0 <= port <= 65_535:
        raise UsageError(f"--port {port} is not a port number")
    if register and not public_url:
        raise UsageError("--register needs --public-url (the address OfficeRnD posts to)")
    targets = _targets(state, all_profiles)
    options = ListenOptions(
        host=host,
        port=port,
        worker=WorkerSettings(poll_interval=poll_interval, catch_up_interval=catch_up_interval),
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    def registered(registration: Registration) -> None:
        verb = "registered" if registration.created else "already registered"
        sys.stderr.write(f"profile {registration.profile}: webhook {verb} for {registration.url}\n")

    def ready(listener: Listener) -> None:
        sys.stderr.write(
            f"orsync listen: {listener.url}/webhooks/officernd for {', '.join(targets)} "
            f"(health: {listener.url}/healthz)\n"
        )
        sys.stderr.flush()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        listen_until_stopped(
            targets,
            options,
            stop,
            register_url=public_url if register else None,
            on_registered=registered,
            on_ready=ready,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stderr.write("orsync listen: stopped\n")


def _targets(state: AppContext, all_profiles: bool) -> dict[str, Profile]:
    if not all_profiles:
        name, profile = state.selected_profile()
        return {name: profile}
    config = state.load_config()
    if not config.profiles:
        state.selected_profile()  # raises ProfileNotFound with the fix
    return dict(sorted(config.profiles.items()))
