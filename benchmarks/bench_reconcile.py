"""Benchmark: `orsync reconcile` of 10,000 invoices a side against the served sandbox.

Run: ``.venv/bin/python benchmarks/bench_reconcile.py`` (a few minutes; ``--help`` for sizes).

The sandbox runs in a child process (its CPU does not share this process's GIL, and
tracemalloc then counts the reconcile's memory only). The child seeds the world, connects a
profile with a complete mapping, and posts its customers and documents with one `sync` at zero
latency (what reconcile compares, payments included: reconcile compares the balances, and a world
whose payments were never posted would make a finding of every paid invoice, where a month end
in step has few); then it switches the latency model on and the parent
reconciles the whole history once, timed, with tracemalloc tracing. The world is built without
the OfficeRnD client's read budget (300 reads a minute, for the real service): against the
local simulator it only made the build wait, over 11 minutes at 100,000 invoices.

Latency model (DESIGN.md section 5, as bench_sync): Intacct R = 100 ms per request plus
F = 10 ms per function, C = 2 requests in flight; OfficeRnD 50 ms per request. Rate limits
are off on both sides (the model charges time, not quotas): the reconcile's clients are built
here without OfficeRnD's client-side budget, everything else as ``orsync reconcile`` builds it.

Read lower bound of the model (both systems are read at the same time, so the larger side):

    Intacct  = (R * ceil(f / k) + F * f) / C   f = the fewest read functions that return
               every header and line: 1 session + ceil(headers / 2000) per document kind +
               ceil(lines / 1000) (lines come from readByQuery, the read whose fields=* gives
               the tax detail, 1000 a page); k = functions per request (orsync's bundling)
    OfficeRnD = (reference lists + ceil(documents / 50) + ceil(customers / 50)) * 50 ms
               / W, with W = the 8 concurrent windows orsync's OfficeRnD reader uses; the
               token is fetched once, by the first (traced, untimed) pass, and reused by the
               timed ones, as a token is reused within its hour by any run

The bound charges only the model's service times: it has no CPU term on either side, and it
assumes every window and every line read is in flight at once. The measured wall time adds
orsync's own CPU (parsing, pydantic, the engine) and the simulators' (printed apart: orsync is
this process's CPU during an untraced pass, the simulators the child's), so wall time minus
model time is what the CPU costs. The same passes are then run with every service time at zero:
that time is orsync's own CPU (with the simulators' on the same cores), a floor under the
measured time that no overlap with the services' latency can lower. The time figure is the
median of three untraced passes (the spread is printed): identical passes on this kind of
shared 2-core machine differ by 15% or more.

Naive client, measured in the same run against the same served world and latency model: it
reads OfficeRnD's documents page by page in one window, then for each document, one request at a
time, its Intacct header by reference and its lines by RECORDKEY (``--naive-documents``, default
100, extrapolated linearly to the period's documents). It reads no customers and compares
nothing, which flatters it.

Memory: the peak resident memory (VmHWM) of a reconcile run in a process of its own (a fresh
interpreter that imports orsync, builds the clients and reconciles the whole history once,
untraced; the simulators are in another process), at both sizes: the figure against the
target (< 150 MB, flat). Also tracemalloc's peak during the traced run, against what the
comparison must keep (one summary per document on each side: the engine's posting or
read-back, and its keys), per document at the two sizes so growth with history would show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import math
import multiprocessing
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

INTACCT_REQUEST_MS = 100.0
INTACCT_FUNCTION_MS = 10.0
INTACCT_CONCURRENCY = 2
OFFICERND_REQUEST_MS = 50.0
OFFICERND_WINDOWS = 8
UNTRACED_PASSES = 3
HISTORY = (dt.date(2000, 1, 1), dt.date(2030, 12, 31))


def serve_world(invoices: int, companies: int, home: str, pipe: Connection) -> None:
    """Child: seed, connect, sync at zero latency, then serve with the latency model on."""
    os.environ["ORSYNC_HOME"] = home
    os.environ["ORSYNC_INTACCT_XSD"] = ""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.sandbox.faults import Latency
    from orsync.sandbox.launch import SandboxOptions, start_sandbox
    from orsync.services.demo import prepare_profile, sandbox_environment, scoped_environment
    from orsync.services.sync import SyncOptions, run_sync

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.reconcile.helpers import settle_seed_conflicts

    options = SandboxOptions(
        invoices=invoices,
        companies=companies,
        intacct_concurrency=INTACCT_CONCURRENCY,
        officernd_rate_limit=None,
    )
    with start_sandbox(options) as sandbox:
        sandbox.intacct.schema = None  # the gateway's XSD check is CPU the real one does not bill
        started = time.perf_counter()
        # A clean month end: the seed's planted customer conflicts are settled (as the scenario
        # tests do), so every issued document posts and both sides agree.
        settle_seed_conflicts(sandbox)
        with _no_read_budget():
            prepare_profile(sandbox, mapping_path=Path(home) / "mapping.yaml")
            environment = sandbox_environment(sandbox)
            with scoped_environment(environment):
                path = default_config_path()
                name, profile = select_profile(load_config(path), "demo", path)
                result = run_sync(name, profile, SyncOptions())
        populate = time.perf_counter() - started
        # The seeded world is the simulators' database: a real service does not walk it in a
        # garbage collection mid-request, so it leaves the collector's view (a full collection
        # over it costs the child 0.3-0.5 s at 10k, landing in whichever pass it falls).
        gc.collect()
        gc.freeze()
        sandbox.intacct.config.latency = Latency(INTACCT_REQUEST_MS, INTACCT_FUNCTION_MS)
        sandbox.officernd.config.latency = Latency(OFFICERND_REQUEST_MS)
        sandbox.intacct.reset_stats()
        sandbox.officernd.reset_request_counts()
        cpu_before = _cpu_seconds()
        pipe.send(
            {
                "details": sandbox.details(),
                "environment": environment,
                "sync_exit": result.exit_code,
                "populate_s": populate,
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
            elif message == "reset":
                sandbox.intacct.reset_stats()
                sandbox.officernd.reset_request_counts()
                pipe.send(message)
            elif message == "stats":
                stats = sandbox.intacct.stats
                pipe.send(
                    {
                        "intacct_requests": stats.requests,
                        "intacct_functions": stats.functions,
                        "intacct_by_function": dict(stats.by_function),
                        "officernd_requests": sandbox.officernd.total_requests(),
                        "simulator_cpu_s": _cpu_seconds() - cpu_before,
                    }
                )


@contextmanager
def _no_read_budget() -> Iterator[None]:
    """OfficeRnD clients built inside the block read without the client-side budget (building
    the world only: the local simulator has no rate limit to keep under)."""
    from orsync.officernd import session

    names = vars(session)  # the module's globals: what its constructor calls RateBudget
    budget = names["RateBudget"]

    def unlimited(per_minute: float | None = None, *args: Any, **kwargs: Any) -> Any:
        del per_minute, args, kwargs
        return budget(None)

    names["RateBudget"] = unlimited
    try:
        yield
    finally:
        names["RateBudget"] = budget


def peak_of_one_run(home: str, environment: dict[str, str], pipe: Connection) -> None:
    """Spawned child (a fresh interpreter): one untraced reconcile of the whole history; sends
    (VmHWM in MiB, seconds). Its peak is the reconcile's own: nothing else ran in it."""
    os.environ["ORSYNC_HOME"] = home
    os.environ.update({key: value for key, value in environment.items() if value})
    from orsync.officernd.client import build_http_client

    with build_http_client() as http:
        _, seconds, _, _ = reconcile_once(build_officernd(http), trace=False)
    with open("/proc/self/status") as status:
        peak_kib = next(line for line in status if line.startswith("VmHWM")).split()[1]
    pipe.send((int(peak_kib) / 1024, seconds))


