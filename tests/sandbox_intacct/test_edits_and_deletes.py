"""The edits and deletes the official API has (issue 17, item 5): update_aradjustment,
delete_aradjustment, delete_invoice, delete_sotransaction and the generic delete, each sent as
orsync builds it, and refused where money is applied or the period is closed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
from lxml import etree

from orsync.intacct.xml import legacy
from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.requests_xml import descriptions, el, run

LINE = legacy.ArInvoiceLine("4000", Decimal("-100.00"), location_id="US-NYC")


def body(function: legacy.Function) -> etree._Element:
    return etree.fromstring(function.payload)


def credit_memo(client: httpx.Client, sim: IntacctSimulator) -> str:
    memo = legacy.ArAdjustment(
        customer_id="C-0001", date_created=date(2026, 11, 2), lines=(LINE,), adjustment_no="CN-1"
    )
    (result,) = run(client, sim, body(legacy.create_aradjustment(memo, "c1")))
    assert result.findtext("status") == "success", descriptions(result)
    return str(result.findtext("key"))


def invoice(client: httpx.Client, sim: IntacctSimulator) -> str:
    line = legacy.ArInvoiceLine("4000", Decimal("100.00"), location_id="US-NYC")
    inv = legacy.ArInvoice(
        customer_id="C-0001",
        date_created=date(2026, 11, 2),
        date_due=date(2026, 12, 2),
        lines=(line,),
        invoice_no="INV-1",
    )
    (result,) = run(client, sim, body(legacy.create_invoice(inv, "i1")))
    assert result.findtext("status") == "success", descriptions(result)
    return str(result.findtext("key"))


def test_a_credit_memo_is_edited_in_place(client: httpx.Client, sim: IntacctSimulator) -> None:
    key = credit_memo(client, sim)
    update = legacy.ArAdjustmentUpdate(
        replace_lines={1: legacy.ArInvoiceLine("4000", Decimal("-80.00"), location_id="US-NYC")},
        add_lines=(legacy.ArInvoiceLine("4300", Decimal("-5.00"), location_id="US-NYC"),),
        description="edited",
    )
    (result,) = run(client, sim, body(legacy.update_aradjustment(key, update, "u1")))
    assert result.findtext("status") == "success", descriptions(result)
    (memo,) = sim.store.adjustments()
    assert [line.amount for line in memo.lines] == [Decimal("-80.00"), Decimal("-5.00")]
    assert memo.total_entered == Decimal("-85.00") and memo.description == "edited"


def test_an_unapplied_credit_memo_and_an_unpaid_invoice_are_deleted(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    memo, inv = credit_memo(client, sim), invoice(client, sim)
    results = run(
        client,
        sim,
        body(legacy.delete_aradjustment(memo, "d1")),
        body(legacy.delete_invoice(inv, "d2")),
    )
    assert [r.findtext("status") for r in results] == ["success", "success"]
    assert sim.store.adjustments() == [] and sim.store.invoices() == []


def test_the_generic_delete_removes_ar_records_by_recordno(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    inv = invoice(client, sim)
    (result,) = run(client, sim, el("delete", el("object", "ARINVOICE"), el("keys", inv)))
    assert result.findtext("status") == "success", descriptions(result)
    assert sim.store.invoices() == []


def test_a_credit_applied_to_an_invoice_can_be_neither_edited_nor_deleted(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    memo, inv = credit_memo(client, sim), invoice(client, sim)
    apply = el(
        "apply_arpayment",
        el("arpaymentkey", memo),
        el("paymentdate", el("year", "2026"), el("month", "11"), el("day", "3")),
        el("arpaymentitems", el("arpaymentitem", el("invoicekey", inv), el("amount", "100.00"))),
    )
    (applied,) = run(client, sim, apply)
    assert applied.findtext("status") == "success", descriptions(applied)
    results = run(
        client,
        sim,
        body(legacy.delete_aradjustment(memo, "d1")),
        body(legacy.delete_invoice(inv, "d2")),
        body(legacy.update_aradjustment(memo, legacy.ArAdjustmentUpdate(description="x"), "u")),
    )
    assert [r.findtext("status") for r in results] == ["failure"] * 3
    assert all(any("applied and cannot be" in text for text in descriptions(r)) for r in results)
    assert len(sim.store.adjustments()) == 1 and len(sim.store.invoices()) == 1


def test_a_sales_document_is_deleted_with_the_ar_record_it_posted(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    transaction = legacy.SalesTransaction(
        transaction_type="Sales Invoice",
        date_created=date(2026, 11, 2),
        customer_id="C-0001",
        lines=(legacy.SalesLine("MEMBERSHIP", Decimal(1), Decimal("100"), location_id="US-NYC"),),
        document_no="SO-1",
    )
    (created,) = run(client, sim, body(legacy.create_sotransaction(transaction, "s1")))
    assert created.findtext("status") == "success", descriptions(created)
    assert len(sim.store.invoices()) == 1  # the AR invoice Order Entry posted
    (deleted,) = run(client, sim, body(legacy.delete_sotransaction("Sales Invoice-SO-1", "d")))
    assert deleted.findtext("status") == "success", descriptions(deleted)
    assert sim.store.sales_documents() == [] and sim.store.invoices() == []
    # The AR record of an Order Entry document is not deleted on its own.
    (again,) = run(client, sim, body(legacy.create_sotransaction(transaction, "s2")))
    assert again.findtext("status") == "success", descriptions(again)
    ar_key = str(sim.store.invoices()[0].recordno)
    (refused,) = run(client, sim, body(legacy.delete_invoice(ar_key, "d3")))
    assert refused.findtext("status") == "failure"
    assert any("created by Order Entry" in text for text in descriptions(refused))


def test_a_delete_in_a_closed_period_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    inv = invoice(client, sim)
    sim.store.set_books_closed_before(date(2026, 12, 1))
    (result,) = run(client, sim, body(legacy.delete_invoice(inv, "d1")))
    assert result.findtext("status") == "failure"
    assert len(sim.store.invoices()) == 1
