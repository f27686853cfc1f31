"""Benchmark: `orsync map init` and `map check` on a large history against the served sandbox.

Run: ``python benchmarks/bench_setup.py`` (10,000 then 100,000 invoices; ``--help``).

The sandbox runs in a child process (its CPU does not share this process's GIL, and this
process's memory is orsync's alone), seeded with ``--invoices`` and a fifth as many
companies, with the latency model on from the start: OfficeRnD 50 ms per request, Intacct
R = 100 ms per request plus F = 10 ms per function, C = 2 requests in flight. Rate limits are
off on both sides (the model charges time, not quotas), so the OfficeRnD client is built here
without its read budget, everything else as ``orsync map`` builds it; the budget's own bound
(300 reads a minute) is printed beside.

Per size, in this order, each with the peak resident memory of this process while it runs
(sampled every 5 ms):

* ``map init`` of the default window (the last 13 months of the seeded world's clock);
* ``map check`` of the drafted file twice: the first and the second after init (both read
  only the documents changed since the kept scan);
* ``map check --refresh`` (the whole window again), for comparison, then once more with every
  service time at zero: orsync's CPU floor.

Read bound of ``map init`` (OfficeRnD and Intacct are read at the same time, so the larger):

    OfficeRnD = (reference lists + ceil(documents in the window / 50)
                 + ceil(charges in the window / 50) + ceil(companies / 50)
                 + ceil(members billed personally / 50) + fee look-ups) * 50 ms / W

(the window's charges name the payment methods in use)

(the members billed personally are the ones the documents name without a company, looked up
by id after the scan; the bound leaves out that this look-up can only start once they are known)
    Intacct   = the catalog's requests as the model charges them, / C

with W = 8, the reads one OfficeRnD client keeps in flight. The documents and charges part
alone (the window's own read bound) is printed too. The bound has no CPU term: wall time over
it is what orsync's parsing and tallying (and the simulators') cost beyond the services'
latency.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import math
import multiprocessing
import os
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

OFFICERND_REQUEST_MS = 50.0
INTACCT_REQUEST_MS = 100.0
INTACCT_FUNCTION_MS = 10.0
INTACCT_CONCURRENCY = 2
OFFICERND_IN_FLIGHT = 8
READ_BUDGET_PER_MINUTE = 300
REFERENCE_LISTS = 5  # locations, revenue accounts, tax rates, plans, payment methods


def serve_world(invoices: int, companies: int, pipe: Connection) -> None:
    """Child: seed the world and serve it with the latency model on until told to stop."""
    os.environ["ORSYNC_INTACCT_XSD"] = ""
    from orsync.sandbox.faults import Latency
    from orsync.sandbox.launch import SandboxOptions, start_sandbox

    options = SandboxOptions(
        invoices=invoices,
        companies=companies,
        intacct_concurrency=INTACCT_CONCURRENCY,
        officernd_rate_limit=None,
        keep_seed=False,  # as `orsync sandbox` holds it
    )
    started = time.perf_counter()
    with start_sandbox(options) as sandbox:
        sandbox.intacct.schema = None  # the gateway's XSD check is CPU the real one does not bill
        gc.collect()
        gc.freeze()  # the world is the simulators' database, not garbage to walk mid-request
        sandbox.intacct.config.latency = Latency(INTACCT_REQUEST_MS, INTACCT_FUNCTION_MS)
        sandbox.officernd.config.latency = Latency(OFFICERND_REQUEST_MS)
        records = sandbox.officernd.records
        members = records("members")
        pipe.send(
            {
                "details": sandbox.details(),
                "seed_s": time.perf_counter() - started,
                "companies": len(records("companies")),
                "members": len(members),
                "personal": sum(1 for m in members if not m.get("company")),
                "rss_mib": _rss_mib(),
                "held_mib": _rss_now_mib(),
            }
        )
        while (message := pipe.recv()) != "stop":
            if message in ("latency off", "latency on"):
                on = message == "latency on"
                sandbox.intacct.config.latency = (
                    Latency(INTACCT_REQUEST_MS, INTACCT_FUNCTION_MS) if on else Latency()
                )
                sandbox.officernd.config.latency = Latency(OFFICERND_REQUEST_MS if on else 0.0)
                pipe.send(message)
            elif isinstance(message, tuple) and message[0] == "charges since":
                # The window's charges (map reads them for the payment methods in use).
                since = message[1]
                pipe.send(
                    sum(
                        1
                        for charge in records("charges")
                        if since is None or str(charge.get("date") or "") >= since
                    )
                )
            elif message == "stats":
                stats = sandbox.intacct.stats
                pipe.send(
                    {
                        "intacct_requests": stats.requests,
                        "intacct_functions": stats.functions,
                        "officernd": dict(sandbox.officernd.request_counts),
                        "simulators_peak_mib": _rss_mib(),
                        "simulators_cpu_s": _cpu_seconds(),
                    }
                )
                sandbox.intacct.reset_stats()
                sandbox.officernd.reset_request_counts()


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _rss_now_mib() -> float:
    """Resident memory now (after seeding, the world held; the peak adds the seeding's own)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profile(details: dict[str, Any], home: str) -> None:
    """A profile named ``bench`` for the served sandbox; its secrets in the environment."""
    os.environ["ORSYNC_HOME"] = home
    from orsync.config import IntacctSettings, OfficeRndSettings, Profile, load_config, save_config
    from orsync.env import default_config_path

    intacct, officernd = details["intacct"], details["officernd"]
    profile = Profile(
        intacct=IntacctSettings(
            url=intacct["url"],
            sender_id=intacct["sender_id"],
            company_id=intacct["company_id"],
            user_id=intacct["user_id"],
        ),
        officernd=OfficeRndSettings(
            org=officernd["org"],
            client_id=officernd["client_id"],
            api_url=officernd["api_url"],
            token_url=officernd["token_url"],
        ),
    )
    path = default_config_path()
    save_config(path, load_config(path).with_profile("bench", profile))
    os.environ["ORSYNC_INTACCT_SENDER_PASSWORD"] = intacct["sender_password"]
    os.environ["ORSYNC_INTACCT_USER_PASSWORD"] = intacct["user_password"]
    os.environ["ORSYNC_OFFICERND_CLIENT_SECRET"] = officernd["client_secret"]


def _connections() -> Any:
    """Both clients as ``orsync map`` builds them, minus OfficeRnD's read budget."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.intacct import IntacctClient
    from orsync.officernd import OfficeRndClient, RateBudget
    from orsync.officernd.client import build_http_client
    from orsync.services.common import (
        Connections,
        build_intacct_http,
        intacct_settings,
        officernd_credentials,
    )

    path = default_config_path()
    name, profile = select_profile(load_config(path), "bench", path)
    intacct_http = build_intacct_http()
    officernd_http = build_http_client()
    officernd = OfficeRndClient(
        officernd_http,
        org=profile.officernd.org,
        credentials=officernd_credentials(name, profile),
        api_url=profile.officernd.api_url,
        token_url=profile.officernd.token_url,
        read_budget=RateBudget(None),
        allow_http=True,
    )
    intacct = IntacctClient(intacct_http, intacct_settings(name, profile))
    return name, profile, Connections(intacct, officernd, (intacct_http, officernd_http))


class RssPeak:
    """This process's resident memory, sampled every few milliseconds on a thread while a
    command runs: its peak is what the machine gives orsync (tracemalloc would count Python's
    allocations only, and double the command's CPU)."""

    def __init__(self) -> None:
        self.peak = self.start = _rss_now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_now())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_now())


