"""Reconcile's payment fixes set the ledger so that the payments stage re-plans each one, and
never erase a write whose outcome is in doubt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from orsync.engine.report import Finding, Fix, ReconcileReport
from orsync.services.reconcile import ReconcileOutcome, ReconcileRequest
from orsync.services.reconcile.fixes import prepare_ledger
from orsync.services.reconcile.payments import PaymentComparison
from orsync.services.sync import PAYMENT_HELD
from orsync.state import RecordFailure, StateStore, Status, TargetKeys
from tests.reconcile.helpers import AR


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state.sqlite3", profile="p") as opened:
        yield opened


def fix(action: str, source_id: str, key: str | None = None) -> Finding:
    category = {"post": "payment_missing", "reverse": "payment_orphan"}.get(
        action, "payment_unrecorded"
    )
    return Finding(category, "payment", "INV-1 x", source_id, Fix(action, True, "t", key))  # type: ignore[arg-type]


def outcome(*findings: Finding) -> ReconcileOutcome:
    request = ReconcileRequest(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    done = ReconcileOutcome(request, ReconcileReport(tuple(findings), (), ()), AR)
    done.payments = PaymentComparison(payment_entities={"900": "UK"})
    return done


def test_each_payment_fix_holds_its_row_for_the_payments_stage(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending("payment", "inv1/ch1", "v1", action="create", number="n")
    ledger.confirm("payment", "inv1/ch1", TargetKeys(key="800"))  # then deleted in Intacct
    findings = (
        fix("post", "inv1/ch1"),
        fix("reverse", "inv1/ch2", "900"),
        fix("record", "901/501"),
    )

    prepare_ledger(store, outcome(*findings), findings)

    posted = ledger.get("payment", "inv1/ch1")
    assert posted is not None and posted.status is Status.FAILED
    assert posted.error is not None and posted.error.code == PAYMENT_HELD
    assert (posted.confirmed_version, posted.target.key) == (None, None)  # planned as new
    reverse = ledger.get("payment", "inv1/ch2")
    assert reverse is not None and reverse.error is not None
    assert reverse.error.code == PAYMENT_HELD
    assert reverse.confirmed_version is not None  # posted: the stage reverses it
    assert (reverse.target.key, reverse.target.entity) == ("900", "UK")
    receipt = ledger.get("receipt", "901/501")
    assert receipt is not None and receipt.error is not None
    assert receipt.error.code == PAYMENT_HELD and receipt.confirmed_version is None


def test_a_payment_in_doubt_is_left_to_the_stages_own_lookup(store: StateStore) -> None:
    ledger = store.ledger
    ledger.mark_sending("payment", "inv1/ch1", "v1", action="create", number="n")
    ledger.mark_unconfirmed("payment", "inv1/ch1", RecordFailure("lost", code="unconfirmed"))
    before = ledger.get("payment", "inv1/ch1")

    prepare_ledger(store, outcome(fix("post", "inv1/ch1")), (fix("post", "inv1/ch1"),))

    assert ledger.get("payment", "inv1/ch1") == before
