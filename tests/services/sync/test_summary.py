"""The sync summary counts each record once, in one outcome (plain data, no services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orsync.services.sync.summary import RecordProblem, SyncSummary


def summary() -> SyncSummary:
    return SyncSummary(profile="main", options={}, started_at=dt.datetime.now(dt.UTC))


def unconfirmed(kind: str, source_id: str) -> RecordProblem:
    return RecordProblem("customers", "unconfirmed", kind, source_id, "Acme", "no answer")


def test_an_adopted_document_found_unchanged_on_the_replan_is_counted_adopted_only() -> None:
    s = summary()
    s.count("invoices", "adopted", record=("invoice", "a"))
    s.count("invoices", "unchanged", record=("invoice", "a"))
    s.count("invoices", "unchanged", record=("invoice", "b"))
    assert (s.counts["invoices"]["adopted"], s.counts["invoices"]["unchanged"]) == (1, 1)


def test_an_unconfirmed_write_found_again_at_the_end_is_reported_once() -> None:
    s = summary()
    s.problem(unconfirmed("company", "c1"))
    s.problem(unconfirmed("company", "c1"))  # the end-of-run sweep of unconfirmed rows
    assert s.counts["customers"]["unconfirmed"] == 1
    assert len(s.problems) == 1


def test_a_later_outcome_replaces_an_earlier_one() -> None:
    s = summary()
    s.count("credit_notes", "adopted", record=("credit_note", "n"))
    s.problem(
        RecordProblem("credit_notes", "failed", "credit_note", "n", "CN-1", "refused by Intacct")
    )
    counts = s.counts["credit_notes"]
    assert (counts["adopted"], counts["failed"]) == (0, 1)
    assert sum(counts.values()) == 1


def test_totals_are_per_entity_currency_kind_and_action() -> None:
    s = summary()
    s.add_total("US", "USD", "invoice", "created", Decimal("100.10"))
    s.add_total("US", "USD", "invoice", "created", Decimal("0.90"))
    s.add_total(None, "EUR", "credit_note", "created", Decimal("5"))
    assert s.totals_list() == [
        {
            "entity": None,
            "currency": "EUR",
            "kind": "credit_note",
            "action": "created",
            "count": 1,
            "amount": "5.00",
        },
        {
            "entity": "US",
            "currency": "USD",
            "kind": "invoice",
            "action": "created",
            "count": 2,
            "amount": "101.00",
        },
    ]


def test_written_records_are_counted_without_being_remembered() -> None:
    """A first sync writes the whole history: the summary's memory must not grow with it."""
    s = summary()
    for n in range(1_000):
        s.count("invoices", "created", record=("invoice", f"i{n}"))
        s.count("invoices", "unchanged", record=("invoice", f"u{n}"))
    assert s.counts["invoices"]["created"] == 1_000
    assert s.remembered == 0


def test_an_unconfirmed_write_confirmed_later_moves_to_its_outcome_and_is_forgotten() -> None:
    s = summary()
    s.problem(RecordProblem("invoices", "unconfirmed", "invoice", "i", "INV-1", "no answer"))
    s.count("invoices", "created", record=("invoice", "i"))
    assert (s.counts["invoices"]["unconfirmed"], s.counts["invoices"]["created"]) == (0, 1)
    assert s.remembered == 0
