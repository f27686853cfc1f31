"""The company's records as immutable values, and how each renders as Intacct fields.

Records are frozen: a change is a new value put into the store, which lets the store undo a
``transaction="true"`` operation by putting the old values back.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from orsync.sandbox.intacct.rows import KeptRow

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Fields = list[tuple[str, str]]


def money(value: Decimal) -> Decimal:
    """The one place amounts are rounded: half-up to cents, as the gateway stores them."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    # Amounts repeat across documents; -0 equals 0 (same hash) but is written "-0.00", so the
    # sign is part of the key.
    return _fmt_cents(value, value.is_signed())


@functools.lru_cache(maxsize=1 << 16)
def _fmt_cents(value: Decimal, signed: bool) -> str:
    del signed  # only a key
    return f"{money(value):.2f}"


ONE = Decimal(1)


def base_amount(value: Decimal, rate: Decimal) -> Decimal:
    """A transaction amount in base currency: each posted amount (line, tax entry) converted and
    rounded on its own. UNVERIFIED that Intacct rounds per line rather than per document;
    orsync's engine states the same rule (``orsync.engine.rounding.base_amount``)."""
    return money(value * rate) if rate != ONE else value


def fmt_date(value: date | None) -> str:
    return _fmt_day(value) if value else ""


@functools.lru_cache(maxsize=1 << 14)
def _fmt_day(value: date) -> str:
    # strftime is slow and a company's documents share a few hundred days: each is written once.
    return value.strftime("%m/%d/%Y")


def fmt_datetime(value: datetime | None) -> str:
    # UNVERIFIED: the zone of WHENMODIFIED (company preference vs UTC). The simulator writes
    # the clock's instant in UTC, without an offset, in the gateway's mm/dd/yyyy HH:MM:SS form.
    return value.strftime("%m/%d/%Y %H:%M:%S") if value else ""


@dataclass(frozen=True, slots=True)
class TaxEntry:
    detail_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Line:
    """A line of an AR invoice or adjustment (ARINVOICEITEM / ARADJUSTMENTITEM)."""

    line_no: int
    gl_account_no: str
    amount: Decimal
    memo: str = ""
    location_id: str = ""
    department_id: str = ""
    class_id: str = ""
    item_id: str = ""
    taxes: tuple[TaxEntry, ...] = ()
    custom_fields: tuple[tuple[str, str], ...] = ()

    @property
    def tax(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)


