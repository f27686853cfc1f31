"""Reconcile of payments and open balances: the pure decisions.

Reconcile already reads every invoice of the period on both sides, with the amounts each system
says are paid and due (OfficeRnD's ``paidAmount`` + ``allocatedAmount``, Intacct's
``TOTALPAID``/``TOTALDUE``). :func:`balance_differences` keeps the invoices whose balances differ;
only those have their payments read (OfficeRnD charges by invoice, Intacct ``ARPYMTDETAIL`` by
invoice key, 50 and 1000 to a request), and :func:`payment_findings` says, per invoice, which
payment is on one side only or applied with another amount, each with its fix:

- ``payment_missing``: a successful OfficeRnD charge with no live Intacct payment under its
  reference (never posted, or deleted/reversed in Intacct by hand). Safe: sync posts it
  (``sync --only payments`` re-plans the charge).
- ``payment_orphan``: an Intacct payment orsync wrote whose charge is gone, failed or refunded.
  Safe: sync reverses it. A charge orsync recorded from an Intacct payment that is reversed or
  gone is manual (orsync never deletes an OfficeRnD charge).
- ``payment_unrecorded``: a payment keyed in Intacct by hand that OfficeRnD has no charge for.
  Safe when its method maps back to an OfficeRnD one: sync records it as a charge.
- ``payment_different``: both sides have the payment with different amounts (manual: posted
  payments are never edited).
- ``balance_different``: the invoice's paid/due amounts differ (paid in one system, open in the
  other, or partly). Its fix names the payment findings that account for the difference, or,
  when they do not (an allocation, a credit applied by hand), the steps to take.

Pairs whose payments offset one another exactly (same paid amount, wrong payments) are not
looked at: the balances are the filter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orsync.engine.payments import INTACCT_REFERENCE, payment_source_id
from orsync.engine.report import Category, FieldDiff, Finding, Fix
from orsync.engine.rounding import ZERO, to_cents

SYNC_PAYMENTS = "`orsync sync --only payments`"


@dataclass(frozen=True)
class InvoiceBalance:
    """One invoice matched on both sides, with what each says is paid and due."""

    source_id: str  # OfficeRnD invoice id
    number: str
    currency: str
    total: Decimal
    officernd_paid: Decimal  # successful charges less refunds, plus credit allocated
    intacct_key: str  # ARINVOICE RECORDNO
    intacct_paid: Decimal  # TOTALPAID (transaction currency)
    intacct_due: Decimal  # TOTALDUE

    @property
    def officernd_due(self) -> Decimal:
        return to_cents(self.total) - to_cents(self.officernd_paid)

    @property
    def differs(self) -> bool:
        return to_cents(self.officernd_paid) != to_cents(self.intacct_paid) or (
            self.officernd_due != to_cents(self.intacct_due)
        )


def balance_differences(invoices: Iterable[InvoiceBalance]) -> list[InvoiceBalance]:
    """The invoices whose payments need reading: their balances differ."""
    return [invoice for invoice in invoices if invoice.differs]


@dataclass(frozen=True)
class ChargeSeen:
    """An OfficeRnD charge on one of those invoices."""

    charge_id: str
    invoice_id: str
    status: str  # success / pending / fail / refund
    amount: Decimal
    reference: str | None = None  # ``intacct:<RECORDNO>`` when orsync recorded it from Intacct

    @property
    def intacct_key(self) -> str | None:
        """The Intacct payment orsync recorded this charge from, if it did."""
        if self.reference and self.reference.startswith(INTACCT_REFERENCE):
            return self.reference[len(INTACCT_REFERENCE) :]
        return None


@dataclass(frozen=True)
class PaymentSeen:
    """One Intacct AR payment's application to one of those invoices."""

    payment_key: str  # ARPYMT RECORDNO
    invoice_key: str  # ARINVOICE RECORDNO it is applied to
    amount: Decimal  # applied to that invoice
    reference: str | None  # DOCNUMBER: the OfficeRnD charge id for orsync's payments
    by_orsync: bool  # origin marker in its description
    reversed: bool
    method: str | None = None  # Intacct's payment method


