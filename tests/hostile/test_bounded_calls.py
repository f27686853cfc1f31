"""Every call to a service ends, and within bounded memory, whatever the server does: stall,
trickle a byte at a time, send a body that never ends, or a gzip bomb.

The clients get small deadlines and caps here (the defaults are minutes and megabytes); what
is proved is that the bound exists and is the one that ends the call.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from dataclasses import dataclass, field

import httpx
import pytest

from orsync.bounded import Deadline, Limits, read_body
from orsync.errors import DeadlineExceeded, ResponseTooLarge, ServiceUnavailable
from orsync.intacct.transport import Ambiguous, Gateway
from orsync.officernd.errors import OfficeRndUnconfirmed
from orsync.officernd.session import ApiSession
from orsync.retry import RetryPolicy

from .servers import (
    answering,
    endless,
    gzip_bomb_body,
    hostile_server,
    stall,
    trickle,
    trickle_headers,
)

LIMIT = 1024 * 1024
BOMB = 128 * LIMIT  # decodes to 128 MB from about 128 kB on the wire
QUICK = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.02)


def gateway(*, read_timeout: float = 0.5, deadline: float = 1.0) -> Gateway:
    return Gateway(
        httpx.Client(),
        max_in_flight=1,
        timeout=httpx.Timeout(read_timeout, connect=1.0),
        retry=QUICK,
        sleep=time.sleep,
        rng=random.Random(0),
        call_deadline=deadline,
        limits=Limits(LIMIT, "Intacct"),
    )


@dataclass
class _Token:
    value: str = "t0ken-for-tests"
    scopes: frozenset[str] = field(default_factory=frozenset)


class _Tokens:
    def require(self, scope: str) -> _Token:
        return _Token()

    def invalidate(self, value: str) -> None:
        pass


def officernd(url: str, *, read_timeout: float = 0.5, deadline: float = 1.0) -> ApiSession:
    return ApiSession(
        httpx.Client(timeout=httpx.Timeout(read_timeout, connect=1.0)),
        _Tokens(),  # type: ignore[arg-type]
        org="acme",
        api_url=url,
        retry=QUICK,
        sleep=time.sleep,
        call_deadline=deadline,
        limits=Limits(LIMIT, "OfficeRnD"),
    )


# -- a stalled server ---------------------------------------------------------------------


def test_a_stalled_intacct_read_ends_at_the_call_deadline_not_after_every_retry() -> None:
    # Five attempts of 0.5 s each would take 2.5 s; the call's deadline of 1 s ends it.
    with hostile_server(stall) as url, pytest.raises(DeadlineExceeded, match="within 1 s"):
        gateway().roundtrip(url, b"<request/>", write=False)


def test_a_stalled_officernd_read_ends_at_the_call_deadline() -> None:
    with hostile_server(stall) as url, pytest.raises(ServiceUnavailable) as stopped:
        officernd(url).get_json("payments", scope="flex.billing.payments.read")
    assert stopped.value.hint


# -- a server trickling one byte at a time -------------------------------------------------


def test_a_trickling_intacct_read_ends_at_the_deadline_though_every_byte_comes_in_time() -> None:
    # A byte every 20 ms never trips the read timeout: only the deadline across reads can.
    with hostile_server(trickle) as url, pytest.raises(DeadlineExceeded, match="trickling"):
        gateway(read_timeout=5.0, deadline=0.5).roundtrip(url, b"<request/>", write=False)


def test_a_trickling_answer_to_an_intacct_write_is_ambiguous_never_resent() -> None:
    with hostile_server(trickle) as url:
        outcome = gateway(read_timeout=5.0, deadline=0.5).roundtrip(url, b"<r/>", write=True)
    assert isinstance(outcome, Ambiguous) and "trickling" in outcome.reason


def test_a_trickling_officernd_read_ends_at_the_deadline() -> None:
    with hostile_server(trickle) as url, pytest.raises(DeadlineExceeded):
        officernd(url, read_timeout=5.0, deadline=0.5).get_json(
            "payments", scope="flex.billing.payments.read"
        )


def test_a_trickling_answer_to_an_officernd_write_leaves_it_unconfirmed() -> None:
    with hostile_server(trickle) as url, pytest.raises(OfficeRndUnconfirmed):
        officernd(url, read_timeout=5.0, deadline=0.5).write(
            "POST", "charges", {"amount": 1}, scope="s", lookup="find_charge(...)"
        )


def test_headers_trickled_a_byte_at_a_time_end_at_the_deadline_too() -> None:
    # No body yet, so only the transport's own sockets can see the deadline.
    from orsync.bounded import guarded_transport

    with hostile_server(trickle_headers) as url, pytest.raises(DeadlineExceeded):
        session = officernd(url, read_timeout=5.0, deadline=0.5)
        session.http = httpx.Client(transport=guarded_transport(), timeout=5.0)
        session.get_json("payments", scope="flex.billing.payments.read")
    with hostile_server(trickle_headers) as url:
        intacct = gateway(read_timeout=5.0, deadline=0.5)
        intacct._http = httpx.Client(transport=guarded_transport())
        outcome = intacct.roundtrip(url, b"<r/>", write=True)
    assert isinstance(outcome, Ambiguous)


# -- a body that never ends, and a gzip bomb -----------------------------------------------


def test_a_body_that_never_ends_is_refused_at_the_cap() -> None:
    with hostile_server(endless) as url:
        with pytest.raises(ResponseTooLarge, match="too large"):
            gateway(deadline=30.0).roundtrip(url, b"<request/>", write=False)
        with pytest.raises(ResponseTooLarge, match="too large") as refused:
            officernd(url, deadline=30.0).get_json("payments", scope="s")
    assert refused.value.exit_code == 69 and refused.value.hint


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = b"x" * (LIMIT + 1)
    with hostile_server(answering(body, {})) as url, pytest.raises(ResponseTooLarge):
        gateway().roundtrip(url, b"<request/>", write=False)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb_body(BOMB)


def test_a_gzip_bomb_is_refused_while_memory_stays_near_the_cap(bomb: bytes) -> None:
    assert len(bomb) < LIMIT < BOMB  # small on the wire, far past the cap once decoded
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/xml"}
    with hostile_server(answering(bomb, headers)) as url:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLarge, match="decoded"):
                gateway(deadline=30.0).roundtrip(url, b"<request/>", write=False)
            with pytest.raises(ResponseTooLarge, match="decoded"):
                officernd(url, deadline=30.0).get_json("payments", scope="s")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * LIMIT, f"decoding held {peak:,} bytes at once"


def test_a_gzip_answer_to_an_intacct_write_past_the_cap_is_ambiguous(bomb: bytes) -> None:
    headers = {"Content-Encoding": "gzip"}
    with hostile_server(answering(bomb, headers)) as url:
        outcome = gateway(deadline=30.0).roundtrip(url, b"<r/>", write=True)
    assert isinstance(outcome, Ambiguous) and "too large" in outcome.reason


def test_an_encoding_orsync_did_not_ask_for_is_an_unreadable_answer() -> None:
    stream = httpx.ByteStream(b"\x00\x01")
    response = httpx.Response(200, headers={"Content-Encoding": "br"}, stream=stream)
    with pytest.raises(ServiceUnavailable, match="encoding orsync did not ask for"):
        read_body(response, Limits(LIMIT, "OfficeRnD"), None, "GET payments")


def test_a_well_behaved_gzip_answer_is_read_whole() -> None:
    import gzip

    payload = b'{"results": []}' * 1000
    stream = httpx.ByteStream(gzip.compress(payload))
    response = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)
    assert read_body(response, Limits(LIMIT, "OfficeRnD"), Deadline(30.0), "GET x") == payload


# -- the run's budget, and an unreachable service -----------------------------------------


def test_no_request_leaves_once_the_runs_budget_is_spent_and_the_error_says_how_long() -> None:
    from orsync.bounded import RunBudget

    now = [0.0]
    budget = RunBudget(3600.0, clock=lambda: now[0])
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    http = httpx.Client(
        transport=httpx.MockTransport(answer), event_hooks={"request": [budget.hook]}
    )
    http.get("https://api.intacct.com/")
    now[0] = 3601.0
    with pytest.raises(DeadlineExceeded, match="budget of 60 min is spent") as spent:
        http.get("https://api.intacct.com/")
    assert len(sent) == 1 and spent.value.exit_code == 69 and spent.value.hint


def test_an_officernd_that_answered_before_and_is_unreachable_now_is_exit_69_with_the_fix() -> None:
    """An outage, not a configuration mistake: the URL was reached before (orsync.endpoints)."""
    import socket

    from orsync.endpoints import note_reached

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    earlier = httpx.Request("GET", f"http://127.0.0.1:{port}/api/v2/organizations/acme/payments")
    note_reached(httpx.Response(200, request=earlier))
    with pytest.raises(ServiceUnavailable, match="did not answer at") as unreachable:
        officernd(f"http://127.0.0.1:{port}").get_json("payments", scope="s")
    assert f"127.0.0.1:{port}" in str(unreachable.value)
    assert "Run again later" in unreachable.value.hint


def test_a_token_endpoint_flooding_its_answer_is_refused_at_its_small_cap() -> None:
    from orsync.officernd import ClientCredentials, OfficeRndClient

    with hostile_server(endless) as url:
        client = OfficeRndClient(
            httpx.Client(),
            org="acme",
            credentials=ClientCredentials("id", "s3cret-value"),
            api_url=url,
            token_url=f"{url}/oauth/token",
        )
        with pytest.raises(ResponseTooLarge, match="token endpoint"):
            client.tokens.token()
