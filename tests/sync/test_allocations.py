"""Credit notes allocated to invoices in OfficeRnD are applied in Intacct (apply_arpayment),
once, so both systems hold the same amounts due, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.intacct.records import ArDocument
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.test_payments import posted_invoices, sync

pytestmark = pytest.mark.loopback


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def posted_credits(sandbox: RunningSandbox) -> dict[str, ArDocument]:
    """Intacct's credit memos by the OfficeRnD number they were posted under."""
    return {
        (doc.external_id or doc.record_id): doc
        for doc in sandbox.intacct.store.adjustments()
        if doc.reversed_by is None
    }


def credit_notes(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox.officernd.records("payments", documentType="creditNote")


def applications(sandbox: RunningSandbox) -> list[Any]:
    return [p for p in sandbox.intacct.store.payments() if p.record_type == "ra"]


def expected_applications(sandbox: RunningSandbox) -> list[tuple[str, str, Decimal]]:
    """(credit note number, invoice number, amount) of every allocation whose credit note and
    invoice are both in Intacct."""
    credits, invoices = posted_credits(sandbox), posted_invoices(sandbox)
    numbers = {d["_id"]: d["number"] for d in sandbox.officernd.records("payments")}
    return sorted(
        (note["number"], numbers[item["target"]], money(item["amount"]))
        for note in credit_notes(sandbox)
        if note["number"] in credits
        for item in note.get("allocations") or []
        if numbers.get(item["target"]) in invoices
    )


def applied_in_intacct(sandbox: RunningSandbox) -> list[tuple[str, str, Decimal]]:
    store = sandbox.intacct.store
    by_key = {doc.recordno: doc for doc in [*store.invoices(), *store.adjustments()]}
    found = []
    for payment in applications(sandbox):
        for detail in payment.details:
            assert detail.adjustment_key is not None
            credit, invoice = by_key[detail.adjustment_key], by_key[detail.record_key]
            found.append((credit.external_id or credit.record_id, invoice.record_id, detail.amount))
    return sorted(found)


def assert_credit_applied_the_same_in_both(sandbox: RunningSandbox) -> None:
    """Every posted credit note: what Intacct applied of it equals what OfficeRnD allocated."""
    credits = posted_credits(sandbox)
    for note in credit_notes(sandbox):
        if note["number"] in credits:
            memo = credits[note["number"]]
            assert -memo.total_paid == money(note.get("allocatedAmount")), note["number"]


def test_seeded_allocations_are_applied_once_and_both_systems_agree(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)

    first = sync(run_cli)

    expected = expected_applications(sandbox)
    assert expected, "the seed allocates credit notes to posted invoices"
    assert first["counts"]["payments"]["applied"] == len(expected)
    assert applied_in_intacct(sandbox) == expected
    assert_credit_applied_the_same_in_both(sandbox)
    for _ in range(3):
        again = sync(run_cli)
        assert again["counts"]["payments"]["applied"] == 0
    assert applied_in_intacct(sandbox) == expected
    status = json.loads(run_cli("--json", "status").stdout)
    assert status["ledger"]["allocation"]["confirmed"] == len(expected)


def test_a_credit_note_allocated_later_is_applied_and_shown_in_the_dry_run_first(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoices = posted_invoices(sandbox)
    # A new credit note crediting an open invoice in full (its lines, as OfficeRnD copies them).
    invoice = next(
        d
        for d in sandbox.officernd.records("payments", documentType="invoice")
        if d["number"] in invoices
        and invoices[d["number"]].total_due == money(d.get("payableAmount")) > 0
        and not d.get("processingFeeLine")
    )
    note = sandbox.officernd.create_record(
        "payments",
        {
            **invoice,
            "_id": "f" * 24,
            "documentType": "creditNote",
            "number": "CN-LATER-1",
            "allocations": [],
            "allocatedAmount": 0,
            "paidAmount": 0,
            "status": "pending",
        },
    )
    amount = min(money(note["total"]), money(invoice["payableAmount"]))
    sandbox.officernd.allocate(note["_id"], invoice["_id"], amount)

    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    summary = sync(run_cli)

    planned = [
        a for a in plan["documents"] if a["kind"] == "allocation" and a["action"] == "create"
    ]
    assert [a["number"] for a in planned] == [f"{note['number']} allocated to {invoice['number']}"]
    assert summary["counts"]["payments"]["applied"] == 1
    after = posted_invoices(sandbox)[invoice["number"]]
    assert after.total_due == money(
        sandbox.officernd.record("payments", invoice["_id"])["payableAmount"]
    )
    assert -posted_credits(sandbox)[note["number"]].total_paid == amount
    assert sync(run_cli)["counts"]["payments"]["applied"] == 0


def test_an_allocation_removed_after_it_was_applied_is_reported_with_the_manual_steps(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    applied_before = applied_in_intacct(sandbox)
    credits = posted_credits(sandbox)
    note = next(n for n in credit_notes(sandbox) if n.get("allocations") and n["number"] in credits)
    (allocation, *_) = note["allocations"]

    sandbox.officernd.remove_allocation(note["_id"], allocation["_id"])
    result = run_cli("--json", "sync")
    summary = json.loads(result.stdout)

    assert result.exit_code == 1
    (problem,) = [p for p in summary["problems"] if p["kind"] == "allocation"]
    assert problem["source_id"] == f"{note['_id']}/{allocation['_id']}"
    assert "removed in OfficeRnD" in problem["message"]
    assert "apply_arpayment" in problem["fix"]
    # Nothing is written: Intacct keeps the application until a person reverses it.
    assert applied_in_intacct(sandbox) == applied_before
