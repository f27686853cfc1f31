"""Legacy create_arpayment: older clients' receipts, under the same rules as ARPYMT; money not
applied to an invoice is kept as an advance that apply_arpayment spends later."""

from __future__ import annotations

from datetime import date

import httpx
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.requests_xml import (
    create_invoice,
    descriptions,
    el,
    lineitem,
    run,
    triple,
)


def legacy_payment(
    amount: str, *items: tuple[str, str], bank: str = "BOA-US", currency: str | None = None
) -> etree._Element:
    return el(
        "create_arpayment",
        el("customerid", "C-0001"),
        el("paymentamount", amount),
        el("bankaccountid", bank),
        el("refid", "CHK-1001"),
        triple("datereceived", date(2026, 11, 20)),
        el("paymentmethod", "Printed Check"),
        el("currency", currency) if currency else None,
        *(el("arpaymentitem", el("invoicekey", k), el("amount", a)) for k, a in items),
    )


def apply(credit_key: str, invoice_key: str, amount: str) -> etree._Element:
    return el(
        "apply_arpayment",
        el("arpaymentkey", credit_key),
        triple("paymentdate", date(2026, 11, 26)),
        el(
            "arpaymentitems",
            el("arpaymentitem", el("invoicekey", invoice_key), el("amount", amount)),
        ),
    )


def invoice_key(client: httpx.Client, sim: IntacctSimulator) -> str:
    (made,) = run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    return made.findtext("key") or ""


def test_a_legacy_payment_pays_its_invoice_like_arpymt(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    key = invoice_key(client, sim)
    (paid,) = run(client, sim, legacy_payment("40.00", (key, "40.00")))
    assert paid.findtext("status") == "success", descriptions(paid)
    invoice = sim.store.invoices()[0]
    assert (invoice.state, str(invoice.total_due)) == ("Partially Paid", "60.00")
    (payment,) = [p for p in sim.store.payments() if p.doc_number == "CHK-1001"]
    assert (payment.recordno, str(payment.amount), payment.record_type) == (
        int(paid.findtext("key") or 0),
        "40.00",
        "rp",
    )


def test_a_legacy_payment_is_refused_what_arpymt_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    key = invoice_key(client, sim)
    (too_much,) = run(client, sim, legacy_payment("150.00", (key, "150.00")))
    (over_items,) = run(client, sim, legacy_payment("10.00", (key, "20.00")))
    (unknown_bank,) = run(client, sim, legacy_payment("10.00", (key, "10.00"), bank="NOPE"))
    for refused in (too_much, over_items, unknown_bank):
        assert refused.findtext("status") == "failure"
    assert "exceeds the amount due" in descriptions(too_much)[0]
    assert sim.store.invoices()[0].total_due == 100
    assert list(sim.store.payments()) == []


def test_money_not_applied_is_an_advance_that_apply_arpayment_spends_later(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    key = invoice_key(client, sim)
    (unapplied,) = run(client, sim, legacy_payment("25.00"))
    (split,) = run(client, sim, legacy_payment("50.00", (key, "30.00")))
    advances = [p for p in sim.store.payments() if p.record_type == "rr"]
    assert sorted(str(a.amount) for a in advances) == ["20.00", "25.00"]
    assert sim.store.invoices()[0].total_due == 70

    (spent,) = run(client, sim, apply(unapplied.findtext("key") or "", key, "25.00"))
    assert spent.findtext("status") == "success", descriptions(spent)
    assert sim.store.invoices()[0].total_due == 45
    assert split.findtext("status") == "success"
