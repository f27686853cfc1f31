"""The client over a scripted gateway: sessions, retries, and what each write outcome means."""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

from orsync.errors import AuthError, ConfigError, RateLimited, ServiceUnavailable, TemporaryError
from orsync.intacct import (
    Aborted,
    Failed,
    IntacctClient,
    IntacctSettings,
    NotConfirmed,
    Succeeded,
)
from orsync.intacct.client import FRESH_SESSION_ATTEMPTS
from orsync.intacct.xml import legacy, reads
from orsync.intacct.xml.function import Function
from orsync.retry import RetryPolicy
from tests.intacct.builders import LOGIN, SENDER, invoice
from tests.intacct.fake_gateway import (
    AUTH_FAILED,
    ENDPOINT,
    SESSION_ENDPOINT,
    FakeGateway,
    error_xml,
    functions_of,
    response_xml,
    result_xml,
    success_for,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def make_client(
    gateway: FakeGateway,
    *,
    clock: Clock | None = None,
    sleeps: list[float] | None = None,
    **settings: object,
) -> IntacctClient:
    http = httpx.Client(transport=httpx.MockTransport(gateway))
    recorded = sleeps if sleeps is not None else []
    return IntacctClient(
        http,
        IntacctSettings(sender=SENDER, login=LOGIN, endpoint=ENDPOINT, **settings),  # type: ignore[arg-type]
        clock=clock or Clock(),
        sleep=recorded.append,
        rng=random.Random(1),
    )


def invoices(count: int) -> list[Function]:
    return [
        legacy.create_invoice(invoice(f"INV-{i}"), f"orsync:inv:{i}", record=f"inv-{i}")
        for i in range(count)
    ]


def raw(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> Callable[[etree._Element], httpx.Response]:
    return lambda _request: httpx.Response(status, content=body, headers=headers)


def test_first_call_opens_a_session_alone_and_follows_its_endpoint() -> None:
    gateway = FakeGateway()
    client = make_client(gateway)
    outcomes = list(client.write(invoices(3)))
    assert all(isinstance(o, Succeeded) for o in outcomes)
    login, work = gateway.requests
    assert functions_of(login) == [("getAPISession", "orsync-session")]
    assert gateway.urls == [ENDPOINT, SESSION_ENDPOINT]
    assert work.findtext("operation/authentication/sessionid") == "sess-1-"
    assert work.findtext("control/uniqueid") == "true"
    assert [cid for _, cid in functions_of(work)] == [
        "orsync:inv:0",
        "orsync:inv:1",
        "orsync:inv:2",
    ]


def test_requests_carry_the_documented_headers() -> None:
    gateway = FakeGateway()
    list(make_client(gateway).write(invoices(1)))
    headers = gateway.headers[-1]
    assert headers["content-type"] == "application/xml"
    assert headers["user-agent"].startswith("orsync/")
    assert "gzip" in headers["accept-encoding"]


def test_writes_are_split_into_batches_of_the_configured_size() -> None:
    gateway = FakeGateway()
    outcomes = list(make_client(gateway, batch_size=4).write(invoices(10)))
    assert sorted(o.function.controlid for o in outcomes) == sorted(
        f.controlid for f in invoices(10)
    )
    assert sorted(len(functions_of(r)) for r in gateway.work_requests()) == [2, 4, 4]


def test_every_write_runs_on_the_clients_one_pool_of_max_in_flight_threads() -> None:
    threads: list[threading.Thread] = []  # kept alive, so distinct threads stay distinct

    def record(request: etree._Element) -> httpx.Response:
        threads.append(threading.current_thread())
        return success_for(request)

    gateway = FakeGateway(scripts=[record] * 12)
    client = make_client(gateway, batch_size=1, max_in_flight=2)
    for _ in range(3):
        assert all(isinstance(o, Succeeded) for o in client.write(invoices(4)))
    assert len(set(threads)) <= 2
    client.close()


def test_plain_http_is_refused_unless_loopback() -> None:
    with pytest.raises(ConfigError, match="HTTPS"):
        IntacctClient(
            httpx.Client(), IntacctSettings(SENDER, LOGIN, endpoint="http://api.intacct.com/x")
        )
    IntacctClient(httpx.Client(), IntacctSettings(SENDER, LOGIN, endpoint="http://127.0.0.1:9/x"))


def test_an_expired_session_signs_in_again_once_and_resends() -> None:
    gateway = FakeGateway(scripts=[raw(200, AUTH_FAILED)])
    outcomes = list(make_client(gateway).write(invoices(2)))
    assert all(isinstance(o, Succeeded) for o in outcomes)
    assert gateway.sessions_opened == 2
    assert len(gateway.work_requests()) == 2


def test_fresh_sessions_refused_again_and_again_are_temporary_not_an_auth_error() -> None:
    gateway = FakeGateway(scripts=[raw(200, AUTH_FAILED)] * FRESH_SESSION_ATTEMPTS)
    with pytest.raises(TemporaryError) as caught:
        list(make_client(gateway).write(invoices(1)))
    assert not isinstance(caught.value, AuthError)
    assert gateway.sessions_opened == FRESH_SESSION_ATTEMPTS


def test_a_session_refused_once_is_replaced_and_the_write_goes_through() -> None:
    gateway = FakeGateway(scripts=[raw(200, AUTH_FAILED), success_for])
    (outcome,) = make_client(gateway).write(invoices(1))
    assert isinstance(outcome, Succeeded)
    assert gateway.sessions_opened == 2


def test_the_session_is_renewed_before_its_announced_timeout() -> None:
    clock = Clock()
    gateway = FakeGateway(session_timeout="2026-11-26T10:30:00+00:00")
    client = make_client(gateway, clock=clock)
    client.execute([reads.lookup("CUSTOMER", "a")])
    clock.now += timedelta(minutes=20)
    client.execute([reads.lookup("CUSTOMER", "b")])
    assert gateway.sessions_opened == 1
    clock.now += timedelta(minutes=15)
    client.execute([reads.lookup("CUSTOMER", "c")])
    assert gateway.sessions_opened == 2


def test_each_entity_gets_its_own_session() -> None:
    gateway = FakeGateway()
    client = make_client(gateway)
    list(client.write(invoices(1), entity="UK"))
    list(client.write(invoices(1), entity="US"))
    list(client.write(invoices(1), entity="UK"))
    logins = [r for r in gateway.requests if r.find(".//getAPISession") is not None]
    assert [r.findtext("operation/authentication/login/locationid") for r in logins] == [
        "UK",
        "US",
    ]
    assert gateway.work_requests()[2].findtext("operation/authentication/sessionid") == "sess-1-UK"


def test_bad_user_credentials_are_an_auth_error() -> None:
    gateway = FakeGateway()
    gateway_call = gateway.__call__

    def refuse_login(request: httpx.Request) -> httpx.Response:
        if b"getAPISession" in request.content:
            return httpx.Response(200, content=AUTH_FAILED)
        return gateway_call(request)

    client = IntacctClient(
        httpx.Client(transport=httpx.MockTransport(refuse_login)),
        IntacctSettings(SENDER, LOGIN, endpoint=ENDPOINT),
        sleep=lambda _s: None,
    )
    with pytest.raises(AuthError, match="sign-in"):
        client.execute([reads.lookup("CUSTOMER", "a")])


@pytest.mark.parametrize(
    "script",
    [
        raw(
            401,
            b"<response><control><status>failure</status></control><errormessage><error>"
            b"<errorno>XMLGW_JPP0002</errorno><description>Sign-in information is incorrect"
            b"</description></error></errormessage></response>",
        ),
        raw(
            200,
            b"<response><control><status>failure</status></control><errormessage><error>"
            b"<errorno>XL03000006</errorno><description2>Incorrect Intacct XML Partner ID or "
            b"password.</description2></error></errormessage></response>",
        ),
    ],
)
def test_refused_sender_or_http_401_is_an_auth_error(script: Callable[..., httpx.Response]) -> None:
    with pytest.raises(AuthError):
        list(make_client(FakeGateway(scripts=[script])).write(invoices(1)))


def test_rate_limits_are_retried_honouring_retry_after() -> None:
    sleeps: list[float] = []
    gateway = FakeGateway(scripts=[raw(429, b"", {"Retry-After": "7"}), raw(429, b"")])
    outcomes = list(make_client(gateway, sleeps=sleeps).write(invoices(2)))
    assert all(isinstance(o, Succeeded) for o in outcomes)
    assert sleeps[0] == 7.0 and 0 < sleeps[1] <= 1.0


def test_a_retry_after_that_is_not_a_number_falls_back_to_the_backoff() -> None:
    # time.sleep(nan) raises ValueError: a garbage header must not end the run as a bug.
    sleeps: list[float] = []
    gateway = FakeGateway(scripts=[raw(429, b"", {"Retry-After": "nan"})])
    outcomes = list(make_client(gateway, sleeps=sleeps).write(invoices(1)))
    assert all(isinstance(o, Succeeded) for o in outcomes)
    assert len(sleeps) == 1 and math.isfinite(sleeps[0]) and sleeps[0] >= 0


def test_too_many_operations_at_control_level_is_retried() -> None:
    busy = response_xml("").replace(b"<status>success</status>", b"<status>failure</status>", 1)
    busy = busy.replace(
        b"<operation>",
        error_xml(
            "200024", "There are too many operations running for this company (200024)"
        ).encode()
        + b"<operation>",
    )
    gateway = FakeGateway(scripts=[raw(200, busy)])
    assert all(isinstance(o, Succeeded) for o in make_client(gateway).write(invoices(1)))


def test_a_rate_limit_that_never_ends_raises_rate_limited() -> None:
    gateway = FakeGateway(scripts=[raw(429, b"")] * 5)
    with pytest.raises(RateLimited):
        list(make_client(gateway, retry=RetryPolicy(max_attempts=3)).write(invoices(1)))


def test_too_many_operations_on_one_result_resends_only_that_function() -> None:
    def one_busy(request: etree._Element) -> httpx.Response:
        (first, cid1), (second, cid2) = functions_of(request)
        results = result_xml(first, cid1, inner="<key>k1</key>") + result_xml(
            second,
            cid2,
            status="failure",
            inner=error_xml("200024", "There are too many operations running (200024)"),
        )
        return httpx.Response(200, content=response_xml(results))

    gateway = FakeGateway(scripts=[one_busy])
    outcomes = list(make_client(gateway).write(invoices(2)))
    assert all(isinstance(o, Succeeded) for o in outcomes)
    assert [len(functions_of(r)) for r in gateway.work_requests()] == [2, 1]


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (raw(500, b"oops"), "HTTP 500"),
        (raw(524, b""), "HTTP 524"),
        (raw(200, b"<html>proxy</html>"), "unreadable"),
    ],
)
def test_an_ambiguous_answer_to_a_write_is_not_confirmed_and_not_resent(
    script: Callable[..., httpx.Response], reason: str
) -> None:
    gateway = FakeGateway(scripts=[script])
    outcomes = list(make_client(gateway).write(invoices(2)))
    assert all(isinstance(o, NotConfirmed) and reason in o.reason for o in outcomes)
    assert len(gateway.work_requests()) == 1


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.ReadError("x")]
)
def test_a_lost_connection_during_a_write_is_not_confirmed(exc: Exception) -> None:
    def fail(_request: etree._Element) -> httpx.Response:
        raise exc

    gateway = FakeGateway(scripts=[fail])
    outcomes = list(make_client(gateway).write(invoices(1)))
    assert isinstance(outcomes[0], NotConfirmed)
    assert len(gateway.work_requests()) == 1


