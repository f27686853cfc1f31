"""map init: match by code, then by name; write anything else as an explicit unresolved entry."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

from orsync.mapping import (
    IntacctCatalog,
    IntacctRecord,
    MappingError,
    OfficeRndValue,
    Options,
    PaymentTarget,
    RevenueTarget,
    ValuesInUse,
    check_mapping,
    draft_mapping,
    parse_mapping,
    resolve_location,
    resolve_payment_method,
    resolve_revenue_account,
)
from tests.mapping.world import CATALOG, EXPECTED_GAPS, USED


def test_unresolved_entries_are_exactly_what_cannot_be_matched() -> None:
    draft = draft_mapping(USED, CATALOG)
    assert draft.gaps() == EXPECTED_GAPS


def test_payment_methods_are_drafted_into_each_entitys_own_bank_account() -> None:
    mapping = parse_mapping(draft_mapping(USED, CATALOG).text, "draft.yaml")
    transfer = resolve_payment_method(mapping, OfficeRndValue(name="Bank Transfer"))
    assert isinstance(transfer, PaymentTarget)
    assert transfer.payment_method == "EFT"  # OfficeRnD's usual name for it
    assert (transfer.bank_for("UK"), transfer.bank_for("IE")) == ("BARCLAYS", "AIB")
    # An entity with several bank accounts and none in its currency is left to a person.
    two = dataclasses.replace(
        CATALOG,
        checking_accounts=(
            *CATALOG.checking_accounts,
            IntacctRecord("HSBC", entities=frozenset({"UK"})),
        ),
    )
    assert ("payment_methods", "Bank Transfer") in draft_mapping(USED, two).gaps()


def test_a_bank_chosen_among_several_says_so_and_names_the_others() -> None:
    """UK has a GBP and a EUR account: the draft picks the base-currency one and said it was
    "its only active bank account", hiding that EUR payments of UK documents land in GBP."""
    catalog = dataclasses.replace(
        CATALOG,
        entities=(
            IntacctRecord("UK", "Flex UK Ltd", currency="GBP"),
            IntacctRecord("IE", "Flex Ireland Ltd", currency="EUR"),
        ),
        checking_accounts=(
            IntacctRecord("BARCLAYS", "Barclays GBP", entities=frozenset({"UK"}), currency="GBP"),
            IntacctRecord("BARC-EUR", "Barclays EUR", entities=frozenset({"UK"}), currency="EUR"),
            IntacctRecord("AIB", "AIB EUR", entities=frozenset({"IE"}), currency="EUR"),
        ),
    )
    text = draft_mapping(USED, catalog).text
    (uk,) = {line for line in text.splitlines() if line.strip().startswith('"UK": ')}
    (ie,) = {line for line in text.splitlines() if line.strip().startswith('"IE": ')}
    assert '"UK": "BARCLAYS"' in uk
    assert "only active" not in uk
    assert "GBP" in uk and "BARC-EUR" in uk
    assert "its only active bank account" in ie
    assert "per Intacct entity: its only active bank account" not in text


def test_an_officernd_cheque_method_is_drafted_as_intacct_printed_check() -> None:
    """Cheques keyed in Intacct come back to OfficeRnD as the method mapped to Printed Check."""
    used = dataclasses.replace(
        USED, payment_methods=(*USED.payment_methods, OfficeRndValue(name="Cheque"))
    )
    draft = draft_mapping(used, CATALOG)
    cheque = resolve_payment_method(parse_mapping(draft.text), OfficeRndValue(name="Cheque"))
    assert isinstance(cheque, PaymentTarget)
    assert cheque.payment_method == "Printed Check"
    assert ("payment_methods", "Printed Check") not in draft.gaps()


def test_without_an_officernd_cheque_method_the_draft_says_what_to_add() -> None:
    draft = draft_mapping(USED, CATALOG)  # Bank Transfer and Cash only
    [gap] = [g for g in draft.unresolved if g.key == "Printed Check"]
    assert "OfficeRnD" in gap.reason and "payment_method: 'Printed Check'" in gap.reason
    assert '#   payment_method: "Printed Check"' in draft.text  # a template to uncomment
    parse_mapping(draft.text)  # and the file loads as drafted


def test_the_draft_loads_and_resolves_matched_values() -> None:
    mapping = parse_mapping(draft_mapping(USED, CATALOG).text, "draft.yaml")
    by_code = resolve_revenue_account(mapping, USED.revenue_accounts[0])
    by_name = resolve_revenue_account(mapping, USED.revenue_accounts[1])
    assert isinstance(by_code, RevenueTarget) and by_code.gl_account == "4000"
    assert isinstance(by_name, RevenueTarget) and by_name.gl_account == "4200"
    london = resolve_location(mapping, USED.locations[0])
    dublin = resolve_location(mapping, USED.locations[1])
    assert (london.location, london.entity) == ("LON", "UK")  # type: ignore[union-attr]
    assert (dublin.location, dublin.entity) == ("DUB", "IE")  # type: ignore[union-attr]


def test_unresolved_entries_say_what_was_tried() -> None:
    text = draft_mapping(USED, CATALOG).text
    assert (
        'gl_account: null  # UNRESOLVED: no Intacct GL account with code 4999 or name "Deposits"'
        in text
    )


def test_a_tax_rate_matches_the_only_detail_at_its_rate_in_the_entity_where_it_is_used() -> None:
    text = draft_mapping(USED, CATALOG).text
    assert (
        'tax_detail: "IE Standard"  # IE Standard (matched by rate 23%, the only one in entity IE)'
        in text
    )


def test_an_ambiguous_rate_lists_the_details_at_its_rate_as_a_hint_never_a_choice() -> None:
    catalog = IntacctCatalog(
        locations=CATALOG.locations,
        tax_details=(
            *CATALOG.tax_details,
            IntacctRecord("IE Reduced", "IE Reduced", entities=frozenset({"IE"}), rate=Decimal(23)),
        ),
    )
    used = ValuesInUse(locations=USED.locations, tax_rates=USED.tax_rates[1:])
    draft = draft_mapping(used, catalog)
    assert draft.gaps() == [("locations", "Paris"), ("tax_rates", "VAT23")]
    assert re.search(
        r"tax_detail: null  # UNRESOLVED: .*details at 23%: IE Reduced, IE Standard", draft.text
    )


def test_a_zero_rate_used_only_where_there_is_no_tax_posts_without_a_detail() -> None:
    catalog = IntacctCatalog(
        locations=(
            *CATALOG.locations,
            IntacctRecord("NYC", "New York", entities=frozenset({"US"})),
        ),
        tax_details=CATALOG.tax_details,
    )
    new_york = OfficeRndValue(id="c" * 24, code="NYC", name="New York")
    used = ValuesInUse(
        locations=(new_york,),
        tax_rates=(
            OfficeRndValue(
                id="d" * 24, code="NOTAX", rate=Decimal(0), locations=frozenset({new_york.id or ""})
            ),
        ),
    )
    draft = draft_mapping(used, catalog)
    assert draft.gaps() == []
    assert "no_tax: true  # used only in entity US, which has no tax details" in draft.text


def test_a_record_matching_only_when_inactive_is_left_unresolved() -> None:
    used = ValuesInUse(revenue_accounts=(OfficeRndValue(code="4500", name="Virtual office"),))
    draft = draft_mapping(used, CATALOG)
    assert draft.gaps() == [("revenue_accounts", "4500")]
    assert (
        'UNRESOLVED: the Intacct GL account matching code "4500" is inactive: 4500 (inactive)'
        in (draft.text)
    )


def test_the_draft_is_commented_and_deterministic() -> None:
    first = draft_mapping(USED, CATALOG).text
    assert first == draft_mapping(USED, CATALOG).text
    assert '    "4000":  # Membership fees, id r1r1' in first
    assert 'gl_account: "4000"  # Membership Revenue (matched by code)' in first
    assert 'gl_account: "4200"  # One-off fées (matched by name)' in first
    assert "# plans:" in first  # dimensions are a choice: offered as a comment only


def test_sales_invoices_map_revenue_accounts_to_items() -> None:
    draft = draft_mapping(
        ValuesInUse(revenue_accounts=USED.revenue_accounts[:1], locations=USED.locations[:1]),
        CATALOG,
        Options(invoice_type="sales"),
    )
    assert 'item: "MEMB"  # Membership fees (matched by name)' in draft.text
    # The options written must load: sales needs transaction definitions, so it is reported.
    with pytest.raises(MappingError, match="transaction_definitions"):
        parse_mapping(draft.text)


def test_two_records_with_the_same_name_are_not_guessed_between() -> None:
    catalog = IntacctCatalog(
        gl_accounts=(IntacctRecord("4001", "Deposits"), IntacctRecord("4002", "deposits"))
    )
    used = ValuesInUse(revenue_accounts=(OfficeRndValue(code="D", name="Deposits"),))
    draft = draft_mapping(used, catalog)
    assert draft.gaps() == [("revenue_accounts", "D")]
    assert "several Intacct GL accounts match name" in draft.text


def test_an_active_record_wins_over_an_inactive_namesake() -> None:
    catalog = IntacctCatalog(
        gl_accounts=(
            IntacctRecord("4001", "Deposits", status="inactive"),
            IntacctRecord("4002", "Deposits"),
        )
    )
    used = ValuesInUse(revenue_accounts=(OfficeRndValue(code="D", name="Deposits"),))
    assert 'gl_account: "4002"' in draft_mapping(used, catalog).text


def test_values_sharing_a_code_are_keyed_by_name_then_id() -> None:
    used = ValuesInUse(
        revenue_accounts=(
            OfficeRndValue(id="a" * 24, code="X", name="First"),
            OfficeRndValue(id="b" * 24, code="X", name="Second"),
            OfficeRndValue(id="c" * 24, code="Y", name="Second"),
        )
    )
    draft = draft_mapping(used, IntacctCatalog())
    assert [gap.key for gap in draft.unresolved] == ["First", "id:" + "b" * 24, "Y"]


def test_a_company_without_tax_details_maps_only_zero_rates_to_no_tax() -> None:
    used = ValuesInUse(
        tax_rates=(
            OfficeRndValue(code="Z", name="Zero", rate=Decimal(0)),
            OfficeRndValue(code="NY", name="NY Sales Tax", rate=Decimal("8.875")),
            OfficeRndValue(code="U", name="Unknown rate"),
        )
    )
    draft = draft_mapping(used, IntacctCatalog())
    assert "no_tax: true  # 0 %, and the Intacct company has no tax details" in draft.text
    assert draft.text.count("no_tax: true  #") == 1
    # Nothing named as a sales-tax account: the taxed rates are left for a person to decide.
    assert [(gap.key, gap.field) for gap in draft.unresolved] == [
        ("NY", "gl_account"),
        ("U", "gl_account"),
    ]


def test_a_taxed_rate_without_a_tax_engine_proposes_the_sales_tax_liability_account() -> None:
    used = ValuesInUse(tax_rates=(OfficeRndValue(code="NY", name="NY", rate=Decimal("8.875")),))
    catalog = IntacctCatalog(
        gl_accounts=(
            IntacctRecord("2200", "VAT Output Tax"),
            IntacctRecord("2210", "Sales Tax Payable"),
            IntacctRecord("4000", "Membership Fees"),
        ),
        items=(IntacctRecord("2210", "Sales Tax"),),
    )
    ar = draft_mapping(used, catalog)
    sales = draft_mapping(used, catalog, invoice_type="sales")
    assert not ar.unresolved and not sales.unresolved
    assert 'gl_account: "2210"  # Sales Tax Payable' in ar.text
    assert 'item: "2210"  # Sales Tax' in sales.text
    assert "no_tax: true  #" not in ar.text


def test_check_refuses_no_tax_on_a_taxed_rate_unless_booked_in_revenue() -> None:
    rate = OfficeRndValue(code="NY", name="NY", rate=Decimal("8.875"))
    used = ValuesInUse(tax_rates=(rate,))
    dropped = parse_mapping(_MINIMAL + 'tax_rates:\n  values:\n    "NY": {no_tax: true}\n')
    kept = parse_mapping(
        _MINIMAL
        + 'tax_rates:\n  values:\n    "NY": {no_tax: true, tax_included_in_revenue: true}\n'
    )
    gaps = check_mapping(dropped, used).gaps
    assert [(gap.kind, gap.key) for gap in gaps] == [("tax_dropped", "NY")]
    assert "8.875%" in gaps[0].message and "tax_included_in_revenue" in gaps[0].fix
    assert not [gap for gap in check_mapping(kept, used).gaps if gap.kind == "tax_dropped"]


_MINIMAL = """version: 1
revenue_accounts:
  values:
    "4000": {gl_account: "4000"}
