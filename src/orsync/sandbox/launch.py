"""Start both simulators with one seeded world, on loopback: the engine of `orsync sandbox`,
`orsync demo`, the scenario tests and the benchmarks.

Fault names are prefixed by the service (``intacct.lost-response``, ``officernd.http-5xx``);
:func:`parse_faults` checks them against what each simulator implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orsync.sandbox.faults import FaultPlan, Latency, UnknownFault
from orsync.sandbox.intacct import IntacctSimulator
from orsync.sandbox.intacct.config import (
    FAULT_NAMES as INTACCT_FAULTS,
)
from orsync.sandbox.intacct.config import (
    GATEWAY_PATH,
    IntacctCredentials,
    IntacctSimConfig,
)
from orsync.sandbox.officernd import OfficeRndSimulator
from orsync.sandbox.officernd.config import OfficeRndSimConfig
from orsync.sandbox.officernd.limits import FAULT_NAMES as OFFICERND_FAULTS
from orsync.sandbox.seed import generate
from orsync.sandbox.server import ServedApp, serve
from orsync.sandbox.world import SeedWorld

# The faults `orsync sandbox --fault` accepts; webhook faults are driven from tests only.
SANDBOX_FAULTS: tuple[str, ...] = tuple(
    [f"intacct.{name}" for name in INTACCT_FAULTS]
    + [f"officernd.{name}" for name in OFFICERND_FAULTS if name != "webhook-failure"]
)


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    intacct_port: int = 0
    officernd_port: int = 0
    seed: int = 42
    invoices: int = 300
    companies: int = 60
    intacct_latency_ms: float = 0.0
    intacct_function_ms: float = 0.0
    intacct_concurrency: int = 2
    officernd_latency_ms: float = 0.0
    officernd_rate_limit: int | None = 400  # read requests per minute; None: unlimited
    faults: Mapping[str, float] = field(default_factory=dict)
    fault_seed: int = 0
    # Tests keep the real gateway's 30 s wait for a free slot out of their way.
    intacct_concurrency_wait_s: float = 30.0
    # Keep the seeded world's OfficeRnD records readable from ``RunningSandbox.world`` (tests
    # compare against them); False hands them to the simulator, held once instead of twice.
    keep_seed: bool = True


def parse_faults(specs: list[str]) -> dict[str, float]:
    """``["intacct.http-5xx=0.2", ...]`` -> rates; UnknownFault lists the valid names."""
    rates: dict[str, float] = {}
    valid = ", ".join(SANDBOX_FAULTS)
    for spec in specs:
        name, sep, rate_text = spec.partition("=")
        name = name.strip()
        if name not in SANDBOX_FAULTS:
            msg = f"unknown fault {name!r}; valid faults: {valid}"
            raise UnknownFault(msg)
        try:
            rate = float(rate_text) if sep else 1.0
        except ValueError:
            msg = f"fault {name!r}: rate {rate_text!r} is not a number between 0 and 1"
            raise UnknownFault(msg) from None
        if not 0.0 <= rate <= 1.0:
            msg = f"fault {name!r}: rate {rate} is outside 0..1"
            raise UnknownFault(msg)
        rates[name] = rate
    return rates


def _service_faults(rates: Mapping[str, float], service: str, seed: int) -> FaultPlan:
    prefix = f"{service}."
    own = {name[len(prefix) :]: rate for name, rate in rates.items() if name.startswith(prefix)}
    return FaultPlan(rates=own, seed=seed)


@dataclass
class RunningSandbox:
    """Both simulators served on loopback, with the world they were seeded from."""

    options: SandboxOptions
    world: SeedWorld
    intacct: IntacctSimulator
    officernd: OfficeRndSimulator
    intacct_server: ServedApp
    officernd_server: ServedApp

    @property
    def intacct_url(self) -> str:
        return self.intacct_server.base_url + GATEWAY_PATH

    @property
    def officernd_url(self) -> str:
        return self.officernd_server.base_url

    def details(self) -> dict[str, Any]:
        """The connection details `orsync sandbox --json` prints (sandbox secrets included:
        they protect nothing but these simulators)."""
        creds = self.intacct.credentials
        app = self.world.officernd.applications[0]
        return {
            "intacct": {
                "url": self.intacct_url,
                "sender_id": creds.sender_id,
                "sender_password": creds.sender_password,
                "company_id": creds.company_id,
                "user_id": creds.user_id,
                "user_password": creds.user_password,
                "entities": [entity.id for entity in self.world.intacct.entities],
            },
            "officernd": {
                "api_url": self.officernd_url,
                "token_url": self.officernd_url + "/oauth/token",
                "org": self.world.officernd.org_slug,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
        }

    def stop(self) -> None:
        self.intacct_server.stop()
        self.officernd_server.stop()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_simulators(
    options: SandboxOptions, world: SeedWorld | None = None
) -> tuple[SeedWorld, IntacctSimulator, OfficeRndSimulator]:
    """The two simulators for ``options`` (not served): in-process use and :func:`start_sandbox`."""
    # A world handed in stays the caller's; one generated here may be handed over.
    take_seed = world is None and not options.keep_seed
    world = world or generate(options.seed, invoices=options.invoices, companies=options.companies)
    intacct = IntacctSimulator(
        world.intacct,
        IntacctSimConfig(
            credentials=IntacctCredentials(company_id=world.intacct.company_id),
            latency=Latency(options.intacct_latency_ms, options.intacct_function_ms),
            max_concurrent_requests=options.intacct_concurrency,
            concurrency_wait_seconds=options.intacct_concurrency_wait_s,
            faults=_service_faults(options.faults, "intacct", options.fault_seed),
        ),
    )
    officernd = OfficeRndSimulator(
        world.officernd,
        OfficeRndSimConfig(
            latency=Latency(options.officernd_latency_ms),
            read_requests_per_minute=options.officernd_rate_limit,
            faults=_service_faults(options.faults, "officernd", options.fault_seed),
        ),
        take_seed=take_seed,
    )
    return world, intacct, officernd


def start_sandbox(options: SandboxOptions, world: SeedWorld | None = None) -> RunningSandbox:
    """Seed, build and serve both simulators; the caller stops them (or uses ``with``)."""
    world, intacct, officernd = build_simulators(options, world)
    intacct_server = serve(intacct, options.host, options.intacct_port)
    try:
        officernd_server = serve(officernd, options.host, options.officernd_port)
    except BaseException:
        intacct_server.stop()
        raise
    return RunningSandbox(options, world, intacct, officernd, intacct_server, officernd_server)
