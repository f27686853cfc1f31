"""An overpayment voided in OfficeRnD after orsync posted its advance reverses the advance in
Intacct (``reverse_arpayment``), once, through the ledger (issue 18)."""

from __future__ import annotations

import json

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.test_overpayments import ACCOUNT, advances, overpayments
from tests.sync.test_payments import sync
from tests.sync_faults.harness import count_fired_faults

pytestmark = pytest.mark.loopback


def test_a_voided_overpayment_reverses_its_advance_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True, overpayment_account=ACCOUNT)
    sync(run_cli)
    posted = advances(sandbox)
    # One nothing was applied from: Intacct reverses an advance whose credit is unused.
    overpayment = next(
        o for o in overpayments(sandbox) if o["_id"] in posted and not o.get("allocations")
    )
    advance = posted[overpayment["_id"]]

    sandbox.officernd.void_invoice(overpayment["_id"])
    plan = run_cli("sync", "--dry-run")
    assert "reverse" in plan.stdout and overpayment["number"] in plan.stdout
    sandbox.intacct.reset_stats()
    summary = sync(run_cli)

    assert summary["problems"] == [], summary["problems"]
    assert summary["counts"]["payments"]["reversed"] == 1
    assert sandbox.intacct.stats.by_function["reverse_arpayment"] == 1
    assert overpayment["_id"] not in advances(sandbox)
    reversed_ = [p for p in sandbox.intacct.store.payments() if p.recordno == advance.recordno]
    assert [p.reversed for p in reversed_] == [True]
    for _ in range(2):  # exactly once: later runs find the ledger's reversed row
        sandbox.intacct.reset_stats()
        again = sync(run_cli)
        assert again["counts"]["payments"]["reversed"] == 0
        assert sandbox.intacct.stats.by_function.get("reverse_arpayment", 0) == 0


def test_a_reversal_whose_answers_are_lost_is_looked_up_and_done_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True, overpayment_account=ACCOUNT)
    sync(run_cli)
    posted = advances(sandbox)
    voided = [o for o in overpayments(sandbox) if o["_id"] in posted and not o.get("allocations")]
    assert voided
    for overpayment in voided:
        sandbox.officernd.void_invoice(overpayment["_id"])
    faults = sandbox.intacct.config.faults
    fired = count_fired_faults(sandbox)
    faults.set_rate("lost-response", 0.5)
    for _ in range(4):
        assert run_cli("sync").exit_code in (0, 1, 69, 75)
    faults.set_rate("lost-response", 0.0)
    assert fired["intacct.lost-response"] > 0
    for _ in range(2):
        final = run_cli("--json", "sync")
        if final.exit_code != 75:
            break
    assert final.exit_code in (0, 1), final.stderr
    summary = json.loads(final.stdout)
    assert not [p for p in summary["problems"] if p["kind"] == "overpayment"], summary["problems"]

    still = advances(sandbox)
    assert not {o["_id"] for o in voided} & set(still)  # every one reversed ...
    reversals = [p for p in sandbox.intacct.store.payments() if p.doc_number in posted]
    assert sum(p.reversed for p in reversals) == len(voided)  # ... once, no advance twice
    status = json.loads(run_cli("--json", "status").stdout)
    assert status["ledger"]["overpayment"].get("unconfirmed", 0) == 0
