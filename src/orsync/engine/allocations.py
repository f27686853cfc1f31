"""Credit allocated to invoices in OfficeRnD, applied in Intacct: the pure decisions.

OfficeRnD allocates a credit note (or an overpayment) to an invoice; Intacct applies the credit
memo (or advance) to the invoice with ``apply_arpayment`` (``arpaymentkey`` = the credit's
RECORDNO, one ``arpaymentitem`` = the invoice's RECORDNO and the amount). One OfficeRnD
allocation is at most one application, keyed in the ledger ``<credit id>/<allocation id>``
(kind ``allocation``) so the allocations of one credit are found together, and found again in
Intacct by its memo (:func:`application_memo`: the allocation id behind the origin marker),
which Intacct keeps as the application record's DESCRIPTION.

- :func:`plan_allocation` decides what one allocation needs: ``create`` (apply), ``skip``,
  ``held`` (its credit or its invoice is not in Intacct yet) or ``failed`` with the reason;
- :func:`settle_application` says what a lookup proves about an application whose answer was
  lost.

An allocation removed in OfficeRnD after orsync applied it: the official API (api.xsd v3.0)
has no function that takes an application back (``apply_arpayment`` only applies;
``reverse_arpayment`` and ``delete_arpayment`` are documented for received payments). That
choice, and the steps a person takes instead, live in :data:`UNAPPLY_FIX` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from orsync.engine.canonical import version_hash
from orsync.engine.ledger import LedgerView
from orsync.engine.options import EngineOptions
from orsync.engine.origin import has_origin_marker, mark_origin
from orsync.engine.rounding import ZERO, to_cents

ALLOCATION_KIND = "allocation"
ALLOCATION_UNDONE = "undone"  # the confirmed version of an application taken back by hand

# The one place that says an application cannot be taken back through the API.
UNAPPLY_FUNCTION = "an 'unapply' of apply_arpayment"
UNAPPLY_FIX = (
    "The Intacct API (api.xsd 3.0) has no function to take back a credit applied with "
    f"apply_arpayment ({UNAPPLY_FUNCTION} is missing). In Intacct, open Accounts Receivable > "
    "Receive payments (applied credits), find the application whose memo names this allocation, "
    "and reverse it; then run `orsync sync --retry-failed`. Or allocate the credit again in "
    "OfficeRnD."
)

AllocationDecision = Literal["create", "skip", "held", "failed"]


def allocation_source_id(credit_id: str, allocation_id: str) -> str:
    return f"{credit_id}/{allocation_id}"


def application_memo(allocation_id: str) -> str:
    """The memo of the application: how orsync finds it again (and knows it is its own)."""
    return mark_origin(f"OfficeRnD allocation {allocation_id}")


@dataclass(frozen=True)
class SourceAllocation:
    """One OfficeRnD allocation, read on the credit (credit note or overpayment) side."""

    allocation_id: str
    credit_id: str
    invoice_id: str
    amount: Decimal | None
    credit_type: str = "creditNote"  # or "overpayment"
    removed: bool = False  # no longer on the credit in OfficeRnD
    day: date | None = None  # the credit's date, when the allocation's own is not known

    @property
    def source_id(self) -> str:
        return allocation_source_id(self.credit_id, self.allocation_id)


@dataclass(frozen=True)
class CreditInIntacct:
    """The credit as Intacct holds it: what is left of it to apply (positive)."""

    key: str  # ARADJUSTMENT RECORDNO (credit memo) or ARPYMT RECORDNO (advance)
    customer_id: str
    currency: str
    available: Decimal
    entity: str | None = None


@dataclass(frozen=True)
class OpenInvoice:
    key: str
    customer_id: str
    currency: str
    total_due: Decimal
    entity: str | None = None


@dataclass(frozen=True)
class Application:
    """The ``apply_arpayment`` orsync expects for one allocation."""

    credit_key: str
    invoice_key: str
    amount: Decimal
    payment_date: date
    memo: str
    entity: str | None = None


@dataclass(frozen=True)
class AllocationPlan:
    decision: AllocationDecision
    reason: str
    application: Application | None = None
    fix: str | None = None
    version: str | None = None


def allocation_version(allocation: SourceAllocation) -> str:
    return version_hash(
        {
            "allocation": allocation.allocation_id,
            "credit": allocation.credit_id,
            "invoice": allocation.invoice_id,
            "amount": None if allocation.amount is None else str(to_cents(allocation.amount)),
        }
    )


def plan_allocation(
    allocation: SourceAllocation,
    row: LedgerView | None,
    *,
    credit: CreditInIntacct | None,
    invoice: OpenInvoice | None,
    today: date,
    options: EngineOptions | None = None,
) -> AllocationPlan:
    """What one allocation needs in Intacct. ``credit``/``invoice``: as Intacct holds them
    (None: not posted by orsync yet, or no longer open)."""
    posted = row is not None and row.confirmed_version not in (None, ALLOCATION_UNDONE)
    if allocation.removed:
        if posted:
            return AllocationPlan(
                "failed",
                "the allocation was removed in OfficeRnD after orsync applied it in Intacct",
                fix=UNAPPLY_FIX,
            )
        return AllocationPlan("skip", "removed in OfficeRnD before it was applied")
    if allocation.amount is None or to_cents(allocation.amount) <= ZERO:
        return AllocationPlan("skip", "the allocation is not a positive amount")
    version = allocation_version(allocation)
    if posted and row is not None:
        if row.confirmed_version == version:
            return AllocationPlan("skip", "unchanged", version=version)
        return AllocationPlan(
            "failed",
            "the allocation changed after orsync applied it in Intacct",
            fix=UNAPPLY_FIX,
        )
    if credit is None:
        return AllocationPlan("held", "its credit is not in Intacct yet")
    if invoice is None:
        return AllocationPlan("held", "its invoice is not in Intacct yet")
    amount = to_cents(allocation.amount)
    refused = _refusal(credit, invoice, amount)
    if refused is not None:
        reason, fix = refused
        return AllocationPlan("failed", reason, fix=fix, version=version)
    day = today
    if options is not None and options.is_closed(day):
        assert options.books_closed_before is not None
        day = options.books_closed_before
    application = Application(
        credit_key=credit.key,
        invoice_key=invoice.key,
        amount=amount,
        payment_date=day,
        memo=application_memo(allocation.allocation_id),
        entity=invoice.entity,
    )
    return AllocationPlan("create", "a new allocation", application, version=version)


def _refusal(
    credit: CreditInIntacct, invoice: OpenInvoice, amount: Decimal
) -> tuple[str, str] | None:
    if credit.customer_id != invoice.customer_id:
        return (
            f"the credit belongs to customer {credit.customer_id} in Intacct and the invoice "
            f"to {invoice.customer_id}",
            "Allocate the credit to an invoice of the same customer in OfficeRnD.",
        )
    if credit.currency.upper() != invoice.currency.upper():
        return (
            f"the credit is in {credit.currency} and the invoice in {invoice.currency}",
            "Allocate the credit to an invoice in its own currency.",
        )
    if (credit.entity or "") != (invoice.entity or ""):
        return (
            f"the credit is in entity {credit.entity or 'top level'} and the invoice in "
            f"{invoice.entity or 'top level'}",
            "Allocate the credit to an invoice of the same location's entity.",
        )
    if amount > credit.available:
        return (
            f"the allocation of {amount:.2f} is more than the {credit.available:.2f} "
            f"{credit.currency} left on the credit in Intacct",
            "Check for a credit applied in Intacct by hand; reconcile it.",
        )
    if amount > invoice.total_due:
        return (
            f"the allocation of {amount:.2f} is more than the {invoice.total_due:.2f} "
            f"{invoice.currency} due on the invoice in Intacct",
            "Check for a payment recorded on the invoice in Intacct by hand; reconcile it.",
        )
    return None


# -- settling a lost answer --------------------------------------------------------------------

SettleApplicationOutcome = Literal["confirm", "resend", "lost"]


@dataclass(frozen=True)
class FoundApplication:
    """An application record Intacct holds under an allocation's memo."""

    key: str
    amount: Decimal
    reversed: bool
    memo: str | None = None

    @property
    def by_orsync(self) -> bool:
        return has_origin_marker(self.memo)


