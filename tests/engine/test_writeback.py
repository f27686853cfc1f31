"""What OfficeRnD's accounting block should show for a document, and when to write it."""

from __future__ import annotations

from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.writeback import (
    Writeback,
    identity_number,
    plan_writeback,
    settle_writeback,
    without_number,
    writeback_for,
)


def posted(key: str = "4411") -> LedgerView:
    return LedgerView(status="confirmed", version_hash="v1", confirmed_version="v1", target_key=key)


REFUSED = LedgerView(status="failed", version_hash="v1", last_error="account 4000 is not mapped")


def test_a_posted_document_shows_its_intacct_key_and_no_error() -> None:
    assert writeback_for("inv1", posted()) == Writeback("inv1", "4411", None)


def test_a_refused_document_shows_why_and_posting_it_later_clears_the_error() -> None:
    refused = writeback_for("inv1", REFUSED)
    assert refused == Writeback("inv1", None, "account 4000 is not mapped")
    later = writeback_for("inv1", posted())
    assert later is not None and later.version != refused.version
    # The refusal was written back: the post is a new state, written once more.
    done = LedgerView(status="confirmed", confirmed_version=refused.version)
    assert plan_writeback(later, done) == "write"


def test_documents_in_flight_reversed_or_failing_an_update_write_nothing() -> None:
    assert writeback_for("inv1", LedgerView(status="sending", version_hash="v1")) is None
    assert writeback_for("inv1", LedgerView(status="unconfirmed", version_hash="v1")) is None
    reversed_ = LedgerView(
        status="confirmed", confirmed_version=REVERSAL_VERSION, target_key="4411"
    )
    assert writeback_for("inv1", reversed_) is None
    # An edit Intacct refused leaves the posted document as it was: its link stays.
    failed_update = LedgerView(
        status="failed", version_hash="v2", confirmed_version="v1", last_error="locked"
    )
    assert writeback_for("inv1", failed_update) is None


def test_a_write_back_already_done_is_never_repeated() -> None:
    wanted = Writeback("inv1", "4411", None)
    done = LedgerView(status="confirmed", confirmed_version=wanted.version)
    assert plan_writeback(wanted, None) == "write"
    assert plan_writeback(wanted, done) == "skip"


def test_a_lost_answer_is_settled_by_what_the_document_shows() -> None:
    wanted = Writeback("inv1", "4411", None)
    assert settle_writeback(wanted, "4411", None) == "confirm"
    assert settle_writeback(wanted, "4411", "") == "confirm"
    assert settle_writeback(wanted, None, None) == "resend"
    assert settle_writeback(Writeback("inv1", None, "refused"), None, "refused") == "confirm"


def test_the_intacct_number_and_link_are_part_of_what_is_written_once() -> None:
    bare = writeback_for("inv1", posted())
    numbered = writeback_for("inv1", posted(), number="INV-010001", deep_link="https://x/1")
    assert numbered == Writeback("inv1", "4411", None, "INV-010001", "https://x/1")
    assert bare is not None and numbered.version != bare.version
    # A block written before numbers were written back is written once more, with the number.
    assert plan_writeback(numbered, LedgerView("confirmed", confirmed_version=bare.version)) == (
        "write"
    )
    assert plan_writeback(
        numbered, LedgerView("confirmed", confirmed_version=numbered.version)
    ) == ("skip")
    # A refused document has no number or link to show.
    assert writeback_for("inv1", REFUSED, number="INV-1", deep_link="https://x/1") == Writeback(
        "inv1", None, "account 4000 is not mapped"
    )


def test_a_block_written_without_the_number_its_lock_refused_is_the_write_back_done() -> None:
    wanted = Writeback("inv1", "4411", None, "INV-010001", "https://x/1")
    alone = LedgerView("confirmed", confirmed_version=without_number(wanted).version)
    assert plan_writeback(wanted, alone, number_refused=True) == "skip"
    assert plan_writeback(wanted, alone) == "write"


def test_a_lost_answer_with_a_number_is_settled_only_when_the_document_shows_it() -> None:
    wanted = Writeback("inv1", "4411", None, "INV-010001")
    assert settle_writeback(wanted, "4411", None, "INV-010001") == "confirm"
    assert settle_writeback(wanted, "4411", None, "NYC-INV-00001") == "resend"


def test_the_number_orsync_wrote_back_keeps_the_reference_the_document_was_sent_under() -> None:
    assert identity_number("INV-010001", "NYC-INV-00001", "INV-010001") == "NYC-INV-00001"


def test_any_other_number_is_officernds_own() -> None:
    # Never written back, never sent, or renamed in OfficeRnD after the write-back.
    assert identity_number("NYC-INV-00001", "NYC-INV-00001", None) == "NYC-INV-00001"
    assert identity_number("NYC-INV-00001", None, None) == "NYC-INV-00001"
    assert identity_number("NYC-INV-00009", "NYC-INV-00001", "INV-010001") == "NYC-INV-00009"
    assert identity_number("INV-010001", None, "INV-010001") == "INV-010001"
