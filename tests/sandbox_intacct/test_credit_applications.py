"""apply_arpayment: a credit memo applied to invoices with the rules real Intacct applies."""

from __future__ import annotations

from datetime import date

import httpx
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.conftest import FakeClock
from tests.sandbox_intacct.requests_xml import (
    create_invoice,
    descriptions,
    el,
    lineitem,
    read_by_query,
    run,
)


def credit_memo(amount: str, customer: str = "C-0001") -> etree._Element:
    return el(
        "create_aradjustment",
        el("customerid", customer),
        el("datecreated", el("year", "2026"), el("month", "11"), el("day", "10")),
        el("aradjustmentitems", lineitem(f"-{amount}")),
    )


def apply(credit_key: str, *items: tuple[str, str], memo: str | None = None) -> etree._Element:
    return el(
        "apply_arpayment",
        el("arpaymentkey", credit_key),
        el("paymentdate", el("year", "2026"), el("month", "11"), el("day", "26")),
        el("memo", memo) if memo else None,
        el(
            "arpaymentitems",
            *(el("arpaymentitem", el("invoicekey", k), el("amount", a)) for k, a in items),
        ),
    )


def keys(client: httpx.Client, sim: IntacctSimulator, *bodies: etree._Element) -> list[str]:
    return [r.findtext("key") or "" for r in run(client, sim, *bodies)]


def test_an_application_updates_both_documents_and_is_read_back_by_its_memo(
    client: httpx.Client, sim: IntacctSimulator, clock: FakeClock
) -> None:
    invoice_key, credit_key = keys(
        client, sim, create_invoice(lines=[lineitem("100.00")]), credit_memo("30.00")
    )
    clock.advance(hours=1)

    (applied,) = run(client, sim, apply(credit_key, (invoice_key, "30.00"), memo="alloc A1"))
    (again,) = run(client, sim, apply(credit_key, (invoice_key, "0.01")))
    (found,) = run(client, sim, read_by_query("ARPYMT", "DESCRIPTION = 'alloc A1'"))

    invoice = sim.store.invoices()[0]
    (credit,) = sim.store.adjustments()
    assert applied.findtext("status") == "success"
    assert (invoice.state, str(invoice.total_due), str(credit.total_due)) == (
        "Partially Paid",
        "70.00",
        "0.00",
    )
    assert invoice.when_modified == credit.when_modified == clock.now
    assert again.findtext("status") == "failure"
    assert "exceeds the credit available 0.00" in descriptions(again)[0]
    (row,) = found.findall("data/arpymt")
    assert row.findtext("RECORDNO") == applied.findtext("key")
    assert row.findtext("RECORDTYPE") == "ra"


def test_a_credit_is_never_applied_to_another_customers_invoice_nor_beyond_the_due(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    mine, theirs, credit_key = keys(
        client,
        sim,
        create_invoice(lines=[lineitem("20.00")]),
        create_invoice(customerid="C-0002", lines=[lineitem("50.00")]),
        credit_memo("40.00"),
    )

    other, over, split_over = run(
        client,
        sim,
        apply(credit_key, (theirs, "10.00")),
        apply(credit_key, (mine, "20.01")),
        apply(credit_key, (mine, "15.00"), (mine, "5.01")),
    )

    assert "belongs to another customer" in descriptions(other)[0]
    assert "exceeds the amount due 20.00" in descriptions(over)[0]
    assert "exceeds the amount due 20.00" in descriptions(split_over)[0]
    assert [str(i.total_due) for i in sim.store.invoices()] == ["20.00", "50.00"]
    assert str(sim.store.adjustments()[0].total_due) == "-40.00"


def test_an_application_dated_in_a_closed_period_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    invoice_key, credit_key = keys(
        client, sim, create_invoice(lines=[lineitem("100.00")]), credit_memo("30.00")
    )
    sim.store.set_module_closed_before("AR", date(2026, 11, 27))

    (closed,) = run(client, sim, apply(credit_key, (invoice_key, "30.00")))

    assert closed.findtext("status") == "failure"
    assert str(sim.store.invoices()[0].total_due) == "100.00"


def advance(amount: str, bank: str = "BOA-US", account: str = "2300") -> etree._Element:
    return el(
        "create",
        el(
            "ARADVANCE",
            el("FINANCIALENTITY", bank),
            el("PAYMENTMETHOD", "EFT"),
            el("CUSTOMERID", "C-0001"),
            el("DOCNUMBER", "op-1"),
            el("DESCRIPTION", "overpayment"),
            el("RECEIPTDATE", "11/20/2026"),
            el("CURRENCY", "USD"),
            el(
                "ARADVANCEITEMS",
                el("ARADVANCEITEM", el("ACCOUNTNO", account), el("TRX_AMOUNT", amount)),
            ),
        ),
    )


def test_an_advance_is_spent_on_invoices_by_apply_arpayment_and_given_back_by_its_reversal(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (invoice_key,) = keys(client, sim, create_invoice(lines=[lineitem("100.00")]))
    unknown_account, made = run(client, sim, advance("50.00", account="9999"), advance("50.00"))
    advance_key = made.findtext("data/aradvance/RECORDNO") or ""

    too_much, applied = run(
        client,
        sim,
        apply(advance_key, (invoice_key, "50.01")),
        apply(advance_key, (invoice_key, "20.00"), memo="alloc A2"),
    )
    (row,) = run(client, sim, read_by_query("ARPYMT", f"RECORDNO = {advance_key}"))

    assert unknown_account.findtext("status") == "failure"
    assert made.findtext("status") == "success"
    assert "exceeds the credit available 50.00" in descriptions(too_much)[0]
    assert applied.findtext("status") == "success"
    assert str(sim.store.invoices()[0].total_due) == "80.00"
    assert row.findtext("data/arpymt/RECORDTYPE") == "rr"
    assert row.findtext("data/arpymt/TRX_TOTALDUE") == "30.00"
    sim.store.reverse_payment(int(applied.findtext("key") or 0), sim.config.clock())
    assert str(sim.store.invoices()[0].total_due) == "100.00"
