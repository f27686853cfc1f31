"""Benchmark: `orsync listen` against the served sandbox with the latency model.

Run: ``.venv/bin/python benchmarks/bench_listen.py`` (about a minute; ``--help`` for sizes).

Latency model (DESIGN.md section 5, as bench_sync): Intacct R = 100 ms per request plus
F = 10 ms per function, C = 2 requests in flight; OfficeRnD 50 ms per request, no rate limit.
The OfficeRnD simulator delivers each webhook as soon as the change is made (loopback HTTP).
Every figure comes from one run of this script:

1. Single edits: an unpaid invoice's lines are changed in OfficeRnD, one edit at a time; the
   time from the change to the Intacct document showing the new total, p50 and p95 (target
   p95 < 2 s). Beside it, the model's floor for the requests one edit makes through sync's
   path, counted in the simulators during the edits (OfficeRnD: the document by id and the
   reference lists when listen's kept copy is read again; Intacct: the look-up of the posted
   document and the update), sent one after another: the rest is listen's own cost
   (delivery, the 0.1 s debounce, the inbox).
2. Burst: a billing run of N new invoices (default 1,000) made at once; the time until every
   one is in Intacct through `listen` alone, against a batch `orsync sync` (incremental, as
   cron runs it) of the same N changes on a twin sandbox built from the same seed, timed from
   the start of the run to its end. Listen is timed both from the first change (conservative:
   it includes making the burst, which the batch run does not pay) and from the last.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from orsync.config import Profile, load_config
from orsync.env import EnvVars, default_config_path
from orsync.sandbox.activity import Activity
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from orsync.services.common import open_connections
from orsync.services.demo import (
    keyring_disabled,
    prepare_profile,
    sandbox_environment,
    scoped_environment,
)
from orsync.services.listen import Listener, ListenOptions, WorkerSettings, register_webhook
from orsync.services.sync import SyncOptions, run_sync

INTACCT_REQUEST_MS = 100.0
INTACCT_FUNCTION_MS = 10.0
INTACCT_CONCURRENCY = 2
OFFICERND_REQUEST_MS = 50.0
POLL_S = 0.005


def sandbox_options(invoices: int, companies: int, seed: int) -> SandboxOptions:
    return SandboxOptions(
        seed=seed,
        invoices=invoices,
        companies=companies,
        intacct_latency_ms=INTACCT_REQUEST_MS,
        intacct_function_ms=INTACCT_FUNCTION_MS,
        intacct_concurrency=INTACCT_CONCURRENCY,
        officernd_latency_ms=OFFICERND_REQUEST_MS,
        officernd_rate_limit=None,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prepared(
    options: SandboxOptions, home: Path, name: str
) -> Iterator[tuple[RunningSandbox, Profile]]:
    """A served sandbox, a mapped profile ``name`` for it, synced once (the world in Intacct)."""
    with start_sandbox(options) as sandbox:
        sandbox.intacct.schema = None  # XSD validation is the simulator's CPU, not the model's
        with scoped_environment(sandbox_environment(sandbox)):
            prepare_profile(sandbox, mapping_path=home / f"{name}.yaml", profile=name)
            profile = load_config(default_config_path()).profiles[name]
            run_sync(name, profile, SyncOptions())
        yield sandbox, profile


def wait_until(condition: Any, timeout: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the benchmark waited too long")
        time.sleep(POLL_S)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def posted_in(sandbox: RunningSandbox) -> Any:
    store = sandbox.intacct.store
    return lambda doc: store.invoice_by_number(str(doc["number"])) is not None


EDIT_COUNTS = {"officernd": 0, "intacct": 0, "functions": 0}


def single_edits(
    sandbox: RunningSandbox, activity: Activity, count: int, listener: Listener
) -> list[float]:
    store = sandbox.intacct.store
    made = [activity.new_invoice() for _ in range(count)]
    wait_until(lambda: all(store.invoice_by_number(str(d["number"])) for d in made))
    wait_until(lambda: listener.health.to_dict()["backlog"] == 0)
    time.sleep(1.0)
    sandbox.officernd.reset_request_counts()
    sandbox.intacct.reset_stats()
    latencies = []
    for doc in made:
        lines = activity._lines(doc, f"{100 + len(latencies)}.25")
        started = time.perf_counter()
        edited = sandbox.officernd.edit_invoice(str(doc["_id"]), lines=lines)
        total = Decimal(str(edited["total"]))
        number = str(doc["number"])

        def shows_edit(number: str = number, total: Decimal = total) -> bool:
            found = store.invoice_by_number(number)
            return found is not None and found.total_entered == total

        wait_until(shows_edit)
        latencies.append(time.perf_counter() - started)
        time.sleep(0.2)  # edits a person makes are seconds apart; keep them from batching
    wait_until(lambda: listener.health.to_dict()["backlog"] == 0)
    EDIT_COUNTS["officernd"] = (
        sandbox.officernd.total_requests() - sandbox.officernd.request_counts["POST /oauth/token"]
    )
    EDIT_COUNTS["intacct"] = sandbox.intacct.stats.requests
    EDIT_COUNTS["functions"] = sandbox.intacct.stats.functions
    return latencies


def make_burst(sandbox: RunningSandbox, size: int, seed: int) -> list[dict[str, Any]]:
    """``size`` new invoices copying one template: the same content on twin sandboxes."""
    activity = Activity(sandbox.officernd, seed=seed, usable=posted_in(sandbox))
    template = sorted(
        (
            d
            for d in sandbox.officernd.records("payments", documentType="invoice")
            if d.get("company")
            and d.get("status") not in ("draft", "voided")
            and activity.usable(d)
        ),
        key=lambda d: str(d["number"]),
    )[0]
    return [activity.new_invoice(template) for _ in range(size)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=300, help="seeded world size")
    parser.add_argument("--companies", type=int, default=60)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--edits", type=int, default=40, help="single edits measured")
    parser.add_argument("--burst", type=int, default=1000, help="invoices in the billing run")
    args = parser.parse_args(argv)
    print(
        f"latency model: Intacct {INTACCT_REQUEST_MS:.0f} ms/request + "
        f"{INTACCT_FUNCTION_MS:.0f} ms/function, {INTACCT_CONCURRENCY} in flight; OfficeRnD "
        f"{OFFICERND_REQUEST_MS:.0f} ms/request; world {args.invoices} invoices"
    )
    options = sandbox_options(args.invoices, args.companies, args.seed)
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orsync-bench-")))
        stack.enter_context(keyring_disabled())
        hidden = {
            EnvVars.HOME: str(home),
            EnvVars.PROFILE: None,
            EnvVars.INTACCT_XSD: "",
            EnvVars.OFFICERND_WEBHOOK_SECRET: None,
        }
        stack.enter_context(scoped_environment(hidden))
        live, profile = stack.enter_context(prepared(options, home, "live"))
        twin, twin_profile = stack.enter_context(prepared(options, home, "batch"))
        stack.enter_context(scoped_environment(sandbox_environment(live)))

        port = free_port()
        register_webhook(
            "live",
            profile,
            f"http://127.0.0.1:{port}",
            keep_secret=lambda s: os.environ.__setitem__(EnvVars.OFFICERND_WEBHOOK_SECRET, s),
        )
        stack.callback(live.officernd.start_delivery_thread(interval_seconds=0.1))
        settings = WorkerSettings(catch_up_interval=3600.0, poll_interval=3600.0)
        listener = Listener({"live": profile}, ListenOptions(port=port, worker=settings))
        stack.enter_context(listener.start())
        wait_until(lambda: listener.health.to_dict()["profiles"][0]["last_catch_up_at"])

        print("\n== single edits: OfficeRnD change -> Intacct document updated")
        activity = Activity(live.officernd, seed=args.seed, usable=posted_in(live))
        latencies = single_edits(live, activity, args.edits, listener)
        edits = len(latencies)
        officernd_requests = EDIT_COUNTS["officernd"] / edits
        intacct_requests = EDIT_COUNTS["intacct"] / edits
        functions = EDIT_COUNTS["functions"] / edits
        floor = (
            officernd_requests * OFFICERND_REQUEST_MS
            + intacct_requests * INTACCT_REQUEST_MS
            + functions * INTACCT_FUNCTION_MS
        ) / 1000
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print(
            f"  {len(latencies)} edits: p50 {p50:.2f} s, p95 {p95:.2f} s, max "
            f"{max(latencies):.2f} s, mean {statistics.mean(latencies):.2f} s "
            f"(target p95 < 2 s: {'met' if p95 < 2 else 'MISSED'})"
        )
        print(
            f"  per edit: {officernd_requests:.1f} OfficeRnD and {intacct_requests:.1f} Intacct "
            f"requests ({functions:.1f} functions); model floor {floor:.2f} s, "
            f"p50 = {p50 / floor:.2f}x the floor"
        )

        print(f"\n== burst: a billing run of {args.burst} new invoices")
        live.intacct.reset_stats()
        batches_before = listener.health.to_dict()["profiles"][0]["batches"]
        first = time.perf_counter()
        burst = make_burst(live, args.burst, args.seed)
        last = time.perf_counter()
        done = posted_in(live)
        wait_until(lambda: all(done(doc) for doc in burst))
        drained = time.perf_counter()
        health = listener.health.to_dict()["profiles"][0]
        listen_requests = live.intacct.stats.requests
        listen_from_first, listen_from_last = drained - first, drained - last
        print(
            f"  listen: {listen_from_first:.2f} s from the first change "
            f"({last - first:.2f} s making the burst, {listen_from_last:.2f} s after the last), "
            f"{health['batches'] - batches_before} batches, {listen_requests} Intacct requests"
        )

        with scoped_environment(sandbox_environment(twin)):
            make_burst(twin, args.burst, args.seed)
            twin.intacct.reset_stats()
            with open_connections("batch", twin_profile) as connections:
                started = time.perf_counter()
                result = run_sync("batch", twin_profile, SyncOptions(), connections=connections)
                batch_s = time.perf_counter() - started
        created = result.summary.counts["invoices"]["created"]
        print(
            f"  batch sync of the same changes: {batch_s:.2f} s ({created} created, "
            f"{twin.intacct.stats.requests} Intacct requests)"
        )
        ratio = listen_from_first / batch_s
        print(
            f"  listen / batch: {ratio:.2f}x from the first change, "
            f"{listen_from_last / batch_s:.2f}x from the last "
            f"(target within 1.3x: {'met' if ratio <= 1.3 else 'MISSED'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
