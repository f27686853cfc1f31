"""An exchange with a service is freed as soon as its caller drops the answer.

httpx binds a sent response and its stream to each other; left in that cycle, every
exchange (an Intacct batch's request body and all) waited for Python's rare full collection,
and a first sync at 100,000 invoices held ~20 MB of them at a time (#22)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import httpx

from orsync.bounded import Limits, fetch


def test_exchanges_leave_no_reference_cycle_for_the_collector() -> None:
    body = b"<response>" + b"x" * 10_000 + b"</response>"
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, content=body))
    )

    def exchanges() -> Iterator[int]:
        for _ in range(20):
            answer = fetch(
                http,
                "POST",
                "https://gateway.invalid/",
                limits=Limits(1_000_000, "Intacct"),
                deadline=None,
                what="a request",
                content=b"<request/>" * 1000,
            )
            yield len(answer.content)

    gc.collect()
    gc.disable()
    try:
        assert sum(exchanges()) == 20 * len(body)
        unreachable = gc.collect()
    finally:
        gc.enable()
        http.close()

    assert unreachable < 20  # the cycle left about 20 objects an exchange
