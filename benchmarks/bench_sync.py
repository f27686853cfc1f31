"""Benchmark: `orsync sync` end to end against the served sandbox with a latency model.

Run: ``.venv/bin/python benchmarks/bench_sync.py`` (several minutes; ``--help`` for sizes).

Workload: the seeded world (``sandbox.seed.generate``) with 10,000 invoices (about 3 lines
each) and 2,000 companies. Latency model (DESIGN.md section 5): Intacct R = 100 ms per request
plus F = 10 ms per function, run one after another, C = 2 requests in flight per company;
OfficeRnD 50 ms per request, no rate limit (the model charges time, not quotas).

Every figure comes from one run of this script:

1. Initial sync: `python -m orsync sync` as a subprocess (its own memory, like cron would run
   it), timed, against the model's lower bound

       bound = T_first_reads + (W * F + ceil(W / B) * R) / C

   where W is the number of write functions strictly needed (customers created plus documents
   created, counted in the simulator afterwards), B the batch size orsync's Intacct client
   uses, and T_first_reads one OfficeRnD request plus one Intacct request (nothing can be
   written before one read of each side; every later read may overlap the writes).
2. Naive client: the same write functions posted one per request, one request at a time,
   measured on a sample world (``--naive-invoices``, default 300, companies in the same 5:1
   ratio), and extrapolated linearly to the full workload (time x invoices / sample invoices).
   The naive client reads nothing, which flatters it.
3. Second (no-change) run: time and requests per service.
4. Peak memory (VmHWM of the sync subprocess, read by the process itself as it exits; the
   simulators run in this process, so their memory is not counted) at 10,000 and 100,000
   invoices (``--memory-sizes``), without latency and without OfficeRnD's client-side read
   budget (300 reads a minute, which against the local simulator only makes the run wait:
   memory is the figure here, not time).
5. Intacct API transactions (functions, from the simulator's counters) per invoice.
6. A month of payments: after everything is synced (documents and the seeded history of
   payments), a month of new invoices is posted and paid in OfficeRnD (1/12 of the history's
   successful charges); the incremental `sync --only payments` is timed against the same
   bound with W = payments written, beside a naive client posting the same payments one per
   request (a sample, extrapolated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from orsync.env import EnvVars
from orsync.intacct import IntacctClient, IntacctSettings, Succeeded
from orsync.intacct.settings import DEFAULT_BATCH_SIZE
from orsync.intacct.xml.envelope import LoginCredentials, SenderCredentials
from orsync.intacct.xml.function import Function
from orsync.sandbox.activity import Activity
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from orsync.services.demo import (
    issued_documents,
    keyring_disabled,
    posted_documents,
    prepare_profile,
    sandbox_environment,
    scoped_environment,
)

INTACCT_REQUEST_MS = 100.0
INTACCT_FUNCTION_MS = 10.0
INTACCT_CONCURRENCY = 2
OFFICERND_REQUEST_MS = 50.0
# The sync runs under this wrapper so that its peak memory is its own: ru_maxrss from wait4
# would also count the pages of this (large) benchmark process that the child shared before
# exec. VmHWM of the exec'ed interpreter is the sync process's high-water mark alone.
_PEAK_WRAPPER = """
import os, sys
if os.environ.get("BENCH_NO_READ_BUDGET"):
    from orsync.officernd import session
    names = vars(session)  # the module's globals: what its constructor calls RateBudget
    budget = names["RateBudget"]
    session.RateBudget = lambda *args, **kwargs: budget(None)
from orsync.cli import main
try:
    main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM"))
    with open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(peak.split()[1])
