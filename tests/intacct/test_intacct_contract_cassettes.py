"""Contract cassettes: the main exchanges, recorded once against the simulator, replayed in CI.

A replay fails when orsync starts sending different function XML for the same scenario (the
matcher ignores control ids and credentials) or reads the recorded answers differently.
Re-record after a deliberate change: ``ORSYNC_RECORD_CASSETTES=1 pytest tests/intacct``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from orsync.intacct import (
    Aborted,
    Failed,
    IntacctClient,
    IntacctSettings,
    LoginCredentials,
    SenderCredentials,
    Succeeded,
)
from orsync.intacct.xml import legacy, objects, reads
from orsync.intacct.xml.function import Function
from orsync.sandbox.intacct import IntacctCredentials, IntacctSimConfig, IntacctSimulator
from orsync.sandbox.server import in_process_transport
from tests.intacct.cassettes import CASSETTE_DIR, RECORDING, SCRUBBED_ENDPOINT, cassette_vcr

FIXED_NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CREDENTIALS = IntacctCredentials()


def _clock() -> datetime:
    return FIXED_NOW


def _not_recorded(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"request not in cassette: {request.content[:200]!r}")


@pytest.fixture
def client() -> Iterator[IntacctClient]:
    if RECORDING:
        sim = IntacctSimulator(config=IntacctSimConfig(clock=_clock, credentials=CREDENTIALS))
        transport: httpx.BaseTransport = in_process_transport(sim)
    else:
        # vcrpy patches MockTransport too: every request is answered from the cassette.
        transport = httpx.MockTransport(_not_recorded)
    settings = IntacctSettings(
        sender=SenderCredentials(CREDENTIALS.sender_id, CREDENTIALS.sender_password),
        login=LoginCredentials(
            CREDENTIALS.user_id, CREDENTIALS.company_id, CREDENTIALS.user_password
        ),
        endpoint=SCRUBBED_ENDPOINT,
        max_in_flight=1,
    )
    with httpx.Client(transport=transport) as http:
        yield IntacctClient(http, settings, clock=_clock, sleep=lambda _s: None)


def _invoice(n: int, customer: str = "C-0001") -> Function:
    return legacy.create_invoice(
        legacy.ArInvoice(
            customer_id=customer,
            date_created=date(2026, 11, 2),
            date_due=date(2026, 12, 2),
            po_number=f"ORD-{n}",
            description=f"Membership {n}",
            lines=(legacy.ArInvoiceLine("4000", Decimal("99.99"), location_id="US-NYC"),),
        ),
        f"orsync:inv:{n}",
        record=f"inv-{n}",
    )


def scenario_invoice_batch(client: IntacctClient) -> None:
    outcomes = {o.function.record: o for o in client.write([_invoice(1), _invoice(2, "NOPE")])}
    assert isinstance(outcomes["inv-1"], Succeeded) and outcomes["inv-1"].key
    assert isinstance(outcomes["inv-2"], Failed)
    assert "NOPE" in outcomes["inv-2"].as_error().message


def scenario_rollback(client: IntacctClient) -> None:
    first, second = client.write_group([_invoice(3), _invoice(4, "NOPE")])
    assert isinstance(first, Aborted) and isinstance(second, Failed)


def scenario_customer_and_payment(client: IntacctClient) -> None:
    customer = objects.Customer("M-100", "Member Hundred Ltd", email="m100@example.com")
    (created,) = client.write([objects.create_customer(customer, "orsync:cust:M-100")])
    assert isinstance(created, Succeeded)
    (invoice,) = client.write([_invoice(5, "M-100")])
    assert isinstance(invoice, Succeeded) and invoice.key
    payment = objects.ArPayment(
        "M-100",
        "EFT",
        date(2026, 11, 20),
        (objects.PaymentLine(invoice.key, Decimal("99.99")),),
        financial_entity="BOA-US",
        doc_number="PAY-5",
    )
    (paid,) = client.write([objects.create_arpayment(payment, "orsync:pay:5")])
    assert isinstance(paid, Succeeded), paid
    rows = list(
        client.query_all(
            "ARINVOICE",
            ["RECORDNO", "STATE", "TOTALDUE"],
            where=reads.equalto("RECORDNO", invoice.key),
        )
    )
    assert [(r.get("STATE"), r.get("TOTALDUE")) for r in rows] == [("Paid", "0.00")]


def scenario_paging(client: IntacctClient) -> None:
    queried = list(client.query_all("CUSTOMER", ["CUSTOMERID", "NAME"], pagesize=2))
    assert len(queried) >= 4
    by_query = list(client.read_by_query_all("CUSTOMER", "", fields=["CUSTOMERID"], pagesize=2))
    assert {r.get("CUSTOMERID") for r in by_query} == {r.get("CUSTOMERID") for r in queried}


SCENARIOS: dict[str, Callable[[IntacctClient], None]] = {
    "invoice_batch": scenario_invoice_batch,
    "rollback": scenario_rollback,
    "customer_and_payment": scenario_customer_and_payment,
    "paging": scenario_paging,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_recorded_exchange_still_matches(name: str, client: IntacctClient) -> None:
    with cassette_vcr().use_cassette(f"{name}.yaml"):
        SCENARIOS[name](client)


SECRETS = (
    CREDENTIALS.sender_password,
    CREDENTIALS.user_password,
    CREDENTIALS.sender_id,
    "127.0.0.1",
    "localhost",
)
_UNMASKED = re.compile(r"<(password|sessionid|senderid|userid)>(?!\*\*\*<)[^<]*<", re.I)


def test_no_cassette_holds_a_password_session_id_or_other_secret() -> None:
    cassettes = sorted(CASSETTE_DIR.glob("*.yaml"))
    assert {p.stem for p in cassettes} >= set(SCENARIOS), "cassettes missing: record them"
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, f"{path.name} contains {secret!r}"
        assert not _UNMASKED.search(text), f"{path.name} has an unmasked credential element"
        assert "<sessionid>***</sessionid>" in text, f"{path.name}: session ids were not masked"


def test_the_matcher_ignores_control_ids_and_credentials_but_not_content() -> None:
    from types import SimpleNamespace

    from orsync.intacct.xml.envelope import SessionCredentials, build_request
    from tests.intacct.cassettes import xml_content_matcher

    def body(controlid: str, session: str, amount: str) -> SimpleNamespace:
        function = _invoice(1)
        payload = function.payload.replace(b"99.99", amount.encode())
        changed = type(function)(function.name, controlid, payload, True)
        sender = SenderCredentials("a", "b")
        return SimpleNamespace(
            body=build_request(
                sender, SessionCredentials(session), [changed], request_controlid=controlid
            )
        )

    xml_content_matcher(body("c1", "s1", "99.99"), body("c2", "s2", "99.99"))
    with pytest.raises(AssertionError, match="differs"):
        xml_content_matcher(body("c1", "s1", "99.99"), body("c1", "s1", "10.00"))