locations:
  values:
    "NYC": {location: "NYC"}
"""


def test_filling_the_unresolved_entries_makes_check_pass() -> None:
    text = draft_mapping(USED, CATALOG).text
    mapping = parse_mapping(text)
    before = check_mapping(mapping, USED, CATALOG)
    # The missing cheque method is the draft's note to the admin, not a value in use.
    needs_ids = [gap for gap in EXPECTED_GAPS if gap != ("payment_methods", "Printed Check")]
    assert sorted({(gap.map_name, gap.key) for gap in before.gaps}) == needs_ids
    assert {gap.kind for gap in before.gaps} == {"unresolved"}

    fills = {
        "Deposits": ("gl_account: null", 'gl_account: "4100"'),
        "Paris": ("location: null", 'location: "LON"'),
    }
    filled = text
    for old, new in fills.values():
        filled = re.sub(re.escape(old) + r"  # UNRESOLVED:.*", new, filled, count=1)
    filled = re.sub(r"entity: null  # UNRESOLVED:.*", 'entity: "UK"', filled)
    filled = re.sub(
        r'("Bank Transfer":\n)      payment_method: .*\n      bank_account: null .*',
        r'\1      payment_method: "EFT"\n      bank_account: "BARCLAYS"',
        filled,
    )
    filled = re.sub(
        r'("Cash":\n)(      payment_method: .*\n)      bank_account: null .*',
        r'\1\2      bank_account: "AIB"',
        filled,
    )
    after = check_mapping(parse_mapping(filled), USED, CATALOG)
    assert after.gaps == ()
    assert after.ok


def test_a_draft_at_subsidiary_level_loads_despite_unresolved_locations() -> None:
    draft = draft_mapping(USED, CATALOG, Options(entity_level="subsidiary"))
    mapping = parse_mapping(draft.text)
    assert mapping.options.entity_level == "subsidiary"
    assert draft.gaps() == EXPECTED_GAPS


def test_check_finds_a_bank_account_of_another_entity_or_none_at_all() -> None:
    text = draft_mapping(USED, CATALOG).text.replace('"IE": "AIB"', '"IE": "BARCLAYS"')
    text = text.replace('"UK": "BARCLAYS"', '"UK": "NOPE"')
    gaps = check_mapping(parse_mapping(text, "draft.yaml"), USED, CATALOG).gaps
    banks = {(g.kind, g.value) for g in gaps if g.map_name == "payment_methods"}
    assert ("unreachable", "BARCLAYS") in banks  # a UK account for Irish payments
    assert ("missing", "NOPE") in banks
