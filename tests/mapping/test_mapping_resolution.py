"""What the engine gets for each OfficeRnD value: a target, or Unmapped with the outcome."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orsync.errors import RecordError
from orsync.mapping import (
    LocationTarget,
    OfficeRndValue,
    PaymentTarget,
    RevenueTarget,
    TaxTarget,
    Unmapped,
    parse_mapping,
    resolve_dimensions,
    resolve_location,
    resolve_payment_method,
    resolve_revenue_account,
    resolve_tax_rate,
)

OBJECT_ID = "6985f15e4cc913fc5ac7bf42"

MAPPING = parse_mapping(
    f"""\
revenue_accounts:
  values:
    "4000": {{gl_account: "4000", item: MEMB, department: OPS, class: REC}}
    "name:Booking fees": {{gl_account: "4100"}}
    "id:{OBJECT_ID}": {{gl_account: "4300"}}
    "Deposits": {{gl_account: null}}
    "Sales only": {{item: SALE}}
locations:
  unmapped: skip
  values:
    "Café Central": {{location: VIE, entity: AT}}
tax_rates:
  unmapped: default
  default: {{no_tax: true}}
  values:
    UK20: {{tax_detail: "UK Standard"}}
payment_methods:
  values:
    "Bank Transfer": {{payment_method: EFT, bank_account: BARCLAYS}}
    Cash: {{payment_method: Cash, bank_account: null}}
plans:
  unmapped: ignore
  values:
    Hotdesk: {{department: COWORK}}
fees:
  unmapped: default
  default: {{class: ONEOFF}}
  values:
    Locker: {{department: null}}
