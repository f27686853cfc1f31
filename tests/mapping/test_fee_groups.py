"""Fees in use are grouped by what decides their posting (plan or resource rate, revenue
account), with a few names each: OfficeRnD names a booking's fee per booking, and no one can
map 28,000 names. The tally that holds them is small, plain data, kept between scans."""

from __future__ import annotations

import json

from orsync.mapping import Coverage, check_mapping, draft_mapping, parse_mapping
from orsync.mapping.catalog import IntacctCatalog
from orsync.mapping.usage import NAMES_KEPT, UsageTally
from tests.mapping.test_mapping_check import COMPLETE

LON = "a1" * 12
ROOM_RATE, DAY_PASS = "b1" * 12, "b2" * 12
BOOKINGS, ONE_OFF, MEMBERSHIP = "c1" * 12, "c2" * 12, "c3" * 12
PLANS = [
    {"_id": ROOM_RATE, "code": "MR", "name": "Meeting room", "type": "meeting_room"},
    {"_id": DAY_PASS, "code": "DP", "name": "Day pass", "type": "service"},
]
ACCOUNTS = [
    {"_id": BOOKINGS, "code": "4100", "name": "Booking fees"},
    {"_id": ONE_OFF, "code": "4300", "name": "One-off fees"},
    {"_id": MEMBERSHIP, "code": "4000", "name": "Membership fees"},
]


def _booking(n: int) -> dict[str, object]:
    return {
        "_id": f"b{n}",
        "status": "paid",
        "location": LON,
        "lines": [
            {
                "account": BOOKINGS,
                "plan": ROOM_RATE,
                "fee": f"fee-booking-{n}",
                "description": f'Room "Liffey" – {n % 28 + 1:02d} Nov 2025 {n % 10 + 8:02d}:00',
            }
        ],
    }


def _day_pass(n: int) -> dict[str, object]:
    return {
        "_id": f"d{n}",
        "status": "paid",
        "location": LON,
        "lines": [
            {
                "account": ONE_OFF,
                "plan": DAY_PASS,
                "fee": f"fee-pass-{n}",
                "description": "Day Pass",
            },
            {"account": MEMBERSHIP, "description": "Hot desk – November 2025"},
        ],
    }


def _tally(bookings: int = 300, passes: int = 40) -> UsageTally:
    tally = UsageTally()
    for n in range(bookings):
        tally.add(_booking(n))
    for n in range(passes):
        tally.add(_day_pass(n))
    tally.classify_fees({"fee-booking-0": "ResourceRate", "fee-pass-0": "Plan"})
    return tally


def test_a_fee_group_per_plan_and_revenue_account_never_one_per_booking_name() -> None:
    used = _tally().values(revenue_accounts=ACCOUNTS, plans=PLANS)
    bookings, passes = used.fee_groups
    assert (bookings.plan and bookings.plan.code, bookings.revenue_account.code) == ("MR", "4100")  # type: ignore[union-attr]
    assert bookings.resource_type == "meeting_room" and bookings.lines == 300
    assert len(bookings.names) == NAMES_KEPT and not bookings.complete
    assert passes.resource_type is None and passes.complete
    assert [n.name for n in passes.names] == ["Day Pass"] and passes.lines == 40
    assert [v.name for v in used.resource_types] == ["meeting_room"]
    assert len(used.fees) == NAMES_KEPT + 1


def test_the_tally_kept_as_json_goes_on_counting_where_it_stopped() -> None:
    whole = _tally(bookings=300, passes=40)
    first = _tally(bookings=100, passes=40)
    kept = UsageTally.from_json(json.loads(json.dumps(first.to_json())))
    for n in range(100, 300):
        kept.add(_booking(n))
    assert kept.values(plans=PLANS) == whole.values(plans=PLANS)
    assert kept.documents == whole.documents == 340
    assert len(json.dumps(kept.to_json())) < 4000, "small whatever the history"
    assert kept.fees_to_classify() == [], "kinds learnt once are kept"


def test_check_counts_fee_groups_and_names_a_group_no_name_key_can_cover() -> None:
    used = _tally().values(revenue_accounts=ACCOUNTS, plans=PLANS)
    strict = COMPLETE + 'fees:\n  unmapped: error\n  values:\n    "Day Pass": {department: OPS}\n'
    report = check_mapping(parse_mapping(strict), used)
    fees = next(c for c in report.coverage if c.map_name == "fees")
    assert fees == Coverage("fees", 2, mapped=1)
    (gap,) = [g for g in report.gaps if g.map_name == "fees"]
    assert 'plan code MR "Meeting room"' in gap.message and "more names" in gap.message
    assert "resource type" in gap.fix and "fees.unmapped" in gap.fix

    lenient = strict.replace("unmapped: error", "unmapped: ignore")
    report = check_mapping(parse_mapping(lenient), used)
    fees = next(c for c in report.coverage if c.map_name == "fees")
    assert fees == Coverage("fees", 2, mapped=1, by_policy=1)
    assert not [g for g in report.gaps if g.map_name == "fees"]


def test_the_draft_shows_a_few_names_per_fee_group_and_counts_the_rest() -> None:
    used = _tally().values(revenue_accounts=ACCOUNTS, plans=PLANS)
    text = draft_mapping(used, IntacctCatalog()).text
    fees = text[text.index("# fees:") : text.index("# resource_types:")]
    assert fees.count('Room "Liffey"') == 3
    assert "#     #   ... and more names" in fees
    assert '#     "Day Pass": {department: null}' in fees, "a fixed name is offered as a key"
    assert "resource type meeting_room" in fees
    assert parse_mapping(text) is not None
