import dataclasses
import datetime as dt
from decimal import Decimal

from orsync.engine.build import build_customer, build_posting
from orsync.engine.model import AccountRef, Address, Posting, TaxRateRef
from orsync.engine.options import EngineOptions
from orsync.engine.origin import has_origin_marker

from .factories import ONE_OFF, FakeResolver, company, credit_note, invoice, line

D = Decimal
AR = EngineOptions()
SALES = EngineOptions(invoice_type="sales")
SUBSIDIARY = EngineOptions(entity_level="subsidiary")


def built(doc, options=AR, resolver=None) -> Posting:  # type: ignore[no-untyped-def]
    posting = build_posting(doc, "C-co-1", options, resolver or FakeResolver())
    assert isinstance(posting, Posting), posting
    return posting


def test_ar_invoice_carries_mapped_account_location_tax_and_the_officernd_number() -> None:
    posting = built(
        invoice("INV-1001", line("100.00", "20.00"), line("50.00", "10.00", account=ONE_OFF))
    )
    assert posting.kind == "ar_invoice"
    assert posting.customer_id == "C-co-1"
    assert posting.reference == "INV-1001"
    assert posting.invoice_number == "INV-1001"
    assert posting.date_created == dt.date(2026, 11, 1)
    assert posting.date_due == dt.date(2026, 11, 15)
    assert [(x.account, x.location_id, x.tax_detail_id) for x in posting.lines] == [
        ("40000", "LON", "UK Sale Goods Standard Rate"),
        ("41000", "LON", "UK Sale Goods Standard Rate"),
    ]
    assert (posting.total_net, posting.total_tax, posting.total) == (
        D("150.00"),
        D("30.00"),
        D("180.00"),
    )
    assert has_origin_marker(posting.description)
    assert posting.lines[0].quantity is None  # AR lines are amounts only


def test_intacct_numbering_leaves_the_number_to_intacct_but_keeps_the_reference() -> None:
    posting = built(invoice("INV-1001"), EngineOptions(numbering="intacct"))
    assert posting.invoice_number is None
    assert posting.reference == "INV-1001"


def test_sales_invoice_uses_items_and_the_configured_definition() -> None:
    doc = invoice("INV-1", line("90.00", "18.00", quantity=D(3), unit_price=D("30.00")))
    posting = built(doc, dataclasses.replace(SALES, sales_invoice_definition="ORSYNC Invoice"))
    assert posting.kind == "so_invoice"
    assert posting.transaction_definition == "ORSYNC Invoice"
    assert posting.lines[0].account == "MEMBERSHIP"
    assert (posting.lines[0].quantity, posting.lines[0].unit_price) == (D(3), D("30.00"))


def test_sales_line_whose_quantity_times_price_misses_the_net_posts_as_one_times_net() -> None:
    # a discounted line: 3 x 33.33 = 99.99, but OfficeRnD's net is 90.00
    doc = invoice("INV-1", line("90.00", "18.00", quantity=D(3), unit_price=D("33.33")))
    posting = built(doc, SALES)
    assert (posting.lines[0].quantity, posting.lines[0].unit_price) == (D(1), D("90.00"))
    assert posting.total == D("108.00")


def test_ar_credit_note_becomes_a_credit_memo_with_negative_amounts() -> None:
    posting = built(credit_note("CN-1", line("100.00", "20.00")))
    assert posting.kind == "ar_credit_memo"
    assert posting.lines[0].net_amount == D("-100.00")
    assert posting.lines[0].tax_amount == D("-20.00")
    assert posting.total == D("-120.00")
    assert posting.date_due is None


def test_sales_credit_note_uses_the_credit_definition_with_positive_amounts() -> None:
    posting = built(credit_note("CN-1", line("100.00", "20.00")), SALES)
    assert posting.kind == "so_credit"
    assert posting.transaction_definition == "Sales Credit Memo"
    assert posting.total == D("120.00")


def test_top_level_posting_has_no_entity_and_every_line_carries_its_location() -> None:
    doc = invoice("INV-1", line(), line(location_id="loc-paris"))
    posting = built(doc)
    assert posting.entity_id is None
    assert [x.location_id for x in posting.lines] == ["LON", "PAR"]


