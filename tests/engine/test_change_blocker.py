"""What sync can still change in a posted Intacct document: one rule and one wording for the
plan (what the ledger knows) and for the check against the Intacct document itself."""

import dataclasses
import datetime as dt

from orsync.engine.actions import DocumentAction
from orsync.engine.build import build_posting
from orsync.engine.canonical import version_hash
from orsync.engine.changes import change_blocker, paid_blocker, removal_function, reversed_blocker
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import ActualDocument, Posting, SourceDocument, removed_document
from orsync.engine.options import EngineOptions
from orsync.engine.plan import plan_documents

from .factories import FakeResolver, credit_note, invoice, line

AR = EngineOptions()
SALES = EngineOptions(invoice_type="sales")
DOC = invoice("INV-1")
EDITED = dataclasses.replace(DOC, due_date=dt.date(2026, 12, 1))
VOIDED = dataclasses.replace(DOC, status="voided")


def built(doc: SourceDocument, options: EngineOptions = AR, customer: str = "C-co-1") -> Posting:
    posting = build_posting(doc, customer, options, FakeResolver())
    assert isinstance(posting, Posting)
    return posting


def in_intacct(posting: Posting, **kw) -> ActualDocument:  # type: ignore[no-untyped-def]
    fields = {
        "record_key": "R1",
        "kind": posting.kind,
        "entity_id": posting.entity_id,
        "customer_id": posting.customer_id,
        "date_created": posting.date_created,
        "date_due": posting.date_due,
        "currency": posting.currency,
        "reference": posting.reference,
        "invoice_number": None,
        "description": posting.description,
        "lines": posting.lines,
        "state": "posted",
        "total": posting.total,
    }
    fields.update(kw)
    return ActualDocument(**fields)


def update(doc: SourceDocument, posting: Posting) -> DocumentAction:
    return DocumentAction(
        "update", doc.kind, doc.id, doc.number, version_hash(posting), "changed", posting=posting
    )


def reverse(doc: SourceDocument) -> DocumentAction:
    return DocumentAction(
        "reverse", doc.kind, doc.id, doc.number, REVERSAL_VERSION, "voided", target_key="R1"
    )


def planned(doc: SourceDocument, row: LedgerView) -> DocumentAction:
    plan = plan_documents([(doc, built(doc))], {(doc.kind, doc.id): row}, AR)
    return plan.documents[0]


def confirmed() -> LedgerView:
    return LedgerView(status="confirmed", version_hash=version_hash(built(DOC)), target_key="R1")


def test_an_update_intacct_can_take_has_no_blocker() -> None:
    assert change_blocker(update(EDITED, built(EDITED)), EDITED, in_intacct(built(DOC)), AR) is None


def test_a_reversal_of_a_live_unpaid_ar_invoice_has_no_blocker() -> None:
    assert change_blocker(reverse(VOIDED), VOIDED, in_intacct(built(DOC)), AR) is None


def test_a_document_no_longer_in_intacct_blocks_naming_its_key() -> None:
    blocker = change_blocker(reverse(VOIDED), VOIDED, None, AR)
    assert blocker is not None
    assert blocker.message.startswith("voided in OfficeRnD") and "R1" in blocker.message
    assert "reconcile" in blocker.fix


def test_paid_blocks_a_change_with_the_plan_s_own_words() -> None:
    for state in ("paid", "partially_paid"):
        found = in_intacct(built(DOC), state=state)
        blocker = change_blocker(update(EDITED, built(EDITED)), EDITED, found, AR)
        assert blocker == paid_blocker("changed", state)
        row = dataclasses.replace(confirmed(), payment_state=state)
        action = planned(EDITED, row)
        assert (action.action, action.reason, action.fix) == (
            "conflict",
            blocker.message,
            blocker.fix,
        )
    assert paid_blocker("changed", "partially_paid").message == (
        "changed in OfficeRnD but already partially paid in Intacct"
    )


def test_paid_blocks_a_void_with_the_plan_s_own_words_and_a_void_s_fix() -> None:
    found = in_intacct(built(DOC), total_paid=built(DOC).total)  # paid, whatever its state
    blocker = change_blocker(reverse(VOIDED), VOIDED, found, AR)
    assert blocker == paid_blocker("voided", "posted")
    action = planned(VOIDED, dataclasses.replace(confirmed(), payment_state="paid"))
    assert (action.action, action.fix) == ("conflict", blocker.fix)
    assert action.reason == paid_blocker("voided", "paid").message
    assert "reverses the document" in blocker.fix and "credit note" not in blocker.fix
    assert "credit note" in paid_blocker("changed", "paid").fix