def test_a_failure_to_connect_is_retried_even_for_writes() -> None:
    def refuse(_request: etree._Element) -> httpx.Response:
        raise httpx.ConnectError("refused")

    gateway = FakeGateway(scripts=[refuse])
    assert isinstance(next(make_client(gateway).write(invoices(1))), Succeeded)


def test_reads_retry_server_errors_and_lost_connections() -> None:
    def drop(_request: etree._Element) -> httpx.Response:
        raise httpx.RemoteProtocolError("dropped")

    gateway = FakeGateway(scripts=[raw(502, b""), drop, raw(524, b"")])
    client = make_client(gateway)
    result = client.read_one(reads.lookup("CUSTOMER", "l1"))
    assert result.key == "l1-key"


def test_reads_give_up_after_the_retry_budget() -> None:
    gateway = FakeGateway(scripts=[raw(503, b"")] * 3)
    with pytest.raises(ServiceUnavailable):
        make_client(gateway, retry=RetryPolicy(max_attempts=3)).read_one(reads.lookup("X", "a"))


def test_business_errors_fail_only_their_record_with_text_and_hint() -> None:
    def second_fails(request: etree._Element) -> httpx.Response:
        (n1, c1), (n2, c2) = functions_of(request)
        results = result_xml(n1, c1, inner="<key>101</key>") + result_xml(
            n2,
            c2,
            status="failure",
            inner=error_xml(
                "BL01001973", "Invalid Customer 'C-9' specified.", "Use a valid customer."
            )
            + "",
        )
        return httpx.Response(200, content=response_xml(results))

    gateway = FakeGateway(scripts=[second_fails])
    ok, bad = sorted(make_client(gateway).write(invoices(2)), key=lambda o: o.function.controlid)
    assert isinstance(ok, Succeeded) and ok.key == "101"
    assert isinstance(bad, Failed)
    error = bad.as_error()
    assert error.record == "inv-1" and error.hint == "Use a valid customer."
    assert "Invalid Customer 'C-9'" in error.message