""",
    "m.yaml",
)


def test_a_revenue_account_matches_by_code_before_name() -> None:
    # Its name says "Booking fees", but its code 4000 has an entry: the code wins.
    target = resolve_revenue_account(MAPPING, OfficeRndValue(code="4000", name="Booking fees"))
    assert isinstance(target, RevenueTarget)
    assert (target.gl_account, target.item, target.department, target.class_) == (
        "4000",
        "MEMB",
        "OPS",
        "REC",
    )
    assert (target.matched.key, target.matched.field) == ("4000", "code")


def test_an_id_key_wins_over_code_and_name() -> None:
    value = OfficeRndValue(id=OBJECT_ID, code="4000", name="Booking fees")
    target = resolve_revenue_account(MAPPING, value)
    assert isinstance(target, RevenueTarget)
    assert (target.gl_account, target.matched.field) == ("4300", "id")


def test_a_name_key_matches_names_only_ignoring_case_and_spacing() -> None:
    target = resolve_revenue_account(MAPPING, OfficeRndValue(code="X1", name="booking   FEES"))
    assert isinstance(target, RevenueTarget) and target.gl_account == "4100"
    assert isinstance(
        resolve_revenue_account(MAPPING, OfficeRndValue(code="Booking fees")), Unmapped
    )


def test_names_match_without_accents() -> None:
    target = resolve_location(MAPPING, OfficeRndValue(id="a", name="cafe central"))
    assert target == LocationTarget("VIE", "AT", target.matched)  # type: ignore[union-attr]


def test_an_unmapped_revenue_account_is_an_error_with_the_fix() -> None:
    result = resolve_revenue_account(MAPPING, OfficeRndValue(code="4999", name="Other"))
    assert isinstance(result, Unmapped)
    assert (result.map_name, result.outcome, result.cause) == (
        "revenue_accounts",
        "error",
        "not_mapped",
    )
    assert result.message() == 'revenue_accounts: code 4999 "Other" is not mapped'
    assert 'key "4999"' in result.hint
    error = result.to_error(record="INV-1001")
    assert isinstance(error, RecordError)
    assert (error.record, error.field, error.hint) == ("INV-1001", "revenue_accounts", result.hint)


def test_an_unresolved_entry_is_an_error_even_for_a_lenient_map() -> None:
    result = resolve_revenue_account(MAPPING, OfficeRndValue(code="D1", name="Deposits"))
    assert isinstance(result, Unmapped)
    assert (result.outcome, result.cause) == ("error", "unresolved")
    assert "revenue_accounts.values.Deposits.gl_account" in result.hint
    fee = resolve_dimensions(MAPPING, "fees", OfficeRndValue(name="Locker"))
    assert isinstance(fee, Unmapped) and fee.cause == "unresolved"


def test_the_target_the_invoice_type_needs_must_be_there() -> None:
    value = OfficeRndValue(name="Sales only")
    ar = resolve_revenue_account(MAPPING, value)
    assert isinstance(ar, Unmapped) and ar.cause == "incomplete"
    assert "gl_account" in ar.reason
    sales = resolve_revenue_account(MAPPING, value, invoice_type="sales")
    assert isinstance(sales, RevenueTarget) and sales.item == "SALE"


def test_skip_policy_leaves_the_document_out() -> None:
    result = resolve_location(MAPPING, OfficeRndValue(id="b", name="Paris"))
    assert isinstance(result, Unmapped) and result.outcome == "skip"


def test_default_policy_uses_the_default_and_says_so() -> None:
    result = resolve_tax_rate(MAPPING, OfficeRndValue(code="IE23", rate=Decimal(23)))
    assert isinstance(result, TaxTarget) and result.tax_detail is None
    assert result.matched.by_default
    mapped = resolve_tax_rate(MAPPING, OfficeRndValue(code="uk20"))
    assert isinstance(mapped, TaxTarget) and mapped.tax_detail == "UK Standard"
    assert not mapped.matched.by_default


def test_a_line_without_a_tax_rate_needs_no_entry() -> None:
    assert resolve_tax_rate(MAPPING, None) == TaxTarget(
        None, resolve_tax_rate(MAPPING, None).matched
    )  # type: ignore[union-attr]


def test_ignore_policy_posts_the_line_without_dimensions() -> None:
    result = resolve_dimensions(MAPPING, "plans", OfficeRndValue(name="Private office"))
    assert isinstance(result, Unmapped) and result.outcome == "ignore"
    hotdesk = resolve_dimensions(MAPPING, "plans", OfficeRndValue(name="hotdesk"))
    assert not isinstance(hotdesk, Unmapped) and hotdesk.department == "COWORK"
    fee = resolve_dimensions(MAPPING, "fees", OfficeRndValue(name="Printing"))
    assert not isinstance(fee, Unmapped) and fee.class_ == "ONEOFF" and fee.matched.by_default


def test_payment_methods_need_both_method_and_bank() -> None:
    transfer = resolve_payment_method(MAPPING, OfficeRndValue(name="Bank Transfer"))
    assert isinstance(transfer, PaymentTarget)
    assert (transfer.payment_method, transfer.bank_account) == ("EFT", "BARCLAYS")
    cash = resolve_payment_method(MAPPING, OfficeRndValue(name="Cash"))
    assert isinstance(cash, Unmapped) and "bank_account" in cash.reason


def test_a_value_whose_map_is_absent_is_an_error_naming_the_section() -> None:
    mapping = parse_mapping(
        "revenue_accounts: {values: {A: {gl_account: A}}}\n"
        "locations: {values: {L: {location: L}}}\n"
    )
    result = resolve_tax_rate(mapping, OfficeRndValue(code="UK20"))
    assert isinstance(result, Unmapped)
    assert (result.cause, result.outcome) == ("no_section", "error")
    assert "tax_rates" in result.hint


def test_without_a_dimension_map_lines_carry_no_extra_dimension() -> None:
    result = resolve_dimensions(MAPPING, "resource_types", OfficeRndValue(code="desk"))
    assert isinstance(result, Unmapped)
    assert (result.cause, result.outcome) == ("no_section", "ignore")


@pytest.mark.parametrize(
    "value",
    [OfficeRndValue(), OfficeRndValue(id="", code="", name="")],
)
def test_an_empty_value_matches_nothing(value: OfficeRndValue) -> None:
    assert isinstance(resolve_revenue_account(MAPPING, value), Unmapped)
