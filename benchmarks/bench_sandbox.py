"""Benchmark: what the simulators cost to build and to hold, at 10,000 and 100,000 invoices.

Run: ``python benchmarks/bench_sandbox.py`` (about a minute; ``--sizes 1000 10000`` to change).

Each size is built in a child process of its own, as ``orsync sandbox --seed 5 --invoices N
--companies N/5 --officernd-rate-limit none`` builds it (the seed handed to the simulators, not
kept), so each child's memory is that world's alone. Per size:

* build: seconds of wall time to generate the world and load both simulators (CPU seconds
  beside: on a shared machine the wall time moves with the neighbours' load);
* held: resident memory once built (the world at rest), and the peak while building;
* read: resident memory after every payment document was read once, 50 a page, through the
  OfficeRnD simulator's API (in process): reads must not turn the world back into dicts;
* per invoice: held memory over invoices, which should stay about flat between the two sizes.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from typing import Any

SEED = 5


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def build_world(invoices: int, pipe: Connection) -> None:
    """Child: build the simulators for ``invoices``, measure, read every document, measure."""
    os.environ["ORSYNC_INTACCT_XSD"] = ""
    import httpx

    from orsync.sandbox.launch import SandboxOptions, build_simulators
    from orsync.sandbox.server import in_process_transport

    base_mib = _rss_mib()
    started, cpu = time.perf_counter(), _cpu_seconds()
    options = SandboxOptions(
        seed=SEED,
        invoices=invoices,
        companies=invoices // 5,
        officernd_rate_limit=None,
        keep_seed=False,
    )
    world, _intacct, officernd = build_simulators(options)
    build_s, build_cpu_s = time.perf_counter() - started, _cpu_seconds() - cpu
    gc.collect()
    held_mib = _rss_mib() - base_mib
    build_peak_mib = _peak_mib() - base_mib
    app = world.officernd.applications[0]
    token = officernd.mint_token(app.client_id, app.scopes)
    documents = 0
    with httpx.Client(
        transport=in_process_transport(officernd),
        base_url="http://officernd.bench",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        params = {"$limit": "50"}
        while True:
            answer = http.get(f"/api/v2/organizations/{officernd.org_slug}/payments", params=params)
            answer.raise_for_status()
            body = answer.json()
            documents += len(body["results"])
            if not body.get("cursorNext"):
                break
            params = {"$limit": "50", "$cursorNext": body["cursorNext"]}
    gc.collect()
    pipe.send(
        {
            "invoices": invoices,
            "build_s": build_s,
            "build_cpu_s": build_cpu_s,
            "held_mib": held_mib,
            "build_peak_mib": build_peak_mib,
            "read_mib": _rss_mib() - base_mib,
            "documents": documents,
        }
    )


def measure(invoices: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=build_world, args=(invoices, child))
    process.start()
    result: dict[str, Any] = parent.recv()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    results = [measure(size) for size in args.sizes]
    rows = [
        ("invoices", "{invoices:,}"),
        ("documents read", "{documents:,}"),
        ("build wall (s)", "{build_s:.1f}"),
        ("build CPU (s)", "{build_cpu_s:.1f}"),
        ("held after build (MiB)", "{held_mib:.0f}"),
        ("peak while building (MiB)", "{build_peak_mib:.0f}"),
        ("held after reading all (MiB)", "{read_mib:.0f}"),
        ("held per invoice (KiB)", "{per_invoice_kib:.1f}"),
    ]
    for result in results:
        result["per_invoice_kib"] = result["held_mib"] * 1024 / result["invoices"]
    print("Simulators (OfficeRnD + Intacct), seed 5, companies = invoices / 5; memory above")
    print("the interpreter's own at start")
    for label, pattern in rows:
        cells = "".join(f"{pattern.format(**result):>14}" for result in results)
        print(f"  {label:<30}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
