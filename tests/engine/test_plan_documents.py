import dataclasses
import datetime as dt

from orsync.engine.actions import PlanCounts
from orsync.engine.build import build_posting
from orsync.engine.canonical import version_hash
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import Posting, SourceDocument
from orsync.engine.options import EngineOptions
from orsync.engine.plan import first_open_after, plan_documents

from .factories import FakeResolver, credit_note, invoice, line

AR = EngineOptions()


def pair(doc: SourceDocument, options: EngineOptions = AR):  # type: ignore[no-untyped-def]
    return doc, build_posting(doc, "C-co-1", options, FakeResolver())


def posted(doc: SourceDocument, **kw) -> LedgerView:  # type: ignore[no-untyped-def]
    posting = build_posting(doc, "C-co-1", AR, FakeResolver())
    assert isinstance(posting, Posting)
    fields = {"status": "confirmed", "version_hash": version_hash(posting), "target_key": "R1"}
    fields.update(kw)
    if fields["status"] != "confirmed" and "confirmed_version" not in kw:
        fields["confirmed_version"] = version_hash(posting)
    return LedgerView(**fields)


def only(doc, ledger=None, options=AR, **kw):  # type: ignore[no-untyped-def]
    plan = plan_documents([pair(doc, options)], ledger or {}, options, **kw)
    assert len(plan.documents) == 1
    return plan.documents[0]


def test_new_invoice_is_created_with_a_deterministic_idempotency_key() -> None:
    action = only(invoice("INV-1"))
    assert action.action == "create"
    assert action.posting is not None and action.posting.reference == "INV-1"
    again = only(invoice("INV-1"))
    assert (
        action.idempotency_key
        == again.idempotency_key
        == ("invoice", "id-INV-1", action.version_hash)
    )


def test_unchanged_invoice_is_skipped() -> None:
    doc = invoice("INV-1")
    action = only(doc, {("invoice", doc.id): posted(doc)})
    assert (action.action, action.reason) == ("skip", "unchanged")


def test_changed_unpaid_invoice_is_updated_in_place() -> None:
    doc = invoice("INV-1")
    edited = dataclasses.replace(
        doc, lines=(line("200.00", "40.00"),), total=dataclasses.replace(doc).total * 2
    )
    action = only(edited, {("invoice", doc.id): posted(doc)})
    assert action.action == "update"
    assert action.target_key == "R1"
    assert action.posting is not None and action.posting.total == edited.total


def test_mapping_change_alone_is_a_change() -> None:
    doc = invoice("INV-1")
    ledger = {("invoice", doc.id): posted(doc)}
    remapped = build_posting(doc, "C-co-1", AR, FakeResolver(accounts={"4000": "40500"}))
    plan = plan_documents([(doc, remapped)], ledger, AR)
    assert plan.documents[0].action == "update"


def test_changed_but_paid_invoice_is_a_conflict_with_the_manual_fix() -> None:
    doc = invoice("INV-1")
    edited = dataclasses.replace(doc, due_date=dt.date(2026, 12, 1))
    for state in ("paid", "partially_paid"):
        action = only(edited, {("invoice", doc.id): posted(doc, payment_state=state)})
        assert action.action == "conflict"
        assert "paid" in action.reason and action.fix


def test_changed_invoice_in_a_closed_period_is_a_conflict() -> None:
    doc = invoice("INV-1")
    edited = dataclasses.replace(doc, due_date=dt.date(2026, 12, 1))
    options = EngineOptions(books_closed_before=dt.date(2026, 11, 30))
    action = only(edited, {("invoice", doc.id): posted(doc)}, options)
    assert action.action == "conflict" and "closed" in action.reason
    flagged = only(edited, {("invoice", doc.id): posted(doc, closed=True)})
    assert flagged.action == "conflict"


def test_draft_is_skipped() -> None:
    action = only(invoice("INV-1", status="draft"))
    assert (action.action, action.reason) == ("skip", "draft in OfficeRnD")


def test_voided_invoice_never_posted_is_skipped() -> None:
    action = only(invoice("INV-1", status="voided"))
    assert action.action == "skip" and "never posted" in action.reason


