"""An operator's working day in the simulators: `orsync sandbox --activity EVENTS_PER_MINUTE`.

Each step is one change a person makes: in OfficeRnD a new invoice or credit note, an edit of
an unpaid invoice, a void, a payment taken; in Intacct a customer payment keyed by finance
(every fourth time, the one keyed before it bounces and is reversed).
New documents copy the company, location, account and tax rate of an issued invoice (the
``template``), so they post wherever that invoice posts. Each OfficeRnD change emits its
webhook event through the simulator, exactly as the UI would.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orsync.sandbox.intacct import IntacctSimulator
from orsync.sandbox.intacct.records import Payment, PaymentDetail
from orsync.sandbox.officernd import OfficeRndSimulator

# How often each kind of change happens in a day (weights, not rates).
MIX: tuple[tuple[str, int], ...] = (
    ("new_invoice", 40),
    ("edit_invoice", 20),
    ("charge", 15),
    ("credit_note", 8),
    ("void_invoice", 7),
    ("intacct_payment", 10),
)
SYNCED_STATUSES = ("draft", "voided")
BOUNCE_EVERY = 4  # every fourth payment keyed in Intacct, the one before it is reversed


@dataclass
class Activity:
    officernd: OfficeRndSimulator
    intacct: IntacctSimulator | None = None
    seed: int = 0
    # Only documents this predicate accepts serve as templates (tests: those that posted).
    usable: Callable[[dict[str, Any]], bool] = field(default=lambda _doc: True)
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._made: list[str] = []  # invoices this activity created (edited and voided first)
        self._keyed: list[int] = []  # payments this activity keyed in Intacct

    # -- one change --------------------------------------------------------------------------

    def step(self) -> str:
        """Make one change, chosen by :data:`MIX`; returns its kind."""
        kinds = [kind for kind, _ in MIX]
        weights = [weight for _, weight in MIX]
        kind = self.rng.choices(kinds, weights)[0]
        done = getattr(self, kind)()
        if done is None:
            kind = "new_invoice"
            self.new_invoice()
        self.counts[kind] += 1
        return kind

    def template(self) -> dict[str, Any]:
        candidates = [
            doc
            for doc in self.officernd.records("payments", documentType="invoice")
            if doc.get("company") and doc.get("status") not in SYNCED_STATUSES and self.usable(doc)
        ]
        if not candidates:
            raise LookupError("no issued invoice to copy codes from")
        return self.rng.choice(candidates)

    def _lines(self, template: dict[str, Any], *prices: str) -> list[dict[str, Any]]:
        source = template["lines"][0]
        return [
            {
                "description": f"Meeting room hours #{self.rng.randrange(10_000)}",
                "quantity": 1,
                "unitPrice": float(price),
                "account": source.get("account"),
                "taxRate": source.get("taxRate"),
                "taxPercent": source.get("taxPercent"),
                "location": source.get("location"),
            }
            for price in prices
        ]

    def _price(self) -> str:
        return f"{self.rng.randrange(20, 900)}.{self.rng.randrange(100):02d}"

    def new_invoice(self, template: dict[str, Any] | None = None) -> dict[str, Any]:
        template = template or self.template()
        created = self.officernd.create_invoice(
            company=template["company"],
            location=template["location"],
            lines=self._lines(template, self._price()),
            currency=template["currency"],
        )
        self._made.append(str(created["_id"]))
        return created

    def credit_note(self) -> dict[str, Any]:
        template = self.template()
        return self.officernd.create_invoice(
            company=template["company"],
            location=template["location"],
            lines=self._lines(template, self._price()),
            currency=template["currency"],
            document_type="creditNote",
        )

    def _own_unpaid(self) -> dict[str, Any] | None:
        for invoice_id in self.rng.sample(self._made, len(self._made)):
            doc = self.officernd.record("payments", invoice_id)
            if doc.get("status") == "awaiting_payment" and not Decimal(
                str(doc.get("paidAmount") or 0)
            ):
                return doc
        return None

    def edit_invoice(self) -> dict[str, Any] | None:
        doc = self._own_unpaid()
        if doc is None:
            return None
        return self.officernd.edit_invoice(
            str(doc["_id"]), lines=self._lines(doc, self._price(), self._price())
        )

    def void_invoice(self) -> dict[str, Any] | None:
        doc = self._own_unpaid()
        if doc is None:
            return None
        self._made.remove(str(doc["_id"]))
        return self.officernd.void_invoice(str(doc["_id"]))

    def charge(self) -> dict[str, Any] | None:
        doc = self._own_unpaid()
        if doc is None:
            return None
        self._made.remove(str(doc["_id"]))
        return self.officernd.add_charge(str(doc["_id"]), str(doc["total"]))

    def intacct_payment(self) -> dict[str, Any] | None:
        """A payment finance keys in Intacct against an open invoice orsync posted (what the
        Intacct -> OfficeRnD direction will carry back once payments are synced)."""
        if self.intacct is None:
            return None
        store = self.intacct.store
        with store.lock:
            open_invoices = [
                doc
                for doc in store.invoices()
                if doc.description.startswith("orsync:")
                and doc.total_due > 0
                and doc.reversal_of is None
                and doc.reversed_by is None
            ]
            if not open_invoices:
                return None
            doc = self.rng.choice(open_invoices)
            now = datetime.now(UTC)
            recordno = store.next_recordno("payments")
            amount = doc.total_due
            store.put(
                store.payment_table,
                Payment(
                    recordno=recordno,
                    customer_id=doc.customer_id,
                    receipt_date=now.date(),
                    when_modified=now,
                    amount=amount,
                    entity_id=doc.entity_id,
                    payment_method="EFT",
                    description="keyed in Intacct",
                    currency=doc.currency,
                    details=(
                        PaymentDetail(
                            store.next_recordno("details"), recordno, doc.recordno, amount
                        ),
                    ),
                ),
                None,
            )
            store.put(
                store.ar_table,
                dataclasses.replace(doc, total_paid=doc.total_paid + amount, when_modified=now),
                None,
            )
        self._keyed.append(recordno)
        if len(self._keyed) % BOUNCE_EVERY == 0:
            # The one keyed before it bounces: finance reverses it (no random draw, so the
            # day's mix of changes stays the one its seed always made).
            self.intacct.store.reverse_payment(self._keyed[-2], datetime.now(UTC))
            self.counts["intacct_reversal"] += 1
        return {"invoice": doc.record_id, "amount": str(amount)}


def run_activity(activity: Activity, per_minute: float, stop: threading.Event) -> threading.Thread:
    """Make ``per_minute`` changes a minute on a daemon thread until ``stop``."""
    interval = 60.0 / per_minute

    def work() -> None:
        while not stop.wait(interval):
            try:
                activity.step()
            except (LookupError, KeyError, ValueError):
                activity.counts["skipped"] += 1

    thread = threading.Thread(target=work, name="sandbox-activity", daemon=True)
    thread.start()
    return thread
