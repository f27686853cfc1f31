"""Benchmark: full read of 10,000 invoices from the served OfficeRnD simulator.

Compares sequential cursor paging with the windowed concurrent read in one run, at a
per-request latency of 50 ms; shows that the streaming read's peak memory does not grow with
history; and times seed generation for 10,000 and 100,000 invoices.

    .venv/bin/python benchmarks/bench_officernd.py [--invoices 10000] [--latency-ms 50]

The simulator runs in a child process, as the real service runs elsewhere: its CPU then does
not share this process's GIL, and tracemalloc counts the client's memory only. Rate limits are
off on both sides: with OfficeRnD's (unofficial) ~400 reads a minute, 200 pages take at least
30 s however they are issued, so a rate-bound run measures the budget, not the client.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event

import httpx

from orsync.officernd import ClientCredentials, OfficeRndClient, PaymentDocument, Query, RateBudget
from orsync.officernd.collections import PAYMENTS
from orsync.sandbox.faults import Latency
from orsync.sandbox.officernd import OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.seed import generate
from orsync.sandbox.seed.generator import DEFAULT_START, world_clock
from orsync.sandbox.server import serve

SEED = 42
INVOICES = Query().eq("documentType", "invoice")
START = datetime.combine(DEFAULT_START, datetime.min.time(), UTC) - timedelta(days=31)


def _companies(invoices: int) -> int:
    return max(20, invoices // 10)


def run_simulator(
    invoices: int, latency_ms: float, ready: multiprocessing.Queue, stop: Event
) -> None:  # type: ignore[type-arg]
    org = generate(SEED, invoices=invoices, companies=_companies(invoices)).officernd
    config = OfficeRndSimConfig(
        read_requests_per_minute=None,
        write_requests_per_minute=None,
        latency=Latency(per_request_ms=latency_ms),
    )
    with serve(OfficeRndSimulator(org, config)) as served:
        app = org.applications[0]
        ready.put((served.base_url, org.org_slug, app.client_id, app.client_secret))
        stop.wait()


def make_client(
    http: httpx.Client, base_url: str, org: str, cid: str, secret: str
) -> OfficeRndClient:
    return OfficeRndClient(
        http,
        org=org,
        credentials=ClientCredentials(cid, secret),
        api_url=base_url,
        token_url=f"{base_url}/oauth/token",
        read_budget=RateBudget(None),
        write_budget=RateBudget(None),
    )


def sequential(client: OfficeRndClient, query: Query = INVOICES) -> Iterator[PaymentDocument]:
    return client.payments(query)


WINDOWS: int | None = None


def windowed(
    client: OfficeRndClient, workers: int, query: Query = INVOICES
) -> Iterator[PaymentDocument]:
    return client.read_windowed(
        PAYMENTS,
        query,
        start=START,
        end=world_clock(),
        workers=workers,
        windows=WINDOWS or workers * 2,
    )


def measure(label: str, records: Iterator[PaymentDocument]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    ids = [record.id for record in records]
    elapsed = time.perf_counter() - started
    print(f"  {label:<28} {len(ids):>7} records {elapsed:7.2f} s {len(ids) / elapsed:7.0f} rec/s")
    return elapsed, ids


def peak_profile(records: Iterator[PaymentDocument], marks: tuple[int, ...]) -> list[float]:
    """Peak traced MiB so far after each mark (records dropped once seen, as a sync does).

    Flat memory means the peak after the first quarter of the stream is already the peak
    after all of it: what is held is bounded by pages in flight, not by history.
    """
    gc.collect()
    tracemalloc.start()
    peaks: list[float] = []
    for count, _ in enumerate(records, start=1):
        if count in marks:
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
    tracemalloc.stop()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description="OfficeRnD client read benchmark")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--windows", type=int, default=None, help="default: 2 per worker")
    parser.add_argument("--seed-sizes", default="10000,100000", help="seed timings to run")
    args = parser.parse_args()
    global WINDOWS
    WINDOWS = args.windows

    print(f"Seed generation (orsync.sandbox.seed.generate, seed {SEED})")
    for size in (int(s) for s in args.seed_sizes.split(",") if s):
        started = time.perf_counter()
        world = generate(SEED, invoices=size, companies=_companies(size))
        seconds = time.perf_counter() - started
        docs = len(world.officernd.collections["payments"])
        print(f"  {size:>7} invoices: {seconds:6.2f} s ({docs} payment documents)")
        del world

    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    stop = context.Event()
    child = context.Process(
        target=run_simulator, args=(args.invoices, args.latency_ms, ready, stop), daemon=True
    )
    child.start()
    base_url, org, cid, secret = ready.get(timeout=300)
    try:
        with httpx.Client(timeout=30.0) as http:
            client = make_client(http, base_url, org, cid, secret)
            client.tokens.token()  # both reads start with a cached token
            print(
                f"\nFull read of {args.invoices} invoices from the served simulator "
                f"({args.latency_ms:.0f} ms per request, {args.workers} workers, "
                f"{args.windows or args.workers * 2} windows)"
            )
            seq_s, seq_ids = measure("sequential cursor paging", sequential(client))
            win_s, win_ids = measure("windowed concurrent read", windowed(client, args.workers))
            pages = -(-len(seq_ids) // 50)
            floor = pages * args.latency_ms / 1000
            print(
                f"  speed-up {seq_s / win_s:.1f}x (target >= 3x); sequential latency floor "
                f"{pages} pages x {args.latency_ms:.0f} ms = {floor:.1f} s"
            )
            exact = sorted(seq_ids) == sorted(win_ids) and len(set(win_ids)) == len(win_ids)
            print(f"  same records as sequential, each exactly once: {exact}")

            print("\nPeak traced memory of the client while streaming (MiB, peak so far)")
            total = len(seq_ids)
            marks = tuple(total * k // 4 for k in (1, 2, 3, 4))
            print(f"  {'after records:':<28}" + "".join(f"{m:>9}" for m in marks))
            for label, records in (
                ("windowed concurrent read", windowed(client, args.workers)),
                ("sequential cursor paging", sequential(client)),
            ):
                peaks = peak_profile(records, marks)
                print(f"  {label:<28}" + "".join(f"{p:9.1f}" for p in peaks))
            gc.collect()
            tracemalloc.start()
            held = list(sequential(client))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"  {'(contrast) a list of all':<28}{'':>27}{peak / 2**20:9.1f}"
                f"   ({len(held)} records held at once)"
            )
    finally:
        stop.set()
        child.join(timeout=10)


if __name__ == "__main__":
    main()
