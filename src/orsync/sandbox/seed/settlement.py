"""What happened to each issued invoice after it was sent: paid, partly paid, failed, credited,
overpaid, voided or still open; the charges, credit notes, overpayments and allocations that say
so; and the balances and status each document ends with.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from orsync.sandbox.seed.catalogue import base_currency
from orsync.sandbox.seed.documents import (
    Document,
    LineDraft,
    build_document,
    overpayment_record,
    settle_record,
    unsynced_accounting,
)
from orsync.sandbox.seed.parties import Customer
from orsync.sandbox.seed.primitives import (
    CENT,
    ObjectIds,
    iso_day,
    iso_instant,
    json_number,
    midnight,
)

# Roles drawn from invoices old enough to be settled (due date more than a week before the
# world's clock), in this order; each takes max(1, invoices // divisor) while any remain.
ROLE_DIVISORS: tuple[tuple[str, int], ...] = (
    ("voided", 100),
    ("failed", 50),
    ("partial", 20),
    ("overdue", 25),
    ("credited", 25),
    ("overpaid", 50),
    # Last, so the roles above draw the same invoices as before: paid by card or transfer,
    # then the charge refunded (its status becomes ``refund``, see CHARGE_REFUND below).
    ("refunded", 100),
)
# UNVERIFIED (officernd-api.md lists a charge's statuses pending/fail/success/refund): a charge
# whose status is ``refund`` is that charge's money given back, so it no longer pays its
# invoice. A refund of a credit note or an overpayment ("Add Refund") is another record, not
# a charge, and is not seeded. orsync's side of the same choice: engine/payments.py.
CHARGE_REFUND = "refund"
REFUND_AFTER = timedelta(days=2)
UNALLOCATED_CREDIT_SHARE = 0.2


def credit_status(doc: Document) -> str:
    """Status of a credit note or overpayment by how much of it is allocated.

    UNVERIFIED: OfficeRnD documents no status semantics for credit documents; the seed uses
    paid (fully allocated), partially_paid (partly) and pending (not yet allocated).
    """
    if doc.allocated >= doc.total:
        return "paid"
    return "partially_paid" if doc.allocated > 0 else "pending"


def invoice_status(doc: Document, today: datetime) -> str:
    if doc.role == "draft":
        return "draft"
    if doc.role == "voided":
        return "voided"
    if doc.role == "failed":
        return "failed"
    if doc.remaining <= 0:
        return "paid"
    if doc.paid + doc.allocated > 0:
        return "partially_paid"
    # "overdue" is not in the reference enum but real organizations return it.
    return "overdue" if doc.due < today.date() else "awaiting_payment"


@dataclass
class Settlement:
    charges: list[dict[str, object]] = field(default_factory=list)
    credit_notes: list[Document] = field(default_factory=list)
    overpayments: list[Document] = field(default_factory=list)


class Settler:
    def __init__(
        self,
        *,
        rng: random.Random,
        ids: ObjectIds,
        as_of: datetime,
        customers: list[Customer],
        staff: list[str],
        next_number: Callable[[str, str], str],
        protected: set[str],
    ) -> None:
        self._rng = rng
        self._ids = ids
        self._as_of = as_of
        self._latest = as_of - timedelta(minutes=1)
        self._customers = customers
        self._staff = staff
        self._next_number = next_number
        self._protected = protected
        self.out = Settlement()

    # -- time -------------------------------------------------------------------------------
    def _after(self, instant: datetime, max_days: int) -> datetime:
        """A moment between one hour and ``max_days`` after ``instant``, never past the clock."""
        later = instant + timedelta(seconds=self._rng.randint(3600, max(3600, max_days * 86_400)))
        return max(min(later, self._latest), instant + timedelta(seconds=1))

    @staticmethod
    def _since(doc: Document) -> datetime:
        """Nothing settles a document before it exists or before its own date (bill runs create
        membership invoices two days ahead of their date)."""
        return max(doc.modified or doc.created, midnight(doc.day))

    # -- roles ------------------------------------------------------------------------------
    def assign_roles(self, invoices: list[Document]) -> None:
        settle_by = self._as_of.date() - timedelta(days=7)
        issued = [doc for doc in invoices if doc.role != "draft"]
        old = [doc for doc in issued if doc.due < settle_by]
        pool = [doc for doc in old if doc.id not in self._protected]
        self._rng.shuffle(pool)
        taken = 0
        for role, divisor in ROLE_DIVISORS:
            want = max(1, len(invoices) // divisor)
            for doc in pool[taken : taken + want]:
                doc.role = role
            taken += want
        for doc in old:
            if doc.role == "open":
                doc.role = "paid"
        for doc in issued:
            if doc.role == "open":
                doc.role = "recent_paid" if self._rng.random() < 0.4 else "recent_unpaid"

    # -- documents --------------------------------------------------------------------------
    def settle(self, invoices: list[Document]) -> Settlement:
        self.assign_roles(invoices)
        by_customer: dict[tuple[int, str], list[Document]] = {}
        for doc in invoices:
            by_customer.setdefault((doc.customer_index, doc.location), []).append(doc)
        for doc in invoices:
            if doc.role == "credited":
                self._credit(doc)
        for doc in invoices:
            if doc.role == "overpaid":
                self._overpay(doc, by_customer[(doc.customer_index, doc.location)])
        for doc in invoices:
            self._collect(doc)
            staff = self._rng.choice(self._staff)
            settle_record(
                doc,
                status=invoice_status(doc, self._as_of),
                method=self._method_of(doc),
                staff=staff,
            )
        for credit in [*self.out.credit_notes, *self.out.overpayments]:
            overpaid = credit.doc_type == "overpayment"
            settle_record(
                credit,
                status=credit_status(credit),
                # The money of an overpayment came in by the customer's own method.
                method=self._customers[credit.customer_index].payment_method if overpaid else None,
                staff=self._rng.choice(self._staff),
            )
            credit.record["isSent"] = True
        return self.out

    def _method_of(self, doc: Document) -> str | None:
        if doc.role in ("draft", "voided"):
            return None
        if doc.role == "failed":
            return "Credit Card"
        return self._customers[doc.customer_index].payment_method

    def _credit(self, invoice: Document) -> None:
        full = self._rng.random() < 0.3
        source = invoice.lines if full else invoice.lines[:1]
        lines = [
            LineDraft(
                description=f"Credit: {line.description}",
                quantity=line.quantity if full else 1,
                unit_price=line.unit_price,
                account_id=line.account_id,
                tax_rate_id=line.tax_rate_id,
                tax_percent=line.tax_percent,
                location_id=line.location_id,
                plan_id=line.plan_id,
                start=line.start,
                end=line.end,
            )
            for line in source
        ]
        created = self._after(self._since(invoice), 20)
        customer = self._customers[invoice.customer_index]
        credit_id = self._ids.new(created)
        record, total = build_document(
            doc_id=credit_id,
            doc_type="creditNote",
            number=self._next_number(invoice.location, "CN"),
            day=created.date(),
            due=created.date(),
            company_id=customer.company_id,
            member_id=customer.member_id,
            location_id=str(invoice.record["location"]),
            currency=invoice.currency,
            reference=f"Credit for {invoice.record['number']}",
            lines=lines,
            created=created,
            staff=self._rng.choice(self._staff),
            base_currency=base_currency(invoice.location),
        )
        credit = Document(
            record=record,
            doc_type="creditNote",
            customer_index=invoice.customer_index,
            location=invoice.location,
            currency=invoice.currency,
            day=created.date(),
            due=created.date(),
            created=created,
            total=total,
            lines=lines,
        )
        self.out.credit_notes.append(credit)
        if self._rng.random() >= UNALLOCATED_CREDIT_SHARE:
            self._allocate(credit, invoice, min(credit.total, invoice.remaining), created)

    def _overpay(self, invoice: Document, same_customer: list[Document]) -> None:
        charge_at = self._charge(invoice, invoice.remaining, self._after(self._since(invoice), 14))
        excess = Decimal(self._rng.choice((10, 25, 50, 100, 150, 250)))
        customer = self._customers[invoice.customer_index]
        created = charge_at + timedelta(seconds=30)
        overpayment = Document(
            record=overpayment_record(
                doc_id=self._ids.new(created),
                number=self._next_number(invoice.location, "OP"),
                day=created.date(),
                company_id=customer.company_id,
                member_id=customer.member_id,
                location_id=str(invoice.record["location"]),
                currency=invoice.currency,
                amount=excess,
                reference=f"Overpayment on {invoice.record['number']}",
                created=created,
                staff=self._rng.choice(self._staff),
            ),
            doc_type="overpayment",
            customer_index=invoice.customer_index,
            location=invoice.location,
            currency=invoice.currency,
            day=created.date(),
            due=created.date(),
            created=created,
            total=excess,
        )
        self.out.overpayments.append(overpayment)
        for target in same_customer:
            if (
                target.created > created
                and target.allocated == 0
                and target.role in ("paid", "refunded", "recent_paid", "recent_unpaid")
            ):
                at = self._after(max(created, target.created), 3)
                self._allocate(overpayment, target, min(excess, target.remaining), at)
                break

    def _allocate(self, credit: Document, invoice: Document, amount: Decimal, at: datetime) -> None:
        if amount <= 0:
            return
        allocation_id = self._ids.new(at)
        value = json_number(amount)
        invoice_allocations = invoice.record["allocations"]
        credit_allocations = credit.record["allocations"]
        assert isinstance(invoice_allocations, list) and isinstance(credit_allocations, list)
        # ``documentType`` names the kind of document ``target`` is.
        invoice_allocations.append(
            {
                "_id": allocation_id,
                "target": credit.id,
                "amount": value,
                "documentType": credit.doc_type,
                "accounting": unsynced_accounting(),
            }
        )
        credit_allocations.append(
            {
                "_id": allocation_id,
                "target": invoice.id,
                "amount": value,
                "documentType": "invoice",
                "accounting": unsynced_accounting(),
            }
        )
        invoice.allocated += amount
        credit.allocated += amount
        invoice.touch(at)
        credit.touch(at)

    def _collect(self, doc: Document) -> None:
        role = doc.role
        if role == "voided":
            doc.touch(self._after(doc.created, 10))
            return
        if role in ("draft", "overdue", "recent_unpaid", "overpaid") or doc.remaining <= 0:
            return
        since = self._since(doc)
        window = max(1, (doc.due - doc.day).days + 5)
        if role == "recent_paid":
            window = max(1, (self._latest - since).days)
        if role == "failed":
            self._charge(doc, doc.remaining, self._after(since, window), status="fail")
        elif role == "partial":
            share = Decimal(self._rng.randint(30, 70)) / 100
            self._charge(doc, (doc.remaining * share).quantize(CENT), self._after(since, window))
        elif self._rng.random() < 0.15 and doc.remaining >= Decimal("0.02"):
            first = (doc.remaining / 2).quantize(CENT)
            at = self._charge(doc, first, self._after(since, window))
            self._charge(doc, doc.remaining, self._after(at, 7))
        else:
            self._charge(doc, doc.remaining, self._after(since, window))
        if role == "refunded":
            self._refund(doc)

    def _refund(self, doc: Document) -> None:
        """The invoice's successful charges refunded (no draw from the generator, so the rest
        of the world stays as it was)."""
        for charge in self.out.charges:
            if charge["payment"] != doc.id or charge["status"] != "success":
                continue
            at = min(datetime.fromisoformat(str(charge["modifiedAt"])) + REFUND_AFTER, self._latest)
            charge["status"] = CHARGE_REFUND
            charge["modifiedAt"] = iso_instant(at)
            doc.paid -= Decimal(str(charge["amount"]))
            doc.touch(at)

    def _charge(
        self, doc: Document, amount: Decimal, at: datetime, status: str = "success"
    ) -> datetime:
        customer = self._customers[doc.customer_index]
        method = "Credit Card" if status == "fail" else customer.payment_method
        charge_id = self._ids.new(at)
        card = method == "Credit Card"
        number = doc.record["number"]
        reference = {
            "Bank Transfer": f"BACS {number}",
            "Cheque": f"Cheque #{charge_id[-5:]}",
            "Credit Card": f"Card payment {number}",
        }.get(method, f"{method} {number}")
        staff = self._rng.choice(self._staff)
        stamp = iso_instant(at)
        self.out.charges.append(
            {
                "_id": charge_id,
                "amount": json_number(amount),
                "currency": doc.currency,
                "account": method,
                "reference": reference,
                "date": iso_day(at.date()),
                "accounting": unsynced_accounting(),
                "source": "stripe" if card else "admin",
                "status": status,
                "payment": doc.id,
                "providerChargeReference": f"ch_{charge_id[-14:]}" if card else None,
                "createdAt": stamp,
                "createdBy": staff,
                "modifiedAt": stamp,
                "modifiedBy": staff,
            }
        )
        if status == "success":
            doc.paid += amount
        doc.touch(at)
        return at
