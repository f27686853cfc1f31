"""Payments taken in OfficeRnD (charges) as AR payments in Intacct: the pure decisions.

One OfficeRnD charge is at most one Intacct AR payment (``ARPYMT``) applied to the invoice it
pays, found again by its reference (``DOCNUMBER`` = the charge id) and carrying the origin
marker in its description. Partial payments are several charges, hence several payments.

- :func:`plan_payment` decides what one charge needs: ``create`` (a successful charge on an
  invoice orsync posted), ``reverse`` (its charge failed, was refunded or removed after orsync
  posted it), ``skip`` (nothing to do), ``held`` (its invoice is not in Intacct yet) or
  ``failed`` (refused with the reason: never post money that differs from OfficeRnD's);
- :func:`settle_payment` says what a lookup in Intacct proves about a payment write whose
  answer was lost (the same protocol as documents, ``engine/settle.py``).

The ledger row of a payment is keyed ``<invoice id>/<charge id>`` (kind ``payment``), so that
the payments of one invoice are found together when the invoice changed (a removed charge is
seen only that way). A reversal keeps the row and confirms :data:`PAYMENT_REVERSED`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from orsync.engine.canonical import version_hash
from orsync.engine.ledger import LedgerView
from orsync.engine.options import EngineOptions
from orsync.engine.origin import has_origin_marker, mark_origin
from orsync.engine.rounding import ZERO, to_cents

PAYMENT_KIND = "payment"
PAYMENT_REVERSED = "reversed"  # the confirmed version of a reversed payment's row

# ``refund`` is the charge's own status: its money was given back, so its Intacct payment is
# reversed like a failed or removed charge's (UNVERIFIED: officernd-api.md lists the statuses
# only; a refund of a credit note or overpayment is another record, not a charge). The one
# place this is decided; the OfficeRnD simulator counts such a charge as paying nothing.
ChargeStatus = Literal["success", "pending", "fail", "refund", "removed"]
PaymentDecision = Literal["create", "reverse", "skip", "held", "failed"]


def payment_source_id(invoice_id: str, charge_id: str) -> str:
    """The ledger key of a charge's payment: its invoice's id, then its own."""
    return f"{invoice_id}/{charge_id}"


@dataclass(frozen=True)
class SourceCharge:
    """One OfficeRnD charge as the engine sees it (``removed``: no longer in OfficeRnD)."""

    charge_id: str
    invoice_id: str
    status: ChargeStatus | str
    amount: Decimal | None
    currency: str | None
    day: date | None
    method: str | None  # OfficeRnD's payment method (the charge's ``account``)
    modified_at: datetime | None = None
    reference: str | None = None

    @property
    def source_id(self) -> str:
        return payment_source_id(self.invoice_id, self.charge_id)


@dataclass(frozen=True)
class InvoiceInIntacct:
    """The invoice a charge pays, as Intacct holds it (read before any payment is planned)."""

    key: str  # ARINVOICE RECORDNO
    customer_id: str
    currency: str
    total_due: Decimal
    entity: str | None = None  # the session it was posted in (None: top level)
    owner: str | None = None  # the entity it belongs to (its location's), for the bank account


@dataclass(frozen=True)
class Deposit:
    """Where the mapping says a payment method's money goes."""

    payment_method: str  # Intacct's: EFT, Credit Card, ...
    bank_account: str | None  # where no entity of ``by_entity`` applies
    by_entity: tuple[tuple[str, str], ...] = ()  # (Intacct entity, its bank account)

    def bank_for(self, entity: str | None) -> str | None:
        return dict(self.by_entity).get(entity or "", self.bank_account)


@dataclass(frozen=True)
class PaymentPosting:
    """The AR payment orsync expects in Intacct for one charge."""

    reference: str  # DOCNUMBER: the OfficeRnD charge id
    invoice_key: str
    customer_id: str
    amount: Decimal
    currency: str
    receipt_date: date  # the GL date (the first open day, when the policy shifted it)
    payment_method: str
    bank_account: str
    description: str
    entity: str | None = None
    payment_date: date | None = None  # the charge's own date, when it differs