def test_a_group_is_sent_as_one_transaction_and_rolled_back_members_are_aborted() -> None:
    def roll_back(request: etree._Element) -> httpx.Response:
        assert request.find("operation").get("transaction") == "true"
        (n1, c1), (n2, c2) = functions_of(request)
        results = result_xml(
            n1, c1, status="aborted", inner=error_xml("XL03000009", "rolled back")
        ) + result_xml(n2, c2, status="failure", inner=error_xml("BL01001973", "Bad account"))
        return httpx.Response(200, content=response_xml(results))

    gateway = FakeGateway(scripts=[roll_back])
    first, second = make_client(gateway).write_group(invoices(2))
    assert isinstance(first, Aborted) and isinstance(second, Failed)


def test_a_result_missing_from_the_response_is_not_confirmed() -> None:
    def drop_one(request: etree._Element) -> httpx.Response:
        (n1, c1), _ = functions_of(request)
        return httpx.Response(200, content=response_xml(result_xml(n1, c1)))

    outcomes = list(make_client(FakeGateway(scripts=[drop_one])).write(invoices(2)))
    assert sorted(type(o).__name__ for o in outcomes) == ["NotConfirmed", "Succeeded"]


def test_outcomes_of_batches_already_sent_are_yielded_before_an_error() -> None:
    refusals = [raw(200, AUTH_FAILED)] * FRESH_SESSION_ATTEMPTS
    gateway = FakeGateway(scripts=[success_for, *refusals])
    client = make_client(gateway, batch_size=1, max_in_flight=1)
    seen = []
    with pytest.raises(TemporaryError):
        for outcome in client.write(invoices(3)):
            seen.append(outcome)
    # The batch after the failing one may have started already; its outcome is not lost either.
    assert seen[0].function.controlid == "orsync:inv:0"
    assert all(isinstance(o, Succeeded) for o in seen)