def test_voided_invoice_live_in_intacct_is_reversed() -> None:
    doc = invoice("INV-1")
    voided = dataclasses.replace(
        doc, status="voided", modified_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    )
    action = only(voided, {("invoice", doc.id): posted(doc)})
    assert action.action == "reverse"
    assert action.version_hash == REVERSAL_VERSION
    assert action.target_key == "R1"
    assert action.effective_date == dt.date(2026, 11, 20)


def test_reversal_is_dated_in_the_first_open_period() -> None:
    doc = invoice("INV-1")
    voided = dataclasses.replace(doc, status="voided")
    options = EngineOptions(books_closed_before=dt.date(2026, 12, 1))
    action = only(voided, {("invoice", doc.id): posted(doc)}, options)
    assert action.action == "reverse" and action.effective_date == dt.date(2026, 12, 1)


def test_voided_invoice_already_reversed_is_skipped() -> None:
    doc = invoice("INV-1", status="voided")
    row = LedgerView(status="confirmed", version_hash=REVERSAL_VERSION, target_key="R1")
    assert only(doc, {("invoice", doc.id): row}).action == "skip"


def test_voided_invoice_paid_in_intacct_is_a_conflict() -> None:
    doc = invoice("INV-1")
    voided = dataclasses.replace(doc, status="voided")
    action = only(voided, {("invoice", doc.id): posted(doc, payment_state="paid")})
    assert action.action == "conflict" and action.fix


def test_reversed_document_live_again_in_officernd_is_a_conflict() -> None:
    doc = invoice("INV-1")
    row = LedgerView(status="confirmed", version_hash=REVERSAL_VERSION, target_key="R1")
    assert only(doc, {("invoice", doc.id): row}).action == "conflict"


def test_unconfirmed_or_sending_row_is_looked_up_before_any_resend() -> None:
    doc = invoice("INV-1")
    for status in ("unconfirmed", "sending"):
        row = LedgerView(status=status, version_hash="abc")
        action = only(doc, {("invoice", doc.id): row})
        assert action.action == "lookup_first"
        assert action.sent_version == "abc"
        assert "INV-1" in action.reason
    voided = dataclasses.replace(doc, status="voided")
    row = LedgerView(status="unconfirmed", version_hash=REVERSAL_VERSION, target_key="R1")
    assert only(voided, {("invoice", doc.id): row}).action == "lookup_first"


def test_unmapped_document_fails_with_its_problems() -> None:
    doc = invoice("INV-1", location_id="loc-nowhere")
    action = only(doc)
    assert action.action == "failed"
    assert [p.field for p in action.problems] == ["location"]
    assert action.fix and action.version_hash


def test_failed_row_is_held_until_its_input_changes_or_retry_is_asked() -> None:
    doc = invoice("INV-1")
    posting = build_posting(doc, "C-co-1", AR, FakeResolver())
    row = LedgerView(
        status="failed",
        version_hash=version_hash(posting),
        last_error="BL01001973 customer inactive",
    )
    held = only(doc, {("invoice", doc.id): row})
    assert held.action == "failed" and "customer inactive" in held.reason
    assert (
        only(doc, {("invoice", doc.id): row}, EngineOptions(retry_failed=True)).action == "create"
    )
    changed = dataclasses.replace(row, version_hash="older")
    assert only(doc, {("invoice", doc.id): changed}).action == "create"


def test_failed_update_of_a_posted_document_retries_as_an_update() -> None:
    doc = invoice("INV-1")
    row = posted(doc, status="failed", version_hash="older-edit", last_error="x")
    edited = dataclasses.replace(doc, due_date=dt.date(2026, 12, 31))
    assert only(edited, {("invoice", doc.id): row}).action == "update"


def test_planned_row_never_sent_is_created() -> None:
    doc = invoice("INV-1")
    assert (
        only(doc, {("invoice", doc.id): LedgerView(status="planned", version_hash="x")}).action
        == "create"
    )