def charge_version(charge: SourceCharge, deposit: Deposit) -> str:
    """The version of a charge's payment, from what OfficeRnD and the mapping say alone (so a
    charge read again unchanged is settled without asking Intacct anything)."""
    return version_hash(
        {
            "charge": charge.charge_id,
            "invoice": charge.invoice_id,
            "amount": None if charge.amount is None else str(to_cents(charge.amount)),
            "currency": (charge.currency or "").upper(),
            "date": None if charge.day is None else charge.day.isoformat(),
            "method": deposit.payment_method,
            "bank": [deposit.bank_account, *map(list, deposit.by_entity)],
        }
    )


@dataclass(frozen=True)
class PaymentPlan:
    """What one charge needs. ``posting`` for a create; ``reason`` and ``fix`` always say why."""

    decision: PaymentDecision
    reason: str
    posting: PaymentPosting | None = None
    fix: str | None = None
    version: str | None = None  # the charge's (``charge_version``), once it can be posted


def payment_posting(
    charge: SourceCharge,
    invoice: InvoiceInIntacct,
    payment_method: str,
    bank_account: str,
    invoice_number: str,
) -> PaymentPosting:
    assert charge.amount is not None and charge.day is not None
    return PaymentPosting(
        reference=charge.charge_id,
        invoice_key=invoice.key,
        customer_id=invoice.customer_id,
        amount=to_cents(charge.amount),
        currency=invoice.currency,
        receipt_date=charge.day,
        payment_method=payment_method,
        bank_account=bank_account,
        description=mark_origin(f"OfficeRnD charge {charge.charge_id} on {invoice_number}"),
        entity=invoice.entity,
    )


def plan_payment(
    charge: SourceCharge,
    row: LedgerView | None,
    *,
    invoice: InvoiceInIntacct | None,
    deposit: Deposit | str | None,
    invoice_number: str,
    options: EngineOptions | None = None,
) -> PaymentPlan:
    """What one charge needs in Intacct.

    ``row``: the charge's ledger row; ``invoice``: its invoice in Intacct (None: orsync has not
    posted it, or Intacct no longer has it); ``deposit``: the mapped payment method, or the
    mapping's reason when it has none.
    """
    if charge.reference is not None and charge.reference.startswith(INTACCT_REFERENCE):
        return PaymentPlan("skip", "orsync recorded this charge from an Intacct payment")
    posted = row is not None and row.confirmed_version is not None
    reversed_ = posted and row is not None and row.confirmed_version == PAYMENT_REVERSED
    if charge.status != "success":
        if posted and not reversed_:
            what = {"removed": "was removed", "fail": "failed", "refund": "was refunded"}
            return PaymentPlan(
                "reverse", f"the charge {what.get(charge.status, 'is ' + charge.status)}"
            )
        return PaymentPlan("skip", f"the charge is {charge.status}: nothing to post")
    if reversed_:
        return PaymentPlan(
            "failed",
            "the charge succeeded again after orsync reversed its Intacct payment",
            fix="Record the payment again in OfficeRnD as a new charge; a reversed Intacct "
            "payment is never reposted under the same reference.",
        )
    if charge.amount is None or charge.day is None:
        return PaymentPlan("failed", "the charge has no amount or no date")
    amount = to_cents(charge.amount)
    if amount <= ZERO:
        return PaymentPlan("skip", "the charge is not a positive amount")
    if not isinstance(deposit, Deposit):
        return PaymentPlan(
            "failed",
            deposit or f"payment method {charge.method!r} is not mapped",
            fix="Map the payment method in the mapping file's payment_methods section.",
        )
    version = charge_version(charge, deposit)
    if posted and row is not None:
        if row.confirmed_version == version:
            return PaymentPlan("skip", "unchanged", version=version)
        return PaymentPlan(
            "failed",
            "the charge changed after orsync posted its Intacct payment",
            fix="Posted payments are not edited: remove the charge in OfficeRnD (orsync reverses "
            "the payment) and record it again.",
        )
    if invoice is None:
        return PaymentPlan("held", "its invoice is not in Intacct yet")
    if charge.currency and charge.currency.upper() != invoice.currency.upper():
        return PaymentPlan(
            "failed",
            f"the charge is in {charge.currency} but its invoice is in {invoice.currency}",
            fix="Record the charge in the invoice's currency in OfficeRnD.",
        )
    bank = deposit.bank_for(invoice.owner)
    if bank is None:
        return PaymentPlan(
            "failed",
            f"payment method {charge.method!r} has no bank account for entity {invoice.owner}",
            fix=f"Add {invoice.owner}: <bank account> under bank_accounts of the payment method "
            "in the mapping file.",
        )
    posting = payment_posting(charge, invoice, deposit.payment_method, bank, invoice_number)
    if options is not None and options.is_closed(posting.receipt_date):
        if options.closed_period_policy == "skip":
            return PaymentPlan("skip", f"dated {posting.receipt_date} in a closed period")
        if options.closed_period_policy == "fail":
            return PaymentPlan(
                "failed",
                f"the charge is dated {posting.receipt_date}, in a closed Intacct period",
                fix="Set options.closed_period to shift (posts on the first open day) or "
                "reopen the period in Intacct, then run sync --retry-failed.",
            )
        assert options.books_closed_before is not None
        posting = replace(
            posting,
            receipt_date=options.books_closed_before,
            payment_date=posting.receipt_date,
            description=f"{posting.description} (paid {posting.receipt_date.isoformat()}; "
            "posted in the first open period)",
        )
    if amount > invoice.total_due:
        return PaymentPlan(
            "failed",
            f"the charge of {amount:.2f} is more than the {invoice.total_due:.2f} "
            f"{invoice.currency} due on the invoice in Intacct",
            fix="Check for a payment recorded on the invoice in Intacct by hand; reconcile it, "
            "or record the excess in OfficeRnD as an overpayment.",
        )
    return PaymentPlan("create", "a new payment", posting, version=version)


