"""Posting dates and closed periods per module: a document dated in a closed period posts when
its GL posting date (``dateposted``) is open; Order Entry documents also need OE open."""

from __future__ import annotations

from datetime import date

import httpx

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.requests_xml import descriptions, el, lineitem, run, triple

CLOSED = "is within a period that's been closed"


def ar_invoice(created: date, posted: date | None = None) -> object:
    return el(
        "create_invoice",
        el("customerid", "C-0001"),
        triple("datecreated", created),
        triple("dateposted", posted) if posted else None,
        triple("datedue", date(2026, 12, 2)),
        el("invoiceitems", lineitem("100.00")),
    )


def sales_invoice(created: date, posted: date | None = None) -> object:
    return el(
        "create_sotransaction",
        el("transactiontype", "Sales Invoice"),
        triple("datecreated", created),
        triple("dateposted", posted) if posted else None,
        el("customerid", "C-0001"),
        el(
            "sotransitems",
            el(
                "sotransitem",
                el("itemid", "MEMBERSHIP"),
                el("quantity", "1"),
                el("price", "100"),
                el("locationid", "US-NYC"),
            ),
        ),
    )


def test_a_document_dated_in_a_closed_period_posts_on_an_open_posting_date(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    dated = date(2025, 12, 20)  # the seed's books are closed before 2026-01-01
    (refused,) = run(client, sim, ar_invoice(dated))
    (posted,) = run(client, sim, ar_invoice(dated, posted=date(2026, 1, 1)))
    assert refused.findtext("status") == "failure"
    assert any(CLOSED in text for text in descriptions(refused))
    assert posted.findtext("status") == "success", descriptions(posted)
    (doc,) = sim.store.invoices()
    assert (doc.when_created, doc.when_posted) == (dated, date(2026, 1, 1))
    assert dict(doc.header_fields())["WHENPOSTED"] == "01/01/2026"


def test_closed_periods_are_per_module(client: httpx.Client, sim: IntacctSimulator) -> None:
    sim.store.set_module_closed_before("OE", date(2026, 11, 1))
    day = date(2026, 10, 15)
    (ar,) = run(client, sim, ar_invoice(day))
    (oe,) = run(client, sim, sales_invoice(day))
    (oe_later,) = run(client, sim, sales_invoice(day, posted=date(2026, 11, 1)))
    assert ar.findtext("status") == "success", descriptions(ar)
    assert oe.findtext("status") == "failure"
    assert any(CLOSED in text for text in descriptions(oe))
    assert oe_later.findtext("status") == "success", descriptions(oe_later)
    (document,) = sim.store.sales_documents()
    assert dict(document.header_fields())["WHENPOSTED"] == "11/01/2026"
    sim.store.set_module_closed_before("AR", date(2026, 11, 1))
    (ar_closed,) = run(client, sim, ar_invoice(day))
    assert ar_closed.findtext("status") == "failure"
