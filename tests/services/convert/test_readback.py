"""The Intacct readers give back exactly what sync's write functions posted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from orsync.engine import EngineOptions
from orsync.engine.diff import diff_document
from orsync.intacct.xml import legacy
from orsync.sandbox.launch import RunningSandbox
from orsync.services.convert import IntacctDocuments
from tests.reconcile.helpers import (
    AR,
    SALES,
    SUBSIDIARY,
    intacct_client,
    posting,
    unnumbered,
    write,
)

pytestmark = pytest.mark.loopback

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_ar_invoices_and_credit_memos_read_back_without_difference(
    sandbox: RunningSandbox,
) -> None:
    client = intacct_client(sandbox)
    two_lines = (("4000", "100.00", "0.00", None), ("4100", "5.50", "0", None))
    invoice = posting("INV-1", lines=two_lines)
    credit = posting("CN-1", kind="ar_credit_memo")
    outside = posting("INV-2", day=dt.date(2026, 11, 2))
    keys = write(client, invoice, credit, outside)

    found = {d.reference: d for d in IntacctDocuments(client, AR).in_period(*OCTOBER)}

    assert set(found) == {"INV-1", "CN-1"}
    assert diff_document(invoice, found["INV-1"], AR) == ()
    assert diff_document(credit, found["CN-1"], AR) == ()
    assert found["INV-1"].record_key == keys[0]
    assert found["INV-1"].created_by_orsync
    assert found["INV-1"].state == "posted"
    assert found["CN-1"].total == Decimal("-100.00")


def test_entity_documents_with_vat_are_seen_from_the_top_level(sandbox: RunningSandbox) -> None:
    client = intacct_client(sandbox)
    uk = posting(
        "INV-UK",
        entity="UK",
        location="LON",
        currency="GBP",
        customer="ORD-1002",
        lines=(("4000", "100.00", "20.00", "UK Output VAT 20%"),),
    )
    write(client, uk)

    [found] = IntacctDocuments(client, SUBSIDIARY).in_period(*OCTOBER)

    assert diff_document(uk, found, SUBSIDIARY) == ()
    assert found.entity_id == "UK"
    assert found.total == Decimal("120.00")


def test_lookup_by_reference_finds_any_date_and_each_duplicate(sandbox: RunningSandbox) -> None:
    client = intacct_client(sandbox)
    write(client, posting("INV-7"), posting("INV-8", day=dt.date(2025, 12, 1)))
    write(client, unnumbered(posting("INV-7")))
    write(client, posting("CN-9", kind="ar_credit_memo"))

    found = list(IntacctDocuments(client, AR).by_reference(["INV-7", "INV-8", "CN-9", "NOPE"]))

    assert sorted(d.reference or "" for d in found) == ["CN-9", "INV-7", "INV-7", "INV-8"]


def test_lines_are_read_in_as_few_functions_as_the_lines_per_document_need(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orsync.services.convert import readback as intacct_docs

    client = intacct_client(sandbox)
    write(client, *(posting(f"INV-{n}") for n in range(1, 8)))
    reader = IntacctDocuments(client, AR)

    # A lookup of a few references: their lines in one readByQuery, not one per document.
    sandbox.intacct.reset_stats()
    assert len(list(reader.by_reference(["INV-1", "INV-2", "INV-3"]))) == 3
    assert sandbox.intacct.stats.by_function["readByQuery"] == 1

    # Where one function's share is smaller than the chunk, the chunk is spread over just
    # enough functions, all sent in one request.
    monkeypatch.setattr(intacct_docs, "FIRST_LINE_CHUNK", 3)
    sandbox.intacct.reset_stats()
    found = list(IntacctDocuments(client, AR).in_period(*OCTOBER))
    assert len(found) == 7 and all(len(d.lines) == 1 for d in found)
    assert sandbox.intacct.stats.by_function["readByQuery"] == 3  # 7 headers, 3 a function


def test_each_document_kind_sizes_its_line_reads_by_its_own_lines_per_document(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orsync.services.convert import readback as intacct_docs

    monkeypatch.setattr(intacct_docs, "LINES_PER_PAGE", 10)
    monkeypatch.setattr(intacct_docs, "FIRST_LINE_CHUNK", 2)
    client = intacct_client(sandbox)
    three_lines = (("4000", "10.00", "0", None),) * 3
    write(client, *(posting(f"CN-{n}", kind="ar_credit_memo") for n in range(1, 4)))
    write(client, *(posting(f"INV-{n}", lines=three_lines) for n in range(1, 7)))
    reader = IntacctDocuments(client, AR)
    assert len(list(reader.in_period(*OCTOBER, kinds=["ar_credit_memo"]))) == 3

    sandbox.intacct.reset_stats()
    invoices = list(reader.in_period(*OCTOBER, kinds=["ar_invoice"]))

    assert len(invoices) == 6 and all(len(d.lines) == 3 for d in invoices)
    # Judged by the credit memos' one line each, 9 invoices would share a 10-line page and
    # every share would overflow into readMore; invoices start from the cautious default.
    assert sandbox.intacct.stats.by_function["readByQuery"] == 3
    assert sandbox.intacct.stats.by_function.get("readMore", 0) == 0


def test_reversed_and_paid_states_and_no_reversal_counter_entry(sandbox: RunningSandbox) -> None:
    client = intacct_client(sandbox)
    [reversed_key, paid_key] = write(client, posting("INV-R"), posting("INV-P"))
    store = sandbox.intacct.store

    list(client.write([legacy.reverse_invoice(reversed_key, dt.date(2026, 10, 20), "rev-1")]))
    doc = store.invoice(int(paid_key))
    assert doc is not None

    store.put(store.ar_table, dataclasses.replace(doc, total_paid=Decimal("40.00")), None)

    found = {d.reference: d for d in IntacctDocuments(client, AR).in_period(*OCTOBER)}

    assert found["INV-R"].state == "reversed"
    assert found["INV-P"].state == "partially_paid"
    assert len(list(IntacctDocuments(client, AR).by_reference(["INV-R"]))) == 1


def test_sales_documents_read_back_with_tax_from_their_ar_record(sandbox: RunningSandbox) -> None:
    client = intacct_client(sandbox)
    invoice = posting(
        "INV-S",
        kind="so_invoice",
        entity="UK",
        location="LON",
        currency="GBP",
        customer="ORD-1002",
        lines=(("4000", "100.00", "20.00", "UK Output VAT 20%"),),
    )
    credit = posting("CN-S", kind="so_credit", lines=(("4100", "30.00", "0.00", None),))
    write(client, invoice, credit)
    options = EngineOptions(invoice_type="sales", entity_level="subsidiary")

    found = {d.reference: d for d in IntacctDocuments(client, options).in_period(*OCTOBER)}

    assert set(found) == {"INV-S", "CN-S"}
    assert found["INV-S"].kind == "so_invoice"
    assert diff_document(invoice, found["INV-S"], options) == ()
    assert found["CN-S"].kind == "so_credit"
    assert found["CN-S"].total == Decimal("30.00")
    assert diff_document(credit, found["CN-S"], SALES) == ()


def test_customers_by_id(sandbox: RunningSandbox) -> None:
    client = intacct_client(sandbox)
    found = {c.customer_id: c for c in IntacctDocuments(client, AR).customers(["ORD-1001", "X"])}
    assert set(found) == {"ORD-1001"}
    assert found["ORD-1001"].status == "active"


def test_many_customers_are_read_by_one_scan_when_that_costs_fewer_requests(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orsync.services.convert import readback as intacct_docs

    monkeypatch.setattr(intacct_docs, "SCAN_CUSTOMERS_FROM", 2)
    client = intacct_client(sandbox)
    wanted = ["ORD-1001", "ORD-1002", "WALKIN", "NOPE"]
    sandbox.intacct.reset_stats()

    found = {c.customer_id for c in IntacctDocuments(client, AR).customers(wanted)}

    assert found == {"ORD-1001", "ORD-1002", "WALKIN"}
    assert sandbox.intacct.stats.by_function["query"] == 2  # the count, then one page
