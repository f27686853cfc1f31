"""mappings.example.yaml documents every key and stays valid."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from orsync.mapping import MAP_NAMES, check_mapping, load_mapping
from orsync.mapping.model import (
    CustomerIds,
    DimensionEntry,
    DimensionMap,
    LocationEntry,
    Mapping,
    Options,
    PaymentMethodEntry,
    RevenueAccountEntry,
    TaxRateEntry,
    TransactionDefinitions,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "mappings.example.yaml"


def test_the_example_loads() -> None:
    mapping = load_mapping(EXAMPLE)
    for name in MAP_NAMES:
        assert mapping.map_named(name) is not None, name


def test_the_example_uses_every_key_of_every_model() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    used = set(re.findall(r"^\s*([a-z_]+):", text, flags=re.MULTILINE))
    models: list[type[BaseModel]] = [
        Mapping,
        Options,
        TransactionDefinitions,
        CustomerIds,
        DimensionMap,
        RevenueAccountEntry,
        LocationEntry,
        TaxRateEntry,
        PaymentMethodEntry,
        DimensionEntry,
    ]
    keys = {field.alias or name for model in models for name, field in model.model_fields.items()}
    assert keys - used == set()


def test_the_example_reports_its_one_deliberate_unresolved_entry() -> None:
    report = check_mapping(load_mapping(EXAMPLE))
    assert [(gap.map_name, gap.key, gap.kind) for gap in report.gaps] == [
        ("revenue_accounts", "Deposits", "unresolved")
    ]


def test_the_closed_books_comment_says_sync_reads_them_from_intacct() -> None:
    """The example said Intacct's API offers no read of the closed books date; sync reads it
    (get_closedbooksdate) under shift or skip, as the README says."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "offers no read" not in text
    assert "get_closedbooksdate" in text


def test_the_readme_says_reconcile_updates_credit_memos_as_sync_does() -> None:
    """The README's reconcile section said AR credit memos "cannot be updated at all", while
    sync and reconcile edit them in place (update_aradjustment; engine.diff.update_blocker)."""
    readme = EXAMPLE.with_name("README.md").read_text(encoding="utf-8")
    assert "AR credit memos and edits that remove lines cannot be" not in readme
    assert readme.count("update_aradjustment") >= 2
