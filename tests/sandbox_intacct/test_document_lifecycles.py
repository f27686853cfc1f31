"""Document lifecycles: payments, drafts, sales documents, updates, reversals, credits."""

from __future__ import annotations

import httpx
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.requests_xml import (
    create_invoice,
    descriptions,
    el,
    errornos,
    lineitem,
    payment,
    run,
)


def test_payments_update_the_invoice_totals_and_state_and_overpaying_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)

    (part,) = run(client, sim, payment(key, "40.00"))
    partially = sim.store.invoices()[0]
    (too_much,) = run(client, sim, payment(key, "60.01"))
    (rest,) = run(client, sim, payment(key, "60.00"))
    paid = sim.store.invoices()[0]

    assert part.findtext("status") == "success"
    assert part.find("data/arpymt/RECORDNO") is not None
    assert (partially.state, str(partially.total_paid), str(partially.total_due)) == (
        "Partially Paid",
        "40.00",
        "60.00",
    )
    assert too_much.findtext("status") == "failure"
    assert "exceeds the amount due 60.00" in descriptions(too_much)[0]
    assert rest.findtext("status") == "success"
    assert (paid.state, str(paid.total_due)) == ("Paid", "0.00")
    assert len(sim.store.payments()) == 2


def test_a_draft_payment_applies_only_when_submitted(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    (draft,) = run(client, sim, payment(key, "100.00", action="Draft"))
    before = sim.store.invoices()[0].state
    recordno = draft.findtext("data/arpymt/RECORDNO") or ""

    (submit,) = run(
        client, sim, el("update", el("ARPYMT", el("RECORDNO", recordno), el("ACTION", "Submit")))
    )
    (again,) = run(
        client, sim, el("update", el("ARPYMT", el("RECORDNO", recordno), el("ACTION", "Submit")))
    )

    assert before == "Posted"
    assert submit.findtext("status") == "success"
    assert sim.store.invoices()[0].state == "Paid"
    assert "only draft payments" in descriptions(again)[0]


def sales(
    definition: str = "Sales Invoice", documentno: str | None = None, price: str = "50"
) -> etree._Element:
    return el(
        "create_sotransaction",
        el("transactiontype", definition),
        el("datecreated", el("year", "2026"), el("month", "11"), el("day", "3")),
        el("customerid", "C-0001"),
        el("documentno", documentno) if documentno else None,
        el("referenceno", "ORD-77"),
        el(
            "sotransitems",
            el(
                "sotransitem",
                el("itemid", "MEMBERSHIP"),
                el("quantity", "2"),
                el("price", price),
                el("locationid", "US-NYC"),
            ),
        ),
    )


def test_a_sales_invoice_posts_an_ar_invoice_linked_by_prrecordkey_and_updating_renumbers_it(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (created,) = run(client, sim, sales())
    doc_id = created.findtext("key") or ""
    document = sim.store.sales_document(doc_id)
    assert document is not None
    first_ar = sim.store.invoice(document.pr_record_key or 0)

    update = el(
        "update_sotransaction",
        el("updatesotransitems", el("updatesotransitem", el("price", "60"), line_num="1")),
        key=doc_id,
    )
    (updated,) = run(client, sim, update)
    document = sim.store.sales_document(doc_id)
    assert document is not None
    second_ar = sim.store.invoice(document.pr_record_key or 0)

    assert doc_id == "Sales Invoice-SI00001"
    assert first_ar is not None and str(first_ar.total_entered) == "100.00"
    assert first_ar.module_key == "8.SO" and first_ar.doc_number == "ORD-77"
    assert updated.findtext("status") == "success"
    assert second_ar is not None and str(second_ar.total_entered) == "120.00"
    assert second_ar.recordno != first_ar.recordno
    assert sim.store.invoice(first_ar.recordno) is None


def test_a_sales_credit_memo_posts_an_ar_adjustment_and_duplicate_document_numbers_fail(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    memo, dup = run(
        client,
        sim,
        sales("Sales Credit Memo", documentno="CM-1"),
        sales("Sales Credit Memo", documentno="CM-1"),
    )

    assert memo.findtext("key") == "Sales Credit Memo-CM-1"
    (adjustment,) = sim.store.adjustments()
    assert str(adjustment.total_entered) == "-100.00"
    assert errornos(dup)[0] == "BL34000061"


def test_an_unknown_item_on_a_sales_line_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = sales()
    item = body.find("sotransitems/sotransitem/itemid")
    assert item is not None
    item.text = "RETIRED"

    (result,) = run(client, sim, body)

    assert descriptions(result)[0] == "Item 'RETIRED' is inactive."


def test_update_invoice_changes_lines_and_refuses_a_paid_invoice(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    update = el(
        "update_invoice",
        el(
            "updateinvoiceitems",
            el("updatelineitem", el("amount", "80.00"), line_num="1"),
            lineitem("5.00"),
        ),
        key=key,
    )

    (ok,) = run(client, sim, update)
    run(client, sim, payment(key, "10.00"))
    (refused,) = run(client, sim, update)

    assert ok.findtext("status") == "success"
    assert str(sim.store.invoices()[0].total_entered) == "85.00"
    assert "payments applied" in descriptions(refused)[0]


def test_reverse_invoice_marks_it_reversed_and_posts_a_negative_reversal(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    reverse = el(
        "reverse_invoice",
        el("datereversed", el("year", "2026"), el("month", "11"), el("day", "20")),
        key=key,
    )

    (ok,) = run(client, sim, reverse)
    (again,) = run(client, sim, reverse)

    original, reversal = sim.store.invoices()
    assert ok.findtext("key") == str(reversal.recordno)
    assert (original.state, str(original.total_due)) == ("Reversed", "0.00")
    assert (reversal.state, str(reversal.total_entered)) == ("Reversal", "-100.00")
    assert "already been reversed" in descriptions(again)[0]


def test_a_credit_memo_adjustment_is_applied_to_an_invoice_with_apply_arpayment(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    invoice_key = str(sim.store.invoices()[0].recordno)
    adjustment = el(
        "create_aradjustment",
        el("customerid", "C-0001"),
        el("datecreated", el("year", "2026"), el("month", "11"), el("day", "10")),
        el("aradjustmentitems", lineitem("-30.00")),
    )
    (created,) = run(client, sim, adjustment)
    credit_key = created.findtext("key") or ""

    def apply(amount: str) -> etree._Element:
        return el(
            "apply_arpayment",
            el("arpaymentkey", credit_key),
            el("paymentdate", el("year", "2026"), el("month", "11"), el("day", "11")),
            el(
                "arpaymentitems",
                el("arpaymentitem", el("invoicekey", invoice_key), el("amount", amount)),
            ),
        )

    too_much, ok = run(client, sim, apply("31.00"), apply("30.00"))

    assert too_much.findtext("status") == "failure"
    assert ok.findtext("status") == "success"
    invoice = sim.store.invoices()[0]
    (credit,) = sim.store.adjustments()
    assert (invoice.state, str(invoice.total_due)) == ("Partially Paid", "70.00")
    assert str(credit.total_due) == "0.00"


def test_store_helpers_reverse_a_payment_and_delete_a_sales_document(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    run(client, sim, payment(key, "100.00"))
    (created,) = run(client, sim, sales())

    (paid,) = sim.store.payments()
    sim.store.reverse_payment(paid.recordno, sim.config.clock())
    sim.store.delete_sales_document(created.findtext("key") or "")

    (invoice,) = sim.store.invoices()
    assert (invoice.state, str(invoice.total_due)) == ("Posted", "100.00")
    assert sim.store.payments()[0].state == "Reversed"
    assert sim.store.sales_documents() == []
