"""AR payments in the simulator: the rules real Intacct applies to receipts and reversals."""

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
    payment,
    read_by_query,
    run,
    triple,
)


def _paid_invoice(client: httpx.Client, sim: IntacctSimulator, amount: str) -> tuple[str, str]:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    (paid,) = run(client, sim, payment(key, amount))
    return key, paid.findtext("data/arpymt/RECORDNO") or ""


def reverse(key: str, day: date = date(2026, 11, 25)) -> etree._Element:
    return el("reverse_arpayment", triple("datereversed", day), key=key)


def test_reversing_a_payment_reopens_its_invoice_and_bumps_both_modification_times(
    client: httpx.Client, sim: IntacctSimulator, clock: FakeClock
) -> None:
    key, recordno = _paid_invoice(client, sim, "100.00")
    paid_at = sim.store.invoices()[0].when_modified
    clock.advance(minutes=5)

    (reversed_,) = run(client, sim, reverse(recordno))
    (again,) = run(client, sim, reverse(recordno))

    invoice = sim.store.invoices()[0]
    (kept,) = sim.store.payments()
    assert reversed_.findtext("status") == "success"
    assert (invoice.state, str(invoice.total_paid), str(invoice.total_due)) == (
        "Posted",
        "0.00",
        "100.00",
    )
    assert invoice.when_modified > paid_at
    assert (kept.state, kept.when_modified) == ("Reversed", clock.now)
    assert again.findtext("status") == "failure"
    assert "already been reversed" in descriptions(again)[0]
    # Once reversed, the invoice can be paid again in full.
    (repaid,) = run(client, sim, payment(key, "100.00"))
    assert repaid.findtext("status") == "success"


def test_a_reversal_in_a_closed_period_or_of_an_unknown_payment_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    _key, recordno = _paid_invoice(client, sim, "40.00")
    sim.store.set_module_closed_before("AR", date(2026, 11, 26))

    (closed,) = run(client, sim, reverse(recordno))
    (unknown,) = run(client, sim, reverse("999999", date(2026, 11, 27)))

    assert closed.findtext("status") == "failure"
    assert unknown.findtext("status") == "failure"
    assert sim.store.payments()[0].state == "Posted"
    assert str(sim.store.invoices()[0].total_due) == "60.00"


def test_a_payment_in_another_currency_or_into_another_entitys_bank_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(lines=[lineitem("100.00")]))
    key = str(sim.store.invoices()[0].recordno)
    in_euro = payment(key, "100.00")
    in_euro.find("ARPYMT/CURRENCY").text = "EUR"  # type: ignore[union-attr]
    into_uk_bank = payment(key, "100.00")
    into_uk_bank.find("ARPYMT/FINANCIALENTITY").text = "BARCLAYS-UK"  # type: ignore[union-attr]

    (euro,) = run(client, sim, in_euro)
    (uk,) = run(client, sim, into_uk_bank)

    assert euro.findtext("status") == "failure"
    assert "does not match the currency USD" in " ".join(descriptions(euro))
    assert uk.findtext("status") == "failure"
    assert "does not belong to entity US" in " ".join(descriptions(uk))
    assert sim.store.payments() == []
    assert str(sim.store.invoices()[0].total_due) == "100.00"


def test_a_payment_is_found_by_its_reference_with_its_state(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    _key, recordno = _paid_invoice(client, sim, "100.00")
    run(client, sim, reverse(recordno))

    (found,) = run(client, sim, read_by_query("ARPYMT", "DOCNUMBER = 'CH-1'"))

    rows = found.findall("data/arpymt")
    assert [(r.findtext("RECORDNO"), r.findtext("STATE")) for r in rows] == [(recordno, "Reversed")]
