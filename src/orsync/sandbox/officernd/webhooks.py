"""Webhook subscriptions, events and signed delivery.

Facts (reference/officernd-api.md §6, officernd-samples): ``POST /webhooks`` with ``{url,
eventTypes[], description}`` answers the subscription including its ``secret``; a delivery is a
JSON POST ``{event, eventType, data: {object, previousAttributes?}, createdAt}``; the header
``officernd-signature: t=<unix seconds>,signature=<hex>`` carries HMAC-SHA256 keyed with the
secret over the raw body, then ``.``, then ``t``. Retry policy: NOT FOUND; here delivery is
explicit (``deliver_pending()``), so tests decide when it happens, or done by a delivery thread
woken by each new event (a served sandbox); a failed attempt stays pending and is tried again
after a doubling wait until it succeeds or ``max_attempts`` is reached. ``redeliver`` sends
delivered events again, as a service that delivers at least once may.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from orsync.sandbox.faults import FaultPlan
from orsync.sandbox.officernd.limits import FAULT_WEBHOOK_FAILURE
from orsync.sandbox.officernd.responses import bad_request
from orsync.sandbox.officernd.store import Record, iso_instant

SIGNATURE_HEADER = "officernd-signature"

# Event types the simulator emits (names as listed by P-n8n EventOptions.ts).
EVENT_TYPES: tuple[str, ...] = (
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
    "company.removed",
    "member.created",
    "member.updated",
    "member.removed",
)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``officernd-signature`` header value for ``body`` sent at ``timestamp``."""
    message = body + b"." + str(timestamp).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},signature={digest}"