def payment_findings(
    invoices: Sequence[InvoiceBalance],
    charges: Iterable[ChargeSeen],
    payments: Iterable[PaymentSeen],
    *,
    methods_back: Collection[str] = (),
) -> list[Finding]:
    """Findings for the payments of ``invoices`` (those whose balances differ).

    ``methods_back``: the Intacct payment methods the mapping sends back to an OfficeRnD one (a
    payment in any other cannot be recorded by sync).
    """
    by_invoice: dict[str, list[ChargeSeen]] = {}
    for charge in charges:
        by_invoice.setdefault(charge.invoice_id, []).append(charge)
    by_key: dict[str, list[PaymentSeen]] = {}
    for payment in payments:
        by_key.setdefault(payment.invoice_key, []).append(payment)
    out: list[Finding] = []
    for invoice in invoices:
        out.extend(
            _one_invoice(
                invoice,
                by_invoice.get(invoice.source_id, []),
                by_key.get(invoice.intacct_key, []),
                methods_back,
            )
        )
    return out


def _one_invoice(
    invoice: InvoiceBalance,
    charges: list[ChargeSeen],
    payments: list[PaymentSeen],
    methods_back: Collection[str],
) -> list[Finding]:
    number = invoice.number
    out: list[Finding] = []
    explained = ZERO  # OfficeRnD minus Intacct, as the payment findings account for it
    live = [p for p in payments if not p.reversed]
    ours = {p.reference: p for p in live if p.by_orsync and p.reference}
    by_hand = {p.payment_key: p for p in live if not p.by_orsync}
    settled = [c for c in charges if c.status == "success"]

    def finding(
        category: Category,
        key: str,
        source_id: str,
        fix: Fix,
        targets: tuple[str, ...] = (),
        diffs: tuple[FieldDiff, ...] = (),
    ) -> Finding:
        return _payment(category, f"{number} {key}", source_id, fix, targets, diffs)

    for charge in settled:
        amount = to_cents(charge.amount)
        recorded_from = charge.intacct_key
        if recorded_from is not None:
            payment = by_hand.pop(recorded_from, None)
            if payment is None:
                explained += amount
                out.append(
                    finding(
                        "payment_orphan",
                        f"charge {charge.charge_id}",
                        payment_source_id(invoice.source_id, charge.charge_id),
                        Fix(
                            "manual",
                            False,
                            f"orsync recorded this charge on {number} from Intacct payment "
                            f"{recorded_from}, which Intacct no longer applies to the invoice: "
                            "remove the charge in OfficeRnD if the payment was reversed rightly.",
                        ),
                        (recorded_from,),
                    )
                )
            elif to_cents(payment.amount) != amount:
                explained += amount - to_cents(payment.amount)
                out.append(_different(charge, payment, number, by_orsync=False))
            continue
        payment = ours.pop(charge.charge_id, None)
        if payment is None:
            explained += amount
            out.append(
                finding(
                    "payment_missing",
                    f"charge {charge.charge_id}",
                    payment_source_id(invoice.source_id, charge.charge_id),
                    Fix(
                        "post",
                        True,
                        f"Post it through sync ({SYNC_PAYMENTS} re-plans the charge): an AR "
                        f"payment of {amount:.2f} {invoice.currency} applied to {number}.",
                    ),
                )
            )
        elif to_cents(payment.amount) != amount:
            explained += amount - to_cents(payment.amount)
            out.append(_different(charge, payment, number, by_orsync=True))
    for reference, payment in sorted(ours.items()):
        explained -= to_cents(payment.amount)
        out.append(
            finding(
                "payment_orphan",
                f"charge {reference}",
                payment_source_id(invoice.source_id, reference),
                Fix(
                    "reverse",
                    True,
                    f"OfficeRnD has no successful charge {reference} on {number} any more: "
                    f"reverse Intacct payment {payment.payment_key} through sync "
                    f"({SYNC_PAYMENTS}).",
                    payment.payment_key,
                ),
                (payment.payment_key,),
            )
        )
    for key, payment in sorted(by_hand.items()):
        explained -= to_cents(payment.amount)
        method = payment.method or "(none)"
        fix = (
            Fix(
                "record",
                True,
                f"Record it in OfficeRnD as a charge on {number} through sync ({SYNC_PAYMENTS}).",
                key,
            )
            if payment.method in methods_back
            else Fix(
                "manual",
                False,
                f"Intacct payment {key} is in payment method {method!r}, which no OfficeRnD "
                "method maps to: map one in the mapping's payment_methods, then run reconcile "
                "again (or record the payment in OfficeRnD by hand).",
                key,
            )
        )
        out.append(
            finding(
                "payment_unrecorded",
                f"Intacct payment {key}",
                f"{key}/{invoice.intacct_key}",
                fix,
                (key,),
                (FieldDiff("amount", None, f"{to_cents(payment.amount):.2f}"),),
            )
        )
    out.insert(0, _balance(invoice, explained, out))
    return out


