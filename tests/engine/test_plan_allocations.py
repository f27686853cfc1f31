"""Credit allocated in OfficeRnD -> apply_arpayment in Intacct: the pure decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from orsync.engine.allocations import (
    OVERPAYMENT_REVERSED,
    UNAPPLY_FIX,
    CreditInIntacct,
    FoundApplication,
    OpenInvoice,
    SourceAllocation,
    SourceOverpayment,
    allocation_version,
    application_memo,
    overpayment_version,
    plan_allocation,
    plan_overpayment,
    settle_application,
)
from orsync.engine.ledger import LedgerView
from orsync.engine.options import EngineOptions

TODAY = date(2026, 11, 26)
ALLOC = SourceAllocation("al1", "cn1", "inv1", Decimal("30.00"))
CREDIT = CreditInIntacct("900", "C-1", "USD", Decimal("40.00"))
INVOICE = OpenInvoice("500", "C-1", "USD", Decimal("100.00"))


def plan(
    allocation: SourceAllocation = ALLOC,
    row: LedgerView | None = None,
    credit: CreditInIntacct | None = CREDIT,
    invoice: OpenInvoice | None = INVOICE,
    options: EngineOptions | None = None,
):  # type: ignore[no-untyped-def]
    return plan_allocation(
        allocation, row, credit=credit, invoice=invoice, today=TODAY, options=options
    )


def confirmed(version: str) -> LedgerView:
    return LedgerView("confirmed", version, version, "77")


def test_a_new_allocation_applies_the_credit_to_the_invoice_under_its_memo() -> None:
    result = plan()

    assert result.decision == "create"
    assert result.application is not None
    assert (result.application.credit_key, result.application.invoice_key) == ("900", "500")
    assert result.application.amount == Decimal("30.00")
    assert result.application.memo == application_memo("al1")
    assert result.version == allocation_version(ALLOC)


def test_an_allocation_waits_for_its_credit_and_its_invoice() -> None:
    assert plan(credit=None).decision == "held"
    assert plan(invoice=None).decision == "held"


def test_an_allocation_applied_before_is_left_alone() -> None:
    assert plan(row=confirmed(allocation_version(ALLOC))).reason == "unchanged"


def test_what_intacct_would_refuse_is_refused_with_the_reason() -> None:
    assert "more than the 40.00" in plan(replace(ALLOC, amount=Decimal("40.01"))).reason
    assert "due on the invoice" in plan(invoice=replace(INVOICE, total_due=Decimal(29))).reason
    assert "customer" in plan(invoice=replace(INVOICE, customer_id="C-2")).reason
    assert "EUR" in plan(invoice=replace(INVOICE, currency="EUR")).reason
    assert "entity" in plan(invoice=replace(INVOICE, entity="UK")).reason


def test_a_removed_or_changed_allocation_after_applying_is_a_manual_fix() -> None:
    row = confirmed(allocation_version(ALLOC))

    removed = plan(replace(ALLOC, removed=True), row=row)
    changed = plan(replace(ALLOC, amount=Decimal("10.00")), row=row)

    assert (removed.decision, removed.fix) == ("failed", UNAPPLY_FIX)
    assert (changed.decision, changed.fix) == ("failed", UNAPPLY_FIX)
    assert "apply_arpayment" in UNAPPLY_FIX
    assert plan(replace(ALLOC, removed=True)).decision == "skip"


def test_in_a_closed_period_the_application_is_dated_the_first_open_day() -> None:
    options = EngineOptions(closed_period_policy="shift", books_closed_before=date(2026, 12, 1))

    result = plan(options=options)

    assert result.application is not None
    assert result.application.payment_date == date(2026, 12, 1)


def test_a_lost_answer_is_settled_by_the_application_found_under_the_memo() -> None:
    ours = FoundApplication("77", Decimal("30.00"), False, application_memo("al1"))

    assert settle_application([], Decimal("30.00")).outcome == "resend"
    assert settle_application([ours], Decimal("30.00")).key == "77"
    assert settle_application([ours], Decimal("10.00")).outcome == "lost"
    assert settle_application([replace(ours, memo="typed by hand")], Decimal(30)).outcome == (
        "resend"
    )


OVERPAYMENT = SourceOverpayment(
    "op1", "OP-1", Decimal("25.00"), "USD", date(2026, 11, 20), "Bank Transfer"
)


def plan_op(overpayment: SourceOverpayment = OVERPAYMENT, row: LedgerView | None = None, **kw):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "customer_id": "C-1",
        "payment_method": "EFT",
        "bank_account": "BOA-US",
        "account": "2400",
        "entity": None,
    }
    args.update(kw)
    return plan_overpayment(overpayment, row, **args)  # type: ignore[arg-type]


def test_an_overpayment_posts_as_an_advance_on_the_overpayment_account() -> None:
    result = plan_op()

    assert result.decision == "create"
    assert result.posting is not None
    assert (result.posting.gl_account, result.posting.bank_account) == ("2400", "BOA-US")
    assert (result.posting.reference, result.posting.amount) == ("op1", Decimal("25.00"))
    assert result.posting.description.startswith("orsync:")


def test_an_overpayment_needs_the_account_the_mapping_and_its_customer() -> None:
    assert "--overpayment-account" in (plan_op(account=None).fix or "")
    assert plan_op(bank_account=None).decision == "failed"
    assert plan_op(customer_id=None).decision == "held"


def test_a_posted_overpayment_is_left_alone_an_edit_reported_and_a_void_reversed_once() -> None:
    version = overpayment_version(OVERPAYMENT, "2400", "BOA-US")
    row = LedgerView("confirmed", version, version, "8001")
    voided = replace(OVERPAYMENT, status="voided")

    assert plan_op(row=row).reason == "unchanged"
    assert plan_op(replace(OVERPAYMENT, amount=Decimal(30)), row=row).decision == "failed"
    reverse = plan_op(voided, row=row)
    assert (reverse.decision, reverse.version) == ("reverse", OVERPAYMENT_REVERSED)
    assert plan_op(voided).decision == "skip"  # never posted: nothing to undo
    done = LedgerView("confirmed", OVERPAYMENT_REVERSED, OVERPAYMENT_REVERSED, "8001")
    assert plan_op(voided, row=done).decision == "skip"  # reversed once
    assert plan_op(row=done).decision == "failed"  # live again: never reposted
