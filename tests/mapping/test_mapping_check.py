"""map check: coverage of the values in use, and targets that exist, are active and reachable."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

from orsync.mapping import (
    Coverage,
    ValuesInUse,
    check_mapping,
    parse_mapping,
)
from tests.mapping.world import CATALOG, DUBLIN_ID, LONDON_ID, USED

COMPLETE = """\
options:
  overpayment_account: "2150"
revenue_accounts:
  values:
    "4000": {gl_account: "4000", department: OPS, class: REC}
    "OOF": {gl_account: "4200"}
    "4100": {gl_account: "4100"}
    "Deposits": {gl_account: "4100"}
locations:
  values:
    "London Bridge": {location: LON, entity: UK}
    "Dublin": {location: DUB, entity: IE}
    "Paris": {location: LON, entity: UK}
tax_rates:
  values:
    "uk standard": {tax_detail: "UK Standard"}
    "VAT23": {tax_detail: "IE Standard"}
payment_methods:
  values:
    "Bank Transfer": {payment_method: EFT, bank_account: BARCLAYS}
    "Cash": {payment_method: Cash, bank_account: AIB}
"""


def kinds(text: str, used: ValuesInUse = USED) -> list[tuple[str, str | None, str]]:
    report = check_mapping(parse_mapping(text), used, CATALOG)
    return [(gap.map_name, gap.key, gap.kind) for gap in report.gaps]


def test_a_complete_mapping_passes_with_full_coverage() -> None:
    report = check_mapping(parse_mapping(COMPLETE), USED, CATALOG)
    assert report.ok, report.gaps
    assert report.coverage == (
        Coverage("revenue_accounts", 4, 4),
        Coverage("locations", 3, 3),
        Coverage("tax_rates", 2, 2),
        Coverage("payment_methods", 2, 2),
    )


def test_offline_check_reports_only_unresolved_entries() -> None:
    text = COMPLETE.replace('"Deposits": {gl_account: "4100"}', '"Deposits": {gl_account: null}')
    report = check_mapping(parse_mapping(text))
    assert report.coverage == ()
    assert [(g.map_name, g.key, g.kind, g.message) for g in report.gaps] == [
        (
            "revenue_accounts",
            "Deposits",
            "unresolved",
            "revenue_accounts.values.Deposits.gl_account is unresolved",
        )
    ]


def test_values_in_use_without_an_entry_are_gaps_with_their_fix() -> None:
    text = COMPLETE.replace('    "Deposits": {gl_account: "4100"}\n', "")
    report = check_mapping(parse_mapping(text), USED, CATALOG)
    assert report.coverage[0] == Coverage("revenue_accounts", 4, 3)
    (gap,) = report.gaps
    assert (gap.map_name, gap.key, gap.kind) == ("revenue_accounts", None, "unmapped")
    assert gap.value == 'code 4999 "Deposits"'
    assert gap.message == 'revenue_accounts: code 4999 "Deposits" is not mapped'
    assert 'key "4999"' in gap.fix


def test_default_and_policy_coverage_are_counted_apart() -> None:
    text = COMPLETE.replace(
        'locations:\n  values:\n    "London Bridge"',
        'locations:\n  unmapped: skip\n  values:\n    "London Bridge"',
    ).replace('    "Paris": {location: LON, entity: UK}\n', "")
    text = text.replace(
        "revenue_accounts:\n  values:",
        'revenue_accounts:\n  unmapped: default\n  default: {gl_account: "4100"}\n  values:',
    ).replace('    "Deposits": {gl_account: "4100"}\n', "")
    report = check_mapping(parse_mapping(text), USED, CATALOG)
    assert report.ok
    assert report.coverage[:2] == (
        Coverage("revenue_accounts", 4, mapped=3, by_default=1),
        Coverage("locations", 3, mapped=2, by_policy=1),
    )
    assert report.coverage[0].covered == 4


def test_a_target_missing_from_intacct_is_a_gap_with_a_did_you_mean() -> None:
    text = COMPLETE.replace("department: OPS", "department: ops").replace(
        '"OOF": {gl_account: "4200"}', '"OOF": {gl_account: "9999"}'
    )
    report = check_mapping(parse_mapping(text), USED, CATALOG)
    assert [(g.key, g.kind, g.message) for g in report.gaps] == [
        (
            "4000",
            "missing",
            "revenue_accounts.values.4000.department: no Intacct department 'ops' "
            '(did you mean "OPS"?)',
        ),
        ("OOF", "missing", "revenue_accounts.values.OOF.gl_account: no Intacct gl_account '9999'"),
    ]


def test_an_inactive_target_is_a_gap() -> None:
    text = COMPLETE.replace('"4100": {gl_account: "4100"}', '"4100": {gl_account: "4500"}')
    assert kinds(text) == [("revenue_accounts", "4100", "inactive")]


def test_the_overpayment_account_is_checked_too() -> None:
    text = COMPLETE.replace('overpayment_account: "2150"', 'overpayment_account: "2151"')
    assert kinds(text) == [("options", None, "missing")]


def test_a_bank_account_of_another_entity_is_unreachable() -> None:
    # Cash is taken in Dublin (entity IE) but mapped to the UK entity's bank account.
    text = COMPLETE.replace("bank_account: AIB", "bank_account: BARCLAYS")
    report = check_mapping(parse_mapping(text), USED, CATALOG)
    (gap,) = report.gaps
    assert (gap.map_name, gap.key, gap.kind) == ("payment_methods", "Cash", "unreachable")
    assert gap.message == (
        "payment_methods.values.Cash.bank_account: Intacct bank_account 'BARCLAYS' cannot be "
        "used from entity 'IE' (restricted to UK)"
    )


def test_where_a_value_is_used_decides_reachability() -> None:
    # Used at both locations, the UK-only tax detail cannot serve Dublin.
    both = frozenset({LONDON_ID, DUBLIN_ID})
    used = replace(USED, tax_rates=(replace(USED.tax_rates[0], locations=both), USED.tax_rates[1]))
    assert kinds(COMPLETE, used) == [("tax_rates", "uk standard", "unreachable")]
    # Where usage is unknown, every location in use counts.
    unknown = replace(USED, tax_rates=(replace(USED.tax_rates[0], locations=None),))
    assert kinds(COMPLETE, unknown) == [("tax_rates", "uk standard", "unreachable")]


def test_a_location_mapped_to_the_wrong_entity_is_reported() -> None:
    text = COMPLETE.replace("{location: DUB, entity: IE}", "{location: DUB, entity: UK}")
    report = check_mapping(parse_mapping(text), USED, CATALOG)
    assert ("locations", "Dublin", "entity_mismatch") in [
        (g.map_name, g.key, g.kind) for g in report.gaps
    ]


def test_a_tax_detail_at_another_rate_is_reported() -> None:
    used = replace(
        USED,
        tax_rates=(replace(USED.tax_rates[0], rate=Decimal("17.5")), USED.tax_rates[1]),
    )
    report = check_mapping(parse_mapping(COMPLETE), used, CATALOG)
    (gap,) = report.gaps
    assert gap.kind == "rate_mismatch"
    assert "17.5% but Intacct tax detail 'UK Standard' is 20%" in gap.message


def test_an_unmapped_optional_dimension_is_not_a_gap() -> None:
    report = check_mapping(parse_mapping(COMPLETE), USED, CATALOG)
    assert "plans" not in [coverage.map_name for coverage in report.coverage]


def test_the_report_does_not_depend_on_input_order() -> None:
    broken = (
        COMPLETE.replace("bank_account: AIB", "bank_account: NOPE")
        .replace('"OOF": {gl_account: "4200"}', '"OOF": {gl_account: "4500"}')
        .replace('    "Paris": {location: LON, entity: UK}\n', "")
    )
    expected = check_mapping(parse_mapping(broken), USED, CATALOG)
    assert len(expected.gaps) == 3
    shuffler = random.Random(7)
    for _ in range(5):
        fields = {}
        for name in ("revenue_accounts", "locations", "tax_rates", "payment_methods"):
            values = list(USED.of(name))
            shuffler.shuffle(values)
            fields[name] = tuple(values)
        catalog_lists = {
            "gl_accounts": list(CATALOG.gl_accounts),
            "checking_accounts": list(CATALOG.checking_accounts),
        }
        for values in catalog_lists.values():
            shuffler.shuffle(values)
        catalog = replace(CATALOG, **{k: tuple(v) for k, v in catalog_lists.items()})
        shuffled = ValuesInUse(**fields)
        assert check_mapping(parse_mapping(broken), shuffled, catalog) == expected