@dataclass(frozen=True)
class ArDocument:
    """An AR invoice (``kind="invoice"``) or AR adjustment (``kind="adjustment"``).

    Amounts keep their sign: a credit memo is an adjustment with negative lines, and what has
    been applied to it (``total_paid``) is negative too, so ``total_due`` is always
    ``total_entered - total_paid``.
    """

    kind: str
    recordno: int
    record_id: str
    customer_id: str
    when_created: date
    when_modified: datetime
    entity_id: str = ""
    lines: tuple[Line, ...] = ()
    doc_number: str = ""
    when_posted: date | None = None
    when_due: date | None = None
    term_name: str = ""
    currency: str = ""
    description: str = ""
    external_id: str = ""
    tax_solution_id: str = ""
    module_key: str = "4.AR"
    total_paid: Decimal = ZERO
    draft: bool = False
    reversed_by: int | None = None
    reversal_of: int | None = None
    invoice_no: str = ""  # adjustments: the invoice they were entered against
    custom_fields: tuple[tuple[str, str], ...] = ()
    base_currency: str = ""  # "" = the transaction currency (rate 1)
    exchange_rate: Decimal = ONE

    @cached_property
    def total_entered(self) -> Decimal:
        # Records are immutable, so derived values and rendered rows (KeptRow: with their
        # bytes, once written) are computed once per version of the record.
        return money(sum((line.amount + line.tax for line in self.lines), ZERO))

    @cached_property
    def base_total(self) -> Decimal:
        """TOTALENTERED: every line and tax entry converted at the document's rate."""
        rate = self.exchange_rate
        return money(
            sum(
                (
                    base_amount(line.amount, rate)
                    + sum((base_amount(t.amount, rate) for t in line.taxes), ZERO)
                    for line in self.lines
                ),
                ZERO,
            )
        )

    @property
    def total_due(self) -> Decimal:
        return money(self.total_entered - self.total_paid)

    @property
    def state(self) -> str:
        if self.draft:
            return "Draft"
        if self.reversal_of is not None:
            return "Reversal"
        if self.reversed_by is not None:
            return "Reversed"
        if self.total_paid == ZERO:
            return "Posted"
        if self.total_due == ZERO:
            return "Paid"
        return "Partially Paid"

    def header_fields(self) -> Fields:
        return self._header

    @cached_property
    def _header(self) -> Fields:
        entered, paid, due = (
            fmt_money(self.total_entered),
            fmt_money(self.total_paid),
            fmt_money(self.total_due),
        )
        rate = self.exchange_rate
        base_paid = base_amount(self.total_paid, rate)
        fields: Fields = [
            ("RECORDNO", str(self.recordno)),
            ("RECORDID", self.record_id),
            ("DOCNUMBER", self.doc_number),
            ("STATE", self.state),
            ("CUSTOMERID", self.customer_id),
            ("WHENCREATED", fmt_date(self.when_created)),
            ("WHENPOSTED", fmt_date(self.when_posted or self.when_created)),
            ("WHENDUE", fmt_date(self.when_due)),
            ("TERMNAME", self.term_name),
            ("DESCRIPTION", self.description),
            ("CURRENCY", self.currency),
            ("BASECURR", self.base_currency or self.currency),
            ("EXCHANGE_RATE", str(rate)),
            ("TOTALENTERED", fmt_money(self.base_total)),
            ("TOTALPAID", fmt_money(base_paid)),
            ("TOTALDUE", fmt_money(self.base_total - base_paid)),
            ("TRX_TOTALENTERED", entered),
            ("TRX_TOTALPAID", paid),
            ("TRX_TOTALDUE", due),
            ("MODULEKEY", self.module_key),
            ("MEGAENTITYID", self.entity_id),
            ("TAXSOLUTIONID", self.tax_solution_id),
            ("EXTERNALID", self.external_id),
            ("WHENMODIFIED", fmt_datetime(self.when_modified)),
        ]
        if self.kind == "adjustment":
            fields.append(("INVOICENO", self.invoice_no))
        fields.extend(self.custom_fields)
        return KeptRow(fields)

    def line_rows(self) -> tuple[Fields, ...]:
        """Every line as a generic-read row (RECORDNO first), rendered once per value."""
        return self._line_rows

    @cached_property
    def _line_rows(self) -> tuple[Fields, ...]:
        return tuple(
            KeptRow(
                [("RECORDNO", str(self.recordno * 1000 + line.line_no)), *self.line_fields(line)]
            )
            for line in self.lines
        )

    def line_fields(self, line: Line) -> Fields:
        amount = fmt_money(line.amount)
        fields: Fields = [
            ("RECORDKEY", str(self.recordno)),
            ("LINE_NO", str(line.line_no - 1)),  # generic reads are 0-based
            ("ACCOUNTNO", line.gl_account_no),
            ("AMOUNT", fmt_money(base_amount(line.amount, self.exchange_rate))),
            ("TRX_AMOUNT", amount),
            ("MEMO", line.memo),
            ("LOCATIONID", line.location_id),
            ("DEPARTMENTID", line.department_id),
            ("CLASSID", line.class_id),
            ("ITEMID", line.item_id),
            ("TOTALTAX", fmt_money(line.tax)),
        ]
        for number, tax in enumerate(line.taxes, start=1):
            fields.append((f"TAXDETAIL{number}", tax.detail_id))
            fields.append((f"TAXAMOUNT{number}", fmt_money(tax.amount)))
        fields.extend(line.custom_fields)
        return fields


@dataclass(frozen=True, slots=True)
class SoLine:
    line_no: int
    item_id: str
    quantity: Decimal
    price: Decimal
    memo: str = ""
    location_id: str = ""
    department_id: str = ""
    class_id: str = ""
    taxes: tuple[TaxEntry, ...] = ()
    custom_fields: tuple[tuple[str, str], ...] = ()

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.price)