"""
WRITE_PREFIXES = ("create", "update", "reverse", "delete", "apply")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


@dataclass
class SyncRun:
    seconds: float
    exit_code: int
    max_rss_mb: float
    intacct_requests: int
    intacct_functions: int
    by_function: Counter[str]
    officernd_requests: int
    stderr: str
    summary: dict[str, Any]
    started: float = 0.0  # time.monotonic()
    ended: float = 0.0


def sandbox_options(invoices: int, companies: int, seed: int, latency: bool) -> SandboxOptions:
    return SandboxOptions(
        seed=seed,
        invoices=invoices,
        companies=companies,
        intacct_latency_ms=INTACCT_REQUEST_MS if latency else 0.0,
        intacct_function_ms=INTACCT_FUNCTION_MS if latency else 0.0,
        intacct_concurrency=INTACCT_CONCURRENCY,
        officernd_latency_ms=OFFICERND_REQUEST_MS if latency else 0.0,
        officernd_rate_limit=None,
    )


@contextmanager
def prepared(options: SandboxOptions) -> Iterator[tuple[RunningSandbox, Path]]:
    """A served sandbox and a fresh ORSYNC_HOME with a connected, fully mapped profile."""
    # Request validation against the XSD costs the simulator CPU the real gateway does not
    # charge to us; the scenario tests validate every request already.
    with (
        tempfile.TemporaryDirectory(prefix="orsync-bench-") as home,
        scoped_environment({EnvVars.HOME: home, EnvVars.PROFILE: None, EnvVars.INTACCT_XSD: ""}),
        start_sandbox(options) as sandbox,
    ):
        sandbox.intacct.schema = None
        prepare_profile(sandbox, mapping_path=Path(home) / "mapping.yaml")
        yield sandbox, Path(home)


def run_sync(
    sandbox: RunningSandbox, home: Path, *options: str, read_budget: bool = True
) -> SyncRun:
    """One `orsync sync` subprocess; the simulators' counters are reset first."""
    sandbox.intacct.reset_stats()
    sandbox.officernd.reset_request_counts()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORSYNC_")}
    env.update({k: v for k, v in sandbox_environment(sandbox).items() if v})
    env[EnvVars.HOME] = str(home)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    peak_file = home / "sync-peak-kb"
    env["BENCH_PEAK_FILE"] = str(peak_file)
    if not read_budget:
        env["BENCH_NO_READ_BUDGET"] = "1"
    start = time.perf_counter()
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, "--profile", "demo", "--json", "sync", *options],
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    ended = time.monotonic()
    stderr = process.stderr.decode(errors="replace")
    summary = json.loads(process.stdout) if process.stdout.strip() else {}
    stats = sandbox.intacct.stats
    return SyncRun(
        seconds=elapsed,
        exit_code=process.returncode,
        max_rss_mb=int(peak_file.read_text()) / 1024.0,  # VmHWM is in kB
        intacct_requests=stats.requests,
        intacct_functions=stats.functions,
        by_function=Counter(stats.by_function),
        officernd_requests=sandbox.officernd.total_requests(),
        stderr=stderr,
        summary=summary,
        started=started,
        ended=ended,
    )


def writes_needed(sandbox: RunningSandbox, customers_before: int) -> tuple[int, int]:
    """(customers created, documents and payments created), read from the simulator."""
    documents = [d for d in posted_documents(sandbox.intacct) if d.live]
    with sandbox.intacct.store.lock:
        customers = len(sandbox.intacct.store.customer_table) - customers_before
    return customers, len(documents) + len(orsync_payments(sandbox))


def orsync_payments(sandbox: RunningSandbox) -> list[Any]:
    """The live AR payments orsync posted (origin marker, not reversed)."""
    return [
        p
        for p in sandbox.intacct.store.payments()
        if (p.description or "").startswith("orsync:") and not p.reversed
    ]


