"""The write protocol of DESIGN.md section 4, as the ledger enforces it."""

from __future__ import annotations

import pytest

from orsync.errors import InternalError, RecordError
from orsync.redact import forget_secrets, register_secret
from orsync.state import (
    IllegalTransition,
    Kind,
    RecordFailure,
    StateStore,
    Status,
    TargetKeys,
    controlid,
)
from tests.state.conftest import PROFILE, ManualClock

INV = Kind.INVOICE
TIMEOUT = RecordFailure("read timed out after 60 s", code="timeout")
CLOSED = RecordFailure(
    "The period is closed", code="BL03000085", field="WHENCREATED", hint="Open the period"
)


def test_a_new_invoice_goes_from_planned_through_sending_to_confirmed(
    store: StateStore, clock: ManualClock
) -> None:
    ledger = store.ledger
    planned = ledger.plan(INV, "inv1", "v1", action="create")
    assert planned.status is Status.PLANNED and planned.controlid is None

    clock.advance(seconds=1)
    sending = ledger.mark_sending(INV, "inv1", "v1")
    assert sending.status is Status.SENDING
    assert sending.controlid == controlid(PROFILE, INV, "inv1", "v1")
    assert sending.attempts == 1
    assert sending.first_attempt_at == sending.last_attempt_at == clock()
    assert sending.action == "create"

    clock.advance(seconds=1)
    confirmed = ledger.confirm(INV, "inv1", TargetKeys(key="8346", number="INV-0001"))
    assert confirmed.status is Status.CONFIRMED
    assert confirmed.confirmed_version == "v1"
    assert confirmed.confirmed_at == clock()
    assert confirmed.target == TargetKeys(key="8346", number="INV-0001")
    assert ledger.get(INV, "inv1") == confirmed


def test_an_unchanged_confirmed_record_needs_nothing_and_an_edit_reads_as_a_change(
    store: StateStore,
) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv1", "v1")
    row = ledger.confirm(INV, "inv1", TargetKeys(key="8346"))
    assert row.is_confirmed_at("v1")
    assert not row.is_confirmed_at("v2")

    updating = ledger.mark_sending(INV, "inv1", "v2", action="update")
    assert updating.confirmed_version == "v1", "the posted version is kept during the update"
    assert updating.target.key == "8346", "the update needs the key of the posted document"
    assert updating.attempts == 1, "attempts count sends of the new version"
    assert updating.controlid != row.controlid

    failed = ledger.fail(INV, "inv1", CLOSED)
    assert failed.status is Status.FAILED
    assert failed.confirmed_version == "v1" and failed.target.key == "8346"
    assert failed.failed_at("v2") and not failed.failed_at("v3")


def test_an_ambiguous_outcome_cannot_be_sent_again_without_a_lookup(store: StateStore) -> None:
    ledger = store.ledger
    first = ledger.mark_sending(INV, "inv1", "v1")
    unconfirmed = ledger.mark_unconfirmed(INV, "inv1", TIMEOUT)
    assert unconfirmed.status is Status.UNCONFIRMED
    assert unconfirmed.error == TIMEOUT

    with pytest.raises(IllegalTransition, match="unconfirmed"):
        ledger.mark_sending(INV, "inv1", "v1")
    with pytest.raises(IllegalTransition):
        ledger.plan(INV, "inv1", "v1")

    # The lookup proved it absent: the very same function goes again.
    again = ledger.resend(INV, "inv1")
    assert again.status is Status.SENDING
    assert again.controlid == first.controlid
    assert again.attempts == 2
    assert again.error is None


