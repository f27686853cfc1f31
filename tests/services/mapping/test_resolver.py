"""The mapping answers the engine: accounts, locations, tax, dimensions, customer ids, options."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from orsync.config import IntacctSettings, OfficeRndSettings, Profile, SyncSettings
from orsync.engine import build_posting
from orsync.engine.build import NO_TAX, Dimensions, LocationTarget
from orsync.engine.model import CustomerRef, Posting
from orsync.engine.model import Unmapped as EngineUnmapped
from orsync.engine.options import EngineOptions
from orsync.errors import InternalError, RecordError
from orsync.mapping import Mapping, parse_mapping, sanitize_customer_id
from orsync.officernd.models import Fee
from orsync.services.convert import ReferenceData, source_customer, source_document
from orsync.services.mapping import (
    MappingResolver,
    engine_options,
    needs_closed_books_date,
    option_conflicts,
)
from tests.map_cmd.records import (
    BROOKLYN,
    COMPANY,
    DUBLIN,
    EVENTS,
    MEETING_RATE,
    MEMBER,
    NOTAX,
    ROOM_FEE,
    company,
    invoice,
    line,
    member,
    reference,
)

MAPPING = """
version: 1
customers:
  company: "ORD-{company.properties.Customer Number}"
  company_fallback: "ORD-{company.id}"
  member: "ORD-{member.properties.Customer Number}"
  member_fallback: "ORDM-{member.id}"
revenue_accounts:
  values:
    "4000": {gl_account: "4000", item: "MEMB", department: "D100"}
    "4600": {gl_account: null}
locations:
  unmapped: skip
  values:
    "London Bridge": {location: "LON", entity: "UK"}
    "Dublin Docklands": {location: "DUB", entity: "IE"}
tax_rates:
  values:
    VAT20: {tax_detail: "UK Output VAT 20%"}
    NOTAX: {no_tax: true}
plans:
  unmapped: ignore
  values:
    "HD-UK": {class: "MEMBERSHIP"}
resource_types:
  unmapped: ignore
  values:
    service: {department: "D300", item: "ROOMS"}
