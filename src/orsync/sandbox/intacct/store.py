"""The simulated company's data, in memory, thread-safe, with undo for rolled-back operations.

Handlers change data only through :meth:`IntacctStore.put` / :meth:`IntacctStore.remove`
under the store lock, each change recorded in the current :class:`Journal` so that a
``transaction="true"`` operation can be undone. The public methods without a leading
underscore are the inspection and mutation API scenario tests use directly (Python, not XML).
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Collection, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from orsync.sandbox.intacct.records import (
    ZERO,
    ArDocument,
    Customer,
    Line,
    Payment,
    PaymentDetail,
    SoDocument,
)
from orsync.sandbox.world import (
    CheckingAccount,
    Dimension,
    Entity,
    ExchangeRate,
    GLAccount,
    IntacctCompanySeed,
    Item,
    Location,
    TaxDetail,
    TaxSolution,
    TransactionDefinition,
)

R = TypeVar("R")


# After every change a table draws a new version (never reused, drawn once the rows changed):
# a read that saw the same versions saw the same rows, which lets a query's later pages reuse
# its filtered, ordered rows.
_VERSIONS = itertools.count(1)


class Table(Generic[R]):
    """Rows by primary key, with an optional unique secondary index."""

    def __init__(
        self,
        name: str,
        key: Callable[[R], Any],
        unique: Callable[[R], Any] | None = None,
    ) -> None:
        self.name = name
        self._key = key
        self._unique = unique
        self.rows: dict[Any, R] = {}
        self._index: dict[Any, Any] = {}
        self.version = next(_VERSIONS)

    def get(self, key: Any) -> R | None:
        return self.rows.get(key)

    def find(self, unique_value: Any) -> R | None:
        key = self._index.get(unique_value)
        return None if key is None else self.rows.get(key)

    def _put(self, row: R) -> R | None:
        key = self._key(row)
        old = self.rows.get(key)
        if old is not None and self._unique is not None:
            self._index.pop(self._unique(old), None)
        self.rows[key] = row
        if self._unique is not None:
            self._index[self._unique(row)] = key
        self.version = next(_VERSIONS)
        return old

    def _remove(self, key: Any) -> R | None:
        old = self.rows.pop(key, None)
        self.version = next(_VERSIONS)
        if old is not None and self._unique is not None:
            self._index.pop(self._unique(old), None)
        return old

    def __iter__(self) -> Iterator[R]:
        return iter(list(self.rows.values()))

    def __len__(self) -> int:
        return len(self.rows)


def _ar_number(doc: ArDocument) -> tuple[str, str]:
    # Reversals carry no number of their own; index them by RECORDNO so they never collide.
    return (doc.kind, doc.record_id or f"#{doc.recordno}")


def _discard(_: object) -> None:
    return None


class Journal:
    """Undo steps of one operation, replayed newest first on rollback."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def record(self, step: Callable[[], None]) -> None:
        self._undo.append(step)

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()


