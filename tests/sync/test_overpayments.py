"""OfficeRnD overpayments reach Intacct as advances on the overpayment account, and their later
allocations to invoices are applied, once, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.test_payments import posted_invoices, sync

pytestmark = pytest.mark.loopback

ACCOUNT = "2400"  # the seeded company's "Customer Overpayments & Unapplied Cash"


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def overpayments(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox.officernd.records("payments", documentType="overpayment")


def advances(sandbox: RunningSandbox) -> dict[str, Any]:
    """orsync's advances in Intacct by their reference (the OfficeRnD overpayment id)."""
    found: dict[str, Any] = {}
    for payment in sandbox.intacct.store.payments():
        if payment.record_type == "rr" and not payment.reversed:
            assert payment.doc_number not in found, "an overpayment posted twice"
            found[payment.doc_number] = payment
    return found


def test_overpayments_post_as_advances_and_their_allocations_are_applied(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True, overpayment_account=ACCOUNT)

    first = sync(run_cli)

    seeded = overpayments(sandbox)
    posted = advances(sandbox)
    assert seeded, "the seed has overpayments"
    assert first["counts"]["payments"]["received"] == len(posted) == len(seeded)
    for overpayment in seeded:
        advance = posted[overpayment["_id"]]
        assert advance.amount == money(overpayment["total"])
        assert advance.gl_account == ACCOUNT
        assert advance.currency == overpayment["currency"]
        # What OfficeRnD allocated of it is what Intacct applied of it.
        assert advance.applied == money(overpayment.get("allocatedAmount")), overpayment["number"]
    invoices = posted_invoices(sandbox)
    for doc in sandbox.officernd.records("payments", documentType="invoice"):
        if doc["number"] in invoices and doc.get("status") not in ("draft", "voided"):
            settled = money(doc.get("paidAmount")) + money(doc.get("allocatedAmount"))
            assert invoices[doc["number"]].total_paid == settled, doc["number"]
    for _ in range(3):
        again = sync(run_cli)
        assert again["counts"]["payments"]["received"] == 0
        assert again["counts"]["payments"]["applied"] == 0
    assert len(advances(sandbox)) == len(seeded)
    status = json.loads(run_cli("--json", "status").stdout)
    assert status["ledger"]["overpayment"]["confirmed"] == len(seeded)


def test_an_overpayment_without_an_overpayment_account_is_refused_with_the_fix(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)

    summary = sync(run_cli)

    refused = [p for p in summary["problems"] if p["kind"] == "overpayment"]
    assert len(refused) == len(overpayments(sandbox))
    assert all("--overpayment-account" in (p["fix"] or "") for p in refused)
    assert advances(sandbox) == {}


def test_an_overpayment_allocated_later_is_applied_to_the_invoice_in_intacct(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True, overpayment_account=ACCOUNT)
    sync(run_cli)
    invoices = posted_invoices(sandbox)
    # The customer's next invoice (a copy of one orsync posted for them), paid in part by the
    # overpayment when it is allocated.
    overpayment, template = next(
        (op, doc)
        for op in overpayments(sandbox)
        if money(op["total"]) > money(op.get("allocatedAmount"))
        for doc in sandbox.officernd.records("payments", documentType="invoice")
        if doc["number"] in invoices
        and doc.get("status") not in ("draft", "voided")
        and not doc.get("processingFeeLine")
        and all(op.get(f) == doc.get(f) for f in ("company", "member", "currency"))
    )
    invoice = sandbox.officernd.create_record(
        "payments",
        {
            **template,
            "_id": "e" * 24,
            "number": "INV-NEXT-1",
            "allocations": [],
            "allocatedAmount": 0,
            "paidAmount": 0,
            "payableAmount": template["total"],
            "status": "awaiting_payment",
        },
    )
    left = money(overpayment["total"]) - money(overpayment.get("allocatedAmount"))
    amount = min(left, money(invoice["payableAmount"]))
    sandbox.officernd.allocate(overpayment["_id"], invoice["_id"], amount)

    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    summary = sync(run_cli)

    planned = [
        a for a in plan["documents"] if a["kind"] == "allocation" and a["action"] == "create"
    ]
    assert len(planned) == 1
    assert summary["counts"]["payments"]["applied"] == 1
    assert advances(sandbox)[overpayment["_id"]].applied == money(
        sandbox.officernd.record("payments", overpayment["_id"])["allocatedAmount"]
    )
    assert posted_invoices(sandbox)[invoice["number"]].total_due == money(
        sandbox.officernd.record("payments", invoice["_id"])["payableAmount"]
    )
    assert sync(run_cli)["counts"]["payments"]["applied"] == 0