@dataclass(frozen=True)
class SoDocument:
    """An Order Entry sales document; ``pr_record_key`` is the AR record it generated."""

    recordno: int
    definition: str
    doc_no: str
    customer_id: str
    when_created: date
    when_modified: datetime
    entity_id: str = ""
    lines: tuple[SoLine, ...] = ()
    reference_no: str = ""
    when_due: date | None = None
    when_posted: date | None = None
    term_name: str = ""
    currency: str = ""
    message: str = ""
    external_id: str = ""
    state: str = "Pending"
    pr_record_key: int | None = None
    custom_fields: tuple[tuple[str, str], ...] = ()
    base_currency: str = ""  # "" = the transaction currency (rate 1)
    exchange_rate: Decimal = ONE

    @property
    def doc_id(self) -> str:
        return f"{self.definition}-{self.doc_no}"

    @property
    def total(self) -> Decimal:
        return money(
            sum((ln.amount + sum((t.amount for t in ln.taxes), ZERO) for ln in self.lines), ZERO)
        )

    @property
    def base_total(self) -> Decimal:
        rate = self.exchange_rate
        return money(
            sum(
                (
                    base_amount(ln.amount, rate)
                    + sum((base_amount(t.amount, rate) for t in ln.taxes), ZERO)
                    for ln in self.lines
                ),
                ZERO,
            )
        )

    def header_fields(self) -> Fields:
        return self._header

    @cached_property
    def _header(self) -> Fields:
        return KeptRow(
            [
                ("RECORDNO", str(self.recordno)),
                ("DOCNO", self.doc_no),
                ("DOCID", self.doc_id),
                ("DOCPARID", self.definition),
                ("STATE", self.state),
                ("CUSTVENDID", self.customer_id),
                ("CUSTOMERID", self.customer_id),
                ("PONUMBER", self.reference_no),
                ("WHENCREATED", fmt_date(self.when_created)),
                ("WHENPOSTED", fmt_date(self.when_posted or self.when_created)),
                ("WHENDUE", fmt_date(self.when_due)),
                ("TERMNAME", self.term_name),
                ("MESSAGE", self.message),
                ("CURRENCY", self.currency),
                ("BASECURR", self.base_currency or self.currency),
                ("EXCHANGE_RATE", str(self.exchange_rate)),
                ("TOTAL", fmt_money(self.base_total)),
                ("TRX_TOTAL", fmt_money(self.total)),
                ("PRRECORDKEY", "" if self.pr_record_key is None else str(self.pr_record_key)),
                ("MEGAENTITYID", self.entity_id),
                ("EXTERNALID", self.external_id),
                ("WHENMODIFIED", fmt_datetime(self.when_modified)),
                *self.custom_fields,
            ]
        )

    def line_rows(self) -> tuple[Fields, ...]:
        """Every line as a generic-read row (RECORDNO first), rendered once per value."""
        return self._line_rows

    @cached_property
    def _line_rows(self) -> tuple[Fields, ...]:
        return tuple(
            KeptRow(
                [("RECORDNO", str(self.recordno * 1000 + line.line_no)), *self.line_fields(line)]
            )
            for line in self.lines
        )

    def line_fields(self, line: SoLine) -> Fields:
        return [
            ("DOCHDRNO", str(self.recordno)),
            ("DOCHDRID", self.doc_id),
            ("LINE_NO", str(line.line_no - 1)),
            ("ITEMID", line.item_id),
            ("QUANTITY", str(line.quantity)),
            ("PRICE", str(line.price)),
            ("TOTAL", fmt_money(line.amount)),
            ("MEMO", line.memo),
            ("LOCATIONID", line.location_id),
            ("DEPARTMENTID", line.department_id),
            ("CLASSID", line.class_id),
            *line.custom_fields,
        ]


@dataclass(frozen=True, slots=True)
class PaymentDetail:
    """One application of a payment: to an invoice (``record_key``) or of a credit memo."""

    recordno: int
    payment_key: int
    record_key: int
    amount: Decimal
    adjustment_key: int | None = None
    advance_key: int | None = None  # an advance (ARADVANCE) applied with apply_arpayment


