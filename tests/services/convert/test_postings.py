"""Engine postings -> Intacct functions: the OfficeRnD number always travels, amounts to the
cent, the controlid is the ledger's, and every request validates against api.xsd."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from lxml import etree

from orsync.engine import CustomerPosting, Posting, PostingLine
from orsync.engine.customers import FieldChange
from orsync.engine.diff import update_blocker
from orsync.engine.model import Address
from orsync.intacct.xml import SenderCredentials, SessionCredentials, build_request
from orsync.intacct.xml.function import Function
from orsync.services.convert import postings

CONTROLID = "orsync:invoice:0123456789abcdef0123456789abcdef"


def posting(kind: str = "ar_invoice", **changes: object) -> Posting:
    sign = Decimal(-1) if kind == "ar_credit_memo" else Decimal(1)
    base = Posting(
        kind=kind,  # type: ignore[arg-type]
        entity_id=None,
        customer_id="ORD-1001",
        date_created=dt.date(2026, 11, 1),
        date_due=dt.date(2026, 11, 15),
        currency="GBP",
        reference="LON-INV-00042",
        invoice_number="LON-INV-00042",
        description="orsync: OfficeRnD invoice LON-INV-00042",
        lines=(
            PostingLine(
                account="4000",
                net_amount=sign * Decimal("100.00"),
                tax_amount=sign * Decimal("20.00"),
                location_id="LON",
                tax_detail_id="UK Output VAT 20%",
                memo="Hot desk",
                quantity=Decimal(2) if kind.startswith("so_") else None,
                unit_price=Decimal("50.00") if kind.startswith("so_") else None,
            ),
        ),
        transaction_definition="Sales Invoice" if kind.startswith("so_") else None,
    )
    return Posting(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def body(function: Function) -> etree._Element:
    return etree.fromstring(function.payload)


def valid(function: Function) -> None:
    xsd = os.environ.get("ORSYNC_INTACCT_XSD")
    if not xsd:
        pytest.skip("the official api.xsd is not available (../shared is absent)")
    from orsync.sandbox.intacct.schema import load_schema

    request = build_request(
        SenderCredentials("sender", "secret"),
        SessionCredentials("session"),
        [function],
        request_controlid="request-1",
        unique_id=True,
    )
    errors = list(load_schema(xsd).iter_errors(etree.fromstring(request)))
    assert not errors, errors[:3]


def test_an_ar_invoice_carries_the_officernd_number_twice_and_forces_the_line_tax() -> None:
    context = postings.PostingContext(tax_solutions={"UK Output VAT 20%": "United Kingdom - VAT"})
    function = postings.create_document(posting(), CONTROLID, record="invoice:x", context=context)

    xml = body(function)
    assert function.controlid == CONTROLID and function.record == "invoice:x"
    assert xml.findtext("invoiceno") == "LON-INV-00042"
    assert xml.findtext("ponumber") == "LON-INV-00042"
    assert xml.findtext("taxsolutionid") == "United Kingdom - VAT"
    assert xml.findtext("invoiceitems/lineitem/amount") == "100.00"
    assert xml.findtext("invoiceitems/lineitem/taxentries/taxentry/trx_tax") == "20.00"
    assert xml.findtext("invoiceitems/lineitem/locationid") == "LON"
    valid(function)


def test_intacct_numbering_leaves_the_number_out_but_keeps_the_reference() -> None:
    xml = body(postings.create_document(posting(invoice_number=None), CONTROLID))
    assert xml.find("invoiceno") is None
    assert xml.findtext("ponumber") == "LON-INV-00042"


def test_inside_an_entity_the_tax_solution_is_the_entitys_own() -> None:
    context = postings.PostingContext(tax_solutions={"UK Output VAT 20%": "United Kingdom - VAT"})
    xml = body(postings.create_document(posting(entity_id="UK"), CONTROLID, context=context))
    assert xml.find("taxsolutionid") is None


def test_a_credit_memo_is_an_adjustment_with_negative_lines_and_the_reference() -> None:
    context = postings.PostingContext(credited_invoice="LON-INV-00041")
    function = postings.create_document(posting("ar_credit_memo"), CONTROLID, context=context)
    xml = body(function)
    assert xml.tag == "create_aradjustment"
    # Its own number, the invoice it credits, and the reference orsync finds it by.
    assert xml.findtext("adjustmentno") == "LON-INV-00042"
    assert xml.findtext("invoiceno") == "LON-INV-00041"
    assert xml.findtext("externalid") == "LON-INV-00042"
    assert xml.findtext("aradjustmentitems/lineitem/amount") == "-100.00"
    assert xml.findtext("aradjustmentitems/lineitem/taxentries/taxentry/trx_tax") == "-20.00"
    valid(function)


def test_a_sales_invoice_uses_the_definition_quantity_and_price() -> None:
    function = postings.create_document(posting("so_invoice"), CONTROLID)
    xml = body(function)
    assert xml.tag == "create_sotransaction"
    assert xml.findtext("transactiontype") == "Sales Invoice"
    assert xml.findtext("documentno") == "LON-INV-00042"
    assert xml.findtext("referenceno") == "LON-INV-00042"
    assert xml.findtext("sotransitems/sotransitem/quantity") == "2"
    assert Decimal(xml.findtext("sotransitems/sotransitem/price") or "") == Decimal("50.00")
    valid(function)


def test_an_update_replaces_the_lines_it_has_and_adds_the_new_ones() -> None:
    two_lines = posting(lines=posting().lines * 2)
    function = postings.update_document(two_lines, "123", CONTROLID, line_count=1)
    xml = body(function)
    assert xml.get("key") == "123"
    assert [e.tag for e in xml.find("updateinvoiceitems")] == ["updatelineitem", "lineitem"]
    assert xml.find("updateinvoiceitems/updatelineitem").get("line_num") == "1"
    valid(function)


def test_an_edit_that_removes_lines_cannot_be_applied() -> None:
    assert update_blocker(posting(), line_count=2) is not None
    assert update_blocker(posting("ar_credit_memo"), line_count=2) is not None
    assert update_blocker(posting(), line_count=1) is None


def test_a_credit_memo_is_edited_in_place_with_update_aradjustment() -> None:
    assert update_blocker(posting("ar_credit_memo"), line_count=1) is None
    memo = posting("ar_credit_memo")
    function = postings.update_document(memo, "77", CONTROLID, line_count=1)
    xml = body(function)
    assert (xml.tag, xml.get("key")) == ("update_aradjustment", "77")
    assert xml.find("updatearadjustmentitems/updatelineitem").get("line_num") == "1"
    assert xml.findtext("updatearadjustmentitems/updatelineitem/amount") == "-100.00"
    # invoiceno stays as created: the credited invoice, or an older memo's reference.
    assert xml.find("invoiceno") is None
    valid(function)


@pytest.mark.parametrize(
    ("function", "key"),
    [
        ("reverse_invoice", "123"),
        ("delete_invoice", "123"),
        ("delete_aradjustment", "77"),
        ("delete_sotransaction", "Sales Invoice-INV-1"),
    ],
)
def test_each_function_that_takes_a_document_out_is_valid_and_keyed(
    function: str, key: str
) -> None:
    built = postings.reverse_document(
        function, key, dt.date(2026, 11, 20), CONTROLID, number="LON-INV-00042"
    )
    assert (body(built).tag, body(built).get("key")) == (function, key)
    if function == "reverse_invoice":
        assert body(built).findtext("datereversed/year") == "2026"
    valid(built)


def test_an_update_resends_officernds_rate_in_the_schemas_order() -> None:
    """update_invoice, update_aradjustment and update_sotransaction all take currency then
    exchrate (api.xsd): an edited currencyConversionRate reaches Intacct's base amounts."""
    for kind in ("ar_invoice", "ar_credit_memo", "so_invoice"):
        edited = posting(kind, currency="EUR", exchange_rate=Decimal("0.8577"))
        function = postings.update_document(edited, "K1", CONTROLID, line_count=1)
        el = body(function)
        assert (el.findtext("currency"), el.findtext("exchrate")) == ("EUR", "0.8577"), kind
        valid(function)


def test_a_customer_update_sends_only_what_changed() -> None:
    customer = CustomerPosting(
        customer_id="ORD-1001",
        name="Acme",
        print_as="Acme",
        contact_name="Acme(ORD-1001)",
        email="billing@acme.example",
        address=Address(line1="1 Main St", city="Austin"),
        currency="USD",
        status="active",
    )
    created = body(postings.create_customer(customer, CONTROLID))
    assert created.findtext("CUSTOMER/DISPLAYCONTACT/MAILADDRESS/CITY") == "Austin"
    changes = (FieldChange("email", "old@acme.example", "billing@acme.example"),)
    updated = body(postings.update_customer(customer, changes, CONTROLID))
    assert updated.findtext("CUSTOMER/DISPLAYCONTACT/EMAIL1") == "billing@acme.example"
    assert updated.find("CUSTOMER/DISPLAYCONTACT/MAILADDRESS") is None
    assert updated.find("CUSTOMER/STATUS") is None
    assert updated.find("CUSTOMER/CURRENCY") is None