def test_reversed_in_intacct_blocks_with_one_fix_for_plan_and_check() -> None:
    found = in_intacct(built(DOC), state="reversed")
    blocker = change_blocker(update(EDITED, built(EDITED)), EDITED, found, AR)
    assert blocker == reversed_blocker("changed")
    assert blocker.message == "changed in OfficeRnD but already reversed in Intacct"
    row = LedgerView(status="confirmed", version_hash=REVERSAL_VERSION, target_key="R1")
    action = planned(DOC, row)
    assert action.action == "conflict" and action.fix == blocker.fix
    assert action.reason == "live again in OfficeRnD but already reversed in Intacct"


CLOSED = EngineOptions(invoice_type="sales", books_closed_before=dt.date(2026, 12, 1))


def test_a_voided_sales_document_is_deleted_through_delete_sotransaction() -> None:
    posting = built(DOC, SALES)
    found = in_intacct(posting)
    assert change_blocker(reverse(VOIDED), VOIDED, found, SALES) is None
    assert removal_function(VOIDED, found, SALES) == "delete_sotransaction"


def test_a_sales_void_in_a_closed_period_names_the_missing_function_and_the_steps() -> None:
    posting = built(DOC, SALES)
    blocker = change_blocker(reverse(VOIDED), VOIDED, in_intacct(posting), CLOSED)
    assert blocker is not None and "closed period" in blocker.message
    assert "no reverse_sotransaction" in blocker.fix
    assert "return transaction definition" in blocker.fix and "--retry-failed" in blocker.fix


def test_an_invoice_deleted_in_officernd_is_deleted_while_open_and_reversed_once_closed() -> None:
    """DELETE_FUNCTIONS and CLOSED_PERIOD_FUNCTIONS: Intacct deletes nothing in a closed
    period, so a deleted invoice there is reversed on the first open day."""
    gone = removed_document("invoice", DOC.id, DOC.number, dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    found = in_intacct(built(DOC))
    assert removal_function(gone, found, AR) == "delete_invoice"
    closed = dataclasses.replace(AR, books_closed_before=dt.date(2026, 12, 1))
    assert removal_function(gone, found, closed) == "reverse_invoice"
    assert removal_function(VOIDED, found, AR) == "reverse_invoice"  # a void keeps the trail
    assert change_blocker(reverse(gone), gone, found, closed) is None


def test_a_deleted_document_with_money_applied_is_a_conflict_naming_the_delete() -> None:
    gone = removed_document("invoice", DOC.id, DOC.number, dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    found = in_intacct(built(DOC), state="partially_paid", total_paid=DOC.total / 2)
    blocker = change_blocker(reverse(gone), gone, found, AR)
    assert blocker is not None
    assert blocker.message == "deleted in OfficeRnD but already partially paid in Intacct"


def test_a_voided_ar_credit_memo_can_leave_intacct_through_the_api() -> None:
    """delete_aradjustment removes an unapplied credit memo (diff.VOID_FUNCTIONS)."""
    note = credit_note("CN-1")
    voided_note = dataclasses.replace(note, status="voided")
    assert change_blocker(reverse(voided_note), voided_note, in_intacct(built(note)), AR) is None


def test_a_posted_credit_memo_is_edited_in_place_but_keeps_its_date() -> None:
    """update_aradjustment changes its lines; the date it was posted with stays."""
    note = credit_note("CN-1")
    relined = credit_note("CN-1", line("80.00"))
    assert (
        change_blocker(update(relined, built(relined)), relined, in_intacct(built(note)), AR)
        is None
    )
    edited = dataclasses.replace(note, date=dt.date(2026, 11, 2))
    blocker = change_blocker(update(edited, built(edited)), edited, in_intacct(built(note)), AR)
    assert blocker is not None and "keeps the date it was posted with" in blocker.message


def test_an_edit_that_removes_lines_is_blocked() -> None:
    two = invoice("INV-1", line(), line("50.00", "10.00"))
    blocker = change_blocker(update(DOC, built(DOC)), DOC, in_intacct(built(two)), AR)
    assert blocker is not None and "removes lines (Intacct has 2, OfficeRnD now 1)" in (
        blocker.message
    )
    assert "--retry-failed" in blocker.fix


def test_an_edit_of_what_an_update_cannot_change_is_blocked_naming_it() -> None:
    moved = dataclasses.replace(EDITED, date=dt.date(2026, 11, 3))
    posting = built(moved, customer="C-co-2")
    blocker = change_blocker(update(moved, posting), moved, in_intacct(built(DOC)), AR)
    assert blocker is not None
    assert "keeps the customer and date it was posted with" in blocker.message
    assert "void INV-1" in blocker.fix