# -- settling a lost answer --------------------------------------------------------------------

SettlePaymentOutcome = Literal["confirm", "resend", "lost"]


@dataclass(frozen=True)
class FoundPayment:
    """An AR payment Intacct holds under a charge's reference."""

    key: str
    reference: str
    amount: Decimal
    reversed: bool
    description: str | None = None

    @property
    def by_orsync(self) -> bool:
        return has_origin_marker(self.description)


@dataclass(frozen=True)
class PaymentSettlement:
    outcome: SettlePaymentOutcome
    key: str | None = None
    reason: str = ""


def settle_payment(
    action: Literal["create", "reverse"],
    found: list[FoundPayment],
    *,
    amount: Decimal | None = None,
) -> PaymentSettlement:
    """What the lookup (every payment under the charge's reference) proves about a write whose
    answer was lost.

    A create: orsync's payment of that amount is there (confirm its key), or none of orsync's
    is (resend, same controlid); one with another amount is lost (a person looks: never a
    second payment). A reverse: the payment reversed (confirm) or still posted (resend); gone
    is lost.
    """
    ours = [p for p in found if p.by_orsync]
    if action == "create":
        live = [p for p in ours if not p.reversed]
        if not live:
            return PaymentSettlement("resend", reason="no payment of orsync's under the reference")
        match = [p for p in live if amount is None or p.amount == amount]
        if match:
            return PaymentSettlement("confirm", key=match[0].key)
        return PaymentSettlement(
            "lost",
            reason=f"Intacct holds payment {live[0].key} under this charge with another amount",
        )
    if not ours:
        return PaymentSettlement("lost", reason="the payment orsync posted is gone from Intacct")
    if all(p.reversed for p in ours):
        return PaymentSettlement("confirm", key=ours[0].key)
    return PaymentSettlement("resend", key=next(p.key for p in ours if not p.reversed))


# -- Intacct -> OfficeRnD: payments finance keyed in Intacct -------------------------------------

