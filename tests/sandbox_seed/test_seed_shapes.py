"""Records have exactly the keys of OfficeRnD's published examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orsync.sandbox.world import SeedWorld

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "officernd-samples"


def sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"OfficeRnD samples not found at {SAMPLES} (../shared is absent)")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def first_result(name: str) -> dict[str, Any]:
    result: dict[str, Any] = sample(name)["results"][0]
    return result


LIST_SAMPLES = {
    "companies": "companies-list.official-example.json",
    "members": "members-list.official-example.json",
    "charges": "charges-list.official-example.json",
    "locations": "locations-list.official-example.json",
    "revenue-accounts": "revenue-accounts-list.official-example.json",
    "tax-rates": "tax-rates-list.official-example.json",
    "fees": "fees-list.official-example.json",
}


@pytest.mark.parametrize("collection", sorted(LIST_SAMPLES))
def test_list_records_have_exactly_the_sample_keys(collection: str, any_world: SeedWorld) -> None:
    expected = set(first_result(LIST_SAMPLES[collection]))
    for record in any_world.officernd.collections[collection]:
        assert set(record) == expected, (collection, set(record) ^ expected)


def test_payment_documents_and_their_lines_have_the_sample_keys(any_world: SeedWorld) -> None:
    example = sample("payment-document-creditnote.official-example.json")
    line_keys = set(example["lines"][0])
    tax_keys = set(example["taxAmounts"][0])
    kinds = set()
    for doc in any_world.officernd.collections["payments"]:
        kinds.add(doc["documentType"])
        assert set(doc) == set(example)
        for line in doc["lines"]:  # type: ignore[attr-defined]
            assert set(line) == line_keys
            assert set(line["convertedAmounts"]) == set(example["lines"][0]["convertedAmounts"])
        for tax in doc["taxAmounts"]:  # type: ignore[attr-defined]
            assert set(tax) == tax_keys
    assert kinds == {"invoice", "creditNote", "overpayment"}


def test_allocation_items_have_the_documented_fields(any_world: SeedWorld) -> None:
    allocations = [
        a
        for d in any_world.officernd.collections["payments"]
        for a in d["allocations"]  # type: ignore[attr-defined]
    ]
    assert allocations
    for allocation in allocations:
        assert set(allocation) == {"_id", "target", "amount", "documentType", "accounting"}


def test_values_keep_the_sample_json_types(tiny_world: SeedWorld) -> None:
    doc = tiny_world.officernd.collections["payments"][0]
    example = sample("payment-document-creditnote.official-example.json")
    for key in ("total", "amount", "subTotal", "paidAmount"):
        assert isinstance(doc[key], int | float) and isinstance(example[key], int | float)
    for key in ("date", "dueDate", "createdAt", "modifiedAt"):
        assert str(doc[key]).endswith("Z") and len(str(doc[key])) == len(example[key])


def test_accounting_blocks_have_the_sample_keys_and_are_unsynced(any_world: SeedWorld) -> None:
    expected = set(sample("payment-document-creditnote.official-example.json")["accounting"])
    assert expected == set(first_result("charges-list.official-example.json")["accounting"])
    collections = any_world.officernd.collections
    blocks = [d["accounting"] for d in collections["payments"]]
    blocks += [c["accounting"] for c in collections["charges"]]
    blocks += [
        a["accounting"]
        for d in collections["payments"]
        for a in d["allocations"]  # type: ignore[attr-defined]
    ]
    for block in blocks:
        assert isinstance(block, dict) and set(block) == expected
        assert set(block.values()) == {None}
    assert len({id(block) for block in blocks}) == len(blocks)
