"""Exactly once through the service API: lost answers are looked up, never resent blind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.sync.conftest import Configure
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox
    from orsync.services.sync import SyncResult

pytestmark = pytest.mark.loopback


@pytest.fixture
def sync_once(mapped_profile: Configure) -> Iterator[Callable[[], SyncResult]]:
    """One sync of the mapped profile per call, over one pair of clients (as one long-lived
    process would: the OfficeRnD simulator allows 5 tokens a minute)."""
    from orsync.config import load_config
    from orsync.env import default_config_path
    from orsync.services.common import open_connections
    from orsync.services.sync import SyncOptions, run_sync

    name = mapped_profile()
    profile = load_config(default_config_path()).profiles[name]
    with open_connections(name, profile) as connections:
        yield lambda: run_sync(name, profile, SyncOptions(), connections=connections)


def live_invoice_numbers(sandbox: RunningSandbox) -> Counter[str]:
    return Counter(
        doc.doc_number
        for doc in sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    )


@pytest.mark.parametrize("fault", ["lost-response", "http-524"])
def test_lost_answers_converge_to_one_invoice_each(
    fault: str, sandbox: RunningSandbox, sync_once: Callable[[], SyncResult]
) -> None:
    from orsync.errors import OrsyncError

    sandbox.intacct.set_fault_rate(fault, 0.4)
    codes = []
    for _ in range(4):
        try:
            codes.append(sync_once().exit_code)
        except OrsyncError as error:  # a read that kept failing ends the run: run again
            codes.append(int(error.exit_code))
        assert max(live_invoice_numbers(sandbox).values(), default=1) == 1
    assert sandbox.intacct.stats.faults[fault] > 0
    sandbox.intacct.set_fault_rate(fault, 0.0)
    result = sync_once()
    if result.exit_code == 75:
        result = sync_once()

    assert result.exit_code == 1  # only the seeded business failures remain
    assert result.summary.unconfirmed_left == 0
    posted = live_invoice_numbers(sandbox)
    assert set(posted.values()) == {1}
    expected = {d["number"] for d in issued(sandbox)}
    assert set(posted) <= expected
    assert len(posted) >= len(expected) - 4  # the seeded failures (inactive, held customer)


def lose_the_answer(
    name: str, *, never_executed: bool = False
) -> tuple[str, str | None, str | None]:
    """Make one confirmed create look as if its answer was lost after it was sent: the row is
    ``unconfirmed`` with the version it sent and no confirmed version. ``never_executed`` gives
    it a controlid Intacct never saw (the request died before running). Returns (source id,
    target key, controlid)."""
    import sqlite3

    from orsync.env import state_dir
    from orsync.state import StateStore, database_path

    path = database_path(state_dir(), name)
    with StateStore.open(path, profile=name) as store:
        row = next(
            r for r in store.ledger.iter_rows(kind="invoice") if r.status.value == "confirmed"
        )
        controlid = row.controlid
        if never_executed:
            controlid = store.ledger.controlid_for(
                "invoice", row.source_id, row.version_hash, send_round=row.send_round + 7
            )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE ledger SET status = 'unconfirmed', confirmed_version = NULL, "
            "confirmed_at = NULL, target_key = NULL, controlid = ? "
            "WHERE kind = 'invoice' AND source_id = ?",
            (controlid, row.source_id),
        )
    return row.source_id, row.target.key, controlid


def ledger_row(name: str, kind: str, source_id: str) -> Any:
    from orsync.env import state_dir
    from orsync.state import StateStore, database_path

    with StateStore.open(database_path(state_dir(), name), profile=name) as store:
        return store.ledger.get(kind, source_id)


def test_an_unconfirmed_create_found_in_intacct_is_adopted_not_resent(
    sandbox: RunningSandbox, sync_once: Callable[[], SyncResult]
) -> None:
    sync_once()
    source_id, target_key, _controlid = lose_the_answer("demo")
    sandbox.intacct.reset_stats()

    result = sync_once()

    assert sandbox.intacct.stats.by_function.get("create_invoice", 0) == 0
    assert result.summary.counts["invoices"]["adopted"] == 1
    assert set(live_invoice_numbers(sandbox).values()) == {1}
    adopted = ledger_row("demo", "invoice", source_id)
    assert adopted.status.value == "confirmed"
    assert adopted.target.key == target_key


def test_an_unconfirmed_create_absent_from_intacct_is_resent_with_the_same_controlid(
    sandbox: RunningSandbox, sync_once: Callable[[], SyncResult]
) -> None:
    sync_once()
    source_id, target_key, controlid = lose_the_answer("demo", never_executed=True)
    sandbox.intacct.store.delete_invoice(int(target_key or 0))
    numbers_before = set(live_invoice_numbers(sandbox))

    result = sync_once()

    assert result.summary.counts["invoices"]["created"] == 1
    resent = ledger_row("demo", "invoice", source_id)
    assert resent.status.value == "confirmed"
    assert resent.controlid == controlid
    assert resent.target.key != target_key
    after = live_invoice_numbers(sandbox)
    assert set(after.values()) == {1}
    assert len(after) == len(numbers_before) + 1


def test_a_write_intacct_ran_but_cannot_show_is_never_forced_through(
    sandbox: RunningSandbox, sync_once: Callable[[], SyncResult]
) -> None:
    """Absent by lookup, yet the gateway says its controlid already ran (deleted in Intacct,
    or not yet visible): orsync keeps it unconfirmed (exit 75) rather than risk a duplicate."""
    sync_once()
    source_id, target_key, _controlid = lose_the_answer("demo")
    sandbox.intacct.store.delete_invoice(int(target_key or 0))

    result = sync_once()

    assert result.exit_code == 75
    assert ledger_row("demo", "invoice", source_id).status.value == "unconfirmed"
    assert set(live_invoice_numbers(sandbox).values()) == {1}


def test_document_ids_syncs_only_those_documents_and_moves_no_cursor(
    sandbox: RunningSandbox, mapped_profile: Configure
) -> None:
    from orsync.config import load_config
    from orsync.env import default_config_path, state_dir
    from orsync.services.sync import SyncOptions, run_sync
    from orsync.state import StateStore, database_path

    name = mapped_profile()
    profile = load_config(default_config_path()).profiles[name]
    chosen = [d for d in issued(sandbox) if d["company"] is not None][:2]

    options = SyncOptions(document_ids=tuple(d["_id"] for d in chosen))
    result = run_sync(name, profile, options)

    assert result.summary.counts["invoices"]["created"] + len(result.summary.problems) >= 2
    assert set(live_invoice_numbers(sandbox)) <= {d["number"] for d in chosen}
    with StateStore.open(database_path(state_dir(), name), profile=name) as store:
        assert store.cursors.all() == []