@dataclass(frozen=True)
class ApplicationSettlement:
    outcome: SettleApplicationOutcome
    key: str | None = None
    reason: str = ""


def settle_application(found: list[FoundApplication], amount: Decimal) -> ApplicationSettlement:
    """What the lookup by memo proves about an ``apply_arpayment`` whose answer was lost: the
    application of that amount is there (confirm), none is (resend, same controlid), or one of
    another amount is (lost: a person looks, never a second application)."""
    live = [f for f in found if f.by_orsync and not f.reversed]
    if not live:
        return ApplicationSettlement("resend", reason="no application under the memo")
    for item in live:
        if item.amount == to_cents(amount):
            return ApplicationSettlement("confirm", key=item.key)
    return ApplicationSettlement(
        "lost",
        reason=f"Intacct holds application {live[0].key} of this allocation with another amount",
    )


# -- overpayments: money received beyond what was due, posted as an advance ---------------------

OVERPAYMENT_KIND = "overpayment"

OverpaymentDecision = Literal["create", "reverse", "skip", "held", "failed"]
OVERPAYMENT_REVERSED = "reversed"  # the confirmed version of a reversed advance's row


@dataclass(frozen=True)
class SourceOverpayment:
    """An OfficeRnD overpayment (``documentType: overpayment``) as the engine sees it."""

    overpayment_id: str
    number: str
    amount: Decimal | None
    currency: str
    day: date | None
    method: str | None
    status: str = "pending"
    location_id: str | None = None


