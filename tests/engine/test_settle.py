"""Settling a write whose outcome is unknown: what the lookup in Intacct proves, rule by rule."""

import dataclasses
import datetime as dt

from orsync.engine.build import build_customer, build_posting
from orsync.engine.canonical import version_hash
from orsync.engine.customers import customer_version
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import (
    ActualCustomer,
    ActualDocument,
    CustomerPosting,
    Posting,
    Problem,
    SourceDocument,
)
from orsync.engine.options import EngineOptions
from orsync.engine.plan import plan_documents, shift_to_open_period
from orsync.engine.settle import settle_customer, settle_document

from .factories import FakeResolver, company, invoice, line

AR = EngineOptions()
DOC = invoice("INV-1")


def built(doc: SourceDocument = DOC) -> Posting:
    posting = build_posting(doc, "C-co-1", AR, FakeResolver())
    assert isinstance(posting, Posting)
    return posting


EDITED = dataclasses.replace(DOC, due_date=dt.date(2026, 12, 1))
SENT = built(DOC)  # the posting whose write went unanswered
NOW = built(EDITED)  # what OfficeRnD implies after an edit made since


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
        "invoice_number": "INV-1",
        "description": posting.description,
        "lines": posting.lines,
        "state": "posted",
        "total": posting.total,
    }
    fields.update(kw)
    return ActualDocument(**fields)


def create_unknown() -> LedgerView:
    """A create whose answer was lost: never confirmed, no target yet."""
    return LedgerView(status="unconfirmed", version_hash=version_hash(SENT))


def update_unknown(sent: Posting = SENT) -> LedgerView:
    """An update whose answer was lost: Intacct held an earlier version before it."""
    return LedgerView(
        status="unconfirmed",
        version_hash=version_hash(sent),
        confirmed_version="v-before",
        target_key="R1",
    )


def reversal_unknown() -> LedgerView:
    return LedgerView(
        status="unconfirmed",
        version_hash=REVERSAL_VERSION,
        confirmed_version=version_hash(SENT),
        target_key="R1",
    )


# -- creates ----------------------------------------------------------------------------------


def test_create_found_in_intacct_is_confirmed_with_its_keys_then_planned_again() -> None:
    found = in_intacct(SENT)
    settled = settle_document(DOC, SENT, create_unknown(), found, AR)
    assert settled.outcome == "confirm" and settled.adopt is found
    assert settled.replan and settled.resend is None


def test_create_found_holding_other_content_is_still_adopted_the_replan_updates_it() -> None:
    settled = settle_document(EDITED, NOW, create_unknown(), in_intacct(SENT), AR)
    assert settled.outcome == "confirm" and settled.replan


def test_create_absent_with_the_same_input_is_resent_as_it_was() -> None:
    settled = settle_document(DOC, SENT, create_unknown(), None, AR)
    assert settled.outcome == "resend" and not settled.replan
    resend = settled.resend
    assert resend is not None
    assert (resend.action, resend.version_hash, resend.posting) == (
        "create",
        version_hash(SENT),
        SENT,
    )
    assert (resend.source_kind, resend.source_id, resend.number) == ("invoice", DOC.id, "INV-1")


def test_a_shifted_create_is_resent_as_the_plan_sent_it_on_the_first_open_day() -> None:
    shift = EngineOptions(closed_period_policy="shift", books_closed_before=dt.date(2026, 11, 10))
    first = plan_documents([(DOC, SENT)], {}, shift).documents[0]
    assert first.action == "create" and first.posting is not None
    assert first.posting.date_posted == dt.date(2026, 11, 10)  # the GL date only
    assert first.posting.date_created == DOC.date
    settled = settle_document(DOC, SENT, create_unknown(), None, shift)
    assert settled.resend is not None and settled.resend.posting == first.posting


def test_create_absent_after_an_edit_is_forgotten_and_planned_anew() -> None:
    settled = settle_document(EDITED, NOW, create_unknown(), None, AR)
    assert settled.outcome == "absent" and settled.replan and settled.resend is None


def test_create_absent_whose_document_cannot_be_built_now_is_planned_anew() -> None:
    problems = [Problem(number="INV-1", field="location", message="unmapped", fix="Map it.")]
    settled = settle_document(DOC, problems, create_unknown(), None, AR)
    assert settled.outcome == "absent" and settled.replan


# -- updates ----------------------------------------------------------------------------------


def test_update_whose_document_vanished_from_intacct_is_lost_never_created_again() -> None:
    settled = settle_document(DOC, SENT, update_unknown(), None, AR)
    assert settled.outcome == "lost" and not settled.replan and settled.resend is None
    assert settled.blocker is not None
    assert "R1" in settled.blocker.message and "no longer found" in settled.blocker.message
    assert "reconcile" in settled.blocker.fix


def test_update_that_landed_is_confirmed() -> None:
    settled = settle_document(DOC, SENT, update_unknown(), in_intacct(SENT), AR)
    assert settled.outcome == "confirm" and settled.replan


