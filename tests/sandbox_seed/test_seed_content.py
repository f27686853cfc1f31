"""The operator holds every case the sync must handle, even in the tiny world."""

from __future__ import annotations

from collections import Counter

from orsync.sandbox.seed import CUSTOMER_ID_TEMPLATE, generate
from orsync.sandbox.world import SeedWorld


def test_every_settlement_case_appears_even_in_the_tiny_world(tiny_world: SeedWorld) -> None:
    payments = tiny_world.officernd.collections["payments"]
    kinds = Counter(p["documentType"] for p in payments)
    statuses = Counter(p["status"] for p in payments if p["documentType"] == "invoice")
    assert kinds["invoice"] == 20 and kinds["creditNote"] >= 1 and kinds["overpayment"] >= 1
    for status in ("paid", "partially_paid", "failed", "voided", "draft", "overdue"):
        assert statuses[status] >= 1, status
    charge_statuses = {c["status"] for c in tiny_world.officernd.collections["charges"]}
    assert charge_statuses == {"success", "fail", "refund"}  # refund: the charge given back
    assert any(p["allocations"] for p in payments if p["documentType"] == "creditNote")
    assert any(p["allocations"] for p in payments if p["documentType"] == "overpayment")


def test_drafts_have_no_number_and_only_drafts_lack_one(any_world: SeedWorld) -> None:
    for doc in any_world.officernd.collections["payments"]:
        assert (doc["number"] is None) == (doc["status"] == "draft")
        assert doc["isSent"] == (doc["status"] != "draft")


def test_numbers_are_unique(any_world: SeedWorld) -> None:
    numbers = [p["number"] for p in any_world.officernd.collections["payments"] if p["number"]]
    assert len(numbers) == len(set(numbers))


def test_counts_follow_the_documented_formulas() -> None:
    world = generate(seed=21, invoices=1000, companies=80)
    invoices = [
        p for p in world.officernd.collections["payments"] if p["documentType"] == "invoice"
    ]
    statuses = Counter(p["status"] for p in invoices)
    assert statuses["draft"] == 10 and statuses["voided"] == 10 and statuses["failed"] == 20
    credit_notes = [
        p for p in world.officernd.collections["payments"] if p["documentType"] == "creditNote"
    ]
    assert len(credit_notes) == 40
    members = world.officernd.collections["members"]
    assert sum(m["company"] is None for m in members) == 80 // 4


def test_names_carry_accents_ampersands_quotes_and_angle_brackets(tiny_world: SeedWorld) -> None:
    names = " ".join(str(c["name"]) for c in tiny_world.officernd.collections["companies"])
    for char in ("é", "ü", "&", "'", '"', "<"):
        assert char in names, char
    billed = {p["company"] for p in tiny_world.officernd.collections["payments"]}
    hard = [c for c in tiny_world.officernd.collections["companies"] if "<" in str(c["name"])]
    assert any(c["_id"] in billed for c in hard)
    descriptions = [
        line["description"]
        for p in generate(seed=2, invoices=300).officernd.collections["payments"]
        for line in p["lines"]  # type: ignore[attr-defined]
    ]
    assert any("<" in d for d in descriptions) and any('"' in d for d in descriptions)


def test_each_document_is_in_its_entity_currency_with_its_vat(default_world: SeedWorld) -> None:
    collections = default_world.officernd.collections
    code_of = {loc["_id"]: loc["code"] for loc in collections["locations"]}
    rate_of = {t["_id"]: t["code"] for t in collections["tax-rates"]}
    # (base currency, other currencies billed there, tax rate)
    expected = {
        "NYC": ("USD", (), "NYTAX"),
        "AUS": ("USD", (), "NOTAX"),
        "BKN": ("USD", (), "NYTAX"),
        "LON": ("GBP", ("EUR",), "VAT20"),
        "MAN": ("GBP", ("EUR",), "VAT20"),
        "DUB": ("EUR", (), "VAT23"),
    }
    used = set()
    foreign = 0
    for doc in collections["payments"]:
        base, others, tax = expected[str(code_of[doc["location"]])]
        used.add(code_of[doc["location"]])
        assert doc["currency"] in (base, *others)
        if doc["currency"] == base:
            assert doc["currencyConversionRate"] == 1 and doc["baseTotal"] == doc["total"]
        else:  # OfficeRnD's rate into the location's base currency, and the total in it
            foreign += 1
            assert 0 < doc["currencyConversionRate"] != 1  # type: ignore[operator]
            assert doc["baseTotal"] != doc["total"]
        assert {rate_of[line["taxRate"]] for line in doc["lines"]} <= {tax}  # type: ignore[attr-defined]
    assert used == set(expected)
    assert foreign


def test_customer_numbers_are_unique_and_fit_the_id_template(default_world: SeedWorld) -> None:
    collections = default_world.officernd.collections
    numbers = [c["properties"]["Customer Number"] for c in collections["companies"]]  # type: ignore[index]
    numbers += [
        m["properties"]["Customer Number"]
        for m in collections["members"]  # type: ignore[index]
        if m["company"] is None
    ]
    assert len(numbers) == len(set(numbers))
    assert CUSTOMER_ID_TEMPLATE.format(number=numbers[0]) == f"ORD-{numbers[0]}"


def test_describe_counts_what_the_world_holds(tiny_world: SeedWorld) -> None:
    from orsync.sandbox.seed import describe

    counts = describe(tiny_world)
    assert counts["invoice"] == 20 and counts["companies"] == 5
    assert counts["charges"] == sum(counts[f"charge:{s}"] for s in ("success", "fail", "refund"))
    assert counts["mapping_gaps"] == 3 and counts["personal_invoices"] >= 1
    assert list(counts) == sorted(counts)
