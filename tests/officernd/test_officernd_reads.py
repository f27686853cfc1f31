"""Reads: cursor paging, filter encoding, retries on 429/5xx, Decimal money, tolerant records."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from pydantic import ValidationError

from orsync.errors import RateLimited, ServiceUnavailable
from orsync.officernd import PaymentDocument, Query
from orsync.officernd.collections import PAYMENTS

from .fake_api import FakeOfficeRnd, invoice, make_client, oid


def test_paging_follows_cursor_next_and_reads_every_record_once() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(n) for n in range(1, 124)]})
    ids = [i.id for i in make_client(fake).invoices()]
    assert ids == [oid(n) for n in range(1, 124)]
    # Three pages, and once a second page is needed the count that bounds the walk.
    assert len(fake.api_requests) == 4
    first, count, second, _ = fake.api_requests
    assert count.url.path.endswith("/payments/count")
    assert ("documentType", "invoice") in count.url.params.multi_items()
    first_params, second_params = (dict(r.url.params.multi_items()) for r in (first, second))
    assert first_params["$limit"] == "50" and "$cursorNext" not in first_params
    assert second_params["$cursorNext"]


def test_page_size_is_capped_at_fifty() -> None:
    with pytest.raises(ValueError, match="between 1 and 50"):
        Query().page_size(51)
    assert ("$limit", "10") in Query().page_size(10).params()


def test_filters_use_bracket_syntax_in_lists_and_select() -> None:
    query = (
        Query()
        .gte("modifiedAt", datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
        .lt("date", datetime(2026, 2, 1, tzinfo=UTC))
        .is_in("status", ["paid", "partially_paid"])
        .fields("number", "total")
    )
    fake = FakeOfficeRnd(collections={"payments": []})
    list(make_client(fake).invoices(query))
    url = fake.api_requests[0].url
    assert url.params.get("modifiedAt[$gte]") == "2026-01-02T03:04:05.678Z"
    assert url.params.get("date[$lt]") == "2026-02-01T00:00:00.000Z"
    assert url.params.get("status[$in]") == "paid,partially_paid"
    assert url.params.get("$select") == "_id,number,total"
    assert url.params.get("documentType") == "invoice"
    assert "modifiedAt%5B%24gte%5D=" in str(url)  # brackets travel percent-encoded


def test_filters_refuse_naive_instants_and_empty_in_lists() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Query().gte("modifiedAt", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="at least one"):
        Query().is_in("status", [])


def test_base_url_has_a_configurable_host_for_regions() -> None:
    client = make_client(FakeOfficeRnd())
    assert client.base_url == "https://api.test/api/v2/organizations/acme"


def test_429_waits_for_retry_after_then_succeeds() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    fake.hooks.append(
        lambda r: (
            httpx.Response(429, headers={"Retry-After": "45"}) if "payments" in r.url.path else None
        )
    )
    sleeps: list[float] = []
    assert len(list(make_client(fake, sleeps=sleeps).invoices())) == 1
    assert sleeps == [45.0]  # in full, though RetryPolicy caps its own backoff at 30 s


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
def test_a_retry_after_that_is_not_a_number_falls_back_to_the_backoff(value: str) -> None:
    # time.sleep(nan) raises ValueError: a garbage header must not end the run as a bug.
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    fake.hooks.append(
        lambda r: (
            httpx.Response(429, headers={"Retry-After": value})
            if "payments" in r.url.path
            else None
        )
    )
    sleeps: list[float] = []
    assert len(list(make_client(fake, sleeps=sleeps).invoices())) == 1
    assert len(sleeps) == 1 and math.isfinite(sleeps[0]) and sleeps[0] >= 0


def test_429_storm_ends_in_rate_limited_after_the_retry_budget() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    for _ in range(10):
        fake.hooks.append(
            lambda r: (
                httpx.Response(429, headers={"Retry-After": "2"})
                if "payments" in r.url.path
                else None
            )
        )
    sleeps: list[float] = []
    with pytest.raises(RateLimited) as limited:
        list(make_client(fake, sleeps=sleeps).invoices())
    assert limited.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0] and len(fake.api_requests) == 4


def test_5xx_on_reads_is_retried_with_growing_jittered_backoff() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    for status in (502, 503, 500):
        fake.hooks.append(
            lambda r, s=status: httpx.Response(s) if "payments" in r.url.path else None
        )
    sleeps: list[float] = []
    assert len(list(make_client(fake, sleeps=sleeps).invoices())) == 1
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_persistent_5xx_is_service_unavailable() -> None:
    fake = FakeOfficeRnd(collections={"payments": []})
    for _ in range(10):
        fake.hooks.append(lambda r: httpx.Response(503) if "payments" in r.url.path else None)
    with pytest.raises(ServiceUnavailable):
        list(make_client(fake).invoices())
    assert len(fake.api_requests) == 4


def test_a_dropped_connection_on_a_read_is_retried() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})

    def drop(request: httpx.Request) -> httpx.Response | None:
        if "payments" in request.url.path:
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return None

    fake.hooks.append(drop)
    assert len(list(make_client(fake).invoices())) == 1


def test_money_is_decimal_exactly_as_sent_never_a_float() -> None:
    record = invoice(
        1,
        total=1234.565,
        lines=[{"unitPrice": 0.1, "quantity": 3, "taxAmount": 0.07, "total": 0.37}],
        taxAmounts=[{"percent": 23, "total": 0.07, "taxRate": oid(9)}],
    )
    fake = FakeOfficeRnd(collections={"payments": [record]})
    (doc,) = make_client(fake).invoices()
    assert doc.total == Decimal("1234.565")
    assert doc.lines[0].unit_price == Decimal("0.1")
    assert doc.lines[0].unit_price * 3 == Decimal("0.3")
    assert doc.tax_amounts[0].total == Decimal("0.07")
    assert doc.lines[0].quantity == 3


def test_a_float_amount_handed_to_a_model_is_refused() -> None:
    with pytest.raises(ValidationError, match="float"):
        PaymentDocument.model_validate({"_id": oid(1), "total": 0.1})


def test_unknown_status_and_fields_are_kept_or_ignored_not_rejected() -> None:
    record = invoice(1, status="written_off", brandNewField={"x": 1}, documentType="proforma")
    fake = FakeOfficeRnd(collections={"payments": [record]})
    (doc,) = make_client(fake).payments()
    assert doc.status == "written_off" and not doc.is_known_status
    assert doc.document_type == "proforma"


def test_absent_and_null_fields_both_mean_unset() -> None:
    doc = PaymentDocument.model_validate(
        {"_id": oid(1), "lines": None, "allocations": None, "accounting": None, "company": ""}
    )
    assert doc.lines == () and doc.allocations == () and doc.accounting is None
    assert doc.company is None


def test_a_bare_array_page_and_an_absent_cursor_end_the_read() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: (
            httpx.Response(200, json=[invoice(1), invoice(2)]) if "payments" in r.url.path else None
        )
    )
    assert len(list(make_client(fake).invoices())) == 2


def test_a_repeated_cursor_stops_the_read_instead_of_looping_forever() -> None:
    fake = FakeOfficeRnd()
    for n in range(1, 4):
        page = {"results": [invoice(n)], "cursorNext": "same"}
        fake.hooks.append(
            lambda r, page=page: (
                httpx.Response(200, json=page) if r.url.path.endswith("payments") else None
            )
        )
    with pytest.raises(ServiceUnavailable, match="repeated a cursor"):
        list(make_client(fake).pages(PAYMENTS))


def test_get_payment_returns_none_when_absent() -> None:
    assert make_client(FakeOfficeRnd()).get_payment(oid(5)) is None


def test_payment_methods_are_read_from_their_own_envelope() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: (
            httpx.Response(200, json={"paymentMethods": ["Cash", "Bank Transfer"]})
            if r.url.path.endswith("/payments/methods")
            else None
        )
    )
    assert make_client(fake).payment_methods() == ("Cash", "Bank Transfer")


def test_plain_http_is_refused_except_to_loopback_or_when_allowed() -> None:
    from orsync.errors import ConfigError
    from orsync.officernd import ClientCredentials, OfficeRndClient
    from orsync.officernd.client import require_https

    with pytest.raises(ConfigError, match="refusing"):
        OfficeRndClient(
            httpx.Client(),
            org="acme",
            credentials=ClientCredentials("id", "secret-value"),
            api_url="http://app.officernd.com",
        )
    require_https("http://127.0.0.1:8080")
    require_https("http://officernd.sandbox", allow_http=True)


@pytest.mark.parametrize("url", ["notaurl", "app.officernd.com", "https://", "http://[::1"])
def test_an_url_without_scheme_or_host_is_named_as_such(url: str) -> None:
    from orsync.errors import ConfigError
    from orsync.intacct.transport import require_safe_endpoint
    from orsync.officernd.client import require_https

    with pytest.raises(ConfigError, match="OfficeRnD URL is not a full URL"):
        require_https(url)
    with pytest.raises(ConfigError, match=r"Intacct endpoint is not a (full )?URL"):
        require_safe_endpoint(url)


def test_an_unknown_organization_is_a_configuration_error() -> None:
    from orsync.errors import ConfigError

    with pytest.raises(ConfigError, match="404") as refused:
        list(make_client(FakeOfficeRnd()).companies())
    assert "slug" in refused.value.hint


def test_the_http_client_factory_sets_a_user_agent_and_timeouts() -> None:
    from orsync.officernd.client import build_http_client

    with build_http_client(timeout=12.0) as http:
        assert http.headers["user-agent"].startswith("orsync/")
        assert http.timeout.read == 12.0 and http.timeout.connect == 10.0


def test_a_document_orsync_cannot_read_is_kept_by_its_id_to_fail_on_its_own() -> None:
    records = [invoice(1, lines="not-a-list"), invoice(2)]
    fake = FakeOfficeRnd(collections={"payments": records})
    bad, good = make_client(fake).invoices()
    assert bad.id == oid(1) and bad.number == "INV-1" and bad.unreadable is not None
    assert "lines" in bad.unreadable and good.unreadable is None


def test_a_company_orsync_cannot_read_comes_back_as_a_stand_in_that_fails_alone() -> None:
    fake = FakeOfficeRnd(collections={"companies": [{"_id": oid(1), "name": ["x"]}]})
    (company,) = list(make_client(fake).companies())
    assert company.id == oid(1) and company.unreadable and "name" in company.unreadable


def test_another_record_orsync_cannot_read_stops_the_read_naming_it() -> None:
    from orsync.errors import ServiceUnavailable

    fake = FakeOfficeRnd(collections={"locations": [{"_id": oid(1), "name": ["x"]}]})
    with pytest.raises(ServiceUnavailable, match=oid(1)) as stopped:
        list(make_client(fake).locations())
    assert stopped.value.hint


def test_a_refused_query_is_a_service_refusal_with_a_hint_not_a_bug() -> None:
    from orsync.errors import ServiceUnavailable

    fake = FakeOfficeRnd(collections={"payments": []})
    fake.hooks.append(
        lambda r: httpx.Response(400, json={"statusCode": 400, "message": "bad filter"})
    )
    with pytest.raises(ServiceUnavailable, match="bad filter") as refused:
        list(make_client(fake).invoices())
    assert "a bug in orsync" not in refused.value.hint and refused.value.hint


def test_a_retry_after_longer_than_the_policy_allows_ends_the_run_at_once() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    fake.hooks.append(
        lambda r: (
            httpx.Response(429, headers={"Retry-After": "121"})
            if "payments" in r.url.path
            else None
        )
    )
    sleeps: list[float] = []
    with pytest.raises(RateLimited) as limited:
        list(make_client(fake, sleeps=sleeps).invoices())
    assert limited.value.retry_after == 121.0 and sleeps == []
