"""Off a terminal, -v progress lines say the count, the expected total and the time left."""

from __future__ import annotations

import logging

import pytest

from orsync.output import StageLog, progress_text


def test_the_estimate_is_the_time_left_at_the_rate_so_far() -> None:
    assert progress_text(25_000, 100_000, 60.0) == "25,000 of about 100,000, about 3 min left"
    assert progress_text(900, 1_000, 9.0) == "900 of about 1,000, about 1 s left"
    assert progress_text(1_000, 1_000_000, 10.0) == "1,000 of about 1,000,000, about 2.8 h left"


def test_without_a_total_or_a_rate_there_is_no_estimate() -> None:
    assert progress_text(12_000, None, 30.0) == "12,000"
    assert progress_text(0, 5_000, 0.0) == "0 of about 5,000"


def test_a_stage_with_an_expected_total_logs_its_estimate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    log = StageLog("sync", {"reading": "Reading OfficeRnD"}, every=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="orsync.sync"):
        log.expect("reading", 100_000)
        log.advance("reading", 50)
        now[0] = 20.0
        log.advance("reading", 9_950)
        log.close()
    assert caplog.messages == [
        "Reading OfficeRnD: about 100,000 to go",
        "Reading OfficeRnD: started",
        "Reading OfficeRnD: 10,000 of about 100,000, about 3 min left",
        "Reading OfficeRnD: 10000 done",
    ]


def test_reconcile_logs_what_it_read_of_the_period_with_an_estimate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from orsync.services.reconcile.sources import logged_progress

    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # one second per record read
        return now[0]

    log = logging.getLogger("orsync.reconcile")
    with caplog.at_level(logging.INFO, logger="orsync.reconcile"):
        records = iter(range(30))
        read = list(logged_progress(records, 40, log, every=10.0, clock=clock))  # type: ignore[arg-type]
    assert read == list(range(30))
    assert caplog.messages == [
        "read OfficeRnD: 10 of about 40, about 30 s left",
        "read OfficeRnD: 20 of about 40, about 20 s left",
        "read OfficeRnD: 30 of about 40, about 10 s left",
    ]


class _Bar:
    """What a progress bar is told (the CLI's Rich bar has the same two methods)."""

    def __init__(self) -> None:
        self.total: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.updates = 0

    def expect(self, stage: str, total: int) -> None:
        self.total[stage] = self.total.get(stage, 0) + total

    def advance(self, stage: str, count: int = 1) -> None:
        self.done[stage] = self.done.get(stage, 0) + count
        self.updates += 1


def test_reconcile_tells_its_bar_the_period_s_count_and_every_record_read() -> None:
    from orsync.services.reconcile.sources import ADVANCE_EVERY, logged_progress

    bar = _Bar()
    log = logging.getLogger("orsync.reconcile")
    records = iter(range(ADVANCE_EVERY * 3 + 7))
    read = list(logged_progress(records, 500, log, progress=bar))  # type: ignore[arg-type]
    assert len(read) == ADVANCE_EVERY * 3 + 7
    assert bar.total == {"reading": 500}
    # Every record counted, the last few too, in a handful of updates rather than one a record.
    assert bar.done == {"reading": len(read)}
    assert bar.updates == 4


def test_a_reconcile_stopped_early_counts_what_it_read() -> None:
    from orsync.services.reconcile.sources import logged_progress

    bar = _Bar()
    reader = logged_progress(iter(range(100)), None, logging.getLogger("x"), progress=bar)  # type: ignore[arg-type]
    assert [next(reader) for _ in range(10)] == list(range(10))
    reader.close()
    assert bar.total == {} and bar.done == {"reading": 10}
