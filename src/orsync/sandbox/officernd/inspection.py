"""Python-side controls for scenario tests: look at records, change them as an OfficeRnD admin
would in the UI (with lock-off permission: the billing lock date does not apply here), count
requests, deliver webhooks. Every change stamps ``modifiedAt`` and emits its webhook event.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from orsync.sandbox.officernd import billing
from orsync.sandbox.officernd.auth import DEFAULT_CLIENT_ID, TokenIssuer
from orsync.sandbox.officernd.config import OfficeRndSimConfig
from orsync.sandbox.officernd.documents import (
    build_document,
    empty_accounting,
    money,
    rounded,
    wire,
)
from orsync.sandbox.officernd.org import Organization
from orsync.sandbox.officernd.store import API_USER_ID, Record
from orsync.sandbox.officernd.webhooks import AttemptResult, Delivery


class ScenarioControls:
    """Mixed into :class:`~orsync.sandbox.officernd.simulator.OfficeRndSimulator`."""

    _lock: threading.RLock
    org: Organization
    tokens: TokenIssuer
    config: OfficeRndSimConfig
    request_counts: Counter[str]

    # --- reading ----------------------------------------------------------------------------

    def records(self, collection: str, **equals: Any) -> list[Record]:
        """Copies of the records of ``collection`` (ascending ``_id``) whose fields equal
        ``equals`` (use ``documentType="invoice"``...)."""
        with self._lock:
            return [
                copy.deepcopy(record)
                for record in self.org.store[collection].all()
                if all(record.get(key) == value for key, value in equals.items())
            ]

    def record(self, collection: str, record_id: str) -> Record:
        with self._lock:
            found = self.org.store[collection].get(record_id)
            if found is None:
                raise KeyError(f"{collection}/{record_id}")
            return copy.deepcopy(found)

    @property
    def billing_lock_date(self) -> date | None:
        return self.org.billing_lock_date

    def set_billing_lock_date(self, day: date | None) -> None:
        with self._lock:
            self.org.billing_lock_date = day

    # --- documents --------------------------------------------------------------------------

    def create_invoice(
        self,
        *,
        company: str | None,
        location: str,
        lines: Iterable[Mapping[str, Any]],
        currency: str = "USD",
        member: str | None = None,
        date: str | None = None,
        due_date: str | None = None,
        number: str | None = None,
        tax_type: str = "excluded",
        status: str = "awaiting_payment",
        document_type: str = "invoice",
        reference: str = "",
    ) -> Record:
        """A new invoice (or credit note with ``document_type="creditNote"``). Each line:
        ``description, quantity, unitPrice`` and optional ``account, taxRate, taxPercent,
        plan, fee, location, startDate, endDate``."""
        with self._lock:
            store = self.org.store
            now = store.now()
            prefix = "CN" if document_type == "creditNote" else "INV"
            document = build_document(
                document_id=store.new_id(),
                document_type=document_type,
                number=number or self.org.next_number(prefix),
                date=date or now,
                due_date=due_date or date or now,
                company=company,
                member=member,
                location=location,
                currency=currency,
                lines=lines,
                tax_type=tax_type,
                status=status,
                reference=reference,
                created_at=now,
                created_by=API_USER_ID,
            )
            store.create("payments", document)
            self.org.emit_change("payments", "created", document)
            return copy.deepcopy(document)

    def set_number_writable(self, writable: bool) -> None:
        """Whether PATCH /payments/{id} takes ``number`` (UNVERIFIED; True by default)."""
        with self._lock:
            self.org.number_writable = writable

    def edit_invoice(self, invoice_id: str, **changes: Any) -> Record:
        """Change top-level fields of a document (``lines=[...]`` rebuilds lines and totals)."""
        with self._lock:
            store = self.org.store
            document = billing.get_document(store, invoice_id)
            previous = {key: copy.deepcopy(document.get(key)) for key in changes}
            if "lines" in changes:
                rebuilt = build_document(
                    document_id=str(document["_id"]),
                    document_type=str(document["documentType"]),
                    number=str(document["number"]),
                    date=str(document["date"]),
                    due_date=document.get("dueDate"),
                    company=document.get("company"),
                    member=document.get("member"),
                    location=document.get("location"),
                    currency=str(document["currency"]),
                    lines=changes.pop("lines"),
                    tax_type=str(changes.get("taxType", document.get("taxType", "excluded"))),
                    created_at=str(document["createdAt"]),
                    created_by=str(document.get("createdBy", API_USER_ID)),
                )
                for key in ("lines", "taxAmounts", "subTotal", "amount", "total", "baseTotal"):
                    previous.setdefault(key, copy.deepcopy(document.get(key)))
                    document[key] = rebuilt[key]
            if "lines" in previous or "currencyConversionRate" in changes:
                # The base total follows the lines at the document's (perhaps new) rate.
                rate = money(
                    changes.get("currencyConversionRate", document.get("currencyConversionRate"))
                    or 1
                )
                if rate != 1 and "baseTotal" not in changes:
                    previous.setdefault("baseTotal", copy.deepcopy(document.get("baseTotal")))
                    document["baseTotal"] = wire(_base_total(document["lines"], rate))
            document.update(copy.deepcopy(changes))
            billing.refresh(store, document)
            self.org.emit_change("payments", "updated", document, previous)
            return copy.deepcopy(document)

    def void_invoice(self, invoice_id: str) -> Record:
        with self._lock:
            document = billing.get_document(self.org.store, invoice_id)
            previous = {"status": document.get("status")}
            document["status"] = "voided"
            billing.refresh(self.org.store, document)
            self.org.emit_change("payments", "updated", document, previous)
            return copy.deepcopy(document)

    def remove_invoice(self, invoice_id: str) -> None:
        with self._lock:
            document = self.org.store["payments"].remove(invoice_id)
            if document is None:
                raise KeyError(invoice_id)
            self.org.emit_change("payments", "removed", document)

    def add_charge(
        self,
        invoice_id: str,
        amount: Decimal | str | int,
        *,
        date: str | None = None,
        account: str = "Bank Transfer",
        status: str = "success",
        reference: str = "",
    ) -> Record:
        """A payment taken in OfficeRnD (not through the API's write limit or lock date)."""
        with self._lock:
            store = self.org.store
            fields = {
                "payment": invoice_id,
                "amount": money(amount),
                "date": date or store.now(),
                "account": account,
                "reference": reference,
                "currency": None,
                "status": status,
                "accounting": empty_accounting(),
                "providerChargeReference": None,
            }
            charge = billing.create_charge(store, fields, lock_date=None)
            charge["source"] = "admin"
            self.org.emit("invoice.charge.created", charge, extra={"payment": invoice_id})
            return copy.deepcopy(charge)

    def allocate(self, credit_id: str, invoice_id: str, amount: Decimal | str | int) -> Record:
        """Allocate a credit note or overpayment to an invoice; returns the allocation item."""
        with self._lock:
            store = self.org.store
            source = billing.get_document(store, credit_id)
            fields = {"target": invoice_id, "amount": money(amount)}
            _, allocation = billing.allocate(store, source, fields, lock_date=None)
            self.org.emit("invoice.allocation.created", allocation, extra={"payment": invoice_id})
            return copy.deepcopy(allocation)

    def remove_allocation(self, credit_id: str, allocation_id: str) -> Record:
        """Remove an allocation in OfficeRnD (both documents change, a webhook is queued)."""
        with self._lock:
            store = self.org.store
            source = billing.get_document(store, credit_id)
            removed = billing.remove_allocation(store, source, allocation_id)
            self.org.emit(
                "invoice.allocation.removed", removed, extra={"payment": removed.get("target")}
            )
            return copy.deepcopy(removed)

    # --- other records (companies, members, reference data) ---------------------------------

    def create_record(self, collection: str, record: Mapping[str, Any]) -> Record:
        with self._lock:
            stored = self.org.store.create(collection, copy.deepcopy(dict(record)))
            self.org.emit_change(collection, "created", stored)
            return copy.deepcopy(stored)

    def update_record(self, collection: str, record_id: str, **changes: Any) -> Record:
        with self._lock:
            record = self.org.store[collection].get(record_id)
            if record is None:
                raise KeyError(f"{collection}/{record_id}")
            previous = {key: copy.deepcopy(record.get(key)) for key in changes}
            record.update(copy.deepcopy(changes))
            self.org.store.touch(record)
            self.org.emit_change(collection, "updated", record, previous)
            return copy.deepcopy(record)

    def remove_record(self, collection: str, record_id: str) -> None:
        with self._lock:
            record = self.org.store[collection].remove(record_id)
            if record is None:
                raise KeyError(f"{collection}/{record_id}")
            self.org.emit_change(collection, "removed", record)

    # --- tokens, counters, webhooks ---------------------------------------------------------

    def mint_token(
        self, client_id: str = DEFAULT_CLIENT_ID, scopes: Iterable[str] | None = None
    ) -> str:
        """A bearer token issued without going through the endpoint (nor its 5/min limit)."""
        with self._lock:
            app = next((a for a in self.tokens.applications if a.client_id == client_id), None)
            if app is None:
                raise KeyError(client_id)
            form = {
                "grant_type": "client_credentials",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "scope": " ".join(app.scopes if scopes is None else scopes),
            }
            return self.tokens.issue(form, self.config.clock()).value

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.expire_all()

    def reset_request_counts(self) -> None:
        with self._lock:
            self.request_counts.clear()

    def total_requests(self) -> int:
        with self._lock:
            return sum(self.request_counts.values())

    def deliver_pending(self) -> list[AttemptResult]:
        """Attempt every pending webhook delivery once (failed ones stay pending)."""
        return self.org.dispatcher.deliver_pending()

    def start_delivery_thread(self, interval_seconds: float = 0.5) -> Callable[[], None]:
        """Deliver webhooks on a daemon thread as soon as they are emitted, failed ones again
        after their retry wait (checked at least every ``interval_seconds``); returns the
        function that stops it. Tests that decide when call :meth:`deliver_pending`."""
        stop = threading.Event()
        dispatcher = self.org.dispatcher

        def pump() -> None:
            while not stop.is_set():
                dispatcher.wakeup.clear()
                dispatcher.deliver_due()
                retry = dispatcher.next_retry_in()
                wait = interval_seconds if retry is None else min(interval_seconds, retry)
                dispatcher.wakeup.wait(wait)

        thread = threading.Thread(target=pump, name="officernd-webhooks", daemon=True)
        thread.start()

        def stopper() -> None:
            stop.set()
            dispatcher.wakeup.set()
            thread.join(timeout=5)

        return stopper

    def close(self) -> None:
        """Release the webhook delivery client the simulator created for itself."""
        self.org.dispatcher.close()

    def redeliver_webhooks(self, event_ids: set[str] | None = None) -> int:
        """Send delivered events again (all, or ``event_ids``), as OfficeRnD may."""
        return self.org.dispatcher.redeliver(event_ids)

    def fail_next_webhook_deliveries(self, count: int) -> None:
        self.org.dispatcher.fail_next(count)

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        return list(self.org.dispatcher.deliveries)

    @property
    def webhook_events(self) -> list[dict[str, Any]]:
        """Every event emitted so far (delivery envelopes), whether or not anyone subscribed."""
        return copy.deepcopy(self.org.dispatcher.events)


def _base_total(lines: Iterable[Record], rate: Decimal) -> Decimal:
    """Each line's net and tax converted at ``rate`` and rounded on their own (the seed's rule,
    ``orsync.sandbox.seed.documents``)."""
    total = Decimal(0)
    for line in lines:
        net = money(line.get("subTotal"))
        tax = money(line.get("taxAmount"))
        total += rounded(net * rate) + rounded(tax * rate)
    return total
