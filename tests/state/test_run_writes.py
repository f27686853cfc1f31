"""Each run's writes, kept in the state for `orsync status --run N`."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from orsync.state import ProfileLock, StateStore
from orsync.state.run_writes import RunWrites
from orsync.state.schema import MIGRATIONS, RUN_WRITES, SCHEMA_VERSION, migrate
from orsync.state.store import open_read_only


def test_a_write_is_recorded_against_the_run_that_made_it(
    store: StateStore, lock: ProfileLock
) -> None:
    store.writes.record("invoice", "src-0", "created", number="INV-0")  # outside a run: none
    first = store.begin_run(lock, "sync", {})
    store.writes.record(
        "invoice",
        "src-1",
        "created",
        number="INV-1",
        target_key="4711",
        entity="US",
        amount=Decimal("120.50"),
        currency="USD",
    )
    store.finish_run(first.id, exit_code=0, counts={})
    second = store.begin_run(lock, "sync", {})
    store.writes.record("company", "c-1", "updated", number="Acme Ltd")
    store.finish_run(second.id, exit_code=0, counts={})

    (write,) = store.writes.for_run(first.id)
    assert (write.kind, write.number, write.action, write.target_key) == (
        "invoice",
        "INV-1",
        "created",
        "4711",
    )
    assert (write.entity, write.amount, write.currency) == ("US", Decimal("120.50"), "USD")
    assert write.to_dict()["amount"] == "120.50"
    assert [w.number for w in store.writes.for_run(second.id)] == ["Acme Ltd"]


def test_a_state_file_from_before_the_table_reads_as_nothing_recorded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    older = MIGRATIONS[: MIGRATIONS.index(RUN_WRITES)]  # the migrations before the table
    migrate(conn, older)
    conn.close()
    assert len(older) < SCHEMA_VERSION
    db = open_read_only(path)
    assert db is not None
    try:
        assert list(RunWrites(db).for_run(1)) == []
    finally:
        db.close()