def reconcile_peak(home: str, environment: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one reconcile in a process of its own."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=peak_of_one_run, args=(home, environment, child)
    )
    process.start()
    try:
        peak: tuple[float, float] = parent.recv()
    finally:
        process.join(timeout=60)
    return peak


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def reconcile_once(officernd: Any, *, trace: bool = True) -> tuple[Any, float, int, int]:
    """The reconcile core on clients built as the CLI builds them (minus the OfficeRnD budget);
    ``officernd`` is shared by a size's passes, so its token (OfficeRnD allows 5 a minute) is
    fetched once, in the first pass, which is not a timed one."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.intacct import IntacctClient
    from orsync.services.common import build_intacct_http, intacct_settings
    from orsync.services.mapping import engine_options, load_profile_mapping
    from orsync.services.reconcile import (
        LedgerLinkReader,
        ReconcileRequest,
        existing_ledger,
        reconcile_with,
    )

    path = default_config_path()
    name, profile = select_profile(load_config(path), "demo", path)
    mapping = load_profile_mapping(profile)
    intacct_http = build_intacct_http()
    try:
        intacct = IntacctClient(intacct_http, intacct_settings(name, profile))
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        # The ledger's links are read as `orsync reconcile` reads them (without them every
        # match would be reported as a relink to record).
        with existing_ledger(name) as ledger:
            outcome = reconcile_with(
                intacct,
                officernd,
                engine_options(profile, mapping),
                mapping,
                ReconcileRequest(*HISTORY),
                ledger_reader=None
                if ledger is None
                else LedgerLinkReader(ledger.get_many, ledger.get_by_target_keys),
            )
        seconds = time.perf_counter() - started
        if not trace:
            return outcome, seconds, 0, 0
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return outcome, seconds, peak, current
    finally:
        intacct_http.close()


def build_officernd(http: httpx.Client) -> Any:
    """OfficeRnD's client as ``orsync reconcile`` builds it, without the read budget."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.officernd import OfficeRndClient, RateBudget
    from orsync.services.common import officernd_credentials

    path = default_config_path()
    name, profile = select_profile(load_config(path), "demo", path)
    return OfficeRndClient(
        http,
        org=profile.officernd.org,
        credentials=officernd_credentials(name, profile),
        api_url=profile.officernd.api_url,
        token_url=profile.officernd.token_url,
        read_budget=RateBudget(None),
        allow_http=True,
    )


