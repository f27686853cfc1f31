"""`orsync sandbox --activity`: an operator's day of changes, each announced by its webhook."""

from __future__ import annotations

from collections import Counter

from orsync.sandbox.activity import Activity
from orsync.sandbox.launch import SandboxOptions, build_simulators
from tests.conftest import CliRunner


def test_a_day_of_activity_makes_every_kind_of_change_and_announces_it() -> None:
    _world, intacct, officernd = build_simulators(SandboxOptions(invoices=40, companies=8))
    activity = Activity(officernd, intacct, seed=3)
    before = len(officernd.webhook_events)
    for _ in range(120):
        activity.step()
    kinds = Counter(activity.counts)
    assert {"new_invoice", "edit_invoice", "charge", "credit_note", "void_invoice"} <= set(kinds)
    events = Counter(e["eventType"] for e in officernd.webhook_events[before:])
    # Nothing is posted in Intacct here: a payment keyed there falls back to a new invoice.
    assert events["invoice.created"] == kinds["new_invoice"] + kinds["credit_note"]
    assert events["invoice.updated"] == kinds["edit_invoice"] + kinds["void_invoice"]
    assert events["invoice.charge.created"] == kinds["charge"]


def test_activity_out_of_range_is_a_usage_error(run_cli: CliRunner) -> None:
    result = run_cli("sandbox", "--activity", "-1")
    assert result.exit_code == 2
    assert "--activity" in result.stderr
