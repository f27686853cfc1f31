"""The client against the gateway simulator, in process and over real loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from orsync.errors import AuthError, TemporaryError
from orsync.intacct import (
    Aborted,
    Failed,
    IntacctClient,
    IntacctSettings,
    LoginCredentials,
    NotConfirmed,
    SenderCredentials,
    Succeeded,
)
from orsync.intacct.client import FRESH_SESSION_ATTEMPTS
from orsync.intacct.xml import legacy, objects, reads
from orsync.intacct.xml.function import Function
from orsync.retry import RetryPolicy
from orsync.sandbox.faults import FaultPlan, Latency
from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator, RateLimit
from orsync.sandbox.server import in_process_transport, serve

UK_VAT = (legacy.TaxEntry("UK Sale Goods Standard Rate"),)
IN_PROCESS_ENDPOINT = "https://api.intacct.test/ia/xml/xmlgw.phtml"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    sim: IntacctSimulator
    client: IntacctClient
    clock: Clock
    sleeps: list[float]

    def invoices_with_po(self, po_number: str, entity: str | None = None) -> list[str]:
        rows = self.client.query_all(
            "ARINVOICE",
            ["RECORDNO", "DOCNUMBER"],
            where=reads.equalto("DOCNUMBER", po_number),
            entity=entity,
        )
        return [row.get("RECORDNO") or "" for row in rows]


def make_rig(
    transport: str,
    *,
    faults: FaultPlan | None = None,
    really_sleep: bool = False,
    **overrides: object,
) -> Iterator[Rig]:
    clock = Clock()
    sim_options: dict[str, object] = {"clock": clock, "faults": faults or FaultPlan()}
    client_options: dict[str, object] = {}
    for name, value in overrides.items():
        (client_options if name in {"batch_size", "max_in_flight", "retry"} else sim_options)[
            name
        ] = value
    sim = IntacctSimulator(config=IntacctSimConfig(**sim_options))  # type: ignore[arg-type]
    creds = sim.credentials
    sleeps: list[float] = []

    def build(http: httpx.Client, endpoint: str) -> Rig:
        settings = IntacctSettings(
            sender=SenderCredentials(creds.sender_id, creds.sender_password),
            login=LoginCredentials(creds.user_id, creds.company_id, creds.user_password),
            endpoint=endpoint,
            **client_options,  # type: ignore[arg-type]
        )

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if really_sleep:
                time.sleep(seconds)

        client = IntacctClient(http, settings, clock=clock, sleep=sleep)
        return Rig(sim, client, clock, sleeps)

    if transport == "loopback":
        with serve(sim) as served, httpx.Client() as http:
            yield build(http, served.base_url + "/ia/xml/xmlgw.phtml")
    else:
        with httpx.Client(transport=in_process_transport(sim)) as http:
            yield build(http, IN_PROCESS_ENDPOINT)


TRANSPORTS = ["in-process", pytest.param("loopback", marks=pytest.mark.loopback)]


@pytest.fixture(params=TRANSPORTS)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    yield from make_rig(request.param)


def invoice_fn(
    n: int,
    *,
    customer: str = "C-0001",
    location: str | None = "US-NYC",
    run: str = "t",
    tax: tuple[legacy.TaxEntry, ...] = (),
) -> Function:
    invoice = legacy.ArInvoice(
        customer_id=customer,
        date_created=date(2026, 11, 2),
        date_due=date(2026, 12, 2),
        po_number=f"{run}-ORD-{n}",
        description=f"Membership {n}",
        lines=(
            legacy.ArInvoiceLine("4000", Decimal("120.50"), location_id=location, tax_entries=tax),
        ),
    )
    return legacy.create_invoice(invoice, f"orsync:inv:{run}:{n}", record=f"{run}-{n}")


def test_a_batch_with_one_bad_invoice_fails_only_that_record(rig: Rig) -> None:
    functions = [invoice_fn(i) for i in range(4)] + [invoice_fn(9, customer="NOPE")]
    outcomes = {o.function.record: o for o in rig.client.write(functions, batch_size=5)}
    assert all(isinstance(outcomes[f"t-{i}"], Succeeded) for i in range(4))
    failed = outcomes["t-9"]
    assert isinstance(failed, Failed)
    error = failed.as_error()
    assert error.record == "t-9" and "NOPE" in error.message and error.hint
    assert rig.invoices_with_po("t-ORD-0") == [outcomes["t-0"].key]  # type: ignore[union-attr]


def test_a_group_with_a_bad_member_is_rolled_back_entirely(rig: Rig) -> None:
    outcomes = rig.client.write_group([invoice_fn(1), invoice_fn(2, customer="NOPE")])
    assert isinstance(outcomes[0], Aborted) and isinstance(outcomes[1], Failed)
    assert rig.invoices_with_po("t-ORD-1") == []
    # Rolled back means never committed: the same controlid may be sent again.
    (again,) = rig.client.write_group([invoice_fn(1)])
    assert isinstance(again, Succeeded)


def test_entity_sessions_post_into_their_entity(rig: Rig) -> None:
    (outcome,) = rig.client.write(
        [invoice_fn(1, customer="C-0002", location="UK-LON", tax=UK_VAT)], entity="UK"
    )
    assert isinstance(outcome, Succeeded)
    where = reads.equalto("DOCNUMBER", "t-ORD-1")
    select = ["RECORDNO", "MEGAENTITYID"]
    from_entity = list(rig.client.query_all("ARINVOICE", select, where=where, entity="UK"))
    assert [r.get("MEGAENTITYID") for r in from_entity] == ["UK"]
    top = list(rig.client.query_all("ARINVOICE", select, where=where, show_private=True))
    assert [r.get("RECORDNO") for r in top] == [outcome.key]
    assert rig.sim.stats.by_function["getAPISession"] == 2  # top level and UK


def test_query_offsets_and_read_more_page_through_everything(rig: Rig) -> None:
    customers = [
        objects.create_customer(objects.Customer(f"PAGE-{i:02d}", f"Page {i}"), f"cust-{i}")
        for i in range(7)
    ]
    assert all(isinstance(o, Succeeded) for o in rig.client.write(customers))
    where = reads.Compare("like", "CUSTOMERID", "PAGE-%")
    queried = [
        r.get("CUSTOMERID")
        for r in rig.client.query_all("CUSTOMER", ["CUSTOMERID"], where=where, pagesize=3)
    ]
    assert queried == [f"PAGE-{i:02d}" for i in range(7)]
    by_query = [
        r.get("CUSTOMERID")
        for r in rig.client.read_by_query_all(
            "CUSTOMER", "CUSTOMERID LIKE 'PAGE-%'", fields=["CUSTOMERID"], pagesize=3
        )
    ]
    assert sorted(by_query) == [f"PAGE-{i:02d}" for i in range(7)]


def test_a_duplicate_customer_is_a_duplicate_record_failure(rig: Rig) -> None:
    customer = objects.Customer("DUP-1", "Dup One")
    (first,) = rig.client.write([objects.create_customer(customer, "dup-a")])
    (second,) = rig.client.write([objects.create_customer(customer, "dup-b")])
    assert isinstance(first, Succeeded) and first.key
    assert isinstance(second, Failed) and second.is_duplicate_record


def test_the_session_is_renewed_when_the_simulated_clock_passes_its_timeout(rig: Rig) -> None:
    list(rig.client.write([invoice_fn(1)]))
    rig.clock.now += timedelta(hours=3)  # the simulator's sessions last 2 h
    assert all(isinstance(o, Succeeded) for o in rig.client.write([invoice_fn(2)]))
    assert rig.sim.stats.by_function["getAPISession"] == 2


def fault_rig(transport: str, fault: str, **overrides: object) -> Iterator[Rig]:
    """A rig whose fault fires on every request after sign-in (sign-in itself is spared)."""
    for rig in make_rig(transport, faults=FaultPlan(rates={fault: 0.0}, seed=7), **overrides):
        rig.client.sign_in()
        rig.sim.set_fault_rate(fault, 1.0)
        yield rig


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("fault", ["lost-response", "http-524"])
def test_a_fault_after_commit_leaves_the_invoice_unconfirmed_not_duplicated(
    transport: str, fault: str
) -> None:
    for rig in fault_rig(transport, fault):
        (outcome,) = rig.client.write([invoice_fn(1)])
        assert isinstance(outcome, NotConfirmed)
        rig.sim.set_fault_rate(fault, 0.0)
        # The engine looks the record up before doing anything else: it is there, once.
        assert len(rig.invoices_with_po("t-ORD-1")) == 1
        # Resending with the same controlid is refused by the gateway, and still unconfirmed.
        (again,) = rig.client.write([invoice_fn(1)])
        assert isinstance(again, NotConfirmed) and "controlid" in again.reason
        assert len(rig.invoices_with_po("t-ORD-1")) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_5xx_answer_to_a_write_is_unconfirmed(transport: str) -> None:
    for rig in fault_rig(transport, "http-5xx"):
        (outcome,) = rig.client.write([invoice_fn(1)])
        assert isinstance(outcome, NotConfirmed) and "503" in outcome.reason


def test_reads_are_retried_through_5xx_answers() -> None:
    for rig in fault_rig("in-process", "http-5xx"):
        rig.sim.set_fault_rate("http-5xx", 0.5)
        rows = list(rig.client.query_all("CUSTOMER", ["CUSTOMERID"]))
        assert len(rows) >= 3 and rig.sim.stats.faults["http-5xx"] >= 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rate_limited_requests_are_retried_and_succeed(transport: str) -> None:
    for rig in fault_rig(transport, "rate-limit"):
        rig.sim.set_fault_rate("rate-limit", 0.5)
        outcomes = list(rig.client.write([invoice_fn(i) for i in range(6)], batch_size=2))
        assert all(isinstance(o, Succeeded) for o in outcomes)
        assert rig.sim.stats.rate_limited >= 1 and rig.sleeps


def test_a_request_rate_limit_is_honoured_with_retry_after() -> None:
    for rig in make_rig(
        "in-process", rate_limit=RateLimit(requests=1000, per_seconds=60, retry_after_seconds=3)
    ):
        rig.client.sign_in()
        rig.sim.rate_limiter.limit = RateLimit(requests=0, per_seconds=60, retry_after_seconds=3)
        with pytest.raises(Exception, match="rate limiting"):
            list(rig.client.write([invoice_fn(1)]))
        assert rig.sleeps and set(rig.sleeps) == {3.0}


def test_too_many_operations_is_retried_until_a_slot_frees() -> None:
    for rig in make_rig(
        "loopback",
        max_concurrent_requests=1,
        concurrency_wait_seconds=0.0,
        latency=Latency(per_request_ms=5.0),  # requests overlap, so some find the slot taken
        max_in_flight=4,
        batch_size=1,
        retry=RetryPolicy(max_attempts=50, base_delay=0.001, max_delay=0.01),
        really_sleep=True,
    ):
        outcomes = list(rig.client.write([invoice_fn(i) for i in range(12)]))
        assert all(isinstance(o, Succeeded) for o in outcomes)
        assert len(rig.invoices_with_po("t-ORD-11")) == 1
        assert rig.sim.stats.refused_busy >= 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_expired_session_is_replaced_and_the_write_goes_through_once(transport: str) -> None:
    for rig in fault_rig(transport, "session-expired"):
        rig.sim.set_fault_rate("session-expired", 0.0)
        rig.sim.sessions.expire_all()
        (outcome,) = rig.client.write([invoice_fn(1)])
        assert isinstance(outcome, Succeeded)
        assert rig.sim.stats.by_function["getAPISession"] == 2
        assert len(rig.invoices_with_po("t-ORD-1")) == 1


def test_a_session_that_keeps_expiring_is_a_temporary_failure_not_bad_credentials() -> None:
    for rig in fault_rig("in-process", "session-expired"):
        with pytest.raises(TemporaryError, match="3 sessions in a row") as caught:
            list(rig.client.write([invoice_fn(1)], batch_size=1))
        assert not isinstance(caught.value, AuthError)
        assert caught.value.exit_code == 75
        assert rig.sim.stats.by_function["getAPISession"] == FRESH_SESSION_ATTEMPTS
        assert rig.sim.stats.by_function["create_invoice"] == 0


def test_unconfirmed_writes_can_be_looked_up_in_one_query_by_their_reference(rig: Rig) -> None:
    outcomes = list(rig.client.write([invoice_fn(i) for i in range(3)]))
    keys = sorted(o.key for o in outcomes if isinstance(o, Succeeded))
    found = rig.client.query_in(
        "ARINVOICE",
        "DOCNUMBER",
        ["t-ORD-0", "t-ORD-1", "t-ORD-2", "t-ORD-9"],
        ["RECORDNO", "DOCNUMBER"],
    )
    assert sorted(r.get("RECORDNO") for r in found) == keys
    assert rig.sim.stats.by_function["query"] == 1


def test_the_closed_books_date_is_read_from_get_closedbooksdate(rig: Rig) -> None:
    """api.xsd's ``get_closedbooksdate``: the last day of the GL's closed books, or None."""
    rig.sim.store.set_books_closed_before(None)
    assert rig.client.closed_books_date() is None
    rig.sim.store.set_books_closed_before(date(2026, 10, 1))
    assert rig.client.closed_books_date() == date(2026, 9, 30)
    assert rig.sim.stats.by_function["get_closedbooksdate"] == 2
