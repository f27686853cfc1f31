"""Benchmark: creating invoices through orsync's Intacct client against the served simulator.

Run: ``.venv/bin/python benchmarks/bench_intacct.py [--invoices 1000] [--batch-sizes 10,25,50,100]``

The simulator is served on loopback with the latency model of DESIGN.md section 5: R = 20 ms
per request plus F = 5 ms per function (functions run one after another), and C = 2 requests in
flight per company. For N functions sent in requests of b functions, no client can beat

    lower_bound(b) = (N * F + ceil(N / b) * R) / C

(both slots busy all the time, nothing but the modelled service time). The best any batching
can do is b = N / C (one request per slot): N * F / C + R. The naive client sends one function
per request, one request at a time: N * (R + F). Everything is measured in one run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import date
from decimal import Decimal

import httpx

from orsync.intacct import IntacctClient, IntacctSettings, Succeeded
from orsync.intacct.xml.envelope import LoginCredentials, SenderCredentials
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.legacy import ArInvoice, ArInvoiceLine, create_invoice
from orsync.sandbox.faults import Latency
from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator
from orsync.sandbox.intacct.seed import default_company_seed
from orsync.sandbox.server import serve

REQUEST_MS = 20.0
FUNCTION_MS = 5.0
CONCURRENCY = 2


def invoices(count: int, run: str) -> list[Function]:
    return [
        create_invoice(
            ArInvoice(
                customer_id="C-0001",
                date_created=date(2026, 11, 1),
                date_due=date(2026, 12, 1),
                invoice_no=None,
                po_number=f"{run}-{i}",
                description="Benchmark membership",
                lines=(
                    ArInvoiceLine(
                        gl_account_no="4000",
                        amount=Decimal("100.00"),
                        location_id="US-NYC",
                    ),
                ),
            ),
            controlid=f"bench:{run}:{i}",
            record=f"{run}-{i}",
        )
        for i in range(count)
    ]


def lower_bound(functions: int, requests: int) -> float:
    return (functions * FUNCTION_MS + requests * REQUEST_MS) / CONCURRENCY / 1000.0


def timed_run(
    base_url: str, sim: IntacctSimulator, functions: list[Function], batch: int, in_flight: int
) -> tuple[float, int]:
    credentials = sim.credentials
    settings = IntacctSettings(
        sender=SenderCredentials(credentials.sender_id, credentials.sender_password),
        login=LoginCredentials(
            credentials.user_id, credentials.company_id, credentials.user_password
        ),
        endpoint=base_url + "/ia/xml/xmlgw.phtml",
        batch_size=batch,
        max_in_flight=in_flight,
    )
    limits = httpx.Limits(max_connections=in_flight + 1, max_keepalive_connections=in_flight + 1)
    with httpx.Client(limits=limits) as http:
        client = IntacctClient(http, settings)
        # Open the session outside the timing: it is one request whatever the strategy.
        client.sign_in()
        start = time.perf_counter()
        outcomes = list(client.write(functions))
        elapsed = time.perf_counter() - start
    failures = [o for o in outcomes if not isinstance(o, Succeeded)]
    if failures:
        raise SystemExit(f"benchmark write failed: {failures[0]}")
    return elapsed, math.ceil(len(functions) / batch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--batch-sizes", default="10,25,50,100,250")
    args = parser.parse_args(argv)
    n = args.invoices
    config = IntacctSimConfig(
        latency=Latency(per_request_ms=REQUEST_MS, per_unit_ms=FUNCTION_MS),
        max_concurrent_requests=CONCURRENCY,
        xsd_path="",  # validation costs CPU time the real gateway does not charge us for
    )
    sim = IntacctSimulator(default_company_seed(), config)
    rows: list[tuple[str, float, float]] = []
    with serve(sim) as served:
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            elapsed, requests = timed_run(
                served.base_url, sim, invoices(n, f"b{batch}"), batch, CONCURRENCY
            )
            rows.append((f"orsync batch={batch}", elapsed, lower_bound(n, requests)))
        naive_n = n
        elapsed, requests = timed_run(served.base_url, sim, invoices(naive_n, "naive"), 1, 1)
        naive = elapsed
    best = n * FUNCTION_MS / CONCURRENCY / 1000.0 + REQUEST_MS / 1000.0
    print(
        f"{n} invoices; latency {REQUEST_MS:.0f} ms/request + {FUNCTION_MS:.0f} ms/function, "
        f"{CONCURRENCY} in flight"
    )
    print(f"model: lower_bound(b) = (N*F + ceil(N/b)*R) / C; best over all b = {best:.3f} s")
    print(
        f"naive one-function-per-request sequential client: {naive:.3f} s "
        f"(model N*(R+F) = {n * (REQUEST_MS + FUNCTION_MS) / 1000:.3f} s)"
    )
    print(f"{'run':<22}{'seconds':>10}{'bound(b)':>10}{'/bound':>8}{'/best':>8}{'naive/x':>9}")
    for name, elapsed, bound in rows:
        print(
            f"{name:<22}{elapsed:>10.3f}{bound:>10.3f}{elapsed / bound:>8.2f}"
            f"{elapsed / best:>8.2f}{naive / elapsed:>9.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
