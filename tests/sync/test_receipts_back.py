"""Intacct -> OfficeRnD: a payment reversed in Intacct removes the charge orsync recorded for it,
exactly once; OfficeRnD's billing lock date refuses a charge as a per-record failure with the fix.

Payments are keyed in Intacct after the first sync (``key_in_intacct``): a hand-keyed payment
needs its invoice in Intacct first, and orsync's first run only starts the Intacct cursor."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.test_payments import an_open_invoice, key_in_intacct, posted_invoices, sync
from tests.sync_faults.harness import count_fired_faults


def reverse_in_intacct(sandbox: RunningSandbox, recordno: int) -> None:
    """Finance reverses the payment (a bounced cheque): what it paid is due again."""
    sandbox.intacct.store.reverse_payment(recordno, dt.datetime.now(dt.UTC))


def from_intacct(sandbox: RunningSandbox, invoice_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in sandbox.officernd.records("charges", payment=invoice_id)
        if str(c.get("reference") or "").startswith("intacct:")
    ]


def cheque_recorded(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> tuple[dict[str, Any], int]:
    """An open invoice paid in full by a cheque keyed in Intacct, recorded in OfficeRnD."""
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoice = an_open_invoice(sandbox)
    recordno = key_in_intacct(sandbox, invoice["number"], Decimal(str(invoice["total"])))
    assert sync(run_cli)["counts"]["payments"]["recorded"] == 1
    assert sandbox.officernd.record("payments", invoice["_id"])["status"] == "paid"
    # The charge says where it came from, in its reference and its accounting block.
    [charge] = from_intacct(sandbox, invoice["_id"])
    accounting = charge["accounting"]
    assert (accounting["provider"], accounting["providerId"]) == ("orsync", str(recordno))
    assert accounting["externalOrgId"] == sandbox.world.intacct.company_id
    return invoice, recordno


def test_a_payment_reversed_in_intacct_removes_its_charge_once_and_dry_run_shows_it_first(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    invoice, recordno = cheque_recorded(sandbox, mapped_profile, run_cli)
    reverse_in_intacct(sandbox, recordno)

    dry = run_cli("--json", "sync", "--dry-run")
    assert dry.exit_code in (0, 1), dry.stderr
    plan = json.loads(dry.stdout)
    removals = [a for a in plan["documents"] if a["kind"] == "receipt" and a["action"] == "reverse"]
    assert [a["source_id"] for a in removals] == [
        f"{recordno}/{posted_invoices(sandbox)[invoice['number']].recordno}"
    ]
    assert len(from_intacct(sandbox, invoice["_id"])) == 1  # the dry run removed nothing

    summary = sync(run_cli)
    assert summary["counts"]["payments"]["removed"] == 1
    assert from_intacct(sandbox, invoice["_id"]) == []
    document = sandbox.officernd.record("payments", invoice["_id"])
    assert Decimal(str(document["payableAmount"])) == Decimal(str(invoice["total"]))
    assert posted_invoices(sandbox)[invoice["number"]].total_paid == 0  # both systems agree
    payments_before = len(sandbox.intacct.store.payments())
    for _ in range(3):
        quiet = sync(run_cli)
        counts = quiet["counts"]["payments"]
        assert (counts["removed"], counts["recorded"], counts["created"]) == (0, 0, 0)
    assert len(sandbox.intacct.store.payments()) == payments_before


def test_the_receipts_read_leaves_orsyncs_own_payments_in_intacct(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """A run after one that posted many payments reads back none of them: Intacct filters
    orsync's own out of the receipts query, so only the cheque finance keyed comes back."""
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    assert sync(run_cli)["counts"]["payments"]["created"] > 0  # orsync's own, after the cursor
    invoice = an_open_invoice(sandbox)
    key_in_intacct(sandbox, invoice["number"], Decimal(str(invoice["total"])))
    simulator = sandbox.intacct
    real_handle = simulator.handle
    payments_read: list[bytes] = []

    def handle(body: bytes, endpoint: str) -> Any:
        reply = real_handle(body, endpoint)
        if b"<object>ARPYMT</object>" in body:
            payments_read.append(reply.body)
        return reply

    simulator.handle = handle  # type: ignore[method-assign]
    try:
        assert sync(run_cli)["counts"]["payments"]["recorded"] == 1
    finally:
        simulator.handle = real_handle  # type: ignore[method-assign]
    rows = [row for body in payments_read for row in body.split(b"<ARPYMT>")[1:]]
    assert len(rows) == 1
    assert b"orsync:" not in b"".join(payments_read)
    assert len(from_intacct(sandbox, invoice["_id"])) == 1