def capture_writes(sandbox: RunningSandbox) -> dict[str, Function]:
    """Record every distinct write function the simulator receives from now on, in order
    (by controlid: a retried function is one write)."""
    captured: dict[str, Function] = {}
    sim = sandbox.intacct
    original = sim.handle

    def handle(body: bytes, endpoint: str) -> Any:
        try:
            tree = etree.fromstring(body, parser=PARSER)
        except etree.XMLSyntaxError:
            return original(body, endpoint)
        for function in tree.iterfind("operation/content/function"):
            payload = function[0] if len(function) else None
            controlid = function.get("controlid") or ""
            if payload is None or not str(payload.tag).startswith(WRITE_PREFIXES):
                continue
            captured.setdefault(
                controlid,
                Function(str(payload.tag), controlid, etree.tostring(payload), is_write=True),
            )
        return original(body, endpoint)

    sim.handle = handle  # type: ignore[method-assign]
    return captured


@dataclass
class Timeline:
    """When each simulated request ran (seconds since the sync started), and what it did."""

    intacct: list[tuple[float, float, str]]
    officernd: list[tuple[float, float, str]]


def record_timeline(sandbox: RunningSandbox) -> Timeline:
    """Wrap both simulators so every request's interval is kept (monotonic clock)."""
    timeline = Timeline([], [])
    intacct, officernd = sandbox.intacct, sandbox.officernd
    original_handle = intacct.handle

    def handle(body: bytes, endpoint: str) -> Any:
        start = time.monotonic()
        try:
            return original_handle(body, endpoint)
        finally:
            found = [m.decode() for m in _FUNCTION_NAMES.findall(body)]
            objects = sorted({m.decode() for m in _OBJECT_NAMES.findall(body)})
            label = ",".join(sorted(set(found))) + f"#{len(found)}"
            label += f"({','.join(objects)})" if objects else ""
            timeline.intacct.append((start, time.monotonic(), label))

    intacct.handle = handle  # type: ignore[method-assign]
    # The server calls the simulator object, and Python looks __call__ up on the class: the
    # class is wrapped for the rest of this process (a benchmark, one sandbox at a time).
    original_call = type(officernd).__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        start = time.monotonic()
        try:
            return original_call(self, environ, start_response)
        finally:
            timeline.officernd.append(
                (start, time.monotonic(), str(environ.get("PATH_INFO", "")).rsplit("/", 1)[-1])
            )

    type(officernd).__call__ = call  # type: ignore[method-assign]
    return timeline


_FUNCTION_NAMES = re.compile(rb"<function[^>]*>\s*<([A-Za-z_]+)")
_OBJECT_NAMES = re.compile(rb"<object>([A-Za-z_]+)</object>")


def explain_timeline(timeline: Timeline, started: float, ended: float) -> None:
    """Where the wall time of one sync went, from the simulators' point of view."""
    intacct = [entry for entry in timeline.intacct if started <= entry[0] < ended]
    writes = [(a, b) for a, b, names in intacct if names.startswith(WRITE_PREFIXES)]
    reads = [(a, b) for a, b, names in intacct if not names.startswith(WRITE_PREFIXES)]
    first_write = min((a for a, _ in writes), default=ended)
    last_write = max((b for _, b in writes), default=ended)

    def covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
        total, cursor = 0.0, lo
        for a, b in sorted(intervals):
            a, b = max(a, cursor), min(b, hi)
            if b > a:
                total += b - a
                cursor = b
        return total

    officernd = [(a, b) for a, b, _ in timeline.officernd if started <= a < ended]
    functions = [
        int(names.rsplit("#", 1)[1]) for _, _, names in intacct if names.startswith(WRITE_PREFIXES)
    ]
    span = max(last_write - first_write, 1e-9)
    print(f"    timeline of the run ({ended - started:.1f} s wall):")
    print(f"      process start to first request: {min(a for a, _ in officernd) - started:.1f} s")
    print(f"      before the first write: {first_write - started:.1f} s")
    print(
        f"      writes span {span:.1f} s; Intacct writing during "
        f"{covered(writes, first_write, last_write):.1f} s of it; on average "
        f"{sum(b - a for a, b in writes) / span:.2f} write requests in flight (cap "
        f"{INTACCT_CONCURRENCY}); {len(writes)} write requests of {sum(functions)} functions, "
        f"{sum(functions) / max(1, len(writes)):.1f} per request (batch size "
        f"{DEFAULT_BATCH_SIZE}); {sum(1 for f in functions if f < DEFAULT_BATCH_SIZE)} "
        "requests not full"
    )
    print(
        f"      Intacct reads: {len(reads)} requests, {sum(b - a for a, b in reads):.1f} s "
        f"(busy {covered(reads, started, ended):.1f} s of wall time): "
        + ", ".join(
            f"{names} at {a - started:.1f}-{b - started:.1f} s"
            for a, b, names in intacct
            if not names.startswith(WRITE_PREFIXES)
        )
    )
    print(
        f"      OfficeRnD: {len(officernd)} requests, busy "
        f"{covered(officernd, started, ended):.1f} s of wall time"
    )
    print(f"      after the last write: {ended - last_write:.1f} s")