def test_an_unconfirmed_write_found_by_the_lookup_is_confirmed(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv1", "v1")
    ledger.mark_unconfirmed(INV, "inv1", TIMEOUT)
    row = ledger.confirm(INV, "inv1", TargetKeys(key="8346", number="INV-0001", entity="E100"))
    assert row.status is Status.CONFIRMED and row.confirmed_version == "v1"
    assert row.error is None
    assert row.target.entity == "E100"


def test_an_unconfirmed_write_proved_absent_of_a_changed_record_goes_with_a_new_controlid(
    store: StateStore,
) -> None:
    ledger = store.ledger
    first = ledger.mark_sending(INV, "inv1", "v1")
    ledger.mark_unconfirmed(INV, "inv1", TIMEOUT)
    assert ledger.mark_absent(INV, "inv1").status is Status.PLANNED
    second = ledger.mark_sending(INV, "inv1", "v2")
    assert second.controlid not in (None, first.controlid)


def test_a_write_left_sending_cannot_be_sent_again(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv1", "v1")
    for attempt in (
        lambda: ledger.mark_sending(INV, "inv1", "v1"),
        lambda: ledger.mark_sending(INV, "inv1", "v2"),
        lambda: ledger.plan(INV, "inv1", "v2"),
        lambda: ledger.resend(INV, "inv1"),
        lambda: ledger.mark_absent(INV, "inv1"),
    ):
        with pytest.raises(IllegalTransition, match="sending"):
            attempt()
    assert ledger.get(INV, "inv1").status is Status.SENDING  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("setup", "operation"),
    [
        ("none", "confirm"),
        ("none", "mark_unconfirmed"),
        ("none", "resend"),
        ("planned", "confirm"),
        ("planned", "resend"),
        ("confirmed", "confirm"),
        ("confirmed", "mark_unconfirmed"),
        ("confirmed", "resend"),
        ("failed", "confirm"),
        ("failed", "mark_unconfirmed"),
        ("failed", "mark_absent"),
        ("unconfirmed", "mark_unconfirmed"),
        ("unconfirmed", "fail"),
    ],
)
def test_illegal_transitions_raise_an_internal_error(
    store: StateStore, setup: str, operation: str
) -> None:
    ledger = store.ledger
    if setup == "planned":
        ledger.plan(INV, "inv1", "v1")
    elif setup == "confirmed":
        ledger.mark_sending(INV, "inv1", "v1")
        ledger.confirm(INV, "inv1")
    elif setup == "failed":
        ledger.fail(INV, "inv1", CLOSED, version_hash="v1")
    elif setup == "unconfirmed":
        ledger.mark_sending(INV, "inv1", "v1")
        ledger.mark_unconfirmed(INV, "inv1", TIMEOUT)
    before = ledger.get(INV, "inv1")

    calls = {
        "confirm": lambda: ledger.confirm(INV, "inv1"),
        "mark_unconfirmed": lambda: ledger.mark_unconfirmed(INV, "inv1", TIMEOUT),
        "resend": lambda: ledger.resend(INV, "inv1"),
        "mark_absent": lambda: ledger.mark_absent(INV, "inv1"),
        "fail": lambda: ledger.fail(INV, "inv1", CLOSED, version_hash="v1"),
    }
    with pytest.raises(IllegalTransition) as raised:
        calls[operation]()
    assert isinstance(raised.value, InternalError)
    assert raised.value.exit_code == 70
    assert ledger.get(INV, "inv1") == before, "a refused transition changes nothing"


def test_a_business_failure_is_kept_and_a_retry_of_the_same_version_gets_a_new_controlid(
    store: StateStore,
) -> None:
    ledger = store.ledger
    first = ledger.mark_sending(INV, "inv1", "v1")
    failed = ledger.fail(INV, "inv1", CLOSED)
    assert failed.error == CLOSED
    assert failed.controlid == first.controlid

    retry = ledger.mark_sending(INV, "inv1", "v1")  # --retry-failed after the period was opened
    assert retry.attempts == 2
    assert retry.controlid != first.controlid
    assert retry.controlid == controlid(PROFILE, INV, "inv1", "v1", send_round=1)
    assert retry.error is None


def test_a_refusal_before_sending_names_the_version_that_failed(store: StateStore) -> None:
    ledger = store.ledger
    with pytest.raises(IllegalTransition, match="name the version"):
        ledger.fail(INV, "inv1", CLOSED)
    unmapped = RecordFailure.from_error(
        RecordError(
            "no GL account for revenue account 'Desks'", field="glaccountno", code="unmapped"
        )
    )
    row = ledger.fail(INV, "inv1", unmapped, version_hash="v1")
    assert row.status is Status.FAILED and row.attempts == 0 and row.controlid is None
    assert row.error is not None and row.error.field == "glaccountno"
    assert row.error.code == "unmapped"

    ledger.mark_sending(INV, "inv2", "v1")
    with pytest.raises(IllegalTransition, match="is sending version"):
        ledger.fail(INV, "inv2", CLOSED, version_hash="v0")


def test_an_edit_that_is_undone_does_not_reuse_the_controlid_of_the_first_post(
    store: StateStore,
) -> None:
    # Intacct refuses a function whose controlid it already executed: the update back to the
    # original content must not look like a repeat of the original create.
    ledger = store.ledger
    seen = set()
    for version in ("v1", "v2", "v1", "v2"):
        row = ledger.mark_sending(INV, "inv1", version)
        assert row.controlid not in seen
        seen.add(row.controlid)
        ledger.confirm(INV, "inv1", TargetKeys(key="8346"))


def test_an_illegal_step_inside_a_batch_rolls_the_whole_batch_back(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv3", "v1")
    with pytest.raises(IllegalTransition), ledger.batch():
        ledger.mark_sending(INV, "inv1", "v1")
        ledger.mark_sending(INV, "inv2", "v1")
        ledger.mark_sending(INV, "inv3", "v1")  # already in flight
    assert ledger.get(INV, "inv1") is None
    assert ledger.get(INV, "inv2") is None


def test_error_text_is_redacted_before_it_reaches_the_file(store: StateStore) -> None:
    register_secret("s3cr3t-sender-pw")
    try:
        row = store.ledger.fail(
            INV,
            "inv1",
            RecordFailure(
                "gateway echoed <password>s3cr3t-sender-pw</password>", hint="s3cr3t-sender-pw"
            ),
            version_hash="v1",
        )
    finally:
        forget_secrets()
    assert row.error is not None
    assert "s3cr3t" not in row.error.message and "s3cr3t" not in (row.error.hint or "")
    assert "s3cr3t" not in str(store.ledger.get(INV, "inv1"))


def test_kinds_are_open_for_later_record_types_but_must_be_well_formed(store: StateStore) -> None:
    ledger = store.ledger
    for kind in ("payment", "overpayment", "allocation", "writeback", "refund_v2"):
        assert ledger.mark_sending(kind, "x1", "v1").controlid.startswith(f"orsync:{kind}:")  # type: ignore[union-attr]
    for bad in ("", "Invoice", "in voice", "1st", "x" * 33):
        with pytest.raises(InternalError):
            ledger.plan(bad, "x1", "v1")
    with pytest.raises(InternalError):
        ledger.plan(INV, "", "v1")
    with pytest.raises(InternalError):
        ledger.plan(INV, "x1", "")


def test_same_source_id_under_two_kinds_are_two_rows(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(Kind.CUSTOMER, "65a1", "v1")
    ledger.fail(Kind.INVOICE, "65a1", CLOSED, version_hash="v1")
    assert ledger.get(Kind.CUSTOMER, "65a1").status is Status.SENDING  # type: ignore[union-attr]
    assert ledger.get(Kind.INVOICE, "65a1").status is Status.FAILED  # type: ignore[union-attr]


def test_recover_in_flight_turns_sending_rows_into_unconfirmed_ones(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv1", "v1")
    ledger.mark_sending(INV, "inv2", "v1")
    ledger.confirm(INV, "inv2")
    assert ledger.recover_in_flight() == 1
    row = ledger.get(INV, "inv1")
    assert row is not None and row.status is Status.UNCONFIRMED
    assert row.error is not None and row.error.code == "interrupted"
    assert ledger.get(INV, "inv2").status is Status.CONFIRMED  # type: ignore[union-attr]


def test_adopting_records_them_confirmed_whatever_their_status(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending(INV, "inv1", "v1")
    ledger.mark_unconfirmed(INV, "inv1", TIMEOUT)
    ledger.fail(INV, "inv2", CLOSED, version_hash="v1")
    for source_id in ("inv1", "inv2", "inv3"):
        row = ledger.adopt(INV, source_id, "v1", TargetKeys(key=f"K-{source_id}", number=source_id))
        assert row.status is Status.CONFIRMED and row.is_confirmed_at("v1")
        assert row.error is None


def test_a_record_adopted_after_the_ledger_was_lost_is_reposted_with_a_fresh_controlid(
    store: StateStore,
) -> None:
    # The lost ledger used round 0 for this version; a deliberate re-post (the document was
    # deleted in Intacct) must not carry that executed controlid again.
    ledger = store.ledger
    ledger.adopt(INV, "inv1", "v1", TargetKeys(key="8346"))
    repost = ledger.mark_sending(INV, "inv1", "v1")
    assert repost.controlid != controlid(PROFILE, INV, "inv1", "v1")


def test_clear_empties_the_ledger_or_only_some_kinds(store: StateStore) -> None:
    ledger = store.ledger
    ledger.adopt(INV, "inv1", "v1", TargetKeys(key="1"))
    ledger.adopt(Kind.CUSTOMER, "c1", "v1", TargetKeys(key="2"))
    ledger.adopt(Kind.CREDIT_NOTE, "cn1", "v1", TargetKeys(key="3"))
    assert ledger.clear([Kind.CUSTOMER]) == 1
    assert set(ledger.counts()) == {"invoice", "credit_note"}
    assert ledger.clear() == 2
    assert ledger.counts() == {}


def test_a_document_gone_from_intacct_is_forgotten_and_posted_again_under_a_new_controlid(
    store: StateStore,
) -> None:
    ledger = store.ledger
    first = ledger.mark_sending(INV, "inv1", "v1")
    ledger.confirm(INV, "inv1", TargetKeys(key="8346", number="INV-0001"))
    ledger.forget_target(INV, "inv1")
    row = ledger.get(INV, "inv1")
    assert row is not None and row.status is Status.PLANNED
    assert row.target.key is None and row.confirmed_version is None and row.error is None
    again = ledger.mark_sending(INV, "inv1", "v1", action="create")
    assert again.controlid != first.controlid  # Intacct executed the first: uniqueid refuses it
    ledger.forget_target(INV, "never-sent")  # no row: nothing to forget
    assert ledger.get(INV, "never-sent") is None
