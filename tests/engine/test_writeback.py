"""What OfficeRnD's accounting block should show for a document, and when to write it."""

from __future__ import annotations

from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.writeback import Writeback, plan_writeback, settle_writeback, writeback_for


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