@dataclass(frozen=True)
class AdvancePosting:
    """The ARADVANCE orsync expects for one overpayment."""

    reference: str  # DOCNUMBER: the OfficeRnD overpayment id
    customer_id: str
    amount: Decimal
    currency: str
    receipt_date: date
    payment_method: str
    bank_account: str
    gl_account: str  # the profile's overpayment account
    description: str
    entity: str | None = None  # the session it posts in (None: top level)
    location_id: str | None = None


@dataclass(frozen=True)
class OverpaymentPlan:
    decision: OverpaymentDecision
    reason: str
    posting: AdvancePosting | None = None
    fix: str | None = None
    version: str | None = None


def overpayment_version(overpayment: SourceOverpayment, account: str, bank: str) -> str:
    return version_hash(
        {
            "overpayment": overpayment.overpayment_id,
            "amount": None if overpayment.amount is None else str(to_cents(overpayment.amount)),
            "currency": overpayment.currency.upper(),
            "date": None if overpayment.day is None else overpayment.day.isoformat(),
            "account": account,
            "bank": bank,
        }
    )


def plan_overpayment(
    overpayment: SourceOverpayment,
    row: LedgerView | None,
    *,
    customer_id: str | None,
    payment_method: str | None,
    bank_account: str | None,
    account: str | None,
    entity: str | None,
    options: EngineOptions | None = None,
) -> OverpaymentPlan:
    """What one overpayment needs in Intacct: an advance received into ``bank_account`` (the
    mapping's for its method and entity) on the overpayment ``account``, for ``customer_id``
    (None: the customer is not in Intacct yet). ``payment_method``/``bank_account`` None: the
    mapping has none (the reason is then the caller's ``fix``)."""
    posted = row is not None and row.confirmed_version is not None
    reversed_ = posted and row is not None and row.confirmed_version == OVERPAYMENT_REVERSED
    if overpayment.status in ("voided", "removed"):
        if reversed_:
            return OverpaymentPlan("skip", "its advance is reversed")
        if posted:  # the ledger's row is reversed once: a second sync finds it so
            return OverpaymentPlan(
                "reverse",
                f"the overpayment was {overpayment.status} in OfficeRnD",
                version=OVERPAYMENT_REVERSED,
            )
        return OverpaymentPlan("skip", f"the overpayment is {overpayment.status}")
    if reversed_:
        return OverpaymentPlan(
            "failed",
            "the overpayment is live again after orsync reversed its advance",
            fix="Record the overpayment again in OfficeRnD; a reversed Intacct advance is never "
            "reposted under the same reference.",
        )
    if overpayment.amount is None or overpayment.day is None:
        return OverpaymentPlan("failed", "the overpayment has no amount or no date")
    amount = to_cents(overpayment.amount)
    if amount <= ZERO:
        return OverpaymentPlan("skip", "the overpayment is not a positive amount")
    if not account:
        return OverpaymentPlan(
            "failed",
            "no overpayment account is set",
            fix="Set it with `orsync connect --overpayment-account <gl-account>` (or "
            "options.overpayment_account in the mapping file).",
        )
    if payment_method is None or bank_account is None:
        return OverpaymentPlan(
            "failed",
            f"payment method {overpayment.method!r} has no Intacct method or bank account for "
            f"entity {entity or 'top level'}",
            fix="Map the payment method (and the entity's bank account) in payment_methods.",
        )
    version = overpayment_version(overpayment, account, bank_account)
    if posted and row is not None:
        if row.confirmed_version == version:
            return OverpaymentPlan("skip", "unchanged", version=version)
        return OverpaymentPlan(
            "failed",
            "the overpayment changed after orsync posted its advance",
            fix="Posted advances are not edited: reverse it in Intacct and record the "
            "overpayment again in OfficeRnD.",
        )
    if customer_id is None:
        return OverpaymentPlan("held", "its customer is not in Intacct yet")
    day = overpayment.day
    description = mark_origin(f"OfficeRnD overpayment {overpayment.number}")
    if options is not None and options.is_closed(day):
        if options.closed_period_policy == "skip":
            return OverpaymentPlan("skip", f"dated {day} in a closed period")
        if options.closed_period_policy == "fail":
            return OverpaymentPlan(
                "failed",
                f"the overpayment is dated {day}, in a closed Intacct period",
                fix="Set options.closed_period to shift or reopen the period in Intacct, then "
                "run sync --retry-failed.",
            )
        assert options.books_closed_before is not None
        description = f"{description} (received {day.isoformat()})"
        day = options.books_closed_before
    posting = AdvancePosting(
        reference=overpayment.overpayment_id,
        customer_id=customer_id,
        amount=amount,
        currency=overpayment.currency,
        receipt_date=day,
        payment_method=payment_method,
        bank_account=bank_account,
        gl_account=account,
        description=description,
        entity=entity,
        location_id=None,
    )
    return OverpaymentPlan("create", "a new overpayment", posting, version=version)
