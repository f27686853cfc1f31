"""Requests are built in schema order and every typed function validates against api.xsd."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from orsync.intacct.xml import legacy, objects, reads
from orsync.intacct.xml.envelope import SessionCredentials, build_request
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.values import money, object_date, quantity
from tests.intacct.builders import LOGIN, SENDER, invoice


def envelope(*functions: Function, transaction: bool = False, unique: bool = True) -> bytes:
    return build_request(
        SENDER,
        SessionCredentials("sess-123456"),
        list(functions),
        request_controlid="req-1",
        transaction=transaction,
        unique_id=unique,
    )


def test_control_block_is_in_schema_order_with_the_fixed_values() -> None:
    root = etree.fromstring(envelope(reads.lookup("CUSTOMER", "f1")))
    control = root.find("control")
    assert [c.tag for c in control] == [
        "senderid",
        "password",
        "controlid",
        "uniqueid",
        "dtdversion",
        "includewhitespace",
    ]
    assert [c.text for c in control] == [
        "orsync-test",
        "s3nder-Secret!",
        "req-1",
        "true",
        "3.0",
        "false",
    ]
    assert root.find("operation").get("transaction") == "false"


def test_login_authentication_carries_an_entity_only_when_given(
    assert_valid_request: Callable[[bytes], None],
) -> None:
    plain = build_request(SENDER, LOGIN, [reads.get_api_session("s")], request_controlid="r")
    login = etree.fromstring(plain).find("operation/authentication/login")
    assert [c.tag for c in login] == ["userid", "companyid", "password"]
    entity = LOGIN.__class__(LOGIN.user_id, LOGIN.company_id, LOGIN.password, "UK")
    scoped = build_request(SENDER, entity, [reads.get_api_session("s")], request_controlid="r")
    assert etree.fromstring(scoped).findtext("operation/authentication/login/locationid") == "UK"
    assert_valid_request(plain)
    assert_valid_request(scoped)


def test_credentials_never_appear_in_reprs() -> None:
    assert "Secret" not in repr(SENDER) + repr(LOGIN) + repr(SessionCredentials("sess-abc"))


def test_duplicate_function_controlids_in_one_request_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        envelope(reads.lookup("CUSTOMER", "same"), reads.lookup("ARINVOICE", "same"))


def test_a_function_controlid_longer_than_the_schema_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="256"):
        reads.lookup("CUSTOMER", "x" * 257)


def test_amounts_have_exactly_two_places_and_round_half_up() -> None:
    assert money(Decimal("5")) == "5.00"
    assert money(Decimal("1234.565")) == "1234.57"
    assert money(Decimal("-0.5")) == "-0.50"
    assert money(Decimal("1E+3")) == "1000.00"
    with pytest.raises(TypeError):
        money(1.5)  # type: ignore[arg-type]
    assert quantity(Decimal("1.500")) == "1.5"
    assert quantity(Decimal("2")) == "2"


def test_object_dates_are_month_day_year() -> None:
    assert object_date(date(2026, 1, 5)) == "01/05/2026"


def test_create_invoice_follows_the_schema_sequence(
    assert_valid_request: Callable[[bytes], None],
) -> None:
    function = legacy.create_invoice(invoice(), "orsync:inv:1:abc", record="inv-1")
    body = etree.fromstring(function.payload)
    assert [c.tag for c in body] == [
        "customerid",
        "datecreated",
        "datedue",
        "invoiceno",
        "ponumber",
        "description",
        "currency",
        "exchratetype",
        "customfields",
        "invoiceitems",
    ]
    assert [c.text for c in body.find("datecreated")] == ["2026", "11", "01"]
    line = body.find("invoiceitems/lineitem")
    assert line.findtext("amount") == "100.00"
    assert line.findtext("taxentries/taxentry/trx_tax") == "20.00"
    assert function.is_write and function.record == "inv-1"
    assert_valid_request(envelope(function))


def test_an_invoice_without_number_lets_intacct_number_it(
    assert_valid_request: Callable[[bytes], None],
) -> None:
    function = legacy.create_invoice(invoice(None), "c1")
    assert etree.fromstring(function.payload).find("invoiceno") is None
    assert_valid_request(envelope(function))


def test_an_invoice_needs_lines_and_a_due_date_or_term() -> None:
    with pytest.raises(ValueError, match="line"):
        legacy.create_invoice(legacy.ArInvoice("C", date(2026, 1, 1), (), date(2026, 2, 1)), "c")
    no_due = legacy.ArInvoice("C", date(2026, 1, 1), invoice().lines)
    with pytest.raises(ValueError, match="due date"):
        legacy.create_invoice(no_due, "c")


LINE = legacy.ArInvoiceLine("4000", Decimal("10"), location_id="100")
SALES_LINE = legacy.SalesLine(
    "DESK",
    Decimal("2"),
    price=Decimal("150.5"),
    location_id="100",
    memo="m",
    custom_fields={"X": "1"},
    tax_detail_id="UK VAT",
    trx_tax=Decimal("60.2"),
)

TYPED_FUNCTIONS: dict[str, Function] = {
    "getAPISession": reads.get_api_session("f"),
    "getAPISession entity": reads.get_api_session("f", "UK"),
    "read": reads.read("ARINVOICE", ["1", "2"], "f", fields=["RECORDNO", "STATE"]),
    "readByName": reads.read_by_name("CUSTOMER", ["C-1"], "f"),
    "readByQuery": reads.read_by_query("CUSTOMER", "NAME = " + reads.quote_literal("Jane's"), "f"),
    "readMore": reads.read_more("7765623330Vqb8", "f"),
    "query": reads.query(
        "ARINVOICE",
        ["RECORDNO", "RECORDID", "STATE"],
        "f",
        count=True,
        where=reads.all_of(
            reads.greaterthanorequalto("WHENMODIFIED", "11/01/2026 00:00:00"),
            reads.any_of(
                reads.in_("CUSTOMERID", ["C-1", "C-2"]),
                reads.IsNull("PONUMBER"),
                reads.Between("TOTALDUE", "0", "100"),
                reads.Compare("like", "RECORDID", "INV%"),
            ),
        ),
        order_by=[reads.OrderBy("RECORDNO"), reads.OrderBy("WHENMODIFIED", descending=True)],
        pagesize=2000,
        offset=4000,
        case_insensitive=True,
        show_private=True,
    ),
    "lookup": reads.lookup("SODOCUMENT", "f", docparid="Sales Invoice"),
    "create CUSTOMER": objects.create_customer(
        objects.Customer(
            "C-1",
            "Acme Ltd",
            email="a@example.com",
            address=objects.Address("1 Road", city="London", zip="N1", country="United Kingdom"),
            restricted_locations=("UK",),
            custom_fields={"ORSYNC_ID": "m-1"},
        ),
        "f",
    ),
    "update CUSTOMER": objects.update_customer(objects.Customer("C-1", "Acme Ltd"), "f"),
    "create ARPYMT": objects.create_arpayment(
        objects.ArPayment(
            "C-1",
            "EFT",
            date(2026, 11, 20),
            (objects.PaymentLine("42", Decimal("120")),),
            financial_entity="BANK1",
            doc_number="PAY-1",
        ),
        "f",
    ),
    "update ARPYMT": objects.update_arpayment(
        objects.ArPayment(
            "C-1",
            "EFT",
            date(2026, 11, 20),
            (objects.PaymentLine("42", Decimal("120")),),
            undeposited_account="1100",
            record_no="77",
            action="Draft",
        ),
        "f",
    ),
    "create_invoice": legacy.create_invoice(invoice(), "f"),
    "update_invoice": legacy.update_invoice(
        "42",
        legacy.ArInvoiceUpdate(
            date_due=date(2026, 12, 31),
            po_number="ORD-2",
            custom_fields={"A": "b"},
            replace_lines={1: LINE},
            add_lines=(LINE,),
        ),
        "f",
    ),
    "reverse_invoice": legacy.reverse_invoice("42", date(2026, 11, 30), "f", description="x"),
    "create_sotransaction": legacy.create_sotransaction(
        legacy.SalesTransaction(
            "Sales Invoice",
            date(2026, 11, 1),
            "C-1",
            (SALES_LINE,),
            document_no="INV-1",
            reference_no="ORD-1",
            term_name="N30",
            date_due=date(2026, 12, 1),
            currency="GBP",
            custom_fields={"ORSYNC_ID": "x"},
            state="Pending",
            tax_solution_id="UK VAT",
        ),
        "f",
    ),
    "update_sotransaction": legacy.update_sotransaction(
        "Sales Invoice-INV-1",
        legacy.SalesTransactionUpdate(
            reference_no="ORD-2",
            replace_lines={2: SALES_LINE},
            add_lines=(SALES_LINE,),
        ),
        "f",
    ),
    "create_aradjustment": legacy.create_aradjustment(
        legacy.ArAdjustment(
            "C-1",
            date(2026, 11, 2),
            (legacy.ArInvoiceLine("4000", Decimal("-10.5"), location_id="100"),),
            adjustment_no="CN-1",
            invoice_no="INV-1",
            currency="GBP",
        ),
        "f",
    ),
    "apply_arpayment": legacy.apply_arpayment(
        legacy.PaymentApplication("77", date(2026, 11, 3), (("42", Decimal("10")),), "m"),
        "f",
    ),
}


@pytest.mark.parametrize("name", sorted(TYPED_FUNCTIONS))
def test_every_typed_function_is_valid_against_the_official_schema(
    name: str, assert_valid_request: Callable[[bytes], None]
) -> None:
    assert_valid_request(envelope(TYPED_FUNCTIONS[name]))


def test_a_transaction_group_validates_and_says_so(
    assert_valid_request: Callable[[bytes], None],
) -> None:
    body = envelope(
        legacy.create_invoice(invoice("A"), "a"),
        legacy.create_invoice(invoice("B"), "b"),
        transaction=True,
    )
    assert etree.fromstring(body).find("operation").get("transaction") == "true"
    assert_valid_request(body)


def test_query_page_size_and_filters_are_bounded_as_the_schema_says() -> None:
    with pytest.raises(ValueError, match="2000"):
        reads.query("ARINVOICE", ["RECORDNO"], "f", pagesize=2001)
    with pytest.raises(ValueError, match="1000"):
        reads.query("X", ["A"], "f", where=reads.in_("A", [str(i) for i in range(1001)]))
    with pytest.raises(ValueError, match="two"):
        reads.query("X", ["A"], "f", where=reads.And((reads.equalto("A", "1"),)))


def test_read_by_query_literals_escape_quotes_and_backslashes() -> None:
    assert reads.quote_literal("Jane's \\ desk") == "'Jane\\'s \\\\ desk'"


def test_custom_fields_come_in_both_styles() -> None:
    generic = etree.fromstring(TYPED_FUNCTIONS["create CUSTOMER"].payload)
    assert generic.findtext("CUSTOMER/ORSYNC_ID") == "m-1"
    legacy_body = etree.fromstring(TYPED_FUNCTIONS["create_invoice"].payload)
    field = legacy_body.find("customfields/customfield")
    assert (field.findtext("customfieldname"), field.findtext("customfieldvalue")) == (
        "ORSYNC_ID",
        "inv-1",
    )


def test_a_payment_goes_to_exactly_one_account() -> None:
    both = objects.ArPayment(
        "C", "EFT", date(2026, 1, 1), (), financial_entity="B", undeposited_account="1100"
    )
    with pytest.raises(ValueError, match="exactly one"):
        objects.create_arpayment(both, "f")


def test_payment_totals_default_to_the_sum_of_their_lines() -> None:
    payment = objects.ArPayment(
        "C",
        "EFT",
        date(2026, 1, 1),
        (objects.PaymentLine("1", Decimal("10.10")), objects.PaymentLine("2", Decimal("5"))),
        financial_entity="B",
    )
    body = etree.fromstring(objects.create_arpayment(payment, "f").payload)
    assert body.findtext("ARPYMT/TRX_AMOUNTTOPAY") == "15.10"
    assert body.findtext("ARPYMT/RECEIPTDATE") == "01/01/2026"


def test_each_function_is_serialised_once_by_its_builder_and_spliced_into_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    functions = [
        legacy.create_invoice(invoice(f"INV-{i}"), f'orsync:inv:{i}&<"\n', record=f"inv-{i}")
        for i in range(3)
    ]
    serialised: list[object] = []
    parsed: list[object] = []
    real_tostring, real_fromstring = etree.tostring, etree.fromstring
    monkeypatch.setattr(
        etree, "tostring", lambda *a, **k: serialised.append(a) or real_tostring(*a, **k)
    )
    monkeypatch.setattr(
        etree, "fromstring", lambda *a, **k: parsed.append(a) or real_fromstring(*a, **k)
    )
    body = envelope(*functions)
    assert len(serialised) == 1  # the envelope alone
    assert parsed == []
    for function in functions:
        assert function.payload in body  # the builder's bytes, verbatim
    monkeypatch.undo()
    root = etree.fromstring(body)
    assert [f.get("controlid") for f in root.iterfind("operation/content/function")] == [
        f'orsync:inv:{i}&<"\n' for i in range(3)
    ]
    assert [etree.tostring(f[0]) for f in root.iterfind("operation/content/function")] == [
        etree.tostring(etree.fromstring(f.payload)) for f in functions
    ]


def test_a_payload_written_with_its_xml_declaration_is_spliced_without_it() -> None:
    payload = etree.tostring(
        etree.fromstring(b"<lookup><object>X</object></lookup>"), xml_declaration=True
    )
    root = etree.fromstring(envelope(Function("lookup", "f1", payload, is_write=False)))
    (function,) = root.iterfind("operation/content/function")
    assert function.get("controlid") == "f1" and function[0].findtext("object") == "X"
