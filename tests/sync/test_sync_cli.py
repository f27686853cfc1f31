"""The command's own parsing and terminal rendering (no services involved)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from orsync.cli.sync import RichProgress, _only, _since
from orsync.errors import UsageError


def test_only_takes_the_stage_names_users_type() -> None:
    assert _only("customers,credit-notes") == {"customers", "credit_notes"}
    assert _only(None) == {"customers", "invoices", "credit_notes", "payments"}
    assert _only("payments") == {"payments"}
    with pytest.raises(UsageError, match="refunds"):
        _only("invoices,refunds")


def test_since_accepts_a_date_and_reads_it_as_utc() -> None:
    since = _since("2026-11-01")
    assert since is not None and since.tzinfo is not None and since.day == 1
    with pytest.raises(UsageError):
        _since("last week")


def test_a_since_no_service_can_hold_is_refused_before_anything_is_read() -> None:
    import datetime as dt

    from orsync.services.sync import SyncOptions

    with pytest.raises(UsageError, match="--since 0001-01-01 is outside the dates orsync reads"):
        SyncOptions(since=dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    assert SyncOptions(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).since is not None


def test_progress_counts_each_stage_with_a_rate() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with Progress(console=console) as progress:
        rich = RichProgress(progress)
        rich.advance("reading", 50)
        rich.advance("invoices", 3)
        rich.advance("reading", 50)
        tasks = {task.description: task for task in progress.tasks}
    assert tasks["Reading OfficeRnD"].completed == 100
    assert tasks["Invoices"].completed == 3
    assert tasks["Invoices"].fields["rate"].endswith("/s")


def test_the_terminal_summary_is_a_table_per_stage(capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from orsync.cli.context import AppContext
    from orsync.cli.sync import _problems, _summary_line, _summary_table
    from orsync.services.sync import RecordProblem, SyncSummary

    start = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
    summary = SyncSummary("main", {}, start, run_id=3, finished_at=start + dt.timedelta(seconds=2))
    summary.count("invoices", "created", 12)
    summary.problem(
        RecordProblem(
            "invoices",
            "failed",
            "invoice",
            "abc",
            "LON-INV-7",
            "revenue account '4600' is not mapped",
            field="lines[1].account",
            fix="Map it.",
        )
    )
    state = AppContext()
    _summary_table(state, summary)
    _problems(state, summary)
    out = capsys.readouterr().out
    assert "Invoices" in out and "created" in out and "12" in out and "run 3" in out
    assert "failed: invoice LON-INV-7 [lines[1].account]" in out and "fix: Map it." in out
    assert _summary_line(summary).startswith("sync main: customers: nothing to do; invoices:")


def test_reconcile_draws_the_same_bar_with_an_estimate_of_the_time_left() -> None:
    from orsync.cli.reconcile import PROGRESS_LABELS
    from orsync.output import StageBars, progress_bar

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress_bar(console, "{task.description:<18}") as progress:
        bars = StageBars(progress, PROGRESS_LABELS)
        bars.expect("reading", 1_000)
        bars.advance("reading", 250)
        (task,) = progress.tasks
    assert task.description == "Reading OfficeRnD"
    assert (task.completed, task.total) == (250, 1_000)
    assert task.fields["rate"].endswith("/s")
