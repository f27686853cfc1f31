"""Pure decisions about webhook events: which record an event is about, and what one batch of
pending events asks the sync service to do. No I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from orsync.officernd.webhooks import WebhookDelivery
from orsync.state import InboxEvent

# The event types `--register` subscribes to: billing documents, the payments and allocations
# that change them, and the customers they are billed to (reference/officernd-api.md §6).
# Reference data (locations, revenue accounts, tax rates) has no events: sync re-reads it.
BILLING_EVENT_TYPES: tuple[str, ...] = (
    "invoice.created",
    "invoice.updated",
    "invoice.removed",
    "invoice.charge.created",
    "invoice.charge.updated",
    "invoice.charge.removed",
    "invoice.allocation.created",
    "invoice.allocation.removed",
    "company.created",
    "company.updated",
    "member.created",
    "member.updated",
)

DOCUMENT = "document"
# Events about an invoice's money: their invoice is re-checked and its charges go through the
# payments stage (a card payment taken in OfficeRnD reaches Intacct through listen alone).
PAYMENT_EVENTS = ("invoice.charge.", "invoice.allocation.")
CUSTOMER = "customer"
NOTHING = ""


@dataclass(frozen=True)
class EventTarget:
    kind: str  # DOCUMENT, CUSTOMER or NOTHING
    record_id: str = ""


def target_of(delivery: WebhookDelivery) -> EventTarget:
    """The record whose sync an event may change.

    ``invoice.*`` fire for invoices, credit notes and overpayments alike: the object is the
    document. ``invoice.charge.*`` and ``invoice.allocation.*`` carry the charge or allocation
    as the object and the document in ``data.payment`` (UNVERIFIED shape, as the simulator's
    ``event_data``); the object's own ``payment`` is the fallback. Companies and members are
    customers. Anything else is recorded (deduplicated) and needs no work.
    """
    kind = delivery.event_type
    if kind.startswith(PAYMENT_EVENTS):
        document = delivery.data.get("payment") or delivery.object.get("payment")
        if isinstance(document, dict):
            document = document.get("_id")
        return EventTarget(DOCUMENT, str(document)) if document else EventTarget(NOTHING)
    if kind.startswith("invoice."):
        object_id = delivery.object_id
        return EventTarget(DOCUMENT, object_id) if object_id else EventTarget(NOTHING)
    if kind.startswith(("company.", "member.")) and not kind.startswith(
        ("company.paymentdetails.", "member.paymentdetails.")
    ):
        object_id = delivery.object_id
        return EventTarget(CUSTOMER, object_id) if object_id else EventTarget(NOTHING)
    return EventTarget(NOTHING)


def payload_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Batch:
    """What one drain of the inbox asks of sync: the documents to sync by id (each once,
    oldest event first), the invoices whose charges to sync, whether changed customers must be
    read, and the events done as is."""

    events: tuple[str, ...]
    document_ids: tuple[str, ...]
    customers: bool
    payments_of: tuple[str, ...] = ()  # invoices whose charges and allocations changed

    @property
    def needs_sync(self) -> bool:
        return bool(self.document_ids) or self.customers


def plan_batch(events: Sequence[InboxEvent]) -> Batch:
    document_ids = dict.fromkeys(
        e.record_id for e in events if e.record_kind == DOCUMENT and e.record_id
    )
    customers = any(e.record_kind == CUSTOMER for e in events)
    payments_of = dict.fromkeys(
        e.record_id
        for e in events
        if e.record_kind == DOCUMENT and e.record_id and e.event_type.startswith(PAYMENT_EVENTS)
    )
    return Batch(
        events=tuple(e.event_id for e in events),
        document_ids=tuple(document_ids),
        customers=customers,
        payments_of=tuple(payments_of),
    )


def backoff_seconds(attempts: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """How long events a service refused wait before the next try (attempts counts the one
    that just failed): 2, 4, 8 ... seconds, at most ``cap``."""
    return float(min(cap, base ** max(1, attempts)))


def most_attempts(events: Iterable[InboxEvent]) -> int:
    return max((e.attempts for e in events), default=0)