def naive_reconcile(officernd: Any, sample: int) -> tuple[float, int, int]:
    """The naive client on the first ``sample`` documents: OfficeRnD's documents page by page
    in one window, then for each, one request at a time, its Intacct header by reference and
    its lines by RECORDKEY. It reads no customers and compares nothing, which flatters it.
    Returns (seconds, documents read, Intacct requests)."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.intacct import IntacctClient
    from orsync.intacct.xml import reads
    from orsync.officernd.collections import PAYMENTS
    from orsync.officernd.query import Query
    from orsync.services.common import build_intacct_http, intacct_settings
    from orsync.services.convert import SOURCE_DOCUMENT_FIELDS, SYNCED_DOCUMENT_TYPES
    from orsync.services.convert import readback_parse as parse

    path = default_config_path()
    name, profile = select_profile(load_config(path), "demo", path)
    intacct_http = build_intacct_http()
    try:
        intacct = IntacctClient(intacct_http, intacct_settings(name, profile))
        intacct.sign_in()
        requests = 0
        started = time.perf_counter()
        query = (
            Query()
            .is_in("documentType", list(SYNCED_DOCUMENT_TYPES))
            .fields(*SOURCE_DOCUMENT_FIELDS)
        )
        documents = []
        for document in officernd.iterate(PAYMENTS, query):
            documents.append(document)
            if len(documents) == sample:
                break
        for document in documents:
            credit = document.document_type != "invoice"
            header_object = "ARADJUSTMENT" if credit else "ARINVOICE"
            found = intacct.read_one(
                reads.query(
                    header_object,
                    parse.ADJUSTMENT_HEADER_FIELDS if credit else parse.AR_HEADER_FIELDS,
                    "header",
                    where=reads.equalto(parse.INVOICE_REFERENCE_FIELD, document.number or ""),
                    show_private=True,
                )
            )
            requests += 1
            for header in found.data.records if found.data else ():
                owner = parse.text(header, "MEGAENTITYID")
                intacct.read_one(
                    reads.read_by_query(
                        header_object + "ITEM",
                        f"RECORDKEY = {parse.text(header, 'RECORDNO')}",
                        "lines",
                    ),
                    entity=owner or None,
                )
                requests += 1
        return time.perf_counter() - started, len(documents), requests
    finally:
        intacct_http.close()


def lower_bound(outcome: Any, stats: dict[str, Any], per_request: int) -> tuple[float, float]:
    """(Intacct, OfficeRnD) read lower bounds of the model, in seconds (see the module doc)."""
    del stats
    headers = outcome.intacct_documents
    lines = outcome.lines_read
    # session + invoice header pages + credit memo header pages + line pages
    functions = 1 + math.ceil(headers / 2000) + 1 + math.ceil(lines / 1000)
    requests = math.ceil(functions / per_request)
    intacct = (requests * INTACCT_REQUEST_MS + functions * INTACCT_FUNCTION_MS) / 1000
    intacct /= INTACCT_CONCURRENCY
    customers = len(outcome.customer_refs)
    reference_lists = 6
    officernd_requests = (
        reference_lists + math.ceil(outcome.officernd_documents / 50) + math.ceil(customers / 50)
    )
    officernd = officernd_requests * OFFICERND_REQUEST_MS / 1000 / OFFICERND_WINDOWS
    return intacct, officernd


def model_time(stats: dict[str, Any]) -> tuple[float, float]:
    """What the latency model charges for the requests actually made (same terms as the bound)."""
    intacct = (
        (
            stats["intacct_requests"] * INTACCT_REQUEST_MS
            + stats["intacct_functions"] * INTACCT_FUNCTION_MS
        )
        / 1000
        / INTACCT_CONCURRENCY
    )
    officernd = stats["officernd_requests"] * OFFICERND_REQUEST_MS / 1000 / OFFICERND_WINDOWS
    return intacct, officernd


def run_size(
    invoices: int, companies: int, naive_sample: int, pass_count: int = UNTRACED_PASSES
) -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="orsync-bench-reconcile-")
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=serve_world, args=(invoices, companies, home, child), daemon=True
    )
    process.start()
    ready = parent.recv()
    os.environ["ORSYNC_HOME"] = home
    for key, value in ready["environment"].items():
        if value:
            os.environ[key] = value
    from orsync.officernd.client import build_http_client

    officernd_http = build_http_client()
    officernd = build_officernd(officernd_http)
    try:
        own_peak = reconcile_peak(home, ready["environment"])
        parent.send("reset")  # the request counts below are the traced run's alone
        parent.recv()
        cpu = _cpu_seconds()
        outcome, seconds, peak, current = reconcile_once(officernd)
        cpu = _cpu_seconds() - cpu
        parent.send("stats")
        stats = parent.recv()
        # The same reconcile again without tracemalloc, whose bookkeeping of every allocation
        # costs CPU the real run does not pay: the time figure comes from these passes. Wall
        # times on a shared 2-core machine vary by 15% or more between identical runs, so the
        # median of UNTRACED_PASSES is reported, with the spread.
        passes = []
        simulator_cpu = stats["simulator_cpu_s"]
        for _ in range(pass_count):
            untraced_cpu = _cpu_seconds()
            _, untraced_seconds, _, _ = reconcile_once(officernd, trace=False)
            untraced_cpu = _cpu_seconds() - untraced_cpu
            parent.send("stats")
            now = parent.recv()["simulator_cpu_s"]
            passes.append((untraced_seconds, untraced_cpu, now - simulator_cpu))
            simulator_cpu = now
        # The same passes with every service time at zero: what is left is orsync's own CPU
        # (and the simulators'), which no overlap with the service's latency can hide.
        parent.send("latency off")
        parent.recv()
        unloaded = sorted(reconcile_once(officernd, trace=False)[1] for _ in range(pass_count))
        parent.send("latency on")
        parent.recv()
        naive = naive_reconcile(officernd, naive_sample) if naive_sample else None
    finally:
        officernd_http.close()
        parent.send("stop")
        process.join(timeout=30)
    return {
        "invoices": invoices,
        "populate_s": ready["populate_s"],
        "sync_exit": ready["sync_exit"],
        "outcome": outcome,
        "seconds": seconds,
        "peak": peak,
        "retained": current,
        "stats": stats,
        "cpu_s": cpu,
        "passes": sorted(passes),
        "zero_latency": unloaded,
        "naive": naive,
        "own_peak": own_peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_500, help="second size, for growth")
    parser.add_argument(
        "--naive-documents",
        type=int,
        default=100,
        help="documents the naive client reads per size, extrapolated (0 = skip it)",
    )
    parser.add_argument(
        "--passes",
        type=int,
        default=UNTRACED_PASSES,
        help="untraced passes per size (and as many at zero latency); the median is reported",
    )
    args = parser.parse_args(argv)

    from orsync.services.convert import LINE_FUNCTIONS_PER_REQUEST

    rows = []
    for invoices in (args.small, args.invoices):
        row = run_size(invoices, max(20, invoices // 5), args.naive_documents, args.passes)
        rows.append(row)
        outcome, stats = row["outcome"], row["stats"]
        intacct_bound, officernd_bound = lower_bound(outcome, stats, LINE_FUNCTIONS_PER_REQUEST)
        bound = max(intacct_bound, officernd_bound)
        docs = outcome.officernd_documents + outcome.intacct_documents
        populated = f"populated by sync in {row['populate_s']:.1f} s, exit {row['sync_exit']}"
        print(f"== {invoices} invoices ({populated})")
        print(
            f"read: {outcome.officernd_documents} OfficeRnD documents, "
            f"{outcome.intacct_documents} Intacct documents, {outcome.lines_read} Intacct lines; "
            f"findings {len(outcome.report.findings)}, relinks {len(outcome.report.relinks)}, "
            f"ledger links {outcome.ledger_links}"
        )
        print(
            f"requests: Intacct {stats['intacct_requests']} "
            f"({stats['intacct_functions']} functions: {stats['intacct_by_function']}), "
            f"OfficeRnD {stats['officernd_requests']}"
        )
        print(
            f"read lower bound {bound:.2f} s (Intacct {intacct_bound:.2f} s, "
            f"OfficeRnD {officernd_bound:.2f} s)"
        )
        planned_intacct, planned_officernd = model_time(stats)
        planned = max(planned_intacct, planned_officernd)
        print(
            f"model time of the requests orsync made: {planned:.2f} s (Intacct "
            f"{planned_intacct:.2f} s, OfficeRnD {planned_officernd:.2f} s) = "
            f"{planned / bound:.2f}x the bound"
        )
        seconds, cpu, simulator_cpu = row["passes"][len(row["passes"]) // 2]
        spread = ", ".join(f"{p[0]:.2f}" for p in row["passes"])
        print(
            f"measured wall time {seconds:.2f} s = {seconds / bound:.2f}x the bound, the median "
            f"of {len(row['passes'])} passes ({spread} s; CPU of that pass: orsync {cpu:.2f} s, "
            f"simulators {simulator_cpu:.2f} s); with tracemalloc on: {row['seconds']:.2f} s"
        )
        unloaded = row["zero_latency"][len(row["zero_latency"]) // 2]
        print(
            f"the same reconcile with every service time at zero: {unloaded:.2f} s = "
            f"{unloaded / bound:.2f}x the bound (median of {len(row['zero_latency'])}): the "
            "CPU time no overlap with the services' latency can hide"
        )
        if row["naive"] is not None:
            naive_s, naive_docs, naive_requests = row["naive"]
            scale = outcome.officernd_documents / max(naive_docs, 1)
            naive_full = naive_s * scale
            # The model's charge alone, without the simulator's CPU per look-up (a scan of the
            # whole table here, an index at Intacct): the naive client's most flattering figure.
            naive_model = naive_requests * (INTACCT_REQUEST_MS + INTACCT_FUNCTION_MS) / 1000
            print(
                f"naive client (one request per record, one in flight): {naive_s:.2f} s for "
                f"{naive_docs} documents in {naive_requests} Intacct requests (model "
                f"{naive_model:.1f} s), extrapolated to {outcome.officernd_documents} documents: "
                f"{naive_full:.0f} s (model {naive_model * scale:.0f} s); orsync is "
                f"{naive_full / seconds:.0f}x faster ({naive_model * scale / seconds:.0f}x on the "
                "model's charge alone)"
            )
        own_mib, own_s = row["own_peak"]
        print(
            f"peak memory at {invoices} invoices: {own_mib:.0f} MiB resident (VmHWM) for a "
            f"reconcile in a process of its own ({own_s:.1f} s; target < 150 MB, flat)"
        )
        print(
            f"memory: peak {row['peak'] / 2**20:.1f} MiB, retained at the end "
            f"{row['retained'] / 2**20:.1f} MiB; peak per document compared "
            f"{row['peak'] / max(docs, 1) / 1024:.2f} KiB"
        )
    if len(rows) == 2:
        small, large = rows

        def per_doc(r: dict[str, Any]) -> float:
            o = r["outcome"]
            return r["peak"] / max(o.officernd_documents + o.intacct_documents, 1)

        print(
            f"peak per document: {per_doc(small) / 1024:.2f} KiB at {small['invoices']} invoices, "
            f"{per_doc(large) / 1024:.2f} KiB at {large['invoices']} (flat = grows only with the "
            "keys compared)"
        )
        low, high = small["own_peak"][0], large["own_peak"][0]
        print(
            f"peak RSS of a reconcile: {low:.0f} MiB at {small['invoices']} invoices, "
            f"{high:.0f} MiB at {large['invoices']} = {high / low:.2f}x for "
            f"{large['invoices'] / small['invoices']:.0f}x the history (flat = 1)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
