"""Intacct payments back to OfficeRnD: a reversal removes the charge orsync recorded, once, and
a lost answer is settled by looking the charge up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from orsync.engine.ledger import LedgerView
from orsync.engine.payments import (
    RECEIPT_REMOVED,
    IntacctReceipt,
    plan_receipt,
    settle_receipt,
)

RECEIPT = IntacctReceipt("77", "101", Decimal("50.00"), date(2026, 11, 21), "Printed Check", False)
REVERSED = replace(RECEIPT, reversed=True)


def confirmed(version: str) -> LedgerView:
    return LedgerView(status="confirmed", version_hash=version, confirmed_version=version)


def receipt_plan(receipt: IntacctReceipt, row: LedgerView | None) -> str:
    return plan_receipt(receipt, row, invoice_id="inv1", account="Cheque").decision


def test_a_payment_reversed_after_its_charge_was_recorded_removes_the_charge() -> None:
    assert receipt_plan(REVERSED, confirmed(RECEIPT.version)) == "remove"


def test_a_removal_that_failed_is_tried_again_when_the_payment_is_read_again() -> None:
    # OfficeRnD refused the deletion (billing lock): the row failed, the charge is still there.
    failed = LedgerView(
        status="failed", version_hash=RECEIPT_REMOVED, confirmed_version=RECEIPT.version
    )
    assert receipt_plan(REVERSED, failed) == "remove"


def test_a_removed_charge_is_never_removed_or_recorded_again() -> None:
    removed = confirmed(RECEIPT_REMOVED)
    assert receipt_plan(REVERSED, removed) == "skip"
    assert receipt_plan(RECEIPT, removed) == "skip"


def test_a_payment_reversed_before_it_reached_officernd_writes_nothing() -> None:
    assert receipt_plan(REVERSED, None) == "skip"


def test_a_payment_orsync_posted_is_not_removed_from_officernd_when_reversed() -> None:
    ours = replace(REVERSED, description="orsync: OfficeRnD charge ch1 on INV-1")
    assert receipt_plan(ours, confirmed(RECEIPT.version)) == "skip"


def test_a_lost_answer_is_settled_by_whether_the_charge_is_there() -> None:
    assert settle_receipt("create", found=True) == "confirm"
    assert settle_receipt("create", found=False) == "resend"
    assert settle_receipt("remove", found=False) == "confirm"
    assert settle_receipt("remove", found=True) == "resend"


def test_a_draft_payment_is_recorded_only_once_posted_so_a_deleted_draft_leaves_nothing() -> None:
    draft = replace(RECEIPT, draft=True)
    assert receipt_plan(draft, None) == "skip"
    assert receipt_plan(RECEIPT, None) == "create"  # the same payment, posted
