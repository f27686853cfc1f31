"""A credit note edited or voided in OfficeRnD reaches Intacct through the API functions it has
(issue 17, item 5): ``update_aradjustment`` edits the credit memo in place, and a void deletes
the unapplied memo (``delete_aradjustment``); neither is a manual fix any more."""

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

LINE_FIELDS = ("description", "quantity", "unitPrice", "account", "taxRate", "taxPercent")


def sync(run_cli: CliRunner) -> dict[str, Any]:
    return json.loads(run_cli("--json", "sync").stdout)


def test_a_credit_note_edited_then_voided_is_updated_then_deleted_in_intacct(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)  # the seeded credit note bills the planted name match
    # Unallocated first: credit allocations are applied on every AR profile, and an applied
    # credit memo cannot be edited in place.
    for note in issued(sandbox, "creditNote"):
        for allocation in note.get("allocations") or ():
            sandbox.officernd.remove_allocation(note["_id"], allocation["_id"])
    mapped_profile()
    sync(run_cli)
    store = sandbox.intacct.store
    posted = {memo.external_id: memo for memo in store.adjustments()}
    credit = next(c for c in issued(sandbox, "creditNote") if c["number"] in posted)
    lines = [
        {**{k: line[k] for k in LINE_FIELDS}, "location": line.get("location")}
        for line in credit["lines"]
    ]
    lines[0]["unitPrice"] = float(Decimal(str(lines[0]["unitPrice"])) - Decimal("1.00"))
    edited = sandbox.officernd.edit_invoice(credit["_id"], lines=lines)

    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert summary["problems"] == [], summary["problems"]
    assert summary["counts"]["credit_notes"]["updated"] == 1
    assert sandbox.intacct.stats.by_function["update_aradjustment"] == 1
    memo = next(m for m in store.adjustments() if m.external_id == credit["number"])
    assert memo.recordno == posted[credit["number"]].recordno  # edited in place
    assert -memo.total_entered == Decimal(str(edited["total"])).quantize(Decimal("0.01"))

    sandbox.officernd.void_invoice(credit["_id"])
    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert summary["problems"] == [], summary["problems"]
    assert sandbox.intacct.stats.by_function["delete_aradjustment"] == 1
    assert credit["number"] not in {m.external_id for m in store.adjustments()}
    # In step afterwards: nothing more to write.
    sandbox.intacct.reset_stats()
    sync(run_cli)
    assert sandbox.intacct.stats.functions == 0
