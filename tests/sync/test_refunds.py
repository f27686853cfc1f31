"""Refunded charges in the seeded operator (issue 18): a charge whose status is ``refund`` is
that charge's money given back, in the OfficeRnD simulator and in orsync alike, so after a sync
every invoice is paid and due the same in both systems, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


def amount(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def test_refunded_charges_leave_paid_and_due_equal_in_both_systems(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    charges = sandbox.officernd.records("charges")
    refunded = {c["payment"] for c in charges if c["status"] == "refund"}
    pending = {c["payment"] for c in charges if c["status"] == "pending"}
    assert refunded, "the seed refunds some charges"

    summary = json.loads(run_cli("--json", "sync").stdout)
    assert summary["counts"]["payments"]["reversed"] == 0  # never posted, nothing to undo

    posted = {doc.doc_number: doc for doc in sandbox.intacct.store.invoices()}
    compared = refunds = 0
    for doc in issued(sandbox):
        intacct = posted.get(doc["number"])
        if intacct is None or doc["_id"] in pending:
            continue
        # OfficeRnD: charges paid, credit allocated; Intacct: payments and credits applied.
        officernd_settled = amount(doc.get("paidAmount")) + amount(doc.get("allocatedAmount"))
        assert intacct.total_paid == officernd_settled, doc["number"]
        assert intacct.total_due == amount(doc.get("payableAmount")), doc["number"]
        compared += 1
        refunds += doc["_id"] in refunded
    assert refunds >= 1 and compared > refunds