class IntacctStore:
    """One company: master data from the seed, documents created through the gateway."""

    def __init__(
        self, seed: IntacctCompanySeed, now: datetime, invoice_number_format: str = "INV-{n:06d}"
    ) -> None:
        self.lock = threading.RLock()
        # queries.query's last few filtered, ordered rows (KeptQuery), by query and versions.
        self.query_rows: dict[Any, Any] = {}
        self.company_id = seed.company_id
        self.entities: dict[str, Entity] = {e.id: e for e in seed.entities}
        self.locations: dict[str, Location] = {x.id: x for x in seed.locations}
        self.departments: dict[str, Dimension] = {x.id: x for x in seed.departments}
        self.classes: dict[str, Dimension] = {x.id: x for x in seed.classes}
        self.gl_accounts: dict[str, GLAccount] = {x.account_no: x for x in seed.gl_accounts}
        self.items: dict[str, Item] = {x.id: x for x in seed.items}
        self.tax_solutions: dict[str, TaxSolution] = {x.id: x for x in seed.tax_solutions}
        self.tax_details: dict[str, TaxDetail] = {x.id: x for x in seed.tax_details}
        self.checking_accounts: dict[str, CheckingAccount] = {
            x.id: x for x in seed.checking_accounts
        }
        self.definitions: dict[str, TransactionDefinition] = {
            x.name: x for x in seed.transaction_definitions
        }
        self.exchange_rates: list[ExchangeRate] = sorted(
            seed.exchange_rates, key=lambda r: (r.rate_type, r.source, r.target, r.effective)
        )
        self.books_closed_before: date | None = seed.books_closed_before
        self.modules_closed_before: dict[str, date] = dict(seed.modules_closed_before)
        self.invoice_number_format = invoice_number_format
        self._next_invoice_number = seed.first_invoice_number
        self._next_doc_number: dict[str, int] = {}
        self._next_recordno: dict[str, int] = {
            "customers": 100,
            "ar": 1000,
            "so": 5000,
            "payments": 8000,
            "details": 20000,
        }
        self.customer_table: Table[Customer] = Table(
            "customers", key=lambda c: c.customer_id, unique=lambda c: c.recordno
        )
        self.ar_table: Table[ArDocument] = Table("ar", key=lambda d: d.recordno, unique=_ar_number)
        self.so_table: Table[SoDocument] = Table(
            "so", key=lambda d: d.recordno, unique=lambda d: d.doc_id
        )
        self.payment_table: Table[Payment] = Table("payments", key=lambda p: p.recordno)
        for existing in seed.customers:
            self.customer_table._put(
                Customer(
                    recordno=self.next_recordno("customers"),
                    customer_id=existing.id,
                    name=existing.name,
                    when_modified=now,
                    status=existing.status,
                    currency=existing.currency or "",
                    email=existing.email or "",
                )
            )

    def exchange_rate(self, rate_type: str, source: str, target: str, day: date) -> Decimal | None:
        """The rate of ``rate_type`` effective on ``day`` (the latest one on or before it)."""
        found: Decimal | None = None
        for rate in self.exchange_rates:
            if (rate.rate_type, rate.source, rate.target) != (rate_type, source, target):
                continue
            if rate.effective > day:
                break
            found = rate.rate
        return found

    # --- changes through a journal ---------------------------------------------------------
    def put(self, table: Table[R], row: R, journal: Journal | None) -> None:
        with self.lock:
            old = table._put(row)
            if journal is not None:
                if old is None:
                    key = table._key(row)
                    journal.record(lambda: _discard(table._remove(key)))
                else:
                    journal.record(lambda: _discard(table._put(old)))

    def remove(self, table: Table[R], key: Any, journal: Journal | None) -> None:
        with self.lock:
            old = table._remove(key)
            if journal is not None and old is not None:
                journal.record(lambda: _discard(table._put(old)))

    def next_recordno(self, table: str) -> int:
        # Numbers consumed by a rolled-back operation are not reused, as in a database sequence.
        with self.lock:
            value = self._next_recordno[table]
            self._next_recordno[table] = value + 1
            return value

    def next_invoice_number(self) -> str:
        """The company's AR invoice sequence, skipping numbers a client already supplied."""
        with self.lock:
            while True:
                candidate = self.invoice_number_format.format(n=self._next_invoice_number)
                self._next_invoice_number += 1
                if self.ar_table.find(("invoice", candidate)) is None:
                    return candidate

    def next_document_number(self, definition: str) -> str:
        with self.lock:
            prefix = "".join(word[0] for word in definition.split()).upper()
            n = self._next_doc_number.get(definition, 1)
            while True:
                candidate = f"{prefix}{n:05d}"
                n += 1
                if self.so_table.find(f"{definition}-{candidate}") is None:
                    self._next_doc_number[definition] = n
                    return candidate

    @property
    def multi_entity(self) -> bool:
        return len(self.entities) > 1

    # --- inspection ------------------------------------------------------------------------
    def invoices(self, entity_id: str | None = None) -> list[ArDocument]:
        """AR invoices in RECORDNO order (``entity_id`` filters on MEGAENTITYID)."""
        return self._ar("invoice", entity_id)

    def adjustments(self, entity_id: str | None = None) -> list[ArDocument]:
        return self._ar("adjustment", entity_id)

    def _ar(self, kind: str, entity_id: str | None) -> list[ArDocument]:
        with self.lock:
            rows = [d for d in self.ar_table if d.kind == kind]
        if entity_id is not None:
            rows = [d for d in rows if d.entity_id == entity_id]
        return sorted(rows, key=lambda d: d.recordno)

    def versions(self) -> tuple[int, ...]:
        """The versions of the document, customer and payment tables (see ``_VERSIONS``)."""
        return (
            self.ar_table.version,
            self.so_table.version,
            self.customer_table.version,
            self.payment_table.version,
        )

    def ar_documents(self, kind: str, recordnos: Collection[int]) -> list[ArDocument]:
        """The AR documents of ``kind`` among these record numbers, in RECORDNO order."""
        with self.lock:
            found = [self.ar_table.get(n) for n in sorted(set(recordnos))]
        return [d for d in found if d is not None and d.kind == kind]

    def invoice(self, recordno: int) -> ArDocument | None:
        with self.lock:
            doc = self.ar_table.get(recordno)
        return doc if doc is not None and doc.kind == "invoice" else None

    def invoice_by_number(self, record_id: str) -> ArDocument | None:
        with self.lock:
            return self.ar_table.find(("invoice", record_id))

    def customers(self) -> list[Customer]:
        with self.lock:
            return sorted(self.customer_table, key=lambda c: c.recordno)

    def customer(self, customer_id: str) -> Customer | None:
        with self.lock:
            return self.customer_table.get(customer_id)

    def sales_documents(self) -> list[SoDocument]:
        with self.lock:
            return sorted(self.so_table, key=lambda d: d.recordno)

    def sales_document(self, doc_id: str) -> SoDocument | None:
        with self.lock:
            return self.so_table.find(doc_id)

    def payments(self) -> list[Payment]:
        with self.lock:
            return sorted(self.payment_table, key=lambda p: p.recordno)

    # --- mutation helpers for scenario tests (what a person in the Intacct UI might do) ----
    def delete_invoice(self, recordno: int) -> None:
        self.remove(self.ar_table, recordno, None)

    def delete_customer(self, customer_id: str) -> None:
        self.remove(self.customer_table, customer_id, None)

    def set_line_amount(self, recordno: int, line_no: int, amount: Decimal, when: datetime) -> None:
        """Change one line (1-based) of an AR invoice or adjustment, as an edit in the UI would."""
        with self.lock:
            doc = self.ar_table.get(recordno)
            if doc is None:
                raise KeyError(recordno)
            lines = tuple(
                dataclasses.replace(ln, amount=amount) if ln.line_no == line_no else ln
                for ln in doc.lines
            )
            self.put(self.ar_table, dataclasses.replace(doc, lines=lines, when_modified=when), None)

    def add_invoice(
        self,
        customer_id: str,
        amount: Decimal,
        when_created: date,
        when: datetime,
        *,
        gl_account_no: str = "4000",
        location_id: str = "",
        entity_id: str = "",
        record_id: str | None = None,
        currency: str = "",
    ) -> ArDocument:
        """An invoice entered directly in Intacct, unknown to orsync (reconcile's "extra")."""
        doc = ArDocument(
            kind="invoice",
            recordno=self.next_recordno("ar"),
            record_id=record_id or self.next_invoice_number(),
            customer_id=customer_id,
            when_created=when_created,
            when_modified=when,
            entity_id=entity_id,
            currency=currency,
            lines=(Line(1, gl_account_no, amount, location_id=location_id),),
        )
        self.put(self.ar_table, doc, None)
        return doc

    def delete_sales_document(self, doc_id: str) -> None:
        """Delete a sales document and the AR record it posted."""
        with self.lock:
            doc = self.so_table.find(doc_id)
            if doc is None:
                raise KeyError(doc_id)
            if doc.pr_record_key is not None:
                self.remove(self.ar_table, doc.pr_record_key, None)
            self.remove(self.so_table, doc.recordno, None)

    def key_payment(
        self,
        invoice_recordno: int,
        amount: Decimal,
        *,
        method: str,
        description: str,
        when: datetime,
        financial_entity: str = "",
    ) -> Payment:
        """A payment finance keys in Intacct by hand (a cheque, a wire) and applies to an
        invoice: what the invoice has due goes down by ``amount``."""
        with self.lock:
            doc = self.ar_table.get(invoice_recordno)
            if doc is None:
                raise KeyError(invoice_recordno)
            recordno = self.next_recordno("payments")
            payment = Payment(
                recordno=recordno,
                customer_id=doc.customer_id,
                receipt_date=when.date(),
                when_modified=when,
                amount=amount,
                entity_id=doc.entity_id,
                financial_entity=financial_entity,
                payment_method=method,
                description=description,
                currency=doc.currency,
                details=(
                    PaymentDetail(self.next_recordno("details"), recordno, doc.recordno, amount),
                ),
            )
            self.put(self.payment_table, payment, None)
            paid = dataclasses.replace(doc, total_paid=doc.total_paid + amount, when_modified=when)
            self.put(self.ar_table, paid, None)
            return payment

    def reverse_payment(self, recordno: int, when: datetime) -> None:
        """Reverse a payment: its applications come off the invoices (e.g. a bounced cheque)."""
        with self.lock:
            payment = self.payment_table.get(recordno)
            if payment is None:
                raise KeyError(recordno)
            if not payment.draft and not payment.reversed:
                for detail in payment.details:
                    doc = self.ar_table.get(detail.record_key)
                    if doc is not None:
                        restored = dataclasses.replace(
                            doc, total_paid=doc.total_paid - detail.amount, when_modified=when
                        )
                        self.put(self.ar_table, restored, None)
            reversed_payment = dataclasses.replace(payment, reversed=True, when_modified=when)
            self.put(self.payment_table, reversed_payment, None)

    def set_books_closed_before(self, day: date | None) -> None:
        with self.lock:
            self.books_closed_before = day

    def set_module_closed_before(self, module: str, day: date | None) -> None:
        """Close a subledger ("AR", "OE") through the day before ``day`` (None reopens it)."""
        with self.lock:
            if day is None:
                self.modules_closed_before.pop(module, None)
            else:
                self.modules_closed_before[module] = day

    def first_open_day(self, modules: tuple[str, ...]) -> date | None:
        """The first day a posting to ``modules`` (and the GL) may carry."""
        days = [self.modules_closed_before[m] for m in modules if m in self.modules_closed_before]
        if self.books_closed_before is not None:
            days.append(self.books_closed_before)
        return max(days, default=None)

    def set_customer_status(self, customer_id: str, status: str, when: datetime) -> None:
        with self.lock:
            customer = self.customer_table.get(customer_id)
            if customer is None:
                raise KeyError(customer_id)
            updated = dataclasses.replace(customer, status=status, when_modified=when)
            self.put(self.customer_table, updated, None)

    def deactivate_customer(self, customer_id: str, when: datetime) -> None:
        self.set_customer_status(customer_id, "inactive", when)

    def set_master_status(self, kind: str, key: str, status: str) -> None:
        """Activate/deactivate master data: kind is ``locations``, ``departments``,
        ``classes``, ``gl_accounts``, ``items``, ``tax_details`` or ``definitions``."""
        with self.lock:
            table: dict[str, Any] = getattr(self, kind)
            table[key] = dataclasses.replace(table[key], status=status)

    def open_ar_balance(self, customer_id: str) -> Decimal:
        with self.lock:
            return sum(
                (d.total_due for d in self.ar_table if d.customer_id == customer_id),
                ZERO,
            )
