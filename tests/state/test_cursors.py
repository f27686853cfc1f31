"""Incremental read cursors: nothing modified at or after the mark is ever skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from orsync.errors import InternalError
from orsync.state import DEFAULT_OVERLAP, StateStore
from tests.state.conftest import PROFILE

STREAM = "officernd.invoices"
T0 = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Source:
    """A service whose ``modifiedAt`` has one-second precision, like many APIs."""

    records: dict[str, datetime]

    def modify(self, record_id: str, when: datetime) -> None:
        self.records[record_id] = when.replace(microsecond=0)

    def read(self, since: datetime | None) -> dict[str, datetime]:
        return {
            record_id: modified
            for record_id, modified in self.records.items()
            if since is None or modified >= since
        }


def sync_once(
    store: StateStore, source: Source, read_started_at: datetime, overlap: timedelta
) -> dict[str, datetime]:
    since = store.cursors.read_from(STREAM, overlap=overlap)
    read = source.read(since)
    store.cursors.advance(
        STREAM,
        read_from=since,
        max_seen=max(read.values(), default=None),
        read_started_at=read_started_at,
    )
    return read


@pytest.mark.parametrize("overlap", [timedelta(0), DEFAULT_OVERLAP])
def test_a_record_modified_in_the_same_second_as_the_cursor_after_the_read_is_not_lost(
    store: StateStore, overlap: timedelta
) -> None:
    source = Source({})
    source.modify("inv-a", at(5.2))
    first = sync_once(store, source, read_started_at=at(5.4), overlap=overlap)
    assert set(first) == {"inv-a"}
    assert store.cursors.get(STREAM).value == at(5)  # type: ignore[union-attr]

    # Same second as the cursor, after the read: a new record, and a second edit of inv-a.
    source.modify("inv-b", at(5.8))
    source.modify("inv-a", at(5.9))
    second = sync_once(store, source, read_started_at=at(7), overlap=overlap)
    assert {"inv-a", "inv-b"} <= set(second)


def test_the_cursor_never_passes_the_start_of_the_read(store: StateStore) -> None:
    # inv-early (low _id) was paged past before it changed at 10:00:11; inv-late changed at
    # 10:00:12 and was read. The read started at 10:00:10.
    source = Source({"inv-late": at(12)})
    cursor = store.cursors.advance(STREAM, read_from=None, max_seen=at(12), read_started_at=at(10))
    assert cursor is not None and cursor.value == at(10)

    source.modify("inv-early", at(11))
    assert "inv-early" in sync_once(store, source, read_started_at=at(20), overlap=timedelta(0))


def test_the_next_read_starts_one_overlap_before_the_cursor(store: StateStore) -> None:
    assert store.cursors.read_from(STREAM) is None, "no cursor yet: read everything"
    store.cursors.advance(STREAM, read_from=None, max_seen=at(100), read_started_at=at(200))
    assert store.cursors.read_from(STREAM) == at(100) - DEFAULT_OVERLAP
    assert store.cursors.read_from(STREAM, overlap=timedelta(seconds=30)) == at(70)
    with pytest.raises(InternalError):
        store.cursors.read_from(STREAM, overlap=timedelta(seconds=-1))


def test_the_cursor_only_moves_forward_and_stays_when_nothing_was_read(
    store: StateStore,
) -> None:
    cursors = store.cursors
    cursors.advance(STREAM, read_from=None, max_seen=at(50), read_started_at=at(60))
    cursors.advance(STREAM, read_from=at(0), max_seen=at(40), read_started_at=at(70))
    assert cursors.get(STREAM).value == at(50)  # type: ignore[union-attr]
    cursors.advance(STREAM, read_from=at(0), max_seen=None, read_started_at=at(80))
    assert cursors.get(STREAM).value == at(50)  # type: ignore[union-attr]
    assert (
        cursors.advance("other.stream", read_from=None, max_seen=None, read_started_at=at(80))
        is None
    )


def test_a_since_date_after_the_cursor_does_not_skip_the_records_in_between(
    store: StateStore,
) -> None:
    cursors = store.cursors
    cursors.advance(STREAM, read_from=None, max_seen=at(100), read_started_at=at(100))
    since = cursors.read_from(STREAM, since=at(1000))
    assert since == at(1000)
    cursors.advance(STREAM, read_from=since, max_seen=at(1500), read_started_at=at(2000))
    assert cursors.get(STREAM).value == at(100), "records of 100..1000 were never read"

    catch_up = cursors.read_from(STREAM, since=at(0))
    cursors.advance(STREAM, read_from=catch_up, max_seen=at(1500), read_started_at=at(2000))
    assert cursors.get(STREAM).value == at(1500)


def test_a_since_date_on_a_new_stream_sets_where_it_starts(store: StateStore) -> None:
    since = store.cursors.read_from("officernd.credit_notes", since=at(500))
    store.cursors.advance(
        "officernd.credit_notes", read_from=since, max_seen=at(600), read_started_at=at(700)
    )
    assert store.cursors.get("officernd.credit_notes").value == at(600)  # type: ignore[union-attr]


def test_cursors_can_be_set_reset_and_survive_a_reopen(store: StateStore, db_path: Path) -> None:
    cursors = store.cursors
    cursors.set(STREAM, at(500))
    cursors.set(STREAM, at(5))  # an explicit override may go back
    cursors.set("officernd.companies", at(7))
    assert [c.stream for c in cursors.all()] == ["officernd.companies", STREAM]
    with StateStore.open(db_path, profile=PROFILE) as reopened:
        assert reopened.cursors.get(STREAM).value == at(5)  # type: ignore[union-attr]
    assert cursors.reset(STREAM) == 1
    assert cursors.get(STREAM) is None
    assert cursors.reset() == 1
    assert cursors.all() == []


def test_naive_datetimes_are_refused(store: StateStore) -> None:
    naive = datetime(2026, 11, 26, 10, 0, 0)
    with pytest.raises(InternalError, match="naive"):
        store.cursors.set(STREAM, naive)
    with pytest.raises(InternalError, match="naive"):
        store.cursors.advance(STREAM, read_from=None, max_seen=naive, read_started_at=at(1))


def test_instants_in_other_zones_are_stored_as_the_same_instant(store: StateStore) -> None:
    paris = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    store.cursors.set(STREAM, paris)
    stored = store.cursors.get(STREAM)
    assert stored is not None and stored.value == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    assert stored.value.utcoffset() == timedelta(0)


def test_a_cursor_far_in_the_future_is_a_damaged_state_file(store: StateStore) -> None:
    """orsync never writes a cursor later than the read that set it started: one years ahead
    (a hand edit) would read nothing new for years, silently skipping every new document."""
    from orsync.errors import ConfigError, ExitCode

    store.cursors.set(STREAM, datetime(9999, 12, 31, tzinfo=UTC))
    with pytest.raises(ConfigError) as refused:
        store.cursors.read_from(STREAM)
    assert refused.value.exit_code == ExitCode.CONFIG
    assert "9999-12-31" in refused.value.message and "rebuild-ledger" in refused.value.hint
    store.cursors.set(STREAM, at(300))  # OfficeRnD's clock a few minutes ahead is fine
    assert store.cursors.read_from(STREAM) is not None