def test_update_that_did_not_land_is_resent_with_intacct_s_line_count() -> None:
    before = in_intacct(SENT, date_due=dt.date(2026, 11, 2))  # the version before the update
    settled = settle_document(DOC, SENT, update_unknown(), before, AR)
    assert settled.outcome == "resend" and not settled.replan
    assert settled.resend is not None
    assert (settled.resend.action, settled.resend.version_hash) == ("update", version_hash(SENT))
    assert settled.resend.posting == SENT
    assert settled.line_count == len(SENT.lines)


def test_a_shifted_update_is_resent_as_the_plan_sent_it() -> None:
    shift = EngineOptions(closed_period_policy="shift", books_closed_before=dt.date(2026, 11, 10))
    before = in_intacct(SENT, date_due=dt.date(2026, 11, 2))
    settled = settle_document(DOC, SENT, update_unknown(), before, shift)
    assert settled.resend is not None and settled.resend.posting is not None
    assert settled.resend.posting == shift_to_open_period(SENT, shift) != SENT


def test_update_that_did_not_land_on_a_paid_document_is_confirmed_for_the_replan() -> None:
    paid = in_intacct(SENT, date_due=dt.date(2026, 11, 2), state="paid")
    settled = settle_document(DOC, SENT, update_unknown(), paid, AR)
    assert settled.outcome == "confirm"


def test_update_that_did_not_land_and_would_remove_lines_is_confirmed_for_the_replan() -> None:
    two_lines = built(invoice("INV-1", line(), line("50.00", "10.00")))
    settled = settle_document(DOC, SENT, update_unknown(), in_intacct(two_lines), AR)
    assert settled.outcome == "confirm"


def test_update_whose_document_changed_again_since_is_confirmed_for_the_replan() -> None:
    before = in_intacct(SENT, date_due=dt.date(2026, 11, 2))
    settled = settle_document(EDITED, NOW, update_unknown(), before, AR)
    assert settled.outcome == "confirm" and settled.adopt is before


# -- reversals --------------------------------------------------------------------------------


def test_reversal_found_reversed_is_confirmed_keeping_the_row_s_keys() -> None:
    voided = dataclasses.replace(DOC, status="voided")
    settled = settle_document(
        voided, SENT, reversal_unknown(), in_intacct(SENT, state="reversed"), AR
    )
    assert settled.outcome == "confirm" and settled.adopt is None and settled.replan


def test_reversal_found_live_is_resent_dated_as_the_plan_dated_it() -> None:
    voided = dataclasses.replace(
        DOC, status="voided", modified_at=dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    )
    settled = settle_document(voided, SENT, reversal_unknown(), in_intacct(SENT), AR)
    assert settled.outcome == "resend" and settled.resend is not None
    assert (settled.resend.action, settled.resend.version_hash) == ("reverse", REVERSAL_VERSION)
    assert settled.resend.posting is None
    row = LedgerView(status="confirmed", version_hash=version_hash(SENT), target_key="R1")
    first = plan_documents([(voided, SENT)], {("invoice", DOC.id): row}, AR).documents[0]
    assert first.action == "reverse"
    assert settled.resend.effective_date == first.effective_date == dt.date(2026, 11, 20)


def test_reversal_whose_document_vanished_is_lost() -> None:
    voided = dataclasses.replace(DOC, status="voided")
    settled = settle_document(voided, SENT, reversal_unknown(), None, AR)
    assert settled.outcome == "lost" and settled.blocker is not None


# -- customers --------------------------------------------------------------------------------


def customer() -> CustomerPosting:
    posting = build_customer(company(), FakeResolver())
    assert isinstance(posting, CustomerPosting)
    return posting


def test_customer_without_an_unknown_outcome_is_sent_as_planned() -> None:
    version = customer_version(customer())
    found = ActualCustomer("9", "C-co-1", "Acme Ltd")
    assert settle_customer(None, None) == "send"
    for status in ("confirmed", "failed", "sending", "planned"):
        row = LedgerView(status=status, version_hash=version)  # type: ignore[arg-type]
        assert settle_customer(row, found) == "send"


def test_unconfirmed_customer_create_found_in_intacct_is_confirmed_first() -> None:
    row = LedgerView(status="unconfirmed", version_hash="v-sent")
    found = ActualCustomer("9", "C-co-1", "Acme Ltd")
    assert settle_customer(row, found) == "confirm"


def test_unconfirmed_customer_proved_absent_is_created_anew_never_resent_blind() -> None:
    """A resend must be the first request byte for byte; a customer's version cannot promise
    that (it leaves out the currency), so it is planned anew under a new controlid."""
    for sent in (customer_version(customer()), "v-old"):
        assert settle_customer(LedgerView("unconfirmed", version_hash=sent), None) == ("absent")


def test_a_delete_whose_document_is_gone_is_confirmed() -> None:
    """delete_aradjustment, delete_sotransaction, delete_invoice: gone is what was asked."""
    voided = dataclasses.replace(DOC, status="voided")
    sales = dataclasses.replace(AR, invoice_type="sales")
    assert settle_document(voided, SENT, reversal_unknown(), None, sales).outcome == "confirm"
    gone = dataclasses.replace(DOC, status="removed")
    assert settle_document(gone, SENT, reversal_unknown(), None, AR).outcome == "confirm"