def test_closed_period_policy_fail_skip_and_shift() -> None:
    doc = invoice("INV-1", date=dt.date(2026, 10, 20), due_date=dt.date(2026, 10, 30))
    closed = dt.date(2026, 11, 1)
    fail = only(doc, options=EngineOptions(books_closed_before=closed))
    assert fail.action == "failed" and fail.problems[0].field == "date"
    skip = only(doc, options=EngineOptions(books_closed_before=closed, closed_period_policy="skip"))
    assert skip.action == "skip" and "closed" in skip.reason
    options = EngineOptions(books_closed_before=closed, closed_period_policy="shift")
    shift = only(doc, options=options)
    assert shift.action == "create" and shift.posting is not None
    # Only the GL posting date moves: invoice date, due date and tax point stay OfficeRnD's.
    assert shift.posting.date_posted == closed
    assert shift.posting.date_created == dt.date(2026, 10, 20)
    assert shift.posting.date_due == dt.date(2026, 10, 30)
    assert shift.shifted_from == dt.date(2026, 10, 20)
    assert "2026-10-20" in shift.posting.description
    # the version is the document's own, not the shifted placement: next month's close is no change
    canonical = build_posting(doc, "C-co-1", options, FakeResolver())
    assert shift.version_hash == version_hash(canonical)


def test_documents_of_a_held_customer_wait() -> None:
    action = only(invoice("INV-1"), held_customers={"C-co-1": "name matches C-77"})
    assert action.action == "failed" and "C-77" in action.reason


def test_credit_note_plans_like_an_invoice_under_its_own_kind() -> None:
    action = only(credit_note("CN-1"))
    assert action.action == "create" and action.source_kind == "credit_note"
    assert action.posting is not None and action.posting.kind == "ar_credit_memo"


def test_actions_are_ordered_whatever_the_input_order_and_pages_add_up() -> None:
    docs = [
        invoice("INV-3"),
        credit_note("CN-1"),
        invoice("INV-1", status="draft"),
        invoice("INV-2"),
    ]
    forward = plan_documents([pair(d) for d in docs], {}, AR)
    backward = plan_documents([pair(d) for d in reversed(docs)], {}, AR)
    assert forward == backward
    assert [a.number for a in forward.documents] == ["CN-1", "INV-1", "INV-2", "INV-3"]
    page1 = plan_documents([pair(d) for d in docs[:2]], {}, AR)
    page2 = plan_documents([pair(d) for d in docs[2:]], {}, AR)
    counts = PlanCounts().add(page1).add(page2).as_dict()
    assert counts == forward.counts()
    assert counts["documents"]["create"] == 3 and counts["documents"]["skip"] == 1
    data = (page1 + page2).to_dict()
    assert data["schema"] == "orsync.plan/1"
    assert {d["number"] for d in data["documents"]} == {"INV-1", "INV-2", "INV-3", "CN-1"}
    create = next(d for d in data["documents"] if d["number"] == "INV-2")
    assert create["posting"]["total"] == "120.00"
    assert create["posting"]["lines"][0]["net_amount"] == "100.00"


def test_shift_policy_applies_to_resends_and_updates_of_shifted_documents() -> None:
    doc = invoice("INV-1", date=dt.date(2026, 10, 20), due_date=dt.date(2026, 10, 30))
    options = EngineOptions(books_closed_before=dt.date(2026, 11, 1), closed_period_policy="shift")
    unconfirmed = LedgerView(status="unconfirmed", version_hash="abc")
    resend = only(doc, {("invoice", doc.id): unconfirmed}, options)
    assert resend.action == "lookup_first"
    assert resend.posting is not None and resend.posting.date_posted == dt.date(2026, 11, 1)
    assert resend.posting.date_created == dt.date(2026, 10, 20)
    edited = dataclasses.replace(doc, due_date=dt.date(2026, 11, 30))
    update = only(edited, {("invoice", doc.id): posted(doc)}, options)
    assert update.action == "update"
    assert update.posting is not None and update.posting.date_posted == dt.date(2026, 11, 1)
    # where Intacct is known to hold it in a closed period, it is still a conflict
    closed = only(edited, {("invoice", doc.id): posted(doc, closed=True)}, options)
    assert closed.action == "conflict"


def test_a_refused_closed_period_date_moves_to_the_first_day_of_the_next_month() -> None:
    assert first_open_after(dt.date(2026, 9, 30)) == dt.date(2026, 10, 1)
    assert first_open_after(dt.date(2026, 10, 1)) == dt.date(2026, 11, 1)
    assert first_open_after(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert first_open_after(dt.date(2026, 1, 31)) == dt.date(2026, 2, 1)