def naive_post(sandbox: RunningSandbox, functions: list[Function]) -> float:
    """Post ``functions`` one per request, one request at a time; the elapsed seconds."""
    creds = sandbox.intacct.credentials
    settings = IntacctSettings(
        sender=SenderCredentials(creds.sender_id, creds.sender_password),
        login=LoginCredentials(creds.user_id, creds.company_id, creds.user_password),
        endpoint=sandbox.intacct_url,
        batch_size=1,
        max_in_flight=1,
    )
    with httpx.Client(timeout=60) as http:
        client = IntacctClient(http, settings)
        client.sign_in()
        start = time.perf_counter()
        outcomes = list(client.write(functions, batch_size=1))
        elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not isinstance(o, Succeeded)]
    if failed:
        # The same business errors orsync met (e.g. invoices of inactive former customers).
        print(f"  note: {len(failed)} naive writes failed, as they did for orsync")
    return elapsed


@contextmanager
def no_read_budget() -> Iterator[None]:
    """OfficeRnD clients built in this process inside the block (``map init`` preparing the
    profile) read without the client-side budget: the local simulator has no rate limit."""
    from orsync.officernd import session

    names = vars(session)  # the module's globals: what its constructor calls RateBudget
    budget = names["RateBudget"]

    def unlimited(*args: Any, **kwargs: Any) -> Any:
        del args, kwargs
        return budget(None)

    names["RateBudget"] = unlimited
    try:
        yield
    finally:
        names["RateBudget"] = budget


def lower_bound(writes: int, batch: int, requests: int | None = None) -> float:
    """The model's bound; ``requests``: the fewest write requests (default ceil(W/B))."""
    first_reads = (OFFICERND_REQUEST_MS + INTACCT_REQUEST_MS + INTACCT_FUNCTION_MS) / 1000.0
    requests = math.ceil(writes / batch) if requests is None else requests
    service = (writes * INTACCT_FUNCTION_MS + requests * INTACCT_REQUEST_MS) / 1000.0
    return first_reads + service / INTACCT_CONCURRENCY


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--naive-invoices", type=int, default=300)
    parser.add_argument("--memory-sizes", default="10000,100000")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-payments", action="store_true")
    parser.add_argument("--payments-only", action="store_true", help="Only section 6.")
    parser.add_argument(
        "--month-payments",
        type=int,
        default=0,
        help="Payments in the month (default: 1/12 of the seeded history's successful charges).",
    )
    parser.add_argument("--naive-payments", type=int, default=200)
    parser.add_argument(
        "--timeline", action="store_true", help="Show where the initial run's time went."
    )
    args = parser.parse_args(argv)
    n, m = args.invoices, args.companies
    print(
        f"workload: {n} invoices, {m} companies (seed {args.seed}); Intacct "
        f"{INTACCT_REQUEST_MS:.0f} ms/request + {INTACCT_FUNCTION_MS:.0f} ms/function, "
        f"{INTACCT_CONCURRENCY} in flight; OfficeRnD {OFFICERND_REQUEST_MS:.0f} ms/request"
    )
    if args.payments_only:
        with keyring_disabled():
            measure_payments(args, n, m)
        return 0
    with keyring_disabled():
        section("initial and no-change sync (latency model on)")
        build = time.perf_counter()
        with prepared(sandbox_options(n, m, args.seed, latency=True)) as (sandbox, home):
            print(f"  world built and profile prepared in {time.perf_counter() - build:.1f} s")
            with sandbox.intacct.store.lock:
                customers_before = len(sandbox.intacct.store.customer_table)
            timeline = record_timeline(sandbox) if args.timeline else None
            first = run_sync(sandbox, home)
            customers, documents = writes_needed(sandbox, customers_before)
            issued = issued_documents(sandbox.officernd)
            second = run_sync(sandbox, home)
        report_initial(first, second, customers, documents, issued)
        if timeline is not None:
            explain_timeline(timeline, first.started, first.ended)
        naive_s = None
        if not args.skip_naive:
            naive_s = measure_naive(args, n, m)
        if naive_s is not None:
            naive_full = naive_s * n / args.naive_invoices
            print(
                f"  naive extrapolated to {n} invoices: {naive_full:.1f} s "
                f"(= {naive_s:.2f} s x {n}/{args.naive_invoices}); orsync is "
                f"{naive_full / first.seconds:.1f}x faster"
            )
        if not args.skip_memory:
            measure_memory(args, m, n)
        if not args.skip_payments:
            measure_payments(args, n, m)
    return 0