def _payment(
    category: Category,
    number: str,
    source_id: str,
    fix: Fix,
    targets: tuple[str, ...] = (),
    diffs: tuple[FieldDiff, ...] = (),
) -> Finding:
    return Finding(category, "payment", number, source_id, fix, target_keys=targets, diffs=diffs)


def _different(
    charge: ChargeSeen, payment: PaymentSeen, number: str, *, by_orsync: bool
) -> Finding:
    where = (
        "remove the charge in OfficeRnD (sync reverses the payment) and record it again"
        if by_orsync
        else f"reverse Intacct payment {payment.payment_key} and key it again, or correct the "
        "charge in OfficeRnD"
    )
    return _payment(
        "payment_different",
        f"{number} charge {charge.charge_id}",
        payment_source_id(charge.invoice_id, charge.charge_id),
        Fix(
            "manual",
            False,
            f"The payment on {number} is {to_cents(charge.amount):.2f} in OfficeRnD and "
            f"{to_cents(payment.amount):.2f} in Intacct ({payment.payment_key}); posted payments "
            f"are never edited by orsync: decide which is right, then {where}.",
            payment.payment_key,
        ),
        (payment.payment_key,),
        (FieldDiff("amount", f"{to_cents(charge.amount):.2f}", f"{to_cents(payment.amount):.2f}"),),
    )


def _state(total: Decimal, paid: Decimal) -> str:
    if to_cents(paid) == ZERO:
        return "open"
    return "paid" if to_cents(total) - to_cents(paid) <= ZERO else "partially_paid"


def _balance(invoice: InvoiceBalance, explained: Decimal, found: list[Finding]) -> Finding:
    gap = to_cents(invoice.officernd_paid) - to_cents(invoice.intacct_paid)
    diffs: list[FieldDiff] = []
    before, after = (
        _state(invoice.total, invoice.officernd_paid),
        _state(invoice.total, invoice.intacct_paid),
    )
    if before != after:
        diffs.append(FieldDiff("state", before, after))
    diffs.append(
        FieldDiff("paid", f"{to_cents(invoice.officernd_paid):.2f}", f"{invoice.intacct_paid:.2f}")
    )
    diffs.append(FieldDiff("due", f"{invoice.officernd_due:.2f}", f"{invoice.intacct_due:.2f}"))
    if found and explained == gap:
        safe = all(f.fix.safe for f in found)
        fix = Fix(
            "follows",
            False,
            f"Follows from the {len(found)} payment finding(s) on {invoice.number}"
            + (
                ": their fixes through sync settle it."
                if safe
                else ": settled once each of them is fixed."
            ),
        )
    else:
        fix = Fix(
            "manual",
            False,
            f"The payments seen do not account for the difference of {gap:.2f} "
            f"{invoice.currency} on {invoice.number}: compare its payments, credit applications "
            "and allocations in both systems, correct the wrong side, then run reconcile again.",
        )
    return Finding(
        "balance_different",
        "invoice",
        invoice.number,
        invoice.source_id,
        fix,
        target_keys=(invoice.intacct_key,),
        diffs=tuple(diffs),
    )
