"""The webhook inbox records each event once and hands back the unprocessed ones in order."""

from __future__ import annotations

from datetime import timedelta

from orsync.state import StateStore
from tests.state.conftest import ManualClock


def test_a_redelivered_event_is_ignored(store: StateStore, clock: ManualClock) -> None:
    inbox = store.inbox
    first_delivery = clock()
    assert inbox.record("evt1", event_type="invoice.updated", payload_hash="h1")
    clock.advance(seconds=5)
    assert not inbox.record("evt1", event_type="invoice.updated", payload_hash="h1-again")
    event = inbox.get("evt1")
    assert event is not None
    assert (event.payload_hash, event.received_at) == ("h1", first_delivery)
    assert inbox.count_pending() == 1


def test_pending_events_come_oldest_first_until_processed(
    store: StateStore, clock: ManualClock
) -> None:
    inbox = store.inbox
    for number in range(1203):  # more than one page
        inbox.record(f"evt{number:05d}", event_type="invoice.updated", payload_hash="h")
        if number % 3 == 0:
            clock.advance(seconds=1)
    pending = [event.event_id for event in inbox.pending()]
    assert pending == [f"evt{number:05d}" for number in range(1203)]

    assert inbox.mark_processed(pending[:1000]) == 1000
    assert inbox.mark_processed(pending[:10]) == 0, "already processed"
    assert [event.event_id for event in inbox.pending()] == pending[1000:]
    processed = inbox.get(pending[0])
    assert processed is not None and processed.processed_at == clock()


def test_old_processed_events_can_be_pruned(store: StateStore, clock: ManualClock) -> None:
    inbox = store.inbox
    inbox.record("old-done", event_type="t", payload_hash="h")
    inbox.record("old-pending", event_type="t", payload_hash="h")
    inbox.mark_processed(["old-done"])
    clock.advance(days=30)
    inbox.record("new-done", event_type="t", payload_hash="h")
    inbox.mark_processed(["new-done"])
    assert inbox.prune_processed(before=clock()) == 1
    assert inbox.get("old-done") is None
    assert inbox.get("old-pending") is not None and inbox.get("new-done") is not None


def test_deferred_events_wait_their_turn_and_the_backlog_says_why(
    store: StateStore, clock: ManualClock
) -> None:
    inbox = store.inbox
    inbox.record(
        "a",
        event_type="invoice.created",
        payload_hash="h",
        record_kind="document",
        record_id="doc-a",
    )
    clock.advance(seconds=1)
    inbox.record(
        "b",
        event_type="invoice.updated",
        payload_hash="h",
        record_kind="document",
        record_id="doc-b",
    )
    assert [(e.event_id, e.record_id) for e in inbox.due(10)] == [("a", "doc-a"), ("b", "doc-b")]
    assert [e.event_id for e in inbox.due(1)] == ["a"]

    later = clock() + timedelta(seconds=30)
    assert inbox.defer(["a"], until=later, error="Intacct unavailable") == 1
    assert [e.event_id for e in inbox.due(10)] == ["b"]
    assert inbox.next_due_at() == later
    backlog = inbox.backlog()
    assert (backlog.pending, backlog.last_error) == (2, "Intacct unavailable")
    event = inbox.get("a")
    assert event is not None and event.attempts == 1

    inbox.defer(["a"], until=later, error=None)  # a wait for the lock: no attempt counted
    event = inbox.get("a")
    assert event is not None and event.attempts == 1
    clock.advance(seconds=31)
    assert [e.event_id for e in inbox.due(10)] == ["a", "b"]
    inbox.mark_processed(["a", "b"])
    assert inbox.backlog().pending == 0 and inbox.due(10) == []