def measure_payments(args: argparse.Namespace, n: int, m: int) -> None:
    """A month of payments: everything synced first (documents and the whole history of
    payments), then a month of new invoices posted, then a month of card and bank payments
    taken on them in OfficeRnD (about 1/12 of the seeded history's successful charges); the
    incremental ``sync --only payments`` that carries them is timed against the model's bound
    (W = the payments it writes) and, side by side, a naive client posting the same payments
    one per request (a sample, extrapolated)."""
    section("a month of payments (latency model on)")
    with prepared(sandbox_options(n, m, args.seed, latency=True)) as (sandbox, home):
        history = run_sync(sandbox, home)
        seeded = len(orsync_payments(sandbox))
        print(
            f"  history first: exit {history.exit_code}, {history.seconds:.1f} s "
            f"({seeded} payments of the seeded history)"
        )
        charged = sandbox.officernd.records("charges", status="success")
        month = args.month_payments or max(1, round(len(charged) / 12))
        posted = {d.record_id for d in sandbox.intacct.store.invoices() if d.record_id}
        activity = Activity(sandbox.officernd, seed=args.seed)
        templates = [
            doc
            for doc in sandbox.officernd.records("payments", documentType="invoice")
            if doc.get("company") and doc.get("status") == "paid" and doc["number"] in posted
        ]
        invoices = [
            activity.new_invoice(templates[index % len(templates)]) for index in range(month)
        ]
        documents = run_sync(sandbox, home, "--only", "customers,invoices,credit-notes")
        print(
            f"  a month of invoices ({month}) posted: exit {documents.exit_code}, "
            f"{documents.seconds:.1f} s"
        )
        before = {p.recordno for p in orsync_payments(sandbox)}
        methods = ("Credit Card", "Bank Transfer")
        for index, invoice in enumerate(invoices):
            sandbox.officernd.add_charge(
                invoice["_id"], str(invoice["total"]), account=methods[index % 2]
            )
        capture = capture_writes(sandbox)
        timeline = record_timeline(sandbox) if args.timeline else None
        payments = run_sync(sandbox, home, "--only", "payments")
        if timeline is not None:
            explain_timeline(timeline, payments.started, payments.ended)
        written = [p for p in orsync_payments(sandbox) if p.recordno not in before]
        functions = [f for f in capture.values() if b"<ARPYMT>" in f.payload]
        again = run_sync(sandbox, home, "--only", "payments")
        naive_functions = _naive_copies(sandbox, functions[: args.naive_payments], written)
        naive_s = naive_post(sandbox, naive_functions) if naive_functions else 0.0
    # A request holds one session, so one entity: the fewest write requests is the sum over
    # entities of ceil(W_e / B) (a payment is received into its invoice's entity).
    per_entity = Counter(p.entity_id for p in written)
    fewest = sum(math.ceil(w / DEFAULT_BATCH_SIZE) for w in per_entity.values())
    bound = lower_bound(len(written), DEFAULT_BATCH_SIZE, fewest)
    print(
        f"  month of payments run: exit {payments.exit_code}, {payments.seconds:.2f} s "
        f"({_outcomes(payments)}); {len(written)} new payments live in Intacct "
        f"(by entity: {dict(sorted(per_entity.items()))})"
    )
    print(
        f"    Intacct: {payments.intacct_requests} requests, {payments.intacct_functions} "
        f"functions ({dict(payments.by_function)}); OfficeRnD: {payments.officernd_requests} "
        "requests"
    )
    print(
        f"    lower bound = first reads + (W*F + N*R)/C with N = sum over entities of "
        f"ceil(W_e/B) = {fewest} write requests (ceil(W/B) = "
        f"{math.ceil(len(written) / DEFAULT_BATCH_SIZE)}) = {bound:.2f} s; "
        f"measured / bound = {payments.seconds / bound:.2f} (target <= 1.30)"
    )
    if naive_functions:
        naive_full = naive_s * len(written) / len(naive_functions)
        print(
            f"    naive (1 payment per request, 1 in flight, no reads): {naive_s:.2f} s for "
            f"{len(naive_functions)} payments, {naive_full:.1f} s extrapolated to "
            f"{len(written)}; orsync is {naive_full / payments.seconds:.1f}x faster"
        )
    print(
        f"  no-change payments run: {again.seconds:.2f} s, Intacct {again.intacct_requests} "
        f"requests, OfficeRnD {again.officernd_requests} requests"
    )