"""


def mapping(text: str = MAPPING) -> Mapping:
    return parse_mapping(text)


def resolver(options: EngineOptions | None = None, text: str = MAPPING) -> MappingResolver:
    return MappingResolver(mapping(text), reference(), options or EngineOptions())


def test_a_mapped_invoice_builds_its_posting_with_every_target() -> None:
    res = resolver()
    res.customer(company())
    doc = source_document(invoice(), reference())
    assert doc is not None
    customer_id = res.customer_id_of(doc.customer)
    assert customer_id == "ORD-1001"
    posting = build_posting(doc, customer_id, res.options, res)
    assert isinstance(posting, Posting)
    (posted,) = posting.lines
    assert posted.account == "4000"
    assert posted.location_id == "LON"
    assert posted.department_id == "D100"
    assert posted.class_id == "MEMBERSHIP"  # from the plan
    assert posted.tax_detail_id == "UK Output VAT 20%"
    assert posting.total == Decimal("120.00")


def test_sales_lines_take_the_item_of_the_resource_type_over_the_revenue_account() -> None:
    res = resolver(EngineOptions(invoice_type="sales"))
    booking = source_document(invoice(lines=[line(plan=None, fee=ROOM_FEE)]), reference())
    assert booking is not None
    assert res.revenue_target(booking.lines[0], "item") == "ROOMS"
    assert res.dimensions(booking.lines[0], booking) == Dimensions("D300", None)
    membership = source_document(invoice(), reference())
    assert membership is not None
    assert res.revenue_target(membership.lines[0], "item") == "MEMB"


def test_an_unresolved_revenue_account_is_reported_with_its_fix() -> None:
    doc = source_document(invoice(lines=[line(account=EVENTS)]), reference())
    assert doc is not None
    answer = resolver().revenue_target(doc.lines[0], "gl_account")
    assert isinstance(answer, EngineUnmapped)
    assert (answer.what, answer.value) == ("revenue account", "4600")
    assert "revenue_accounts.values.4600.gl_account" in answer.fix


def test_location_resolves_to_location_and_entity_and_skip_policy_is_a_skip() -> None:
    res = resolver()
    assert res.location_target(DUBLIN) == LocationTarget("DUB", "IE")
    assert isinstance(res.location_target(BROOKLYN), EngineUnmapped)
    doc = source_document(invoice(location=BROOKLYN, lines=[line(location=BROOKLYN)]), reference())
    assert doc is not None
    reason = res.skip_reason(doc)
    assert reason is not None and "Brooklyn" in reason
    london = source_document(invoice(), reference())
    assert london is not None and res.skip_reason(london) is None


def test_no_tax_rate_posts_without_a_tax_detail() -> None:
    doc = source_document(invoice(lines=[line(taxRate=NOTAX, taxPercent=0)]), reference())
    assert doc is not None
    assert resolver().tax_treatment(doc.lines[0].tax_rate, "gl_account") == NO_TAX


def test_customer_id_uses_the_customer_number_property() -> None:
    res = resolver()
    res.customer(company())
    converted = res.customer(member())
    assert res.customer_id_of(CustomerRef("company", COMPANY)) == "ORD-1001"
    assert res.customer_id(converted) == "ORD-5001"


def test_customer_id_falls_back_when_the_property_is_missing() -> None:
    res = resolver()
    res.customer(company(properties={}))
    res.customer(member(properties={"Customer Number": ""}))
    assert res.customer_id_of(CustomerRef("company", COMPANY)) == sanitize_customer_id(
        f"ORD-{COMPANY}"
    )
    assert res.customer_id_of(CustomerRef("member", MEMBER)) == sanitize_customer_id(
        f"ORDM-{MEMBER}"
    )


def test_customer_without_any_renderable_template_is_a_record_error() -> None:
    text = MAPPING.replace('  company_fallback: "ORD-{company.id}"\n', "  company_fallback: null\n")
    res = resolver(text=text)
    res.customer(company(properties={}))
    with pytest.raises(RecordError) as raised:
        res.customer_id_of(CustomerRef("company", COMPANY))
    assert raised.value.hint is not None and "company_fallback" in raised.value.hint


def test_a_customer_never_converted_is_a_bug_not_a_guess() -> None:
    res = resolver()
    assert res.customer_id_of(CustomerRef("company", COMPANY)) is None
    with pytest.raises(InternalError):
        res.customer_id(source_customer(company()))


def _profile(**sync: object) -> Profile:
    return Profile(
        intacct=IntacctSettings(sender_id="s", company_id="c", user_id="u"),
        officernd=OfficeRndSettings(org="o", client_id="id"),
        sync=SyncSettings.model_validate(sync),
    )


def test_mapping_file_options_win_over_the_profile_which_fills_the_rest() -> None:
    text = MAPPING.replace(
        "version: 1\n",
        "version: 1\noptions:\n  entity_level: subsidiary\n  books_closed_through: 2025-10-31\n",
    )
    text = text.replace('"4600": {gl_account: null}', '"4600": {gl_account: "4600"}')
    profile = _profile(invoice_type="sales", entity_level="top", numbering="intacct")
    options = engine_options(profile, mapping(text))
    assert options.entity_level == "subsidiary"
    assert options.invoice_type == "sales"
    assert options.numbering == "intacct"
    assert options.sales_invoice_definition == "Sales Invoice"
    assert options.books_closed_before == dt.date(2025, 11, 1)
    assert option_conflicts(profile, mapping(text)) == [
        "the mapping file's options.entity_level (subsidiary) overrides the profile's (top)"
    ]


def test_options_with_an_empty_file_section_are_the_profiles() -> None:
    profile = _profile(invoice_type="ar", numbering="officernd")
    options = engine_options(profile, mapping())
    assert (options.invoice_type, options.numbering, options.closed_period_policy) == (
        "ar",
        "officernd",
        "fail",
    )
    assert option_conflicts(profile, mapping()) == []


def test_london_line_in_a_dublin_invoice_is_reported_at_subsidiary_level() -> None:
    res = resolver(EngineOptions(entity_level="subsidiary"))
    res.customer(company())
    doc = source_document(
        invoice(lines=[line(), line(location=DUBLIN)], total=Decimal("240")), reference()
    )
    assert doc is not None
    built = build_posting(doc, "ORD-1001", res.options, res)
    assert isinstance(built, list)
    assert [problem.field for problem in built] == ["lines[2].location"]


def test_fees_are_loaded_only_when_a_map_reads_them() -> None:
    from orsync.services.mapping import needs_fees

    assert needs_fees(mapping())  # resource_types reads the rate behind a fee
    without = MAPPING[: MAPPING.index("resource_types:")]
    assert not needs_fees(mapping(without))


def test_a_customer_override_adopts_an_existing_intacct_id_verbatim() -> None:
    text = MAPPING.replace(
        '  member_fallback: "ORDM-{member.id}"\n',
        '  member_fallback: "ORDM-{member.id}"\n'
        "  overrides:\n"
        '    "name:Café & Co": "LEGACY-0042"\n'
        f'    "id:{MEMBER}": "ADA_1"\n',
    )
    res = resolver(text=text)
    res.customer(company())
    res.customer(member())
    assert res.customer_id_of(CustomerRef("company", COMPANY)) == "LEGACY-0042"
    assert res.customer_id_of(CustomerRef("member", MEMBER)) == "ADA_1"


def test_create_on_name_match_comes_from_the_mapping_file() -> None:
    text = MAPPING.replace("version: 1\n", "version: 1\noptions:\n  create_on_name_match: true\n")
    assert engine_options(_profile(), mapping(text)).create_on_name_match
    assert not engine_options(_profile(), mapping()).create_on_name_match


def _with_fees(*fees: dict[str, object]) -> ReferenceData:
    base = reference()
    return ReferenceData.from_records(
        locations=base.locations.values(),
        revenue_accounts=base.revenue_accounts.values(),
        tax_rates=base.tax_rates.values(),
        plans=base.plans.values(),
        fees=[Fee.model_validate(f) for f in fees],
    )


FEES_MAPPING = (
    MAPPING
    + """