def _rss_now() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _timed(command: Any) -> tuple[Any, float, RssPeak, float]:
    gc.collect()
    with RssPeak() as memory:
        cpu = _cpu_seconds()
        started = time.perf_counter()
        result = command()
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
    return result, seconds, memory, cpu


def run_size(invoices: int, world_now: dt.datetime) -> dict[str, Any]:
    import orsync.services.mapping.scan as scan_module
    from orsync.services.mapping import ScanRequest, check_mapping_file, init_mapping

    scan_module.utc_now = lambda: world_now  # the seeded world's clock, as the tests pin it
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=serve_world, args=(invoices, max(20, invoices // 5), child), daemon=True
    )
    process.start()
    ready = parent.recv()
    home = tempfile.mkdtemp(prefix="orsync-bench-setup-")
    _profile(ready["details"], home)
    name, profile, connections = _connections()
    mapping = Path(home) / "mappings.yaml"
    rows: dict[str, Any] = {"invoices": invoices, "ready": ready}
    try:
        connections.officernd.tokens.token()  # one token for the whole run, as within its hour
        parent.send("stats")
        parent.recv()
        steps = (
            ("map init", lambda: init_mapping(name, profile, mapping, connections=connections)),
            (
                "map check",
                lambda: check_mapping_file(name, profile, mapping, connections=connections),
            ),
            (
                "map check (2nd)",
                lambda: check_mapping_file(name, profile, mapping, connections=connections),
            ),
            (
                "map check --refresh",
                lambda: check_mapping_file(
                    name,
                    profile,
                    mapping,
                    connections=connections,
                    scan=ScanRequest(refresh=True),
                ),
            ),
        )
        parent.send("stats")
        simulators_cpu = parent.recv()["simulators_cpu_s"]
        for label, command in steps:
            result, seconds, memory, cpu = _timed(command)
            parent.send("stats")
            stats = parent.recv()
            rows[label] = {
                "result": result,
                "s": seconds,
                "peak": memory.peak,
                "before": memory.start,
                "cpu": cpu,
                "simulators_cpu": stats["simulators_cpu_s"] - simulators_cpu,
                "stats": stats,
            }
            simulators_cpu = stats["simulators_cpu_s"]
        # The whole window once more with every service time at zero: orsync's own CPU (with
        # the simulators' on the same cores), a floor no overlap with latency can lower.
        usage = rows["map init"]["result"].usage
        parent.send(("charges since", usage.since.isoformat() if usage.since else None))
        rows["charges"] = parent.recv()
        parent.send("latency off")
        parent.recv()
        _, rows["zero latency"], _, rows["zero latency cpu"] = _timed(steps[-1][1])
        parent.send("latency on")
        parent.recv()
    finally:
        connections.close()
        parent.send("stop")
        process.join(timeout=60)
    return rows


def _officernd_pages(stats: dict[str, Any], path: str) -> int:
    return int(sum(n for key, n in stats["officernd"].items() if key == f"GET {path}"))


def _intacct_model_s(stats: dict[str, Any]) -> float:
    charged = stats["intacct_requests"] * INTACCT_REQUEST_MS
    charged += stats["intacct_functions"] * INTACCT_FUNCTION_MS
    return charged / 1000 / INTACCT_CONCURRENCY


def report(rows: dict[str, Any]) -> None:
    ready = rows["ready"]
    init = rows["map init"]
    usage = init["result"].usage
    documents_pages = math.ceil(usage.read / 50)
    customer_pages = math.ceil(ready["companies"] / 50) + math.ceil(ready["personal"] / 50)
    charge_pages = math.ceil(rows["charges"] / 50)
    window_pages = documents_pages + charge_pages
    officernd_pages = REFERENCE_LISTS + window_pages + customer_pages + 1
    page_s = OFFICERND_REQUEST_MS / 1000 / OFFICERND_IN_FLIGHT
    officernd_bound = officernd_pages * page_s
    window_bound = window_pages * page_s
    intacct_bound = _intacct_model_s(init["stats"])
    bound = max(officernd_bound, intacct_bound)
    budget_bound = officernd_pages / READ_BUDGET_PER_MINUTE * 60
    made = sum(init["stats"]["officernd"].values())
    print(
        f"== {rows['invoices']} invoices, {ready['companies']} companies, "
        f"{ready['members']} members ({ready['personal']} billed personally); seeded in "
        f"{ready['seed_s']:.0f} s; simulators' RSS holding it {ready['held_mib']:.0f} MiB "
        f"(peak while seeding {ready['rss_mib']:.0f} MiB)"
    )
    print(
        f"map init: {usage.read} documents dated from {usage.since} in {init['s']:.2f} s; "
        f"OfficeRnD requests {made} ({_officernd_pages(init['stats'], '/payments')} document "
        f"pages), Intacct {init['stats']['intacct_requests']} requests"
    )
    print(
        f"  read bound {bound:.2f} s (OfficeRnD {officernd_bound:.2f} s of which the window's "
        f"documents and {rows['charges']} charges {window_bound:.2f} s; Intacct "
        f"{intacct_bound:.2f} s): {init['s'] / bound:.2f}x the bound; "
        f"{init['s'] / window_bound:.2f}x the window's documents and charges alone; OfficeRnD "
        f"requests {made} for {officernd_pages} pages; CPU during it: orsync {init['cpu']:.1f} s, "
        f"simulators {init['simulators_cpu']:.1f} s"
    )
    print(
        f"  under the client's real read budget ({READ_BUDGET_PER_MINUTE}/min) the same "
        f"reads take at least {budget_bound:.0f} s"
    )
    for label in ("map check", "map check (2nd)", "map check --refresh"):
        step = rows[label]
        checked = step["result"].usage
        print(
            f"{label}: {step['s']:.2f} s, {checked.read} documents read "
            f"({'changes only' if checked.incremental else 'the whole window'}), "
            f"OfficeRnD requests {sum(step['stats']['officernd'].values())}; CPU: orsync "
            f"{step['cpu']:.1f} s, simulators {step['simulators_cpu']:.1f} s"
        )
    print(
        f"map check --refresh with every service time at zero: {rows['zero latency']:.2f} s "
        f"(orsync's CPU {rows['zero latency cpu']:.1f} s; with the simulators' on the same "
        "cores, the floor under any wall time)"
    )
    print(
        "simulators' peak RSS after serving every command: "
        f"{rows['map check --refresh']['stats']['simulators_peak_mib']:.0f} MiB"
    )
    print(
        "peak memory (RSS of orsync's process; + over its RSS before the command): "
        + ", ".join(
            f"{label} {rows[label]['peak'] / 2**20:.1f} MiB "
            f"(+{(rows[label]['peak'] - rows[label]['before']) / 2**20:.1f})"
            for label in ("map init", "map check", "map check (2nd)", "map check --refresh")
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    from orsync.sandbox.seed.generator import world_clock

    peaks: list[tuple[int, dict[str, float]]] = []
    for invoices in args.invoices:
        rows = run_size(invoices, world_clock())
        report(rows)
        peaks.append(
            (
                invoices,
                {k: rows[k]["peak"] for k in ("map init", "map check", "map check --refresh")},
            )
        )
    if len(peaks) > 1:
        (small, first), (large, last) = peaks[0], peaks[-1]
        print(
            f"peak memory growth from {small} to {large} invoices ({large / small:.0f}x the "
            "history): " + ", ".join(f"{k} {last[k] / first[k]:.2f}x" for k in first)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