def _naive_copies(
    sandbox: RunningSandbox, functions: list[Function], written: list[Any]
) -> list[Function]:
    """The month's payment functions again, for the naive client: the payments orsync wrote
    are reversed in the simulator (instantly, outside the timing) so that their invoices are
    due again, and each function gets a control id of its own."""
    when = dt.datetime.now(dt.UTC)
    for payment in written:
        sandbox.intacct.store.reverse_payment(payment.recordno, when)
    return [Function(f.name, f"naive-{f.controlid}", f.payload, is_write=True) for f in functions]


def _outcomes(run: SyncRun) -> str:
    counts = run.summary.get("counts", {})
    return "; ".join(
        f"{stage}: " + ", ".join(f"{n} {what}" for what, n in outcomes.items() if n)
        for stage, outcomes in counts.items()
    )


def report_initial(
    first: SyncRun,
    second: SyncRun,
    customers: int,
    documents: int,
    issued: dict[str, int],
) -> None:
    writes = customers + documents
    bound = lower_bound(writes, DEFAULT_BATCH_SIZE)
    print(f"  initial run: exit {first.exit_code}, {first.seconds:.1f} s ({_outcomes(first)})")
    if first.exit_code not in (0, 1):
        print("  stderr tail: " + first.stderr[-2000:])
    print(
        f"    wrote {customers} customers + {documents} documents and payments = {writes} write "
        "functions; "
        f"batch size B = {DEFAULT_BATCH_SIZE}"
    )
    print(
        f"    lower bound = first reads + (W*F + ceil(W/B)*R)/C = {bound:.1f} s; "
        f"measured / bound = {first.seconds / bound:.2f} (target <= 1.30)"
    )
    sent = sum(n for name, n in first.by_function.items() if name.startswith(WRITE_PREFIXES))
    if sent != writes:
        # Intacct spends its per-function time on refused functions too (business errors).
        sent_bound = lower_bound(sent, DEFAULT_BATCH_SIZE)
        print(
            f"    counting the {sent} write functions sent (incl. {sent - writes} Intacct "
            f"refused): bound {sent_bound:.1f} s, measured / bound = "
            f"{first.seconds / sent_bound:.2f}"
        )
    print(
        f"    Intacct: {first.intacct_requests} requests, {first.intacct_functions} functions "
        f"({dict(first.by_function.most_common())}); OfficeRnD: {first.officernd_requests} "
        "requests"
    )
    document_writes = sum(
        count
        for name, count in first.by_function.items()
        if name in ("create_invoice", "create_aradjustment", "create_sotransaction")
    )
    to_post = issued.get("invoice_issued", 0) + issued.get("creditNote_issued", 0)
    print(
        f"    API transactions: document functions {document_writes} for {to_post} issued "
        f"OfficeRnD invoices and credit notes = {document_writes / max(1, to_post):.3f} per "
        f"document (target <= 1.05; {documents} live in Intacct, the rest refused by Intacct "
        f"as business errors or held); all functions incl. customers and reads "
        f"{first.intacct_functions} / {to_post} = {first.intacct_functions / max(1, to_post):.3f}"
    )
    print(f"    peak memory of the sync process: {first.max_rss_mb:.0f} MB")
    print(
        f"  no-change run: exit {second.exit_code}, {second.seconds:.2f} s (target < 2 s; "
        f"{_outcomes(second)}); "
        f"Intacct {second.intacct_requests} requests / {second.intacct_functions} functions, "
        f"OfficeRnD {second.officernd_requests} requests (target <= 5 each)"
    )
    if second.exit_code not in (0, 1):
        print("  stderr tail: " + second.stderr[-2000:])


