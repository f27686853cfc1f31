"""Intacct's lists become a catalog: owning entities found, refused optional lists tolerated."""

from __future__ import annotations

from decimal import Decimal

from orsync.intacct.xml.response import Record
from orsync.services.mapping import build_catalog


def rec(**fields: str) -> Record:
    return Record("row", fields)


ROWS: dict[str, tuple[Record, ...] | None] = {
    "entities": (rec(LOCATIONID="UK", NAME="Flex UK"), rec(LOCATIONID="US", NAME="Flex US")),
    "locations": (
        rec(LOCATIONID="LON", NAME="London", PARENTID="UK", STATUS="active"),
        rec(LOCATIONID="LON-2", NAME="London floor 2", PARENTID="LON", STATUS="active"),
        rec(LOCATIONID="HQ", NAME="Head office", STATUS="inactive"),
    ),
    "tax_details": (
        rec(DETAILID="UK 20", TAXSOLUTIONID="UK VAT", VALUE="20", TAXTYPE="Sale"),
        rec(DETAILID="UK input", TAXSOLUTIONID="UK VAT", VALUE="20", TAXTYPE="Purchase"),
    ),
    "tax_solutions": (rec(SOLUTIONID="UK VAT", ENTITIES="UK#~#GB2"),),
    "checking_accounts": (rec(BANKACCOUNTID="BARC", BANKNAME="Barclays", MEGAENTITYID="UK"),),
    "gl_accounts": (rec(ACCOUNTNO="4000", TITLE="Revenue", STATUS="active"),),
    "customers": (rec(CUSTOMERID="ORD-1001", NAME="Café"),),
}


def test_a_location_belongs_to_the_entity_up_its_parent_chain() -> None:
    catalog = build_catalog(ROWS)
    by_id = {record.id: record for record in catalog.locations}
    assert by_id["LON"].entities == frozenset({"UK"})
    assert by_id["LON-2"].entities == frozenset({"UK"})
    assert by_id["HQ"].entities is None and not by_id["HQ"].active


def test_sale_tax_details_are_usable_from_their_solutions_entities() -> None:
    catalog = build_catalog(ROWS)
    (detail,) = catalog.tax_details
    assert (detail.id, detail.rate, detail.entities) == ("UK 20", Decimal(20), {"UK", "GB2"})


def test_a_refused_tax_solution_list_leaves_details_usable_everywhere() -> None:
    catalog = build_catalog({**ROWS, "tax_solutions": None})
    assert catalog.tax_details[0].entities is None


def test_bank_accounts_belong_to_their_entity_and_customers_are_listed() -> None:
    catalog = build_catalog(ROWS)
    assert catalog.checking_accounts[0].entities == frozenset({"UK"})
    assert [c.id for c in catalog.customers] == ["ORD-1001"]
    assert catalog.gl_accounts[0].active
