"""OfficeRnD records become the engine's source documents and customers, amounts to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orsync.engine.model import Address, CustomerRef
from orsync.errors import RecordError
from orsync.services.convert import line_amounts, source_customer, source_document, tax_from_gross
from tests.map_cmd.records import (
    COMPANY,
    DUBLIN,
    LONDON,
    MEMBER,
    MEMBERSHIP,
    VAT20,
    company,
    invoice,
    line,
    member,
    reference,
)


def test_tax_excluded_invoice_keeps_net_subtotals_and_officernd_tax() -> None:
    doc = source_document(invoice(), reference())
    assert doc is not None
    (only,) = doc.lines
    assert (only.net_amount, only.tax_amount) == (Decimal("100"), Decimal("20"))
    assert only.account.id == MEMBERSHIP
    assert (only.account.code, only.account.name) == ("4000", "Membership Fees")
    assert only.tax_rate is not None and only.tax_rate.id == VAT20
    assert only.tax_rate.rate == Decimal(20)
    assert doc.total == Decimal("120")
    assert doc.kind == "invoice"
    assert doc.date == dt.date(2026, 3, 1)
    assert doc.due_date == dt.date(2026, 3, 15)
    assert doc.customer == CustomerRef("company", COMPANY)


def test_tax_included_invoice_posts_net_as_total_minus_tax() -> None:
    included = invoice(
        taxType="included",
        lines=[line(subTotal=Decimal("120"), total=Decimal("120"), taxAmount=Decimal("20"))],
        total=Decimal("120"),
    )
    doc = source_document(included, reference())
    assert doc is not None
    assert (doc.lines[0].net_amount, doc.lines[0].tax_amount) == (Decimal("100"), Decimal("20"))


def test_tax_included_line_without_tax_amount_takes_the_tax_out_of_the_gross() -> None:
    net, tax = line_amounts(
        invoice(lines=[line(total=Decimal("10.00"), taxAmount=None)]).lines[0], "included"
    )
    assert tax == tax_from_gross(Decimal("10.00"), Decimal(20)) == Decimal("1.67")
    assert net + tax == Decimal("10.00")


def test_no_tax_document_has_zero_tax_when_officernd_states_none() -> None:
    net, tax = line_amounts(invoice(lines=[line(taxAmount=None)]).lines[0], "noTax")
    assert (net, tax) == (Decimal("100"), Decimal(0))


def test_excluded_line_without_tax_amount_leaves_tax_to_the_engine() -> None:
    net, tax = line_amounts(invoice(lines=[line(taxAmount=None)]).lines[0], "excluded")
    assert (net, tax) == (Decimal("100"), None)


def test_net_falls_back_to_quantity_times_unit_price() -> None:
    bare = line(
        subTotal=None, total=None, price=None, quantity=Decimal(3), unitPrice=Decimal("9.99")
    )
    net, _ = line_amounts(invoice(lines=[bare]).lines[0], "excluded")
    assert net == Decimal("29.97")


def test_member_billed_invoice_is_the_members() -> None:
    doc = source_document(invoice(member=MEMBER, company=None), reference())
    assert doc is not None and doc.customer == CustomerRef("member", MEMBER)


def test_document_without_a_customer_is_a_record_error() -> None:
    with pytest.raises(RecordError) as raised:
        source_document(invoice(company=None), reference())
    assert raised.value.record == "LON-INV-00001"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        # quantity x unit price quantized to the cent needs more than Decimal's 28 digits
        ({"lines": [line(subTotal=None, quantity=Decimal("1e308"))]}, "lines"),
        ({"lines": [line(subTotal=Decimal(10) ** 30)]}, "lines"),
        ({"total": Decimal(10) ** 30}, "total"),
    ],
)
def test_an_amount_beyond_any_ledger_is_a_record_error_naming_the_document(
    fields: dict[str, object], field: str
) -> None:
    # It ended the whole run as "internal error: InvalidOperation" before, naming nothing.
    with pytest.raises(RecordError) as raised:
        source_document(invoice(**fields), reference())
    assert raised.value.record == "LON-INV-00001"
    assert raised.value.field == field


def test_unknown_status_is_kept_lower_cased() -> None:
    doc = source_document(invoice(status="Overdue"), reference())
    assert doc is not None and doc.status == "overdue" and not doc.is_draft


def test_credit_note_is_a_credit_note_and_overpayment_is_not_a_document() -> None:
    credit = source_document(invoice(documentType="creditNote", number="LON-CN-1"), reference())
    assert credit is not None and credit.kind == "credit_note"
    assert source_document(invoice(documentType="overpayment"), reference()) is None


def test_line_location_is_only_kept_when_it_differs_from_the_document() -> None:
    doc = source_document(
        invoice(lines=[line(), line(location=DUBLIN)], total=Decimal("240")), reference()
    )
    assert doc is not None
    assert [ln.location_id for ln in doc.lines] == [None, DUBLIN]
    assert doc.location_id == LONDON


def test_draft_without_number_is_named_by_id() -> None:
    doc = source_document(invoice(number=None, status="draft"), reference())
    assert doc is not None and doc.number == "9" * 24 and doc.is_draft


def test_company_customer_uses_billing_details() -> None:
    customer = source_customer(company(), currency="GBP")
    assert customer.kind == "company" and customer.id == COMPANY
    assert customer.billing_name == "Café & Co Ltd"
    assert customer.address == Address(line1="1 Bridge St", city="London", country="GB")
    assert customer.currency == "GBP"


def test_member_customer_is_its_own_contact() -> None:
    customer = source_customer(member(status="Former"))
    assert (customer.kind, customer.contact_name, customer.status) == (
        "member",
        "Ada Lovelace",
        "former",
    )
