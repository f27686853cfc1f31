"""Charges to AR payments: what each charge needs, and what a lookup proves after a lost answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from orsync.engine.ledger import LedgerView
from orsync.engine.options import EngineOptions
from orsync.engine.payments import (
    PAYMENT_REVERSED,
    Deposit,
    FoundPayment,
    IntacctReceipt,
    InvoiceInIntacct,
    SourceCharge,
    from_intacct,
    plan_payment,
    plan_receipt,
    receipt_reference,
    settle_payment,
)

CHARGE = SourceCharge(
    "ch1", "inv1", "success", Decimal("40.004"), "USD", date(2026, 11, 20), "Credit Card"
)
INVOICE = InvoiceInIntacct("101", "C-0001", "USD", Decimal("100.00"), "US")
CARD = Deposit("Credit Card", "BOA-US")


def plan(  # type: ignore[no-untyped-def]
    charge: SourceCharge = CHARGE, row: LedgerView | None = None, reference: str = "", **kw: object
):
    args: dict[str, object] = {"invoice": INVOICE, "deposit": CARD, "invoice_number": "INV-1"}
    args.update(kw)
    return plan_payment(replace(charge, reference=reference), row, **args)  # type: ignore[arg-type]


def confirmed(version: str) -> LedgerView:
    return LedgerView("confirmed", version, version, "501")


def test_a_successful_charge_on_a_posted_invoice_becomes_one_payment_rounded_once() -> None:
    result = plan()

    assert result.decision == "create"
    assert result.posting is not None
    assert (result.posting.amount, result.posting.invoice_key, result.posting.reference) == (
        Decimal("40.00"),
        "101",
        "ch1",
    )
    assert result.posting.description.startswith("orsync:")
    assert (result.posting.bank_account, result.posting.entity) == ("BOA-US", "US")


def test_the_same_charge_posted_before_is_unchanged_and_a_changed_one_is_refused() -> None:
    version = plan().version
    assert version is not None

    # Unchanged is decided without Intacct's invoice (a run with nothing to do asks nothing).
    same = plan(row=confirmed(version), invoice=None)
    changed = plan(replace(CHARGE, amount=Decimal("41.00")), row=confirmed(version))

    assert same.decision == "skip"
    assert changed.decision == "failed"
    assert "changed after orsync posted" in changed.reason


def test_failed_refunded_or_removed_charges_reverse_only_what_orsync_posted() -> None:
    posted = confirmed("v1")
    for status in ("fail", "refund", "removed"):
        charge = replace(CHARGE, status=status)
        assert plan(charge, row=posted).decision == "reverse"
        assert plan(charge, row=None).decision == "skip"
        assert plan(charge, row=confirmed(PAYMENT_REVERSED)).decision == "skip"
    assert plan(replace(CHARGE, status="pending")).decision == "skip"


def test_money_that_would_differ_is_refused_with_the_reason_never_posted() -> None:
    too_much = plan(invoice=replace(INVOICE, total_due=Decimal("30.00")))
    other_currency = plan(replace(CHARGE, currency="EUR"))
    unmapped = plan(deposit="payment method 'Cash' is not mapped")
    again = plan(row=confirmed(PAYMENT_REVERSED))

    assert too_much.decision == "failed" and "more than the 30.00 USD due" in too_much.reason
    assert other_currency.decision == "failed" and "in EUR" in other_currency.reason
    assert unmapped.decision == "failed" and "not mapped" in unmapped.reason
    assert again.decision == "failed"


def test_a_charge_on_an_invoice_not_in_intacct_waits() -> None:
    assert plan(invoice=None).decision == "held"


def found(key: str, amount: str, *, reversed_: bool = False, ours: bool = True) -> FoundPayment:
    description = "orsync: OfficeRnD charge ch1" if ours else "keyed by hand"
    return FoundPayment(key, "ch1", Decimal(amount), reversed_, description)


def test_a_lost_create_is_confirmed_when_found_resent_when_absent_and_never_doubled() -> None:
    amount = Decimal("40.00")
    assert settle_payment("create", [found("9", "40.00")], amount=amount).key == "9"
    assert settle_payment("create", [], amount=amount).outcome == "resend"
    # A payment someone keyed by hand with the same reference is not orsync's.
    assert settle_payment("create", [found("8", "40.00", ours=False)], amount=amount).outcome == (
        "resend"
    )
    assert settle_payment("create", [found("9", "41.00")], amount=amount).outcome == "lost"


def test_a_lost_reversal_is_confirmed_when_reversed_resent_when_posted_lost_when_gone() -> None:
    assert settle_payment("reverse", [found("9", "40.00", reversed_=True)]).outcome == "confirm"
    assert settle_payment("reverse", [found("9", "40.00")]).outcome == "resend"
    assert settle_payment("reverse", []).outcome == "lost"


def test_a_charge_in_a_closed_period_follows_the_policy() -> None:
    closed = EngineOptions(books_closed_before=date(2026, 12, 1))

    failed = plan(options=closed)
    skipped = plan(options=replace(closed, closed_period_policy="skip"))
    shifted = plan(options=replace(closed, closed_period_policy="shift"))

    assert failed.decision == "failed" and "closed" in failed.reason
    assert skipped.decision == "skip"
    assert shifted.decision == "create" and shifted.posting is not None
    assert (shifted.posting.receipt_date, shifted.posting.payment_date) == (
        date(2026, 12, 1),
        date(2026, 11, 20),
    )


RECEIPT = IntacctReceipt("77", "101", Decimal("50.00"), date(2026, 11, 21), "Printed Check", False)


def test_a_cheque_keyed_in_intacct_becomes_a_charge_once_and_never_comes_back() -> None:
    new = plan_receipt(RECEIPT, None, invoice_id="inv1", account="Cheque")
    again = plan_receipt(RECEIPT, confirmed(RECEIPT.version), invoice_id="inv1", account="Cheque")
    ours = plan_receipt(
        replace(RECEIPT, description="orsync: OfficeRnD charge ch1 on INV-1"),
        None,
        invoice_id="inv1",
        account="Cheque",
    )
    elsewhere = plan_receipt(RECEIPT, None, invoice_id=None, account="Cheque")
    unmapped = plan_receipt(RECEIPT, None, invoice_id="inv1", account=None)

    assert new.decision == "create"
    assert (again.decision, ours.decision, elsewhere.decision) == ("skip", "skip", "skip")
    assert unmapped.decision == "failed" and "Printed Check" in unmapped.reason
    # The charge orsync records carries the reference that stops it going back to Intacct.
    assert from_intacct(receipt_reference("77")) and not from_intacct("BACS 123")
    assert plan(replace(CHARGE, status="success"), reference=receipt_reference("77")).decision == (
        "skip"
    )