def measure_naive(args: argparse.Namespace, n: int, m: int) -> float:
    sample_n = args.naive_invoices
    sample_m = max(1, round(sample_n * m / n))
    section(f"naive client on a sample ({sample_n} invoices, {sample_m} companies)")
    options = sandbox_options(sample_n, sample_m, args.seed, latency=True)
    with prepared(options) as (sandbox, home):
        capture = capture_writes(sandbox)
        sample = run_sync(sandbox, home)
        functions = list(capture.values())
    print(
        f"  orsync on the sample: {sample.seconds:.2f} s, {len(functions)} write functions "
        f"in {sample.intacct_requests} requests"
    )
    with prepared(options) as (fresh, _home):
        naive_s = naive_post(fresh, functions)
    print(
        f"  naive (1 function per request, 1 in flight, no reads): {naive_s:.2f} s "
        f"for the same {len(functions)} writes; model {len(functions)} x "
        f"{INTACCT_REQUEST_MS + INTACCT_FUNCTION_MS:.0f} ms = "
        f"{len(functions) * (INTACCT_REQUEST_MS + INTACCT_FUNCTION_MS) / 1000:.1f} s"
    )
    return naive_s


def measure_memory(args: argparse.Namespace, m: int, n: int) -> None:
    section("peak memory of the sync process (no latency)")
    peaks: list[tuple[int, float]] = []
    for size in (int(s) for s in args.memory_sizes.split(",")):
        companies = max(1, round(size * m / n))
        with (
            no_read_budget(),
            prepared(sandbox_options(size, companies, args.seed, latency=False)) as (
                sandbox,
                home,
            ),
        ):
            run = run_sync(sandbox, home, read_budget=False)
        print(
            f"  {size:>6} invoices, {companies:>5} companies: peak RSS {run.max_rss_mb:.0f} MB, "
            f"{run.seconds:.1f} s, exit {run.exit_code}"
        )
        peaks.append((size, run.max_rss_mb))
    (small, low), (large, high) = min(peaks), max(peaks)
    print(
        f"  peak memory at {large} invoices: {high:.0f} MB (target < 150 MB), {high / low:.2f}x "
        f"the peak at {small} for {large / small:.0f}x the history (flat = 1)"
    )


if __name__ == "__main__":
    sys.exit(main())
