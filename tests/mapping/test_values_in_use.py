"""The OfficeRnD values in use are read from API-shaped records, drafts excluded."""

from __future__ import annotations

from decimal import Decimal

from orsync.mapping import OfficeRndValue, values_in_use

LON, DUB = "l" * 24, "d" * 24
MEMBERSHIP, DEPOSITS, GHOST = "a" * 24, "b" * 24, "c" * 24
VAT = "t" * 24

DOCUMENTS = [
    {
        "_id": "i1",
        "status": "awaiting_payment",
        "location": LON,
        "lines": [
            {"account": MEMBERSHIP, "taxRate": VAT, "plan": "p1"},
            {"account": DEPOSITS, "taxRate": None, "location": DUB},
        ],
    },
    {"_id": "i2", "status": "draft", "location": DUB, "lines": [{"account": GHOST}]},
    {"_id": "i3", "status": "paid", "location": DUB, "lines": [{"account": GHOST}]},
]
REVENUE_ACCOUNTS = [
    {"_id": MEMBERSHIP, "code": "4000", "name": "Membership fees"},
    {"_id": DEPOSITS, "code": "", "name": "Deposits"},
]


def test_values_come_with_their_code_name_and_where_they_are_used() -> None:
    used = values_in_use(
        DOCUMENTS,
        revenue_accounts=REVENUE_ACCOUNTS,
        locations=[{"_id": LON, "name": "London", "code": "LB"}],
        tax_rates=[{"_id": VAT, "name": "UK VAT", "rate": 20}],
        charges=[
            {"payment": "i1", "account": "Bank Transfer"},
            {"payment": "i3", "account": "Cash"},
            {"payment": "zz", "account": "Cash"},
        ],
    )
    assert used.revenue_accounts == (
        OfficeRndValue(MEMBERSHIP, "4000", "Membership fees", locations=frozenset({LON})),
        OfficeRndValue(DEPOSITS, None, "Deposits", locations=frozenset({DUB})),
        # Referenced but absent from the list: still in use, known by id only.
        OfficeRndValue(GHOST, locations=frozenset({DUB})),
    )
    assert used.locations == (
        OfficeRndValue(DUB, locations=frozenset({DUB})),
        OfficeRndValue(LON, "LB", "London", locations=frozenset({LON})),
    )
    assert used.tax_rates == (
        OfficeRndValue(VAT, None, "UK VAT", Decimal(20), locations=frozenset({LON})),
    )
    assert used.plans == (OfficeRndValue("p1", locations=frozenset({LON})),)
    assert used.payment_methods == (
        OfficeRndValue(name="Bank Transfer", locations=frozenset({LON})),
        OfficeRndValue(name="Cash", locations=frozenset({DUB})),
    )


def test_drafts_do_not_count() -> None:
    used = values_in_use(DOCUMENTS[1:2])
    assert used.revenue_accounts == () and used.locations == ()


def test_a_new_organization_maps_its_whole_reference_lists() -> None:
    used = values_in_use(
        [],
        revenue_accounts=REVENUE_ACCOUNTS,
        payment_methods=["Cash"],
        include_unused=True,
    )
    assert [value.name for value in used.revenue_accounts] == ["Membership fees", "Deposits"]
    assert used.revenue_accounts[0].locations is None  # unknown: checked against every entity
    assert used.payment_methods == (OfficeRndValue(name="Cash"),)
