"""``orsync sandbox``: both simulators on loopback until asked to stop.

Parsing of the flags that are not plain numbers lives here (``R/min``, ``NAME=RATE``) so that
scripts, benchmarks and the CLI agree on one interface.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from orsync.errors import ConfigError, UsageError
from orsync.sandbox.faults import UnknownFault
from orsync.sandbox.intacct.schema import SchemaUnavailable
from orsync.sandbox.launch import (
    RunningSandbox,
    SandboxOptions,
    parse_faults,
    start_sandbox,
)

_RATE = re.compile(r"^\s*(\d+)\s*(?:/\s*min)?\s*$", re.I)
UNLIMITED = ("none", "off", "unlimited")
MAX_LATENCY_MS = 3_600_000


def parse_rate_limit(text: str) -> int | None:
    """``400/min`` (or ``400``) -> 400; ``0``, ``none``, ``off``, ``unlimited`` -> no limit."""
    if text.strip().lower() in UNLIMITED:
        return None
    match = _RATE.match(text)
    if match is None:
        raise UsageError(
            f"--officernd-rate-limit {text!r} is not a rate in R/min",
            hint="Write requests per minute as R/min, for example 400/min, or 'none'.",
        )
    value = int(match.group(1))
    return value or None


def fault_rates(specs: list[str]) -> dict[str, float]:
    """``NAME=RATE`` specs -> rates; a usage error lists the valid names."""
    try:
        return parse_faults(specs)
    except UnknownFault as error:
        raise UsageError(
            str(error), hint="Write each fault as --fault NAME=RATE, RATE between 0 and 1."
        ) from None


def sandbox_options(
    *,
    host: str = "127.0.0.1",
    intacct_port: int = 0,
    officernd_port: int = 0,
    seed: int = 42,
    invoices: int = 300,
    companies: int = 60,
    intacct_latency_ms: float = 0.0,
    intacct_function_ms: float = 0.0,
    intacct_concurrency: int = 2,
    officernd_latency_ms: float = 0.0,
    officernd_rate_limit: str | None = None,
    faults: list[str] | None = None,
    fault_seed: int = 0,
) -> SandboxOptions:
    """Validated options; ``officernd_rate_limit=None`` keeps the simulator's default."""
    for name, value in (
        ("--intacct-port", intacct_port),
        ("--officernd-port", officernd_port),
    ):
        if not 0 <= value <= 65535:
            raise UsageError(f"{name} {value} is not a port (0 picks a free one)")
    for name, count in (("--invoices", invoices), ("--companies", companies)):
        if count < 1:  # the seeded world needs at least one of each
            raise UsageError(f"{name} must be at least 1")
    for name, ms in (
        ("--intacct-latency-ms", intacct_latency_ms),
        ("--intacct-function-ms", intacct_function_ms),
        ("--officernd-latency-ms", officernd_latency_ms),
    ):
        # nan compares false with everything; inf and 1e308 overflow time.sleep().
        if not 0 <= ms <= MAX_LATENCY_MS:
            raise UsageError(f"{name} must be between 0 and {MAX_LATENCY_MS} (one hour)")
    if intacct_concurrency < 1:
        raise UsageError("--intacct-concurrency must be at least 1")
    rate: dict[str, Any] = {}
    if officernd_rate_limit is not None:
        rate["officernd_rate_limit"] = parse_rate_limit(officernd_rate_limit)
    return SandboxOptions(
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
        faults=fault_rates(faults or []),
        fault_seed=fault_seed,
        keep_seed=False,  # nothing reads the seed back: a large world is held once
        **rate,
    )


def environment_lines(details: Mapping[str, Any]) -> list[str]:
    """The ``export`` lines that let ``orsync connect --no-input`` reach this sandbox."""
    from orsync.secrets import Secret

    intacct, officernd = details["intacct"], details["officernd"]
    return [
        f"export {Secret.INTACCT_SENDER_PASSWORD.env_var}={intacct['sender_password']}",
        f"export {Secret.INTACCT_USER_PASSWORD.env_var}={intacct['user_password']}",
        f"export {Secret.OFFICERND_CLIENT_SECRET.env_var}={officernd['client_secret']}",
    ]


def connect_command(details: Mapping[str, Any], profile: str = "sandbox") -> str:
    """The ``orsync connect`` line (secrets from the environment) for this sandbox."""
    intacct, officernd = details["intacct"], details["officernd"]
    return (
        f"orsync --profile {profile} --no-input connect"
        f" --intacct-url {intacct['url']} --sender-id {intacct['sender_id']}"
        f" --company-id {intacct['company_id']} --user-id {intacct['user_id']}"
        f" --officernd-org {officernd['org']} --officernd-client-id {officernd['client_id']}"
        f" --officernd-api-url {officernd['api_url']}"
        f" --officernd-token-url {officernd['token_url']}"
    )


MAX_ACTIVITY = 6000.0  # changes a minute: a hundred a second is a billing run, not a day


def check_activity(per_minute: float) -> float:
    if not 0 <= per_minute <= MAX_ACTIVITY:
        raise UsageError(f"--activity must be between 0 and {MAX_ACTIVITY:g} changes a minute")
    return per_minute


def serve_until_stopped(
    options: SandboxOptions,
    stop: threading.Event,
    on_ready: Callable[[RunningSandbox], None],
    *,
    activity: float = 0.0,
) -> None:
    """Start both simulators, call ``on_ready``, wait for ``stop``, then stop both servers.

    OfficeRnD's webhooks are delivered to registered URLs as they happen (failed deliveries
    again, with a doubling wait); ``activity`` > 0 makes that many operator changes a minute
    (:mod:`orsync.sandbox.activity`)."""
    from orsync.sandbox.activity import Activity, run_activity

    try:
        running = start_sandbox(options)
    except SchemaUnavailable as error:
        raise ConfigError(
            str(error), hint="Install orsync[sandbox] or unset the variable."
        ) from None
    except OSError as error:  # an address not on this machine, a port in use or privileged
        ports = f"ports {options.intacct_port} and {options.officernd_port}"
        raise UsageError(
            f"cannot listen on {options.host} ({ports}): {error.strerror or error}",
            hint="Use an address of this machine (127.0.0.1) and free ports, or 0 to pick them.",
        ) from None
    stop_delivery = running.officernd.start_delivery_thread()
    try:
        on_ready(running)
        if activity:
            run_activity(Activity(running.officernd, running.intacct), activity, stop)
        while not stop.wait(0.5):
            pass
    finally:
        stop.set()
        stop_delivery()
        running.officernd.close()
        running.stop()
