"""Every id a record points at exists, in the collection it should."""

from __future__ import annotations

from orsync.sandbox.world import SeedWorld


def _ids(world: SeedWorld, name: str) -> set[str]:
    return {str(r["_id"]) for r in world.officernd.collections[name]}


def test_documents_point_at_existing_parties_locations_accounts_and_taxes(
    any_world: SeedWorld,
) -> None:
    companies, members = _ids(any_world, "companies"), _ids(any_world, "members")
    locations, accounts = _ids(any_world, "locations"), _ids(any_world, "revenue-accounts")
    taxes, plans, fees = (
        _ids(any_world, "tax-rates"),
        _ids(any_world, "plans"),
        _ids(any_world, "fees"),
    )
    for doc in any_world.officernd.collections["payments"]:
        assert (doc["company"] is None) != (doc["member"] is None), doc["_id"]
        assert doc["company"] is None or doc["company"] in companies
        assert doc["member"] is None or doc["member"] in members
        assert doc["location"] in locations
        for line in doc["lines"]:  # type: ignore[attr-defined]
            assert line["account"] in accounts
            assert line["taxRate"] in taxes
            assert line["location"] == doc["location"]
            # A credit line (a negative amount) bills no plan.
            assert line["plan"] in plans or (line["plan"] is None and line["total"] < 0)
            assert line["fee"] is None or line["fee"] in fees
        for tax in doc["taxAmounts"]:  # type: ignore[attr-defined]
            assert tax["taxRate"] in taxes


def test_charges_fees_and_allocations_point_at_existing_documents(any_world: SeedWorld) -> None:
    docs = {str(d["_id"]): d for d in any_world.officernd.collections["payments"]}
    for charge in any_world.officernd.collections["charges"]:
        assert docs[str(charge["payment"])]["documentType"] == "invoice"
        assert charge["currency"] == docs[str(charge["payment"])]["currency"]
    for fee in any_world.officernd.collections["fees"]:
        payment = fee["payment"]
        assert isinstance(payment, dict)
        assert docs[payment["_id"]]["status"] == payment["status"]
        assert payment["creditNote"] is None or docs[payment["creditNote"]]["documentType"] == (
            "creditNote"
        )
    for doc in docs.values():
        for allocation in doc["allocations"]:  # type: ignore[attr-defined]
            assert allocation["target"] in docs


def test_members_plans_and_revenue_accounts_point_at_existing_records(
    any_world: SeedWorld,
) -> None:
    collections = any_world.officernd.collections
    companies, locations = _ids(any_world, "companies"), _ids(any_world, "locations")
    accounts = _ids(any_world, "revenue-accounts")
    for member in collections["members"]:
        assert member["company"] is None or member["company"] in companies
        assert member["location"] in locations
    for company in collections["companies"]:
        assert company["location"] in locations
    for plan in collections["plans"]:
        assert plan["revenueAccount"] in accounts
        assert set(plan["locations"]) <= locations  # type: ignore[arg-type]
    for method in collections["payment-methods"]:
        assert set(method["locations"]) <= locations  # type: ignore[arg-type]


def test_personal_invoices_bill_a_member_without_a_company(tiny_world: SeedWorld) -> None:
    members = {str(m["_id"]): m for m in tiny_world.officernd.collections["members"]}
    personal = [p for p in tiny_world.officernd.collections["payments"] if p["member"]]
    assert personal
    for doc in personal:
        member = members[str(doc["member"])]
        assert member["company"] is None and member["isBillingPerson"] is True
        assert isinstance(member["properties"], dict) and member["properties"]["Customer Number"]
