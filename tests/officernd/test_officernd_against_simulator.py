"""The client against the OfficeRnD simulator, in process and (marked) over loopback."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from orsync.officernd import (
    READ_SCOPES,
    BillingLocked,
    ClientCredentials,
    MissingScope,
    NewCharge,
    OfficeRndClient,
    OfficeRndUnconfirmed,
    Query,
)
from orsync.officernd.collections import PAYMENTS
from orsync.sandbox.faults import FaultPlan
from orsync.sandbox.officernd import (
    READ_ONLY_CLIENT_ID,
    READ_ONLY_CLIENT_SECRET,
    SMALL_ORG_SLUG,
    OfficeRndSimulator,
)
from orsync.sandbox.server import serve

from .simulated import (
    HISTORY_END,
    HISTORY_START,
    SIM_HOST,
    SharedTime,
    client_for,
    in_process,
    scaled_org,
    simulator,
)


def _client(
    sim: OfficeRndSimulator,
    time: SharedTime | None = None,
    credentials: ClientCredentials | None = None,
) -> OfficeRndClient:
    return client_for(
        in_process(sim), SIM_HOST, org=SMALL_ORG_SLUG, time=time, credentials=credentials
    )


@pytest.mark.parametrize(("extra", "page_size"), [(0, 50), (44, 50), (45, 50), (46, 7), (137, 50)])
def test_paging_reads_every_payment_exactly_once(extra: int, page_size: int) -> None:
    sim = simulator(scaled_org(extra))
    expected = {r["_id"] for r in sim.records("payments")}
    client = _client(sim)
    ids = [d.id for d in client.payments(Query().page_size(page_size))]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected


def test_filters_select_what_the_simulator_holds() -> None:
    sim = simulator(scaled_org(120))
    client = _client(sim)
    paid_or_voided = list(client.invoices(Query().is_in("status", ["paid", "voided"])))
    expected = [
        r
        for r in sim.records("payments")
        if r["documentType"] == "invoice" and r["status"] in ("paid", "voided")
    ]
    assert {d.id for d in paid_or_voided} == {r["_id"] for r in expected}
    since = datetime(2025, 6, 1, tzinfo=UTC)
    recent = list(client.payments(Query().gte("modifiedAt", since)))
    assert recent and all(d.modified_at is not None and d.modified_at >= since for d in recent)
    narrow = list(client.invoices(Query().fields("number")))
    assert narrow[0].number and narrow[0].total is None  # $select left the rest out


def test_read_rate_limit_429_is_waited_out_through_retry_after() -> None:
    time = SharedTime()
    sim = simulator(scaled_org(300), time, read_requests_per_minute=3)
    client = _client(sim, time)
    ids = [d.id for d in client.payments()]
    assert len(ids) == len(set(ids)) == len(sim.records("payments"))
    assert time.sleeps and all(s >= 1 for s in time.sleeps)  # Retry-After, not blind backoff


def test_injected_5xx_and_rate_limit_faults_on_reads_do_not_lose_or_repeat_records() -> None:
    sim = simulator(
        scaled_org(200), faults=FaultPlan(rates={"http-5xx": 0.3, "rate-limit": 0.2}, seed=4)
    )
    ids = [d.id for d in _client(sim).payments()]
    assert sorted(ids) == sorted(r["_id"] for r in sim.records("payments"))


def test_the_token_is_fetched_once_for_many_reads() -> None:
    sim = simulator(scaled_org(200))
    client = _client(sim)
    for _ in range(3):
        list(client.invoices())
    assert client.tokens.requests_made == 1


def test_a_read_only_application_cannot_mint_a_token_with_write_scopes() -> None:
    sim = simulator()
    credentials = ClientCredentials(READ_ONLY_CLIENT_ID, READ_ONLY_CLIENT_SECRET)
    with pytest.raises(MissingScope) as refused:
        list(_client(sim, credentials=credentials).invoices())
    assert set(refused.value.scopes) <= set(credentials.scopes)


def test_a_read_only_token_refuses_a_write_by_scope_name_before_sending_it() -> None:
    sim = simulator()
    credentials = ClientCredentials(READ_ONLY_CLIENT_ID, READ_ONLY_CLIENT_SECRET, READ_SCOPES)
    client = _client(sim, credentials=credentials)
    invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
    before = len(sim.records("charges"))
    with pytest.raises(MissingScope, match=r"flex\.billing\.charges\.create"):
        client.create_charge(_charge(invoice.id, "RCPT-1", Decimal("1.00")))
    assert len(sim.records("charges")) == before


def _charge(
    invoice_id: str, reference: str, amount: Decimal, when: date | None = None
) -> NewCharge:
    day = when or date(2026, 11, 20)
    return NewCharge(
        invoice_id=invoice_id,
        amount=amount,
        date=datetime(day.year, day.month, day.day, tzinfo=UTC),
        account="Bank Transfer",
        reference=reference,
    )


def test_a_charge_pays_the_invoice_and_is_found_by_reference() -> None:
    sim = simulator()
    client = _client(sim)
    invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
    assert invoice.payable_amount is not None
    charge = client.create_charge(_charge(invoice.id, "RCPT-42", invoice.payable_amount))
    assert charge.payment == invoice.id and charge.amount == invoice.payable_amount
    paid = client.get_payment(invoice.id)
    assert paid is not None and paid.status == "paid"
    found = client.find_charge(invoice.id, "RCPT-42")
    assert found is not None and found.id == charge.id


def test_a_lost_response_after_commit_is_unconfirmed_and_the_lookup_finds_the_charge() -> None:
    sim = simulator(faults=FaultPlan(rates={"lost-response": 1.0}, seed=1))
    client = _client(sim)
    sim.config.faults.set_rate("lost-response", 0.0)
    invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
    sim.config.faults.set_rate("lost-response", 1.0)
    with pytest.raises(OfficeRndUnconfirmed) as unknown:
        client.create_charge(_charge(invoice.id, "RCPT-LOST", Decimal("10.00")))
    sim.config.faults.set_rate("lost-response", 0.0)
    assert "find_charge" in unknown.value.lookup
    found = client.find_charge(invoice.id, "RCPT-LOST")
    assert found is not None  # adopt it: resending would have paid twice
    assert Counter(c["reference"] for c in sim.records("charges"))["RCPT-LOST"] == 1


def test_a_write_dated_inside_the_billing_lock_is_refused_as_billing_locked() -> None:
    sim = simulator()
    sim.set_billing_lock_date(date(2026, 10, 31))
    client = _client(sim)
    invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
    with pytest.raises(BillingLocked) as locked:
        client.create_charge(_charge(invoice.id, "RCPT-OLD", Decimal("5.00"), date(2026, 10, 15)))
    assert locked.value.record == invoice.id
    assert client.find_charge(invoice.id, "RCPT-OLD") is None


def test_windowed_read_returns_the_same_records_as_sequential_in_process() -> None:
    sim = simulator(scaled_org(400))
    client = _client(sim)
    sequential = sorted(d.id for d in client.payments())
    windowed = [
        d.id
        for d in client.read_windowed(
            PAYMENTS, start=HISTORY_START, end=HISTORY_END, windows=12, workers=4
        )
    ]
    assert len(windowed) == len(set(windowed))
    assert sorted(windowed) == sequential


@pytest.mark.loopback
def test_paging_and_windowed_read_over_loopback() -> None:
    sim = simulator(scaled_org(260))
    with serve(sim) as served, httpx_client(served.base_url) as http:
        client = client_for(http, served.base_url, org=SMALL_ORG_SLUG)
        sequential = sorted(d.id for d in client.payments())
        windowed = sorted(
            d.id
            for d in client.read_windowed(
                PAYMENTS, start=HISTORY_START, end=HISTORY_END, windows=9, workers=3
            )
        )
    assert sequential == windowed == sorted(r["_id"] for r in sim.records("payments"))


@pytest.mark.loopback
def test_a_lost_response_over_loopback_is_unconfirmed() -> None:
    sim = simulator()
    with serve(sim) as served, httpx_client(served.base_url) as http:
        client = client_for(http, served.base_url, org=SMALL_ORG_SLUG)
        invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
        sim.config.faults.set_rate("lost-response", 1.0)
        with pytest.raises(OfficeRndUnconfirmed):
            client.create_charge(_charge(invoice.id, "RCPT-LB", Decimal("3.00")))
        sim.config.faults.set_rate("lost-response", 0.0)
        assert client.find_charge(invoice.id, "RCPT-LB") is not None


def httpx_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10.0)


def test_every_collection_of_a_generated_operator_reads_into_typed_records() -> None:
    from orsync.officernd.collections import (
        CHARGES,
        COMPANIES,
        FEES,
        LOCATIONS,
        MEMBERS,
        PLANS,
        REVENUE_ACCOUNTS,
        TAX_RATES,
    )
    from orsync.sandbox.seed import generate

    org = generate(11, invoices=150, companies=15).officernd
    app = org.applications[0]
    sim = OfficeRndSimulator(org)
    client = client_for(
        in_process(sim),
        SIM_HOST,
        org=org.org_slug,
        credentials=ClientCredentials(app.client_id, app.client_secret),
    )
    for collection in (
        PAYMENTS,
        CHARGES,
        COMPANIES,
        MEMBERS,
        LOCATIONS,
        REVENUE_ACCOUNTS,
        TAX_RATES,
        PLANS,
        FEES,
    ):
        ids = [r.id for r in client.iterate(collection)]
        assert sorted(ids) == sorted(str(r["_id"]) for r in org.collections[collection.path])
    documents = list(client.payments())
    assert {d.document_type for d in documents} >= {"invoice", "creditNote", "overpayment"}
    assert all(
        line.total is None or isinstance(line.total, Decimal) for d in documents for line in d.lines
    )
    assert client.payment_methods()
    start = min(d.created_at for d in documents if d.created_at is not None)
    end = max(d.created_at for d in documents if d.created_at is not None)
    windowed = [d.id for d in client.read_windowed(PAYMENTS, start=start, end=end, workers=4)]
    assert sorted(windowed) == sorted(d.id for d in documents)


@pytest.mark.loopback
def test_429_retry_after_and_billing_lock_over_loopback() -> None:
    time = SharedTime()
    sim = simulator(scaled_org(150), time, read_requests_per_minute=2)
    sim.set_billing_lock_date(date(2026, 10, 31))
    with serve(sim) as served, httpx_client(served.base_url) as http:
        client = client_for(http, served.base_url, org=SMALL_ORG_SLUG, time=time)
        ids = [d.id for d in client.payments()]
        assert sorted(ids) == sorted(r["_id"] for r in sim.records("payments"))
        assert time.sleeps and min(time.sleeps) >= 1
        invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
        with pytest.raises(BillingLocked):
            client.create_charge(
                _charge(invoice.id, "RCPT-LOCK", Decimal("1.00"), date(2026, 9, 1))
            )
