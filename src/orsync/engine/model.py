"""Plain value types the engine works on: OfficeRnD documents in, Intacct postings out.

Everything here is a frozen dataclass with no behaviour beyond derived totals, so the adapters
(OfficeRnD records -> ``Source*``; Intacct reads -> ``Actual*``) stay thin and the engine can be
tested with literals.

Sign convention (one place, read by build and reconcile): OfficeRnD credit notes carry positive
amounts; an Intacct AR credit memo (``ar_credit_memo``) carries NEGATIVE line amounts (Intacct:
negative adjustment lines make a credit memo); a Sales credit (``so_credit``) carries positive
amounts because its transaction definition is what makes it a credit. The Intacct reader must
hand back ``ActualDocument`` amounts in the same convention.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from orsync.engine.origin import has_origin_marker
from orsync.engine.rounding import base_amount

SourceDocKind = Literal["invoice", "credit_note"]
CustomerKind = Literal["company", "member"]
PostingKind = Literal["ar_invoice", "so_invoice", "ar_credit_memo", "so_credit"]
ActualState = Literal["posted", "partially_paid", "paid", "reversed", "draft"]

# OfficeRnD document statuses that mean "not (or no longer) a live bill". Every other string,
# including ones OfficeRnD adds later ("overdue" already appears in real data), counts as issued.
DRAFT_STATUSES = frozenset({"draft"})
# REMOVED_STATUS is orsync's own: a document orsync posted that OfficeRnD no longer returns
# (deleted there; see ``services/sync/runner``); it leaves Intacct's books as a voided one does.
REMOVED_STATUS = "removed"
VOIDED_STATUSES = frozenset({"voided", REMOVED_STATUS})

INVOICE_KINDS: frozenset[PostingKind] = frozenset({"ar_invoice", "so_invoice"})
CREDIT_KINDS: frozenset[PostingKind] = frozenset({"ar_credit_memo", "so_credit"})


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


# --- source side (OfficeRnD) -------------------------------------------------------------


@dataclass(frozen=True)
class SourceCustomer:
    """A billed OfficeRnD company, or a member for personal invoices."""

    kind: CustomerKind
    id: str
    name: str
    code: str | None = None
    email: str | None = None
    contact_name: str | None = None
    billing_name: str | None = None
    address: Address | None = None
    currency: str | None = None
    status: str = "active"
    modified_at: dt.datetime | None = None


@dataclass(frozen=True)
class AccountRef:
    """An OfficeRnD revenue account as referenced by a line."""

    id: str | None
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class TaxRateRef:
    id: str
    name: str | None = None
    rate: Decimal | None = None  # percent, e.g. Decimal("20")


@dataclass(frozen=True)
class SourceLine:
    """One OfficeRnD invoice line.

    ``net_amount`` is before tax (for ``taxType: included`` documents the adapter passes
    ``total - taxAmount``); ``tax_amount`` is OfficeRnD's own line tax, or None when it gave none
    (the engine then computes it with :func:`orsync.engine.rounding.line_tax`).
    """

    description: str
    account: AccountRef
    net_amount: Decimal
    tax_amount: Decimal | None = None
    tax_rate: TaxRateRef | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    plan_id: str | None = None
    fee_id: str | None = None
    location_id: str | None = None  # line-level location, when it differs from the document's


@dataclass(frozen=True)
class CustomerRef:
    kind: CustomerKind
    id: str


@dataclass(frozen=True)
class SourceDocument:
    """An OfficeRnD invoice or credit note (a ``/payments`` record)."""

    kind: SourceDocKind
    id: str
    number: str
    status: str  # kept as OfficeRnD sent it, lower-cased by the adapter
    customer: CustomerRef
    date: dt.date
    currency: str
    total: Decimal  # tax included, as OfficeRnD states it
    lines: tuple[SourceLine, ...]
    due_date: dt.date | None = None
    location_id: str | None = None
    modified_at: dt.datetime | None = None
    # OfficeRnD's ``currencyConversionRate`` (document currency -> base currency) and
    # ``baseTotal``; None when OfficeRnD gave none.
    exchange_rate: Decimal | None = None
    base_total: Decimal | None = None
    # A credit note's: the OfficeRnD id of the invoice it credits (its first allocation's
    # target), None when OfficeRnD does not say. Not part of the posting: the credit memo's
    # ``invoiceno`` link is written once, when the memo is created (so not compared: reads that
    # leave allocations out describe the same document).
    credited_invoice_id: str | None = field(default=None, compare=False)

    @property
    def is_draft(self) -> bool:
        return self.status in DRAFT_STATUSES

    @property
    def is_voided(self) -> bool:
        return self.status in VOIDED_STATUSES

    @property
    def is_removed(self) -> bool:
        """Deleted in OfficeRnD (gone from ``/payments``) after orsync posted it."""
        return self.status == REMOVED_STATUS


def removed_document(
    kind: SourceDocKind, source_id: str, number: str, noticed_at: dt.datetime
) -> SourceDocument:
    """A document orsync posted that OfficeRnD no longer has (read back 404): it carries only
    what the ledger knows; the plan takes it out of Intacct as a void, dated ``noticed_at``."""
    return SourceDocument(
        kind=kind,
        id=source_id,
        number=number,
        status=REMOVED_STATUS,
        customer=CustomerRef("company", ""),
        date=noticed_at.date(),
        currency="",
        total=Decimal(0),
        lines=(),
        modified_at=noticed_at,
    )


# --- target side (Intacct) ---------------------------------------------------------------


@dataclass(frozen=True)
class PostingLine:
    """One line as orsync posts it (and, in ``ActualDocument``, as Intacct holds it).

    ``account`` is the GL account number (AR documents) or the item id (Sales documents).
    ``quantity``/``unit_price`` are set for Sales documents only; their product always equals
    ``net_amount`` to the cent (build falls back to quantity 1 when OfficeRnD's do not).
    ``role`` is ``"tax"`` on a line that carries sales tax to a liability account (a company
    with no tax engine): its ``net_amount`` is tax, counted in :attr:`Posting.total_tax`. None
    otherwise (left out of version hashes, so revenue lines hash as before).
    """

    account: str
    net_amount: Decimal
    tax_amount: Decimal = Decimal("0.00")
    location_id: str | None = None
    department_id: str | None = None
    class_id: str | None = None
    tax_detail_id: str | None = None
    memo: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    role: Literal["tax"] | None = None


@dataclass(frozen=True)
class Posting:
    """The canonical Intacct document orsync expects for one OfficeRnD document.

    ``reference`` is always the OfficeRnD number, so the document can be found again whoever
    numbers it: ``ponumber`` (read back as DOCNUMBER, unverified) on AR invoices, ``referenceno``
    on Sales documents; ``create_aradjustment`` has no ponumber, so on credit memos the Intacct
    writer puts it in ``externalid`` (``invoiceno`` then names the credited invoice; memos of
    earlier versions carry it in ``invoiceno``: services/convert/readback_parse.py reads both).
    ``invoice_number`` is OfficeRnD's number when OfficeRnD owns numbering
    (``invoiceno``/``documentno``/``adjustmentno``), else None (Intacct numbers it).
    """

    kind: PostingKind
    entity_id: str | None  # None = top level
    customer_id: str
    date_created: dt.date
    date_due: dt.date | None
    currency: str
    reference: str
    invoice_number: str | None
    description: str
    lines: tuple[PostingLine, ...]
    transaction_definition: str | None = None  # Sales documents only
    # OfficeRnD's rate, sent as ``exchrate`` (option ``fx_rates: officernd``) on a document not
    # in its base currency; None: Intacct applies its own rate type (or none is needed).
    exchange_rate: Decimal | None = None
    # The GL posting date when it is not ``date_created``: a document dated in a closed period
    # posts on the first open day (policy shift) while its invoice date, due date and tax
    # point stay OfficeRnD's.
    date_posted: dt.date | None = None

    @property
    def base_total(self) -> Decimal:
        """The base-currency total Intacct books at ``exchange_rate`` (the total without one)."""
        if self.exchange_rate is None:
            return self.total
        rate = self.exchange_rate
        return sum(
            (
                base_amount(ln.net_amount, rate) + base_amount(ln.tax_amount, rate)
                for ln in self.lines
            ),
            Decimal("0.00"),
        )

    @property
    def total_net(self) -> Decimal:
        return sum((line.net_amount for line in self.lines if line.role is None), Decimal("0.00"))

    @property
    def total_tax(self) -> Decimal:
        return sum(
            (line.net_amount if line.role == "tax" else line.tax_amount for line in self.lines),
            Decimal("0.00"),
        )

    @property
    def total(self) -> Decimal:
        return self.total_net + self.total_tax


@dataclass(frozen=True)
class CustomerPosting:
    """The Intacct CUSTOMER orsync expects for one billed OfficeRnD company or member."""

    customer_id: str
    name: str
    print_as: str
    contact_name: str
    email: str | None
    address: Address | None
    currency: str | None
    status: Literal["active", "inactive"]


@dataclass(frozen=True)
class ActualDocument:
    """An Intacct AR invoice, Sales document or AR adjustment as read back (compact form).

    Amounts follow the module's sign convention. ``reference`` is the field orsync writes the
    OfficeRnD number into (see :class:`Posting`); ``description`` carries the origin marker.
    """

    record_key: str
    kind: PostingKind
    entity_id: str | None
    customer_id: str
    date_created: dt.date
    date_due: dt.date | None
    currency: str
    reference: str | None
    invoice_number: str | None
    description: str
    lines: tuple[PostingLine, ...]
    state: ActualState
    total: Decimal
    total_paid: Decimal = Decimal("0.00")
    total_due: Decimal = Decimal("0.00")
    base_total: Decimal | None = None  # in the entity's base currency, when Intacct gave it
    date_posted: dt.date | None = None  # WHENPOSTED, the GL posting date

    @property
    def created_by_orsync(self) -> bool:
        return has_origin_marker(self.description)

    @property
    def is_live(self) -> bool:
        return self.state != "reversed"

    @property
    def is_paid_at_all(self) -> bool:
        return self.state in ("paid", "partially_paid") or self.total_paid != 0


@dataclass(frozen=True)
class ActualCustomer:
    record_key: str
    customer_id: str
    name: str
    print_as: str | None = None
    contact_name: str | None = None
    email: str | None = None
    address: Address | None = None
    currency: str | None = None
    status: str = "active"


# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why one record cannot be posted: what, where, and what the user should do."""

    number: str  # OfficeRnD document number (or customer name for customers)
    field: str  # e.g. "lines[2].account", "location", "total"
    message: str
    fix: str
    source_id: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Unmapped:
    """A resolver's answer when a value has no target and no default applies."""

    what: str  # "revenue account", "location", "tax rate", "department"...
    value: str
    fix: str