def event_data(
    obj: Record, previous: Mapping[str, Any] | None, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``data`` of an event. For ``invoice.charge.*`` the object is the charge and for
    ``invoice.allocation.*`` the allocation item; both also carry ``data.payment`` = the
    invoice's ``_id``. UNVERIFIED: no ``invoice.*`` delivery body was ever published; this is
    the one place that decides the shape."""
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previousAttributes"] = dict(previous)
    if extra:
        data.update(extra)
    return data


def read_subscription(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise bad_request("the request body must be a JSON object")
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise bad_request("url must be an http(s) URL")
    event_types = body.get("eventTypes")
    if (
        not isinstance(event_types, list)
        or not event_types
        or not all(isinstance(name, str) and name for name in event_types)
    ):
        raise bad_request("eventTypes must be a non-empty list of event names")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise bad_request("description must be a string")
    is_enabled = body.get("isEnabled", True)
    if not isinstance(is_enabled, bool):
        raise bad_request("isEnabled must be a boolean")
    return {
        "url": url,
        "description": description,
        "eventTypes": list(event_types),
        "secret": str(uuid.uuid4()),
        "isEnabled": is_enabled,
    }


@dataclass
class Delivery:
    """One event on its way to one subscription."""

    event_id: str
    event_type: str
    webhook_id: str
    url: str
    secret: str = field(repr=False)
    body: bytes = field(repr=False)
    attempts: int = 0
    delivered: bool = False
    gave_up: bool = False
    last_error: str | None = None
    last_status: int | None = None
    not_before: float = 0.0  # monotonic time of the next attempt after a failure


@dataclass(frozen=True)
class AttemptResult:
    event_id: str
    webhook_id: str
    event_type: str
    attempt: int
    ok: bool
    status: int | None
    error: str | None


class WebhookDispatcher:
    """Queues events for the matching subscriptions and delivers them on request."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        faults: FaultPlan,
        max_attempts: int,
        http: httpx.Client | None = None,
    ) -> None:
        self._clock = clock
        self._faults = faults
        self.max_attempts = max_attempts
        self._http = http
        self._owns_http = False
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.events: list[dict[str, Any]] = []
        self._fail_next = 0
        # Set by every new event and redelivery: a delivery thread sends it at once.
        self.wakeup = threading.Event()
        self.retry_base_seconds = 0.25

    def enqueue(
        self, event_id: str, event_type: str, data: dict[str, Any], subscriptions: list[Record]
    ) -> None:
        """Record an event and one delivery per enabled subscription that wants it."""
        envelope = {
            "event": event_id,
            "eventType": event_type,
            "data": data,
            "createdAt": iso_instant(self._clock()),
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with self._lock:
            self.events.append(envelope)
            for subscription in subscriptions:
                if not subscription.get("isEnabled", True):
                    continue
                if event_type not in subscription.get("eventTypes", []):
                    continue
                self.deliveries.append(
                    Delivery(
                        event_id=event_id,
                        event_type=event_type,
                        webhook_id=str(subscription["_id"]),
                        url=str(subscription["url"]),
                        secret=str(subscription["secret"]),
                        body=body,
                    )
                )
        self.wakeup.set()

    def fail_next(self, count: int) -> None:
        """The next ``count`` delivery attempts fail without reaching their URL."""
        with self._lock:
            self._fail_next += count

    def pending(self) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if not d.delivered and not d.gave_up]

    def redeliver(self, event_ids: set[str] | None = None) -> int:
        """Queue delivered events (all, or those in ``event_ids``) to be sent again."""
        count = 0
        with self._lock:
            for delivery in self.deliveries:
                if delivery.delivered and (event_ids is None or delivery.event_id in event_ids):
                    delivery.delivered = False
                    delivery.attempts = 0
                    delivery.not_before = 0.0
                    count += 1
        self.wakeup.set()
        return count

    def deliver_due(self) -> list[AttemptResult]:
        """Attempt the pending deliveries whose retry wait is over (the delivery thread)."""
        now = time.monotonic()
        return [self._attempt(d) for d in self.pending() if d.not_before <= now]

    def next_retry_in(self) -> float | None:
        """Seconds until the earliest failed delivery may be tried again (None: none waits)."""
        waits = [d.not_before for d in self.pending()]
        return None if not waits else max(0.0, min(waits) - time.monotonic())

    def drop_subscription(self, webhook_id: str) -> None:
        with self._lock:
            for delivery in self.deliveries:
                if delivery.webhook_id == webhook_id and not delivery.delivered:
                    delivery.gave_up = True

    def deliver_pending(self) -> list[AttemptResult]:
        """Attempt every pending delivery once, in event order; failures stay pending."""
        results = []
        for delivery in self.pending():
            results.append(self._attempt(delivery))
        return results

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=5.0)
            self._owns_http = True
        return self._http

    def close(self) -> None:
        """Close the delivery client when the dispatcher created it (not a caller's)."""
        if self._owns_http and self._http is not None:
            self._http.close()
            self._http = None
            self._owns_http = False

    def _attempt(self, delivery: Delivery) -> AttemptResult:
        with self._lock:
            delivery.attempts += 1
            forced_failure = self._fail_next > 0
            if forced_failure:
                self._fail_next -= 1
        status: int | None = None
        error: str | None = None
        if forced_failure or self._faults.fires(FAULT_WEBHOOK_FAILURE):
            error = "injected delivery failure"
        else:
            timestamp = int(self._clock().timestamp())
            headers = {
                "content-type": "application/json",
                SIGNATURE_HEADER: sign(delivery.secret, delivery.body, timestamp),
            }
            try:
                response = self._client().post(delivery.url, content=delivery.body, headers=headers)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            delivery.last_status = status
            delivery.last_error = error
            delivery.delivered = error is None
            if error is not None:
                wait = self.retry_base_seconds * 2 ** (delivery.attempts - 1)
                delivery.not_before = time.monotonic() + wait
            if error is not None and delivery.attempts >= self.max_attempts:
                delivery.gave_up = True
        return AttemptResult(
            event_id=delivery.event_id,
            webhook_id=delivery.webhook_id,
            event_type=delivery.event_type,
            attempt=delivery.attempts,
            ok=error is None,
            status=status,
            error=error,
        )