def test_query_all_pages_through_offsets() -> None:
    def page(request: etree._Element) -> httpx.Response:
        ((name, cid),) = functions_of(request)
        offset = int(request.findtext(".//query/offset") or 0)
        remaining = max(0, 5 - offset - 2)
        rows = "".join(
            f"<ARINVOICE><RECORDNO>{n}</RECORDNO></ARINVOICE>"
            for n in range(offset, min(offset + 2, 5))
        )
        data = (
            f'<data listtype="ARINVOICE" count="2" offset="{offset}" '
            f'numremaining="{remaining}">{rows}</data>'
        )
        return httpx.Response(200, content=response_xml(result_xml(name, cid, inner=data)))

    gateway = FakeGateway(scripts=[page] * 3)
    rows = list(make_client(gateway).query_all("ARINVOICE", ["RECORDNO"], pagesize=2))
    assert [r.get("RECORDNO") for r in rows] == ["0", "1", "2", "3", "4"]


def test_read_by_query_all_follows_read_more() -> None:
    def page(request: etree._Element) -> httpx.Response:
        ((name, cid),) = functions_of(request)
        first = name == "readByQuery"
        assert first or request.findtext(".//readMore/resultId") == "R1"
        data = (
            f'<data listtype="customer" count="1" numremaining="{1 if first else 0}" '
            f'resultId="R1"><customer><RECORDNO>{1 if first else 2}</RECORDNO></customer></data>'
        )
        return httpx.Response(200, content=response_xml(result_xml(name, cid, inner=data)))

    gateway = FakeGateway(scripts=[page, page])
    rows = list(make_client(gateway).read_by_query_all("CUSTOMER", ""))
    assert [r.get("RECORDNO") for r in rows] == ["1", "2"]


