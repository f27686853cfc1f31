"""CUSTOMERIDs: templates with fallback, sanitized for Intacct, deterministic."""

from __future__ import annotations

import pytest

from orsync.mapping import (
    CUSTOMER_ID_MAX_LENGTH,
    CustomerIds,
    Unmapped,
    render_customer_id,
    sanitize_customer_id,
)

COMPANY_ID = "6985f15e4cc913fc5ac7bf42"


def test_the_template_reads_fields_of_the_company() -> None:
    templates = CustomerIds()
    company = {"_id": COMPANY_ID, "code": "ACME", "name": "Acme"}
    assert render_customer_id(templates, "company", company) == "ORD-ACME"


def test_a_missing_or_empty_field_falls_back() -> None:
    templates = CustomerIds(company="C-{company.code}", company_fallback="CX-{company.name}")
    assert (
        render_customer_id(templates, "company", {"_id": "1", "code": "", "name": "Acme"})
        == "CX-Acme"
    )
    assert render_customer_id(templates, "company", {"_id": "1", "name": "Acme"}) == "CX-Acme"


def test_nested_fields_are_read_with_dots() -> None:
    templates = CustomerIds(company="VAT-{company.billingDetails.vatNumber}")
    company = {"_id": "1", "billingDetails": {"vatNumber": "GB123"}}
    assert render_customer_id(templates, "company", company) == "VAT-GB123"


def test_members_billed_personally_use_the_member_template() -> None:
    member = {"_id": "abc123", "name": "Ada"}
    assert render_customer_id(CustomerIds(), "member", member) == "ORDM-abc123"


def test_no_usable_template_is_unmapped_with_a_fix() -> None:
    templates = CustomerIds(company="C-{company.code}", company_fallback=None)
    result = render_customer_id(templates, "company", {"_id": COMPANY_ID, "name": "Acme"})
    assert isinstance(result, Unmapped)
    assert result.map_name == "customers" and result.outcome == "error"
    assert "company_fallback" in result.hint


def test_an_object_id_fallback_is_shortened_with_a_hash_to_the_limit() -> None:
    first = render_customer_id(CustomerIds(), "company", {"_id": COMPANY_ID})
    second = render_customer_id(CustomerIds(), "company", {"_id": COMPANY_ID[:-1] + "3"})
    assert isinstance(first, str) and isinstance(second, str)
    assert len(first) == CUSTOMER_ID_MAX_LENGTH == 20
    assert first.startswith("ORD-6985f15-")
    assert first != second  # same head: the hash keeps them apart
    assert render_customer_id(CustomerIds(), "company", {"_id": COMPANY_ID}) == first


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("ORD-Café & Co", "ORD-Cafe-Co"),
        ("  ORD--ACME  ", "ORD-ACME"),
        ("A  B", "A B"),
        ("a/b#c?d<e>", "a-b-c-d-e"),
        ("x.y_z", "x.y_z"),
        ("---", ""),
    ],
)
def test_ids_keep_only_characters_intacct_recommends(raw: str, safe: str) -> None:
    assert sanitize_customer_id(raw) == safe


def test_a_template_that_sanitizes_to_nothing_uses_the_fallback() -> None:
    templates = CustomerIds(company="{company.code}", company_fallback="ORD-{company.name}")
    assert render_customer_id(templates, "company", {"code": "&&", "name": "B"}) == "ORD-B"


def test_init_proposes_the_property_that_existing_intacct_ids_are_built_from() -> None:
    from orsync.mapping import propose_customer_ids

    companies = [
        {"_id": "a" * 24, "properties": {"Customer Number": 1001, "Floor": "3"}},
        {"_id": "b" * 24, "properties": {"Customer Number": 1002, "Floor": "4"}},
        {"_id": "c" * 24, "properties": {}},
    ]
    members = [{"_id": "d" * 24, "properties": {"Customer Number": 5001}}]
    proposal = propose_customer_ids(companies, members, {"ORD-1001", "ORD-1002", "WALKIN"})
    assert proposal.templates.company == "ORD-{company.properties.Customer Number}"
    assert proposal.templates.company_fallback == "ORD-{company.id}"
    assert proposal.templates.member == "ORD-{member.properties.Customer Number}"
    assert proposal.templates.member_fallback == "ORDM-{member.id}"
    assert "2 Intacct customer(s)" in proposal.reason
    rendered = render_customer_id(proposal.templates, "company", companies[0])
    assert rendered == "ORD-1001"
    assert render_customer_id(proposal.templates, "company", companies[2]) == sanitize_customer_id(
        "ORD-" + "c" * 24
    )


def test_init_proposes_another_prefix_when_intacct_uses_one() -> None:
    from orsync.mapping import propose_customer_ids

    companies = [{"properties": {"Account No": "77"}}, {"properties": {"Account No": "78"}}]
    proposal = propose_customer_ids(companies, [], {"C-77", "C-78", "C-1"})
    assert proposal.templates.company == "C-{company.properties.Account No}"
    assert proposal.templates.member == "ORDM-{member.id}"


def test_a_customer_number_property_is_proposed_even_before_intacct_has_customers() -> None:
    from orsync.mapping import propose_customer_ids

    proposal = propose_customer_ids([{"properties": {"Customer Number": 1}}], [], set())
    assert proposal.templates.company == "ORD-{company.properties.Customer Number}"


def test_without_a_usable_property_the_defaults_stay() -> None:
    from orsync.mapping import CustomerIds, propose_customer_ids

    proposal = propose_customer_ids([{"properties": {"Floor": "3", "a.b": "1"}}], [], {"X1"})
    assert proposal.templates == CustomerIds()
    assert proposal.reason == ""


def test_bad_override_keys_and_shared_targets_are_located_problems() -> None:
    from orsync.mapping import MappingError, parse_mapping

    text = (
        "customers:\n"
        "  overrides:\n"
        '    "id:123": "A-1"\n'
        '    "code:X": "A-2"\n'
        '    "name:Acme": "A-2"\n'
        '    "Other": ""\n'
        "revenue_accounts: {values: {'4000': {gl_account: '4000'}}}\n"
        "locations: {values: {London: {location: LON}}}\n"
    )
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, "m.yaml")
    assert str(raised.value).splitlines() == [
        'm.yaml:3:5: customers.overrides."id:123": an OfficeRnD id is 24 hexadecimal characters',
        'm.yaml:4:5: customers.overrides."code:X": companies and members have no code: key by '
        "id: or name:",
        "m.yaml:5:18: customers.overrides.\"name:Acme\": Intacct customer 'A-2' is already the "
        'override of "code:X"',
        "m.yaml:6:14: customers.overrides.Other: give the Intacct customer id",
    ]


def test_name_only_matches_are_records_whose_id_is_new_but_whose_name_exists() -> None:
    from orsync.mapping import CustomerIds, name_only_matches

    templates = CustomerIds(company="ORD-{company.properties.n}", company_fallback=None)
    records = [
        {"_id": "a" * 24, "name": "Café Zürich", "properties": {"n": 1}},  # id exists: adopted
        {"_id": "b" * 24, "name": "Niño  Diseño", "properties": {"n": 4}},  # name only
        {"_id": "c" * 24, "name": "Twice", "properties": {"n": 5}},  # two namesakes: no pick
    ]
    existing = [
        ("ORD-1", "Cafe Zurich"),
        ("LEGACY-0042", "niño diseño"),
        ("T1", "Twice"),
        ("T2", "twice"),
    ]
    assert name_only_matches(templates, "company", records, existing) == [
        ("name:Niño  Diseño", "LEGACY-0042")
    ]
