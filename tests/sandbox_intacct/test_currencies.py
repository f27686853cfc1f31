"""Currencies: each entity's base currency and the others it enables, rates by type and date,
and base amounts; the simulator refuses what Intacct refuses (issue 17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.requests_xml import descriptions, el, lineitem, run, triple


def foreign_invoice(
    currency: str,
    *,
    rate: str | None = None,
    rate_type: str | None = "Intacct Daily Rate",
    created: date = date(2026, 11, 2),
    basecurr: str | None = None,
) -> object:
    block = (
        [el("exchrate", rate)]
        if rate is not None
        else [el("exchratetype", rate_type)]
        if rate_type is not None
        else []
    )
    return el(
        "create_invoice",
        el("customerid", "C-0001"),
        triple("datecreated", created),
        triple("datedue", date(2026, 12, 2)),
        el("ponumber", "ORD-1"),
        el("basecurr", basecurr) if basecurr else None,
        el("currency", currency),
        *block,
        el("invoiceitems", lineitem("100.00"), lineitem("33.33")),
    )


def test_a_foreign_currency_invoice_books_base_amounts_at_the_given_rate(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (result,) = run(client, sim, foreign_invoice("CAD", rate="0.7512", basecurr="USD"))
    assert result.findtext("status") == "success", descriptions(result)
    (doc,) = sim.store.invoices()
    assert (doc.currency, doc.base_currency, doc.exchange_rate) == ("CAD", "USD", Decimal("0.7512"))
    assert doc.total_entered == Decimal("133.33")
    # Each line converted on its own: 75.12 + 25.04
    assert doc.base_total == Decimal("100.16")
    header = dict(doc.header_fields())
    assert (header["TRX_TOTALENTERED"], header["TOTALENTERED"]) == ("133.33", "100.16")


def test_without_a_rate_the_rate_type_gives_the_rate_of_the_document_date(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (result,) = run(client, sim, foreign_invoice("CAD"))
    assert result.findtext("status") == "success", descriptions(result)
    (doc,) = sim.store.invoices()
    assert doc.exchange_rate == Decimal("0.7300")
    assert doc.base_total == Decimal("97.33")  # 73.00 + 24.33


@pytest.mark.parametrize(
    ("invoice", "cause"),
    [
        (foreign_invoice("JPY"), "Currency JPY is not enabled for entity US."),
        (
            foreign_invoice("CAD", created=date(2026, 10, 30)),
            "No Intacct Daily Rate exchange rate from CAD to USD is available for 10/30/2026.",
        ),
        (foreign_invoice("CAD", rate_type="Spot"), "Invalid Exchange Rate Type 'Spot' specified."),
        (
            foreign_invoice("USD", rate="1.2650"),
            "An exchange rate 1.2650 was given for a transaction in the base currency.",
        ),
        (
            foreign_invoice("CAD", rate="0.75", basecurr="GBP"),
            "The base currency GBP is invalid: the base currency is USD.",
        ),
    ],
)
def test_what_intacct_refuses_about_currencies_is_refused(
    client: httpx.Client, sim: IntacctSimulator, invoice: object, cause: str
) -> None:
    (result,) = run(client, sim, invoice)  # type: ignore[arg-type]
    assert result.findtext("status") == "failure"
    assert cause in descriptions(result)
    assert sim.store.invoices() == []


def test_an_update_with_a_new_rate_books_the_base_amounts_again(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (created,) = run(client, sim, foreign_invoice("CAD", rate="0.7512", basecurr="USD"))
    key = created.findtext("key") or ""
    update = el("update_invoice", el("currency", "CAD"), el("exchrate", "0.7600"), key=key)
    (result,) = run(client, sim, update)
    assert result.findtext("status") == "success", descriptions(result)
    (doc,) = sim.store.invoices()
    assert doc.exchange_rate == Decimal("0.7600")
    assert doc.base_total == Decimal("101.33")  # 76.00 + 25.33
    assert doc.total_entered == Decimal("133.33")  # the transaction amounts stay


def test_an_update_without_a_currency_block_keeps_the_rate(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (created,) = run(client, sim, foreign_invoice("CAD", rate="0.7512", basecurr="USD"))
    key = created.findtext("key") or ""
    (result,) = run(client, sim, el("update_invoice", el("description", "x"), key=key))
    assert result.findtext("status") == "success", descriptions(result)
    assert sim.store.invoices()[0].base_total == Decimal("100.16")