def test_a_failed_read_raises_with_the_intacct_text() -> None:
    def fail(request: etree._Element) -> httpx.Response:
        ((name, cid),) = functions_of(request)
        inner = error_xml("BL01001973", "Object NOPE is not found", "Check the object name")
        return httpx.Response(
            200, content=response_xml(result_xml(name, cid, status="failure", inner=inner))
        )

    with pytest.raises(ServiceUnavailable, match="NOPE") as raised:
        make_client(FakeGateway(scripts=[fail])).read_one(reads.lookup("NOPE", "x"))
    assert raised.value.hint == "Check the object name"


def test_debug_logs_show_traffic_with_secrets_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="orsync.intacct"):
        list(make_client(FakeGateway()).write(invoices(1)))
    text = caplog.text
    assert "create_invoice" in text and "getAPISession" in text
    for secret in (SENDER.password, LOGIN.password, "sess-1-"):
        assert secret not in text


def test_a_4xx_without_an_xml_body_is_refused_without_retrying() -> None:
    gateway = FakeGateway(scripts=[raw(400, b"Bad Request")])
    with pytest.raises(ServiceUnavailable, match="HTTP 400"):
        list(make_client(gateway).write(invoices(1)))
    assert len(gateway.work_requests()) == 1


def test_wire_logs_mask_the_sdk_sensitive_elements_too() -> None:
    from orsync.intacct.wirelog import redact_xml

    text = redact_xml(
        "<CUSTOMER><TAXID>GB123</TAXID></CUSTOMER><accountnumber>1234</accountnumber>"
        "<password>pw-secret</password><sessionid>abc..</sessionid>"
    )
    for secret in ("GB123", "1234", "pw-secret", "abc.."):
        assert secret not in text


def test_a_single_read_result_with_another_controlid_is_still_its_answer() -> None:
    def other_controlid(request: etree._Element) -> httpx.Response:
        ((name, _cid),) = functions_of(request)
        body = response_xml(result_xml(name, "something-else", inner="<key>k</key>"))
        return httpx.Response(200, content=body)

    client = make_client(FakeGateway(scripts=[other_controlid]))
    assert client.read_one(reads.lookup("CUSTOMER", "mine")).key == "k"
