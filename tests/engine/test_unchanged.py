"""Records an incremental read sees again: settled from the ledger row, or built and planned."""

import datetime as dt

from orsync.engine.unchanged import reread_verdict

RUN_STARTED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MARGIN = dt.timedelta(minutes=2)
BEFORE = RUN_STARTED - MARGIN - dt.timedelta(seconds=1)  # changed before that run read it
CONFIRMED_AT = RUN_STARTED + dt.timedelta(minutes=30)


def verdict(status: str = "confirmed", **kw) -> str | None:  # type: ignore[no-untyped-def]
    fields = {
        "confirmed_at": CONFIRMED_AT,
        "modified_at": BEFORE,
        "run_started": RUN_STARTED,
        "retry_failed": False,
        "margin": MARGIN,
    }
    fields.update(kw)
    return reread_verdict(status, **fields)  # type: ignore[arg-type]


def test_confirmed_and_not_changed_since_its_run_read_it_is_unchanged() -> None:
    assert verdict() == "unchanged"


def test_an_edit_after_the_run_started_is_built_even_if_confirmed_long_after() -> None:
    # Read at 09:00, edited at 09:10, the write of the version read confirmed at 09:30: the
    # edit must reach Intacct, so the test is against the run's start, not the confirmation.
    edited = RUN_STARTED + dt.timedelta(minutes=10)
    assert edited < CONFIRMED_AT
    assert verdict(modified_at=edited) is None


def test_the_margin_absorbs_clock_skew() -> None:
    assert verdict(modified_at=RUN_STARTED - MARGIN) is None
    assert verdict(modified_at=RUN_STARTED - dt.timedelta(seconds=1)) is None


def test_unknown_times_are_built() -> None:
    assert verdict(modified_at=None) is None
    assert verdict(run_started=None) is None  # the row's run is unknown
    assert verdict(confirmed_at=None) is None


def test_failed_and_unchanged_is_reported_as_before_unless_retrying() -> None:
    assert verdict("failed", confirmed_at=None) == "failed_before"
    assert verdict("failed", retry_failed=True) is None
    assert verdict("failed", modified_at=RUN_STARTED) is None


def test_writes_in_progress_or_unknown_are_always_built() -> None:
    for status in ("planned", "sending", "unconfirmed"):
        assert verdict(status) is None
