"""A small operator in both systems, shared by the map init and map check tests."""

from __future__ import annotations

from decimal import Decimal

from orsync.mapping import IntacctCatalog, IntacctRecord, OfficeRndValue, ValuesInUse

LONDON_ID = "aaaaaaaaaaaaaaaaaaaaaaa1"
DUBLIN_ID = "aaaaaaaaaaaaaaaaaaaaaaa2"
PARIS_ID = "aaaaaaaaaaaaaaaaaaaaaaa3"

CATALOG = IntacctCatalog(
    gl_accounts=(
        IntacctRecord("4000", "Membership Revenue"),
        IntacctRecord("4100", "Booking Revenue"),
        IntacctRecord("4200", "One-off fées"),
        IntacctRecord("4500", "Old revenue", status="inactive"),
        IntacctRecord("2150", "Customer overpayments"),
    ),
    items=(IntacctRecord("MEMB", "Membership fees"),),
    locations=(
        IntacctRecord("LON", "London Bridge", entities=frozenset({"UK"})),
        IntacctRecord("DUB", "Dublin Docks", entities=frozenset({"IE"})),
    ),
    entities=(IntacctRecord("UK", "Flex UK Ltd"), IntacctRecord("IE", "Flex Ireland Ltd")),
    tax_details=(
        IntacctRecord("UK Standard", "UK Standard", entities=frozenset({"UK"}), rate=Decimal(20)),
        IntacctRecord("IE Standard", "IE Standard", entities=frozenset({"IE"}), rate=Decimal(23)),
    ),
    departments=(IntacctRecord("OPS", "Operations"),),
    classes=(IntacctRecord("REC", "Recurring"),),
    checking_accounts=(
        IntacctRecord("BARCLAYS", "Barclays GBP", entities=frozenset({"UK"})),
        IntacctRecord("AIB", "AIB EUR", entities=frozenset({"IE"})),
    ),
)

USED = ValuesInUse(
    revenue_accounts=(
        OfficeRndValue(id="r1" * 12, code="4000", name="Membership fees"),
        OfficeRndValue(id="r2" * 12, code="OOF", name="One-off Fees"),
        OfficeRndValue(id="r3" * 12, code="4999", name="Deposits"),
        OfficeRndValue(id="r4" * 12, code="4100", name="Booking fees"),
    ),
    locations=(
        OfficeRndValue(id=LONDON_ID, code="LB", name="London Bridge"),
        OfficeRndValue(id=DUBLIN_ID, code="DUB", name="Dublin"),
        OfficeRndValue(id=PARIS_ID, code="PAR", name="Paris"),
    ),
    tax_rates=(
        OfficeRndValue(
            id="t1" * 12,
            name="uk standard",
            rate=Decimal(20),
            locations=frozenset({LONDON_ID}),
        ),
        OfficeRndValue(
            id="t2" * 12,
            code="VAT23",
            name="VAT 23%",
            rate=Decimal(23),
            locations=frozenset({DUBLIN_ID}),
        ),
    ),
    payment_methods=(
        OfficeRndValue(name="Bank Transfer", locations=frozenset({LONDON_ID})),
        OfficeRndValue(name="Cash", locations=frozenset({DUBLIN_ID})),
    ),
    plans=(OfficeRndValue(id="p1" * 12, code="HD", name="Hotdesk"),),
)

# What cannot be matched by code or name (or, for tax rates, by rate within the entity where
# the rate is used: VAT23 is used in Dublin only and IE has one detail at 23 %), by construction.
# No method in use is a cheque, so cheques keyed in Intacct have no way back: said as a gap.
EXPECTED_GAPS = [
    ("locations", "Paris"),
    ("payment_methods", "Printed Check"),
    ("revenue_accounts", "4999"),
]
