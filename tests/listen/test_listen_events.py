"""Which record an OfficeRnD event is about, and what a batch of events asks of sync (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from orsync.officernd.webhooks import parse_delivery
from orsync.services.listen import plan_batch, target_of
from orsync.services.listen.events import backoff_seconds
from orsync.state import InboxEvent


def delivery(event_type: str, obj: dict[str, object], **data: object) -> bytes:
    body = {"event": "e1", "eventType": event_type, "data": {"object": obj, **data}}
    return json.dumps(body).encode()


def test_document_events_name_the_document_and_payments_name_their_invoice() -> None:
    created = parse_delivery(delivery("invoice.updated", {"_id": "inv1"}))
    charge = parse_delivery(delivery("invoice.charge.created", {"_id": "ch1"}, payment="inv2"))
    allocation = parse_delivery(
        delivery("invoice.allocation.created", {"_id": "al1", "payment": "inv3"})
    )
    assert (target_of(created).kind, target_of(created).record_id) == ("document", "inv1")
    assert target_of(charge).record_id == "inv2"
    assert target_of(allocation).record_id == "inv3"


def test_customers_are_customers_and_other_events_need_no_work() -> None:
    company = parse_delivery(delivery("company.updated", {"_id": "c1"}))
    card = parse_delivery(delivery("company.paymentdetails.removed", {"_id": "pd1"}))
    booking = parse_delivery(delivery("booking.created", {"_id": "b1"}))
    assert (target_of(company).kind, target_of(company).record_id) == ("customer", "c1")
    assert target_of(card).kind == target_of(booking).kind == ""


def _event(event_id: str, kind: str, record_id: str, event_type: str = "t") -> InboxEvent:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return InboxEvent(event_id, event_type, at, "h", None, record_kind=kind, record_id=record_id)


def test_a_batch_syncs_each_document_once_in_event_order() -> None:
    batch = plan_batch(
        [
            _event("1", "document", "b"),
            _event("2", "document", "a"),
            _event("3", "document", "b"),
            _event("4", "", ""),
        ]
    )
    assert batch.document_ids == ("b", "a")
    assert batch.events == ("1", "2", "3", "4")
    assert not batch.customers and batch.needs_sync
    assert plan_batch([_event("5", "customer", "c")]).customers
    assert not plan_batch([_event("6", "", "")]).needs_sync


def test_charge_and_allocation_events_send_their_invoice_through_the_payments_stage() -> None:
    batch = plan_batch(
        [
            _event("1", "document", "a", "invoice.updated"),
            _event("2", "document", "b", "invoice.charge.created"),
            _event("3", "document", "c", "invoice.allocation.created"),
            _event("4", "document", "b", "invoice.charge.updated"),
        ]
    )
    assert batch.document_ids == ("a", "b", "c")  # each re-checked as well
    assert batch.payments_of == ("b", "c")
    assert plan_batch([_event("5", "document", "a", "invoice.created")]).payments_of == ()


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff_seconds(30) == 300.0
