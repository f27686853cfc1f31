"""`orsync sandbox`: both simulators with seeded data on loopback, until SIGINT/SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync import interrupts
from orsync.cli.context import AppContext, CompaniesOption, InvoicesOption

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox


def sandbox_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    intacct_port: Annotated[int, typer.Option(help="Intacct gateway port (0: a free one).")] = 0,
    officernd_port: Annotated[int, typer.Option(help="OfficeRnD API port (0: a free one).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    invoices: InvoicesOption = 300,
    companies: CompaniesOption = 60,
    intacct_latency_ms: Annotated[
        float, typer.Option(help="Intacct latency per request, ms.")
    ] = 0.0,
    intacct_function_ms: Annotated[
        float, typer.Option(help="Intacct latency per function in a request, ms.")
    ] = 0.0,
    intacct_concurrency: Annotated[
        int, typer.Option(help="Requests the Intacct company runs at once.")
    ] = 2,
    officernd_latency_ms: Annotated[
        float, typer.Option(help="OfficeRnD latency per request, ms.")
    ] = 0.0,
    officernd_rate_limit: Annotated[
        str | None,
        typer.Option(
            metavar="R/min", help="OfficeRnD read limit, e.g. 400/min (default); 'none': off."
        ),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=RATE",
            help="Inject a fault at a rate 0..1, repeatable (e.g. intacct.lost-response=0.1).",
        ),
    ] = None,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault streams.")] = 0,
    activity: Annotated[
        float,
        typer.Option(
            metavar="EVENTS_PER_MINUTE",
            help="Simulate an operator's day: new invoices and credit notes, edits, voids, "
            "payments in OfficeRnD and in Intacct, this many a minute (0: none).",
        ),
    ] = 0.0,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the connection details as one JSON line.")
    ] = False,
) -> None:
    """Run simulated OfficeRnD and Intacct services with seeded data until interrupted.

    OfficeRnD delivers signed webhooks to the URLs registered with it (`orsync listen
    --register`), again after a failure.

    Fault names: intacct.lost-response, intacct.http-5xx, intacct.http-524,
    intacct.rate-limit, intacct.session-expired, officernd.http-5xx, officernd.rate-limit,
    officernd.lost-response.

    Exit codes: 0 stopped by SIGINT or SIGTERM; 2 a wrong option (a fault name, a rate)
    or an address and port it cannot listen on.
    """
    from orsync.services.demo import check_activity, sandbox_options, serve_until_stopped

    state: AppContext = ctx.obj
    state.request_json(json_output)
    options = sandbox_options(
        host=host,
        intacct_port=intacct_port,
        officernd_port=officernd_port,
        seed=seed,
        invoices=invoices,
        companies=companies,
        intacct_latency_ms=intacct_latency_ms,
        intacct_function_ms=intacct_function_ms,
        intacct_concurrency=intacct_concurrency,
        officernd_latency_ms=officernd_latency_ms,
        officernd_rate_limit=officernd_rate_limit,
        faults=fault,
        fault_seed=fault_seed,
    )
    as_json = state.json
    check_activity(activity)
    if not _is_loopback(host):
        state.output.warn(
            f"warning: listening on {host}: anyone who can reach it can read the sandbox "
            "credentials it prints, and orsync will only send plain HTTP to a loopback host."
        )
    stop = threading.Event()
    serving = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()
        if not serving.is_set():
            # Still seeding the world (a large one takes minutes): nothing is served yet, so
            # stop here rather than when the seeding is done.
            raise _StoppedBeforeServing

    def ready(running: RunningSandbox) -> None:
        serving.set()
        _announce(running, as_json)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if interrupts.pending is not None:  # a stop sent while orsync was still starting
            raise _StoppedBeforeServing
        serve_until_stopped(options, stop, ready, activity=activity)
    except _StoppedBeforeServing:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not as_json:
        sys.stderr.write("sandbox stopped\n")


class _StoppedBeforeServing(Exception):
    """SIGINT or SIGTERM arrived while the sandbox was still being built."""


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _announce(running: RunningSandbox, as_json: bool) -> None:
    # The sandbox's passwords protect nothing but these simulators: they are printed on
    # purpose, unredacted, because the user needs them to connect.
    details = running.details()
    if as_json:
        document = {"schema": "orsync.sandbox/1", **details}
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        return
    from orsync.services.demo import connect_command, environment_lines

    intacct, officernd = details["intacct"], details["officernd"]
    lines = [
        "orsync sandbox is running (Ctrl-C to stop).",
        "",
        "Intacct (simulated XML gateway)",
        f"  URL            {intacct['url']}",
        f"  sender ID      {intacct['sender_id']}",
        f"  company ID     {intacct['company_id']}",
        f"  user ID        {intacct['user_id']}",
        f"  entities       {', '.join(intacct['entities']) or '-'}",
        "",
        "OfficeRnD (simulated v2 API)",
        f"  API URL        {officernd['api_url']}",
        f"  token URL      {officernd['token_url']}",
        f"  organization   {officernd['org']}",
        f"  client ID      {officernd['client_id']}",
        "",
        "In another shell, set the secrets and connect a profile to it:",
        "",
        *(f"  {line}" for line in environment_lines(details)),
        f"  {connect_command(details)}",
        "  orsync --profile sandbox test",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
