"""The demo fills exactly the seed's declared gaps, in the drafted file's own text."""

from __future__ import annotations

import pytest

from orsync.errors import InternalError
from orsync.mapping import (
    IntacctCatalog,
    IntacctRecord,
    OfficeRndValue,
    RevenueTarget,
    ValuesInUse,
    draft_mapping,
    parse_mapping,
    resolve_location,
    resolve_revenue_account,
)
from orsync.services.demo import GapToFill, fill_gaps

CATALOG = IntacctCatalog(
    gl_accounts=(
        IntacctRecord("4000", "Membership Fees"),
        IntacctRecord("4300", "One-off Fees"),
        IntacctRecord("4500", "Virtual Office", status="inactive"),
    ),
    locations=(IntacctRecord("NYC", "New York", entities=frozenset({"US"})),),
    entities=(IntacctRecord("US", "Flexspace US Inc."),),
)
USED = ValuesInUse(
    revenue_accounts=(
        OfficeRndValue(id="a1", code="4000", name="Membership Fees"),
        OfficeRndValue(id="a5", code="4500", name="Virtual Office"),
        OfficeRndValue(id="a6", code="4600", name="Event Tickets"),
    ),
    locations=(
        OfficeRndValue(id="l1", code="NYC", name="New York"),
        OfficeRndValue(id="l3", code="BKN", name="Brooklyn"),
    ),
)


def _gaps(text_unresolved: tuple[object, ...]) -> list[GapToFill]:
    return [
        GapToFill(u.map_name, u.key, u.value.code, u.reason)  # type: ignore[attr-defined]
        for u in text_unresolved
    ]


def test_the_declared_gaps_are_filled_and_the_file_resolves_them() -> None:
    draft = draft_mapping(USED, CATALOG)
    assert {gap.code for gap in _gaps(draft.unresolved)} == {"4500", "4600", "BKN"}
    text, filled = fill_gaps(draft.text, _gaps(draft.unresolved))
    mapping = parse_mapping(text, "demo-mapping.yaml")
    virtual = resolve_revenue_account(mapping, USED.revenue_accounts[1])
    events = resolve_revenue_account(mapping, USED.revenue_accounts[2])
    brooklyn = resolve_location(mapping, USED.locations[1])
    assert isinstance(virtual, RevenueTarget) and virtual.gl_account == "4000"
    assert isinstance(events, RevenueTarget) and events.gl_account == "4300"
    assert (brooklyn.location, brooklyn.entity) == ("NYC", "US")  # type: ignore[union-attr]
    assert {(f.code, f.field, f.target) for f in filled} == {
        ("4500", "gl_account", "4000"),
        ("4600", "gl_account", "4300"),
        ("BKN", "location", "NYC"),
        ("BKN", "entity", "US"),
    }
    # The file still says where each filled value came from.
    assert text.count("# filled by orsync demo") == 4


def test_a_gap_the_demo_has_no_target_for_is_an_internal_error_not_a_guess() -> None:
    used = ValuesInUse(
        revenue_accounts=(OfficeRndValue(id="a9", code="4999", name="Deposits"),),
        locations=USED.locations[:1],
    )
    draft = draft_mapping(used, CATALOG)
    with pytest.raises(InternalError, match="4999"):
        fill_gaps(draft.text, _gaps(draft.unresolved))