def test_runs_that_read_and_write_officernd_ask_for_each_token_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """The read token and the charge-writing token are kept side by side between runs: runs
    recording and removing charges (payments + receipts) ask OfficeRnD's token endpoint,
    limited to 5 requests a minute, once for each."""
    sandbox.officernd.reset_request_counts()
    _invoice, recordno = cheque_recorded(sandbox, mapped_profile, run_cli)  # 2 runs
    reverse_in_intacct(sandbox, recordno)
    assert sync(run_cli)["counts"]["payments"]["removed"] == 1
    sync(run_cli)
    assert sandbox.officernd.request_counts["POST /oauth/token"] == 2


@pytest.mark.usefixtures("fast_retries")
def test_reversals_remove_their_charges_exactly_once_when_answers_are_lost(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    posted = posted_invoices(sandbox)
    invoices = [
        doc
        for doc in sandbox.officernd.records("payments", documentType="invoice")
        if doc["number"] in posted
        and posted[doc["number"]].total_due >= 5
        and Decimal(str(doc.get("payableAmount") or 0)) >= 5
    ][:3]
    assert len(invoices) == 3
    cheques = [key_in_intacct(sandbox, d["number"], Decimal("5.00")) for d in invoices]
    sync(run_cli)
    assert all(len(from_intacct(sandbox, d["_id"])) == 1 for d in invoices)
    others = {
        d["_id"]: len(sandbox.officernd.records("charges", payment=d["_id"])) - 1 for d in invoices
    }
    for recordno in cheques[:2]:
        reverse_in_intacct(sandbox, recordno)

    faults = sandbox.officernd.config.faults
    fired = count_fired_faults(sandbox)
    faults.set_rate("lost-response", 0.5)
    for _ in range(4):
        assert run_cli("sync").exit_code in (0, 1, 69, 75)
    faults.set_rate("lost-response", 0.0)
    assert fired["officernd.lost-response"] > 0
    for _ in range(2):
        final = run_cli("sync")
        if final.exit_code != 75:
            break
    assert final.exit_code in (0, 1), final.stderr

    # Reversed: gone; kept: still there once; nobody else's charge touched.
    assert [len(from_intacct(sandbox, d["_id"])) for d in invoices] == [0, 0, 1]
    for d in invoices:
        assert (
            len(sandbox.officernd.records("charges", payment=d["_id"]))
            - len(from_intacct(sandbox, d["_id"]))
            == others[d["_id"]]
        )


def test_the_billing_lock_date_refuses_a_charge_as_a_failed_record_with_the_fix(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoice = an_open_invoice(sandbox)
    key_in_intacct(sandbox, invoice["number"], Decimal(str(invoice["total"])))
    sandbox.officernd.set_billing_lock_date(dt.datetime.now(dt.UTC).date())

    result = run_cli("--json", "sync")
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    # The seed's overpayments fail too (this profile sets no overpayment account): only the
    # receipt is this test's.
    [problem] = [p for p in summary["problems"] if p["kind"] == "receipt"]
    assert problem["status"] == "failed"
    assert "lock" in problem["message"] and "lock date" in problem["fix"]
    assert from_intacct(sandbox, invoice["_id"]) == []

    # The admin moves the lock; a retry records the charge once.
    sandbox.officernd.set_billing_lock_date(None)
    retried = sync(run_cli, "--retry-failed")
    assert retried["counts"]["payments"]["recorded"] == 1
    assert len(from_intacct(sandbox, invoice["_id"])) == 1


def test_a_reversal_whose_charge_is_locked_fails_with_the_fix_then_completes(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    # Five runs in a few seconds, the writing ones asking for a second token each, pass the
    # token endpoint's 5 a minute (orsync would wait 60 s): not what this test is about.
    sandbox.officernd._token_limit.per_minute = None
    invoice, recordno = cheque_recorded(sandbox, mapped_profile, run_cli)
    reverse_in_intacct(sandbox, recordno)
    sandbox.officernd.set_billing_lock_date(dt.datetime.now(dt.UTC).date())

    result = run_cli("--json", "sync")
    assert result.exit_code == 1, result.stderr
    [problem] = [p for p in json.loads(result.stdout)["problems"] if p["kind"] == "receipt"]
    assert "reversed in Intacct" in problem["message"] and "lock date" in problem["fix"]
    assert len(from_intacct(sandbox, invoice["_id"])) == 1

    sandbox.officernd.set_billing_lock_date(None)
    retried = sync(run_cli, "--retry-failed")
    assert retried["counts"]["payments"]["removed"] == 1
    assert [p for p in retried["problems"] if p["kind"] == "receipt"] == []
    assert from_intacct(sandbox, invoice["_id"]) == []


def test_sales_mode_payments_flow_both_ways_through_the_generated_ar_invoice(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """Payments apply to the AR invoice a Sales invoice generated (SODOCUMENT.PRRECORDKEY):
    a card charge in OfficeRnD is paid there, and a wire keyed there comes back."""
    settle_seed_conflicts(sandbox)
    mapped_profile(invoice_type="sales", payments=True)
    sync(run_cli)
    store = sandbox.intacct.store
    generated = {
        so.reference_no: store.invoice(so.pr_record_key)
        for so in store.sales_documents()
        if so.pr_record_key is not None
    }
    open_ = [
        d
        for d in sandbox.officernd.records("payments", documentType="invoice")
        if (ar := generated.get(d["number"])) is not None
        and ar.total_paid == 0
        and Decimal(str(d.get("payableAmount") or 0)) == Decimal(str(d["total"])) > 1
        and not d.get("allocations")
        and not sandbox.officernd.records("charges", payment=d["_id"])
    ]
    card, wired = open_[:2]

    sandbox.officernd.add_charge(card["_id"], "1.00", account="Credit Card")
    assert sync(run_cli)["counts"]["payments"]["created"] == 1
    paid = store.invoice(generated[card["number"]].recordno)
    assert paid is not None and paid.total_paid == Decimal("1.00")

    ar = generated[wired["number"]]
    recordno = key_in_intacct_ar(sandbox, ar.recordno, Decimal(str(wired["total"])))
    assert sync(run_cli)["counts"]["payments"]["recorded"] == 1
    assert [c["reference"] for c in from_intacct(sandbox, wired["_id"])] == [f"intacct:{recordno}"]
    assert sandbox.officernd.record("payments", wired["_id"])["status"] == "paid"


def key_in_intacct_ar(sandbox: RunningSandbox, ar_recordno: int, amount: Decimal) -> int:
    """A cheque keyed in Intacct on an AR invoice Order Entry generated."""
    return sandbox.intacct.store.key_payment(
        ar_recordno,
        amount,
        method="Printed Check",
        description="cheque 2077",
        when=dt.datetime.now(dt.UTC),
    ).recordno


def test_an_operators_day_of_payments_keyed_and_bounced_in_intacct_reaches_officernd(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """The activity keys payments in Intacct once orsync posted their invoices (they need the
    invoice there first), and every fourth time the one before bounces."""
    from orsync.sandbox.activity import Activity

    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    activity = Activity(sandbox.officernd, sandbox.intacct, seed=5)
    keyed = [activity.intacct_payment() for _ in range(4)]
    assert all(keyed) and activity.counts["intacct_reversal"] == 1
    by_hand = [p for p in sandbox.intacct.store.payments() if p.description == "keyed in Intacct"]
    live = {p.recordno for p in by_hand if not p.reversed}
    assert len(live) == 3

    sync(run_cli)
    recorded = {
        int(str(c["reference"]).removeprefix("intacct:"))
        for c in sandbox.officernd.records("charges")
        if str(c.get("reference") or "").startswith("intacct:")
    }
    assert recorded == live


def test_a_draft_payment_reaches_officernd_only_once_posted(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoice = an_open_invoice(sandbox)
    recordno = key_in_intacct(sandbox, invoice["number"], Decimal("2.00"))
    store = sandbox.intacct.store

    def set_draft(draft: bool) -> None:
        with store.lock:
            payment = store.payment_table.get(recordno)
            assert payment is not None
            now = dt.datetime.now(dt.UTC)
            store.put(
                store.payment_table,
                dataclasses.replace(payment, draft=draft, when_modified=now),
                None,
            )

    set_draft(True)
    assert sync(run_cli)["counts"]["payments"]["recorded"] == 0
    assert from_intacct(sandbox, invoice["_id"]) == []
    set_draft(False)  # finance posts it
    assert sync(run_cli)["counts"]["payments"]["recorded"] == 1
    assert len(from_intacct(sandbox, invoice["_id"])) == 1


def test_a_payment_recorded_in_both_systems_fails_with_a_fix_on_each_side(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """Finance keys the cheque in Intacct while the front desk records it in OfficeRnD: orsync
    posts neither copy, and both failures say what to do (OfficeRnD's refusal of the charge
    came with no fix at all)."""
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoice = an_open_invoice(sandbox)
    total = Decimal(str(invoice["total"]))
    key_in_intacct(sandbox, invoice["number"], total)
    sandbox.officernd.add_charge(invoice["_id"], str(total), account="Bank Transfer")

    summary = sync(run_cli)

    [receipt] = [p for p in summary["problems"] if p["kind"] == "receipt"]
    assert "exceeds" in receipt["message"]
    assert receipt["fix"] and "sync --retry-failed" in receipt["fix"]
    assert from_intacct(sandbox, invoice["_id"]) == []
