"""What the engine and `orsync status` ask of the ledger: batch lookups, streams, counts."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from orsync.state import (
    Adoption,
    Kind,
    ProfileLock,
    RecordFailure,
    StateStore,
    Status,
    TargetKeys,
)
from orsync.state._db import to_text
from orsync.state.records import DATA_COLUMNS
from tests.state.conftest import ManualClock

INV = Kind.INVOICE
ERR = RecordFailure("boom", code="x")


def test_a_page_of_records_is_looked_up_in_one_call(store: StateStore) -> None:
    ledger = store.ledger
    ledger.adopt_many(
        Adoption(INV, f"inv{n:04d}", "v1", TargetKeys(key=str(n))) for n in range(0, 1200, 2)
    )
    ledger.adopt(Kind.CREDIT_NOTE, "inv0001", "v1", TargetKeys(key="cn"))

    page = [f"inv{n:04d}" for n in range(50)]
    found = ledger.get_many(INV, page)
    assert sorted(found) == [f"inv{n:04d}" for n in range(0, 50, 2)]
    assert "inv0001" not in found, "a row of another kind does not answer"
    assert found["inv0010"].target.key == "10"

    everything = ledger.get_many(INV, (f"inv{n:04d}" for n in range(1200)))
    assert len(everything) == 600, "lookups longer than one SQL chunk are complete"
    assert ledger.get_many(INV, []) == {}


def test_rows_are_found_by_their_target_keys(store: StateStore) -> None:
    ledger = store.ledger
    ledger.adopt(INV, "inv1", "v1", TargetKeys(key="8346", number="INV-1"))
    ledger.adopt(INV, "inv2", "v1", TargetKeys(key="8347", number="INV-2"))
    found = ledger.get_by_target_keys(INV, ["8347", "9999"])
    assert list(found) == ["8347"] and found["8347"].source_id == "inv2"


def test_unresolved_rows_come_oldest_first_across_statuses(
    store: StateStore, clock: ManualClock
) -> None:
    ledger = store.ledger
    ledger.fail(INV, "b-failed-first", ERR, version_hash="v1")
    clock.advance(seconds=1)
    ledger.mark_sending(INV, "a-unconfirmed-second", "v1")
    ledger.mark_unconfirmed(INV, "a-unconfirmed-second", ERR)
    clock.advance(seconds=1)
    ledger.fail(Kind.CUSTOMER, "c-failed-third", ERR, version_hash="v1")
    clock.advance(seconds=1)
    ledger.adopt(INV, "confirmed", "v1", TargetKeys(key="1"))
    ledger.plan(INV, "planned", "v1")

    order = [row.source_id for row in ledger.iter_unresolved()]
    assert order == ["b-failed-first", "a-unconfirmed-second", "c-failed-third"]
    customers = [row.source_id for row in ledger.iter_unresolved(kinds=[Kind.CUSTOMER])]
    assert customers == ["c-failed-third"]
    planned = [row.source_id for row in ledger.iter_unresolved([Status.PLANNED])]
    assert planned == ["planned"]


def test_retrying_a_failure_again_does_not_make_it_look_new(
    store: StateStore, clock: ManualClock
) -> None:
    ledger = store.ledger
    ledger.fail(INV, "old", ERR, version_hash="v1")
    clock.advance(minutes=1)
    ledger.fail(INV, "new", ERR, version_hash="v1")
    clock.advance(minutes=1)
    ledger.fail(INV, "old", RecordFailure("still unmapped"), version_hash="v1")
    assert [row.source_id for row in ledger.iter_unresolved()] == ["old", "new"]


def test_rows_re_marked_while_iterating_are_not_visited_twice(
    store: StateStore, clock: ManualClock
) -> None:
    ledger = store.ledger
    with ledger.batch():
        for number in range(1200):
            ledger.fail(INV, f"inv{number:04d}", ERR, version_hash="v1")
    clock.advance(seconds=1)
    visited = []
    with ledger.batch():  # one commit: the test is about order, not durability
        for row in ledger.iter_unresolved():
            visited.append(row.source_id)
            ledger.mark_sending(INV, row.source_id, "v1")
            ledger.mark_unconfirmed(INV, row.source_id, ERR)
            clock.advance(microseconds=1)
    assert len(visited) == len(set(visited)) == 1200


def test_counts_by_kind_and_status(store: StateStore) -> None:
    ledger = store.ledger
    ledger.adopt(INV, "i1", "v1", TargetKeys(key="1"))
    ledger.adopt(INV, "i2", "v1", TargetKeys(key="2"))
    ledger.fail(INV, "i3", ERR, version_hash="v1")
    ledger.mark_sending(Kind.CUSTOMER, "c1", "v1")
    assert ledger.counts() == {
        "invoice": {Status.CONFIRMED: 2, Status.FAILED: 1},
        "customer": {Status.SENDING: 1},
    }


def test_rows_changed_since_a_run_are_those_it_or_later_runs_touched(
    store: StateStore, lock: ProfileLock
) -> None:
    ledger = store.ledger
    first = store.begin_run(lock, "sync", {})
    ledger.adopt(INV, "touched-by-first-only", "v1", TargetKeys(key="1"))
    ledger.adopt(INV, "touched-by-both", "v1", TargetKeys(key="2"))
    store.finish_run(first.id, exit_code=0, counts={})
    second = store.begin_run(lock, "sync", {})
    ledger.mark_sending(INV, "touched-by-both", "v2")
    ledger.fail(INV, "new-in-second", ERR, version_hash="v1")
    store.finish_run(second.id, exit_code=1, counts={})

    assert {row.source_id for row in ledger.changed_since(second.id)} == {
        "touched-by-both",
        "new-in-second",
    }
    assert len(list(ledger.changed_since(first.id))) == 3


STREAM_AND_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from orsync.state import StateStore

    store = StateStore.open(Path(sys.argv[1]), profile="acme")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seen = sum(1 for row in store.ledger.iter_unresolved() if row.error is not None)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(seen, (after - before) * 1024)
    """
)


