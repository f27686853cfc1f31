"""A payment taken in OfficeRnD reaches Intacct through `orsync listen` alone: the charge's
webhook names its invoice, and the batch runs that invoice's charges through the payments
stage (no poll, no catch-up in between): one ARPYMT, applied, the invoice due 0 in both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.listen.conftest import Live, wait_for
from tests.listen.test_listen_scenarios import settled

pytestmark = pytest.mark.loopback


def open_invoice(live: Live) -> dict[str, Any]:
    """An issued invoice posted to Intacct with nothing paid on either side."""
    officernd = live.sandbox.officernd
    for doc in officernd.records("payments", documentType="invoice"):
        posted = live.in_intacct(str(doc["number"]))
        if (
            doc.get("status") not in ("draft", "voided")
            and posted is not None
            and posted.total_paid == 0
            and Decimal(str(doc.get("payableAmount") or 0)) == Decimal(str(doc["total"])) > 0
            and not doc.get("allocations")
            and not officernd.records("charges", payment=doc["_id"])
        ):
            return doc
    raise AssertionError("the seeded world has an open posted invoice")


def test_a_card_payment_in_officernd_reaches_intacct_through_its_webhook(
    live_payments: Live,
) -> None:
    live = live_payments
    store = live.sandbox.intacct.store
    with live.listener().start() as listener:
        settled(listener)
        wait_for(lambda: listener.health.to_dict()["profiles"][0]["last_poll_at"], "the poll")
        polled_at = listener.health.to_dict()["profiles"][0]["last_poll_at"]
        card = open_invoice(live)
        total = Decimal(str(card["total"]))
        charge = live.sandbox.officernd.add_charge(card["_id"], total, account="Credit Card")
        event = live.sandbox.officernd.webhook_events[-1]
        assert event["eventType"] == "invoice.charge.created"

        def paid() -> bool:
            return store.invoice_by_number(str(card["number"])).total_due == 0

        wait_for(paid, "the card payment applied in Intacct")
        settled(listener)
        profile = listener.health.to_dict()["profiles"][0]
    assert profile["last_poll_at"] == polled_at, "the webhook's batch, not the poll, posted it"
    assert profile["last_error"] is None
    (payment,) = [p for p in store.payments() if p.doc_number == charge["_id"]]
    assert (payment.payment_method, payment.amount, payment.reversed) == (
        "Credit Card",
        total,
        False,
    )
    invoice = store.invoice_by_number(str(card["number"]))
    assert [d.amount for d in payment.details] == [total]
    assert (invoice.total_due, invoice.state) == (Decimal("0.00"), "Paid")
    in_officernd = live.sandbox.officernd.record("payments", card["_id"])
    assert Decimal(str(in_officernd["payableAmount"])) == 0