@dataclass(frozen=True)
class Payment:
    """An AR payment (ARPYMT): money received, or a credit memo applied (``record_type``)."""

    recordno: int
    customer_id: str
    receipt_date: date
    when_modified: datetime
    amount: Decimal
    entity_id: str = ""
    financial_entity: str = ""
    payment_method: str = ""
    doc_number: str = ""
    description: str = ""
    payment_date: date | None = None
    currency: str = ""
    draft: bool = False
    reversed: bool = False
    # "rp" received payment; "ra" a credit (adjustment) applied with apply_arpayment;
    # "rr" an advance (ARADVANCE), spent by apply_arpayment (``applied``).
    record_type: str = "rp"
    details: tuple[PaymentDetail, ...] = ()
    custom_fields: tuple[tuple[str, str], ...] = ()
    applied: Decimal = Decimal("0.00")
    gl_account: str = ""  # an advance's credit account

    @property
    def state(self) -> str:
        if self.reversed:
            return "Reversed"
        return "Draft" if self.draft else "Posted"

    def header_fields(self) -> Fields:
        return self._header

    @cached_property
    def _header(self) -> Fields:
        return KeptRow(
            [
                ("RECORDNO", str(self.recordno)),
                ("RECORDTYPE", self.record_type),
                ("CUSTOMERID", self.customer_id),
                ("FINANCIALENTITY", self.financial_entity),
                ("PAYMENTMETHOD", self.payment_method),
                ("DOCNUMBER", self.doc_number),
                ("DESCRIPTION", self.description),
                ("RECEIPTDATE", fmt_date(self.receipt_date)),
                ("PAYMENTDATE", fmt_date(self.payment_date or self.receipt_date)),
                ("CURRENCY", self.currency),
                ("TOTALENTERED", fmt_money(self.amount)),
                ("TRX_TOTALENTERED", fmt_money(self.amount)),
                ("STATE", self.state),
                ("MEGAENTITYID", self.entity_id),
                ("WHENMODIFIED", fmt_datetime(self.when_modified)),
                *self._advance_fields(),
                *self.custom_fields,
            ]
        )

    def _advance_fields(self) -> Fields:
        """What is left of an advance (UNVERIFIED names, as on AR documents)."""
        if self.record_type != "rr":
            return []
        left = fmt_money(self.amount - self.applied)
        return [
            ("TOTALPAID", fmt_money(self.applied)),
            ("TRX_TOTALPAID", fmt_money(self.applied)),
            ("TOTALDUE", left),
            ("TRX_TOTALDUE", left),
        ]

    def detail_fields(self, detail: PaymentDetail) -> Fields:
        return [
            ("RECORDNO", str(detail.recordno)),
            ("PAYMENTKEY", str(self.recordno)),
            ("RECORDKEY", str(detail.record_key)),
            ("ADJUSTMENTKEY", "" if detail.adjustment_key is None else str(detail.adjustment_key)),
            ("TRX_PAYMENTAMOUNT", fmt_money(detail.amount)),
            ("PAYMENTAMOUNT", fmt_money(detail.amount)),
            ("PAYMENTDATE", fmt_date(self.payment_date or self.receipt_date)),
            ("STATE", self.state),
            ("WHENMODIFIED", fmt_datetime(self.when_modified)),
        ]


@dataclass(frozen=True)
class Customer:
    recordno: int
    customer_id: str
    name: str
    when_modified: datetime
    status: str = "active"
    entity_id: str = ""
    currency: str = ""
    email: str = ""
    # Every other field the client sent (flattened, uppercase), kept so reads give it back.
    extra: tuple[tuple[str, str], ...] = field(default=())

    def fields(self) -> Fields:
        return self._fields

    @cached_property
    def _fields(self) -> Fields:
        known = [
            ("RECORDNO", str(self.recordno)),
            ("CUSTOMERID", self.customer_id),
            ("NAME", self.name),
            ("STATUS", self.status),
            ("CURRENCY", self.currency),
            ("DISPLAYCONTACT.EMAIL1", self.email),
            ("MEGAENTITYID", self.entity_id),
            ("WHENMODIFIED", fmt_datetime(self.when_modified)),
        ]
        names = {name for name, _ in known}
        return KeptRow(known + [(n, v) for n, v in self.extra if n not in names])
