"""The Intacct company matches the OfficeRnD organization except for the declared gaps."""

from __future__ import annotations

from orsync.sandbox.seed import SALES_TAX_ACCOUNT_FOR_RATE, TAX_DETAIL_FOR_RATE
from orsync.sandbox.world import SeedWorld

DECLARED = [("locations", "BKN"), ("revenue_accounts", "4500"), ("revenue_accounts", "4600")]


def found_gaps(world: SeedWorld) -> list[tuple[str, str]]:
    """What a mapping check matching by code finds unmapped or inactive."""
    intacct = world.intacct
    collections = world.officernd.collections
    gaps: list[tuple[str, str]] = []
    locations = {loc.id for loc in intacct.locations if loc.status == "active"}
    gaps += [
        ("locations", str(loc["code"]))
        for loc in collections["locations"]
        if loc["code"] not in locations
    ]
    accounts = {a.account_no for a in intacct.gl_accounts if a.status == "active"}
    items = {i.id for i in intacct.items if i.status == "active"}
    for account in collections["revenue-accounts"]:
        if account["code"] not in accounts or account["code"] not in items:
            gaps.append(("revenue_accounts", str(account["code"])))
    details = {d.id for d in intacct.tax_details if d.status == "active"}
    for rate in collections["tax-rates"]:
        liability = SALES_TAX_ACCOUNT_FOR_RATE.get(str(rate["code"]))
        if liability is not None:
            if liability not in accounts or liability not in items:
                gaps.append(("tax_rates", str(rate["code"])))
            continue
        if rate["code"] != "NOTAX" and TAX_DETAIL_FOR_RATE.get(str(rate["code"])) not in details:
            gaps.append(("tax_rates", str(rate["code"])))
    return sorted(gaps)


def test_the_gaps_are_exactly_the_declared_ones(any_world: SeedWorld) -> None:
    assert any_world.mapping_gaps == DECLARED
    assert found_gaps(any_world) == DECLARED


def test_every_gap_is_used_by_an_issued_invoice(tiny_world: SeedWorld) -> None:
    collections = tiny_world.officernd.collections
    code_of = {r["_id"]: r["code"] for r in collections["locations"]}
    code_of.update({r["_id"]: r["code"] for r in collections["revenue-accounts"]})
    used: set[tuple[str, object]] = set()
    for doc in collections["payments"]:
        if doc["documentType"] != "invoice" or doc["status"] in ("draft", "voided"):
            continue
        used.add(("locations", code_of[doc["location"]]))
        used.update(("revenue_accounts", code_of[line["account"]]) for line in doc["lines"])  # type: ignore[attr-defined]
    assert set(DECLARED) <= used


def test_intacct_side_is_internally_consistent(any_world: SeedWorld) -> None:
    intacct = any_world.intacct
    entities = {e.id: e for e in intacct.entities}
    assert {e.currency for e in entities.values()} == {"USD", "GBP", "EUR"}
    assert all(loc.entity_id in entities for loc in intacct.locations)
    accounts = {a.account_no for a in intacct.gl_accounts}
    assert all(item.gl_account_no in accounts for item in intacct.items)
    solutions = {s.id for s in intacct.tax_solutions}
    assert all(d.tax_solution_id in solutions for d in intacct.tax_details)
    assert all(set(s.entity_ids) <= set(entities) for s in intacct.tax_solutions)
    for bank in intacct.checking_accounts:
        assert bank.entity_id in entities and bank.gl_account_no in accounts
    pairs = {(b.entity_id, b.currency) for b in intacct.checking_accounts}
    assert {(e.id, e.currency) for e in entities.values()} <= pairs
    assert {(d.name, d.kind) for d in intacct.transaction_definitions} == {
        ("Sales Invoice", "invoice"),
        ("Sales Credit Memo", "credit"),
    }


def test_locations_sit_in_the_entity_of_their_currency(default_world: SeedWorld) -> None:
    entity_currency = {e.id: e.currency for e in default_world.intacct.entities}
    by_code = {loc.id: loc for loc in default_world.intacct.locations}
    currency_of_location = {}
    for doc in default_world.officernd.collections["payments"]:
        currency_of_location[doc["location"]] = doc["currency"]
    for loc in default_world.officernd.collections["locations"]:
        if loc["code"] in by_code:
            assert (
                entity_currency[by_code[str(loc["code"])].entity_id]
                == (currency_of_location[loc["_id"]])
            )


def test_existing_customers_cover_adoption_by_id_and_by_name_only(default_world: SeedWorld) -> None:
    companies = default_world.officernd.collections["companies"]
    template_ids = {f"ORD-{c['properties']['Customer Number']}": c["name"] for c in companies}  # type: ignore[index]
    by_id = [c for c in default_world.intacct.customers if c.id in template_ids]
    assert [c.name == template_ids[c.id] for c in by_id] == [True, True, False]
    name_only = [
        c
        for c in default_world.intacct.customers
        if c.id not in template_ids and c.name in template_ids.values()
    ]
    assert [c.id for c in name_only] == ["LEGACY-0042"]