def test_iterating_a_large_ledger_keeps_memory_flat(
    store: StateStore, db_path: Path, clock: ManualClock
) -> None:
    rows = 100_000
    # Bulk-load through SQL: the fixture is the ledger's shape, fast to build; the code under
    # test is the streaming read, measured in a fresh process so that its peak is its own.
    template = dict.fromkeys(DATA_COLUMNS)
    template.update(
        kind="invoice",
        version_hash="v1",
        send_round=0,
        attempts=1,
        error_message="read timed out",
        status_at=to_text(clock()),
    )
    columns = list(template)
    source_at, status_at = columns.index("source_id"), columns.index("status")

    def row(number: int) -> list[object]:
        values = list(template.values())
        values[source_at] = f"inv{number:06d}"
        values[status_at] = "unconfirmed" if number % 2 else "failed"
        return values

    writer = sqlite3.connect(db_path)
    with writer:
        writer.executemany(
            f"INSERT INTO ledger ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(columns))})",
            map(row, range(rows)),
        )
    writer.close()

    child = subprocess.run(
        [sys.executable, "-c", STREAM_AND_MEASURE, str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    seen, growth = map(int, child.stdout.split())
    assert seen == rows
    # Holding every row would take well over 100 MB; streaming keeps one page (~1 MB).
    assert growth < 10_000_000, f"peak memory grew by {growth} bytes over {rows} rows"


def test_all_rows_of_a_kind_or_status_stream_in_insertion_order(store: StateStore) -> None:
    ledger = store.ledger
    with ledger.batch():
        for number in range(1100):
            ledger.adopt(INV, f"inv{number:04d}", "v1", TargetKeys(key=str(number)))
        ledger.adopt(Kind.CUSTOMER, "c1", "v1", TargetKeys(key="c"))
        ledger.fail(INV, "bad", ERR, version_hash="v1")
    invoices = [row.source_id for row in ledger.iter_rows(kind=INV)]
    assert invoices == [f"inv{number:04d}" for number in range(1100)] + ["bad"]
    confirmed = list(ledger.iter_rows(statuses=[Status.CONFIRMED]))
    assert len(confirmed) == 1101
    failed_invoices = ledger.iter_rows(kind=INV, statuses=[Status.FAILED])
    assert [row.source_id for row in failed_invoices] == ["bad"]