def test_subsidiary_posting_goes_to_the_entity_of_its_location() -> None:
    posting = built(invoice("INV-1", location_id="loc-paris"), SUBSIDIARY)
    assert posting.entity_id == "E-FR"
    assert posting.lines[0].location_id == "PAR"


def test_subsidiary_line_in_another_entity_is_a_problem() -> None:
    problems = build_posting(
        invoice("INV-1", line(), line(location_id="loc-paris")), "C", SUBSIDIARY, FakeResolver()
    )
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["lines[2].location"]


def test_subsidiary_line_in_the_same_entity_is_fine() -> None:
    posting = built(invoice("INV-1", line(), line(location_id="loc-leeds")), SUBSIDIARY)
    assert posting.entity_id == "E-UK"


def test_every_unmapped_value_is_reported_not_just_the_first() -> None:
    doc = invoice(
        "INV-5",
        line(account=AccountRef("ra-x", "4999", "Parking")),
        line(rate=TaxRateRef("tax-zero", "Zero rated", D(0)), tax="0.00"),
        location_id="loc-nowhere",
        total="220.00",
    )
    problems = build_posting(doc, "C", AR, FakeResolver())
    assert isinstance(problems, list)
    assert sorted((p.field, p.value) for p in problems) == [
        ("lines[1].account", "4999"),
        ("lines[2].tax_rate", "Zero rated"),
        ("location", "loc-nowhere"),
    ]
    assert all(p.number == "INV-5" and p.source_id == "id-INV-5" and p.fix for p in problems)


def test_unmapped_item_is_named_as_an_item_in_sales_mode() -> None:
    doc = invoice("INV-5", line(account=AccountRef("ra-x", "4999")))
    problems = build_posting(doc, "C", SALES, FakeResolver())
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["lines[1].item"]


def test_resolver_default_covers_an_unlisted_revenue_account() -> None:
    doc = invoice("INV-5", line(account=AccountRef("ra-x", "4999")))
    posting = built(doc, AR, FakeResolver(default_account="49999"))
    assert posting.lines[0].account == "49999"


def test_dimensions_come_from_the_resolver_and_their_gaps_are_problems() -> None:
    resolver = FakeResolver(departments={"4000": "SALES"})
    assert built(invoice("INV-1"), AR, resolver).lines[0].department_id == "SALES"
    problems = build_posting(invoice("INV-2", line(account=ONE_OFF)), "C", AR, resolver)
    assert isinstance(problems, list) and [p.field for p in problems] == ["lines[1].department"]


def test_document_without_lines_is_a_problem() -> None:
    doc = dataclasses.replace(invoice("INV-1"), lines=(), total=D(0))
    problems = build_posting(doc, "C", AR, FakeResolver())
    assert isinstance(problems, list) and [p.field for p in problems] == ["lines"]


def test_customer_carries_template_id_contact_and_address_and_is_created_active() -> None:
    address = Address(line1="1 High St", city="London", zip="N1", country="United Kingdom")
    customer = build_customer(company(address=address, status="former"), FakeResolver())
    assert not isinstance(customer, list)
    assert customer.customer_id == "C-co-1"
    assert customer.name == "Acme Ltd"
    assert customer.contact_name == "Acme Ltd(C-co-1)"
    assert customer.email == "ap@acme.test"
    assert customer.address == address
    assert customer.currency == "GBP"
    # A former company's history must still post; Intacct refuses documents of inactive customers.
    assert customer.status == "active"


def test_member_billed_personally_gets_its_own_template() -> None:
    resolver = FakeResolver(template="{kind}-{id}")
    customer = build_customer(company("m-9", "Jo Bloggs", kind="member"), resolver)
    assert not isinstance(customer, list) and customer.customer_id == "member-m-9"


def test_customer_without_a_name_is_a_problem() -> None:
    problems = build_customer(company(name="  "), FakeResolver())
    assert isinstance(problems, list) and problems[0].field == "name"
