"""The money backbone (issue 17, "Done when"): across the whole seeded operator, every document
orsync posts holds in Intacct the transaction total, tax and base total OfficeRnD states, to the
cent; in AR and Sales modes, at the top level and inside subsidiary entities. A document that
cannot be posted equal is refused with its reason, never posted different."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import SALES_TAX, issued

if TYPE_CHECKING:
    from orsync.sandbox.intacct.records import ArDocument, SoDocument
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback

CENT = Decimal("0.01")
LIABILITY = set(SALES_TAX.values())


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# What real operators issue and the seed holds; each must be among the documents compared.
CASES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "tax-inclusive prices": lambda d: d["taxType"] == "included",
    "a discount": lambda d: any(line["discountAmount"] for line in d["lines"]),
    "a negative line": lambda d: any(money(line["total"]) < 0 for line in d["lines"]),
    "a card processing fee": lambda d: bool(d.get("processingFeeLine")),
    "US sales tax": lambda d: str(d["number"]).startswith("NYC-") and officernd_figures(d)[1] != 0,
    "a foreign currency": lambda d: d["baseTotal"] != d["total"],
}


def officernd_figures(doc: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """(total, tax, base total) as OfficeRnD states them."""
    tax = sum((money(line["taxAmount"]) for line in doc["lines"]), Decimal(0))
    fee = doc.get("processingFeeLine")
    if fee:
        tax += money(fee.get("taxAmount") or 0)
    return money(doc["total"]), tax, money(doc["baseTotal"])


def ar_figures(doc: ArDocument) -> tuple[Decimal, Decimal, Decimal]:
    """(total, tax, base total) of an Intacct AR invoice or credit memo, sign removed."""
    sign = Decimal(-1) if doc.kind == "adjustment" else Decimal(1)
    tax = sum((line.tax for line in doc.lines), Decimal(0))
    tax += sum((line.amount for line in doc.lines if line.gl_account_no in LIABILITY), Decimal(0))
    return sign * doc.total_entered, sign * tax, sign * doc.base_total


def so_figures(doc: SoDocument) -> tuple[Decimal, Decimal, Decimal]:
    tax = sum((t.amount for line in doc.lines for t in line.taxes), Decimal(0))
    tax += sum((line.amount for line in doc.lines if line.item_id in LIABILITY), Decimal(0))
    return doc.total, tax, doc.base_total


@pytest.mark.parametrize(
    ("invoice_type", "entity_level"),
    [("ar", "top"), ("ar", "subsidiary"), ("sales", "top"), ("sales", "subsidiary")],
)
def test_every_posted_document_equals_officernd_to_the_cent(
    sandbox: RunningSandbox,
    mapped_profile: Configure,
    run_cli: CliRunner,
    invoice_type: str,
    entity_level: str,
) -> None:
    closed_through = sandbox.world.intacct.books_closed_before - dt.timedelta(days=1)  # type: ignore[operator]
    # At the top level the mapping states the closed books; inside entities only Intacct
    # does (get_closedbooksdate), and the documents land the same.
    stated = {"books_closed_through": closed_through.isoformat()} if entity_level == "top" else {}
    mapped_profile(
        invoice_type=invoice_type,
        entity_level=entity_level,
        closed_period="shift",
        **stated,
    )
    summary = json.loads(run_cli("--json", "sync").stdout)
    refused = {
        p["number"]: p["message"]
        for p in summary["problems"]
        if p["kind"] in ("invoice", "credit_note")
    }
    # Refusals are the seed's deliberate ones (inactive customer, ...), never money.
    money_words = ("would total", "tax", "base total")
    assert not [m for m in refused.values() if any(w in m for w in money_words)], refused

    store = sandbox.intacct.store
    found: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    dates: dict[str, tuple[dt.date, dt.date | None, dt.date | None]] = {}
    if invoice_type == "ar":
        for doc in store.invoices():
            found[doc.doc_number] = ar_figures(doc)
            dates[doc.doc_number] = (doc.when_created, doc.when_posted, doc.when_due)
        for doc in store.adjustments():
            found[doc.external_id] = ar_figures(doc)
    else:
        for so in store.sales_documents():
            found[so.reference_no] = so_figures(so)
            dates[so.reference_no] = (so.when_created, so.when_posted, so.when_due)

    documents = issued(sandbox) + issued(sandbox, "creditNote")
    compared = 0
    for doc in documents:
        if doc["number"] in refused:
            continue
        assert doc["number"] in found, f"{doc['number']} was neither posted nor refused"
        assert found[doc["number"]] == officernd_figures(doc), doc["number"]
        compared += 1
    assert compared == len(documents) - len(refused)
    # The world holds what breaks naive syncs, and each is compared above.
    taxed = [d for d in documents if d["number"] not in refused and officernd_figures(d)[1]]
    assert any(str(d["number"]).startswith("NYC-") for d in taxed)
    foreign = [d for d in documents if d["number"] not in refused and d["baseTotal"] != d["total"]]
    assert foreign, "no foreign-currency document was posted"
    posted = [d for d in documents if d["number"] not in refused]
    for case, shows in CASES.items():
        assert any(shows(d) for d in posted), f"no posted document with {case}"
    # The document dated in the closed period posts to the GL on the first open day; its
    # invoice date and due date stay OfficeRnD's.
    late = [d for d in documents if d["date"][:10] <= closed_through.isoformat()]
    assert late
    for doc in late:
        created, posted, due = dates[doc["number"]]
        assert created.isoformat() == doc["date"][:10]
        assert due is not None and due.isoformat() == doc["dueDate"][:10]
        assert posted == closed_through + dt.timedelta(days=1)


def test_fx_rates_intacct_books_intaccts_rate_and_reconcile_sees_the_base_difference(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(fx_rates="intacct")
    run_cli("sync")
    store = sandbox.intacct.store
    by_reference = {doc.doc_number: doc for doc in store.invoices()}
    foreign = [
        doc
        for doc in issued(sandbox)
        if doc["baseTotal"] != doc["total"] and doc["number"] in by_reference
    ]
    assert foreign
    for doc in foreign:
        posted = by_reference[doc["number"]]
        intacct_rate = store.exchange_rate(
            "Intacct Daily Rate", doc["currency"], posted.base_currency, posted.when_created
        )
        assert posted.exchange_rate == intacct_rate != Decimal(str(doc["currencyConversionRate"]))
        assert posted.total_entered == money(doc["total"])
        assert posted.base_total != money(doc["baseTotal"])

    # Back to OfficeRnD's rates: reconcile compares base amounts, and its safe fix (an update
    # that re-sends OfficeRnD's rate) converges: a second reconcile finds none of them.
    mapped_profile()
    period = ("--from", "2025-01-01", "--to", "2026-12-31")

    def base_differences() -> dict[str, Any]:
        report = json.loads(run_cli("--json", "reconcile", "--dry-run", *period).stdout)
        return {
            f["number"]: f
            for f in report["findings"]
            if any(d["field"] == "base_total" for d in f["diffs"])
        }

    differing = base_differences()
    assert set(differing) == {doc["number"] for doc in foreign}
    assert {f["fix"]["action"] for f in differing.values()} == {"update"}
    run_cli("reconcile", "--yes", *period)
    assert base_differences() == {}
    by_reference = {doc.doc_number: doc for doc in store.invoices()}
    for doc in foreign:
        posted = by_reference[doc["number"]]
        assert posted.exchange_rate == Decimal(str(doc["currencyConversionRate"]))
        assert posted.base_total == money(doc["baseTotal"])
