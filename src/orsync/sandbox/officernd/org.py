"""One simulated organization: its records, billing lock date and event stream."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from orsync.sandbox.officernd.store import Record, Store
from orsync.sandbox.officernd.webhooks import WebhookDispatcher, event_data

# Collections whose changes are announced as ``<prefix>.created/updated/removed``.
EVENT_PREFIX = {"payments": "invoice", "companies": "company", "members": "member"}


class Organization:
    """State shared by the API handlers and the inspection methods (under the sim lock)."""

    def __init__(
        self,
        slug: str,
        store: Store,
        dispatcher: WebhookDispatcher,
        billing_lock_date: date | None,
        number_writable: bool = True,
    ) -> None:
        self.slug = slug
        self.store = store
        self.dispatcher = dispatcher
        self.billing_lock_date = billing_lock_date
        self.number_writable = number_writable  # OfficeRndSimConfig.number_writable
        self._numbers: dict[str, int] = {}

    def next_number(self, prefix: str) -> str:
        """A document number that no existing document has (``INV-1001``, ``OP-1``...)."""
        taken = {str(doc.get("number")) for doc in self.store["payments"].all()}
        counter = self._numbers.get(prefix, 1000 if prefix == "INV" else 0)
        while True:
            counter += 1
            candidate = f"{prefix}-{counter}"
            if candidate not in taken:
                self._numbers[prefix] = counter
                return candidate

    def emit(
        self,
        event_type: str,
        obj: Record,
        previous: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        subscriptions = list(self.store["webhooks"].all())
        data = event_data(copy.deepcopy(obj), previous, extra)
        self.dispatcher.enqueue(self.store.new_id(), event_type, data, subscriptions)

    def emit_change(
        self,
        collection: str,
        action: str,
        record: Record,
        previous: Mapping[str, Any] | None = None,
    ) -> None:
        prefix = EVENT_PREFIX.get(collection)
        if prefix is not None:
            self.emit(f"{prefix}.{action}", record, previous if action == "updated" else None)