RECEIPT_KIND = "receipt"
INTACCT_REFERENCE = "intacct:"  # how a charge orsync recorded from Intacct is referenced
RECEIPT_REMOVED = "removed"  # the confirmed version of a receipt whose charge orsync removed

ReceiptDecision = Literal["create", "remove", "skip", "failed"]


def receipt_reference(payment_key: str) -> str:
    """The charge reference of an Intacct payment (its RECORDNO): orsync's origin marker on
    the OfficeRnD side, and the key it looks the charge up by."""
    return f"{INTACCT_REFERENCE}{payment_key}"


def from_intacct(reference: str | None) -> bool:
    """Whether a charge is one orsync recorded from Intacct (never sent back as new)."""
    return reference is not None and reference.startswith(INTACCT_REFERENCE)


@dataclass(frozen=True)
class IntacctReceipt:
    """One application of an Intacct AR payment to an invoice."""

    payment_key: str  # ARPYMT RECORDNO
    invoice_key: str  # ARINVOICE RECORDNO
    amount: Decimal
    day: date
    method: str  # Intacct's payment method
    reversed: bool
    description: str | None = None
    # A draft is not money received yet; only drafts can be deleted in Intacct (reference
    # intacct-api.md, AR payments), so a charge is never left behind by a deleted payment.
    draft: bool = False

    @property
    def source_id(self) -> str:
        return f"{self.payment_key}/{self.invoice_key}"

    @property
    def version(self) -> str:
        return version_hash(
            {
                "payment": self.payment_key,
                "invoice": self.invoice_key,
                "amount": str(to_cents(self.amount)),
                "date": self.day.isoformat(),
                "method": self.method,
            }
        )


@dataclass(frozen=True)
class ReceiptPlan:
    decision: ReceiptDecision
    reason: str
    fix: str | None = None


def plan_receipt(
    receipt: IntacctReceipt,
    row: LedgerView | None,
    *,
    invoice_id: str | None,
    account: str | None,
) -> ReceiptPlan:
    """What one Intacct payment application needs in OfficeRnD: a charge on the invoice
    (``invoice_id``: the OfficeRnD invoice orsync posted it from; None: not orsync's), in the
    OfficeRnD method ``account`` the mapping names for Intacct's method."""
    if has_origin_marker(receipt.description):
        return ReceiptPlan("skip", "orsync posted this payment (from an OfficeRnD charge)")
    if invoice_id is None:
        return ReceiptPlan("skip", "not applied to an invoice orsync posted")
    if row is not None and row.confirmed_version == RECEIPT_REMOVED:
        return ReceiptPlan("skip", "reversed in Intacct; orsync removed its charge")
    if row is not None and row.confirmed_version is not None:
        if receipt.reversed:
            return ReceiptPlan("remove", "the payment was reversed in Intacct")
        return ReceiptPlan("skip", "unchanged")
    if receipt.reversed:
        return ReceiptPlan("skip", "reversed in Intacct before it reached OfficeRnD")
    if receipt.draft:
        return ReceiptPlan("skip", "a draft in Intacct: recorded once it is posted")
    if account is None:
        return ReceiptPlan(
            "failed",
            f"no OfficeRnD payment method is mapped to Intacct's {receipt.method!r}",
            fix="Map an OfficeRnD payment method to it in the mapping's payment_methods.",
        )
    if to_cents(receipt.amount) <= ZERO:
        return ReceiptPlan("skip", "not a positive amount")
    return ReceiptPlan("create", "a payment keyed in Intacct")


SettleReceiptOutcome = Literal["confirm", "resend"]


def settle_receipt(action: Literal["create", "remove"], *, found: bool) -> SettleReceiptOutcome:
    """What a lookup of the charge (by its ``intacct:<RECORDNO>`` reference on the invoice)
    proves about a charge write whose answer was lost: a create that is there, or a removal
    that is gone, happened (confirm); otherwise it did not (send again)."""
    happened = found if action == "create" else not found
    return "confirm" if happened else "resend"