fees:
  unmapped: error
  values:
    "Day pass": {department: "D500"}
    "id:e00000000000000000000003": {department: "D600"}
"""
)


def test_one_off_fees_resolve_by_their_own_id_name_and_resource_type() -> None:
    # One-off charges are a fee record each; lines of many fees share a resolution per name,
    # except a fee its id names, and a fee no key matches is reported under its own name.
    day_pass = {"name": "Day pass"}
    reference_data = _with_fees(
        {"_id": "e00000000000000000000002", **day_pass},
        {"_id": "e00000000000000000000003", **day_pass},
        {"_id": "e00000000000000000000004", **day_pass},
        {"_id": "e00000000000000000000005", "name": "Locker"},
        {"_id": "e00000000000000000000006", "name": "Parking"},
        {"_id": ROOM_FEE, "name": "Day pass", "plan": MEETING_RATE, "planType": "ResourceRate"},
    )
    res = MappingResolver(mapping(FEES_MAPPING), reference_data, EngineOptions())

    def dimensions(fee: str) -> object:
        doc = source_document(invoice(lines=[line(plan=None, fee=fee)]), reference_data)
        assert doc is not None
        return res.dimensions(doc.lines[0], doc)

    assert dimensions("e00000000000000000000002") == Dimensions("D500", None)
    assert dimensions("e00000000000000000000003") == Dimensions("D600", None)  # by id
    assert dimensions("e00000000000000000000004") == Dimensions("D500", None)
    assert dimensions(ROOM_FEE) == Dimensions("D500", None)  # the fee wins over its room type
    for fee, name in (
        ("e00000000000000000000005", "Locker"),
        ("e00000000000000000000006", "Parking"),
    ):
        answer = dimensions(fee)
        assert isinstance(answer, EngineUnmapped)
        assert (answer.what, answer.value) == ("fee", name)


def test_a_profile_whose_mapping_file_is_gone_says_how_to_restore_or_replace_it(
    tmp_path: Path,
) -> None:
    from orsync.errors import ConfigError
    from orsync.services.mapping import load_profile_mapping

    def profile(mapping: str | None) -> Profile:
        return Profile(
            intacct=IntacctSettings(sender_id="s", company_id="c", user_id="u"),
            officernd=OfficeRndSettings(org="o", client_id="c"),
            sync=SyncSettings(mapping=mapping),
        )

    gone = tmp_path / "mappings.yaml"
    with pytest.raises(ConfigError) as raised:
        load_profile_mapping(profile(str(gone)))
    assert raised.value.message == f"the mapping file of this profile, {gone}, does not exist"
    assert "orsync connect --mapping FILE" in raised.value.hint
    with pytest.raises(ConfigError, match="this profile has no mapping file"):
        load_profile_mapping(profile(None))


def test_books_closed_through_overrides_intaccts_closed_books_date() -> None:
    """The first open day: the mapping's books_closed_through wins, else the day after what
    Intacct's get_closedbooksdate said, which a run reads only under shift or skip."""
    profile = _profile()
    intacct = dt.date(2025, 9, 30)
    shift = MAPPING.replace("version: 1\n", "version: 1\noptions:\n  closed_period: shift\n")
    shift = shift.replace('"4600": {gl_account: null}', '"4600": {gl_account: "4600"}')
    stated = shift.replace(
        "  closed_period: shift\n", "  closed_period: shift\n  books_closed_through: 2025-10-31\n"
    )
    read = engine_options(profile, mapping(shift), intacct_closed_through=intacct)
    assert read.books_closed_before == dt.date(2025, 10, 1)
    assert needs_closed_books_date(mapping(shift))
    override = engine_options(profile, mapping(stated), intacct_closed_through=intacct)
    assert override.books_closed_before == dt.date(2025, 11, 1)
    assert not needs_closed_books_date(mapping(stated))
    assert not needs_closed_books_date(mapping())  # fail: Intacct's refusal says it
