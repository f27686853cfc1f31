"""Payments taken in OfficeRnD reach Intacct as AR payments applied to their invoices."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.intacct.records import ArDocument
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.worlds import BANKS, issued
from tests.sync_faults.harness import count_fired_faults


def sync(run_cli: CliRunner, *options: str) -> dict[str, Any]:
    result = run_cli("--json", "sync", *options)
    assert result.exit_code in (0, 1), result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def posted_invoices(sandbox: RunningSandbox) -> dict[str, ArDocument]:
    """Intacct's AR invoices by the OfficeRnD number they were posted under."""
    return {doc.record_id: doc for doc in sandbox.intacct.store.invoices() if doc.record_id}


def paid_in_officernd(sandbox: RunningSandbox, invoice_id: str) -> Decimal:
    return Decimal(str(sandbox.officernd.record("payments", invoice_id).get("paidAmount") or 0))


def an_open_invoice(sandbox: RunningSandbox) -> dict[str, Any]:
    posted = posted_invoices(sandbox)
    return next(
        doc
        for doc in issued(sandbox)
        if doc["number"] in posted
        and posted[doc["number"]].total_paid == 0
        and Decimal(str(doc.get("payableAmount") or 0)) == Decimal(str(doc["total"])) > 0
        and not doc.get("allocations")
        and not sandbox.officernd.records("charges", payment=doc["_id"])
    )


def assert_paid_the_same_in_both(sandbox: RunningSandbox) -> None:
    """Every posted invoice: what Intacct has applied equals what OfficeRnD was paid by
    charges, to the cent (credit allocations are not payments and are left out)."""
    posted = posted_invoices(sandbox)
    for doc in issued(sandbox):
        if doc["number"] not in posted or doc.get("allocations"):
            continue
        intacct = posted[doc["number"]]
        assert intacct.total_paid == paid_in_officernd(sandbox, doc["_id"]), doc["number"]


def orsync_payments(sandbox: RunningSandbox) -> list[Any]:
    return [
        p
        for p in sandbox.intacct.store.payments()
        if (p.description or "").startswith("orsync:") and p.record_type != "ra"
    ]


def test_charges_become_one_payment_each_and_both_systems_agree_to_the_cent(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)

    first = sync(run_cli)

    successful = [c for c in sandbox.officernd.records("charges") if c["status"] == "success"]
    posted = posted_invoices(sandbox)
    numbers = {d["_id"]: d["number"] for d in issued(sandbox)}
    expected = [c for c in successful if numbers.get(str(c["payment"])) in posted]
    assert expected, "the seed has charges on posted invoices"
    assert first["counts"]["payments"]["created"] == len(expected)
    assert sorted(p.doc_number for p in orsync_payments(sandbox)) == sorted(
        str(c["_id"]) for c in expected
    )
    assert_paid_the_same_in_both(sandbox)
    # Three syncs in a row write nothing more.
    for _ in range(3):
        again = sync(run_cli)
        assert again["counts"]["payments"]["created"] == 0
        assert again["counts"]["payments"]["reversed"] == 0
    assert len(orsync_payments(sandbox)) == len(expected)
    status = json.loads(run_cli("--json", "status").stdout)
    assert status["ledger"]["payment"]["confirmed"] == len(expected)


def test_a_card_payment_then_a_partial_pair_then_a_refund(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    card = an_open_invoice(sandbox)
    total = Decimal(str(card["total"]))

    charge = sandbox.officernd.add_charge(card["_id"], total, account="Credit Card")
    summary = sync(run_cli, "--only", "payments")

    paid = posted_invoices(sandbox)[card["number"]]
    (payment,) = [p for p in orsync_payments(sandbox) if p.doc_number == charge["_id"]]
    assert summary["counts"]["payments"]["created"] == 1
    assert (paid.total_due, paid.state) == (Decimal("0.00"), "Paid")
    assert Decimal(str(sandbox.officernd.record("payments", card["_id"])["payableAmount"])) == 0
    # Into the bank account the mapping names for the invoice's entity (Intacct refuses any
    # other entity's, see tests/sandbox_intacct/test_ar_payments.py).
    assert payment.payment_method == "Credit Card"
    assert payment.financial_entity in BANKS.values()

    partial = an_open_invoice(sandbox)
    due = Decimal(str(partial["total"]))
    part = (due / 3).quantize(Decimal("0.01"))
    sandbox.officernd.add_charge(partial["_id"], part, account="Bank Transfer")
    sandbox.officernd.add_charge(partial["_id"], due - part, account="Cash")
    summary = sync(run_cli)
    assert summary["counts"]["payments"]["created"] == 2
    assert posted_invoices(sandbox)[partial["number"]].total_due == 0
    assert_paid_the_same_in_both(sandbox)

    sandbox.officernd.update_record("charges", charge["_id"], status="refund")
    summary = sync(run_cli)

    reopened = posted_invoices(sandbox)[card["number"]]
    assert summary["counts"]["payments"]["reversed"] == 1
    assert reopened.total_due == total
    assert [p.state for p in orsync_payments(sandbox) if p.doc_number == charge["_id"]] == [
        "Reversed"
    ]
    for _ in range(3):
        quiet = sync(run_cli)
        assert (
            quiet["counts"]["payments"]["created"] == quiet["counts"]["payments"]["reversed"] == 0
        )


def test_a_removed_charge_reverses_its_payment_and_dry_run_shows_it_first(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoice = an_open_invoice(sandbox)
    charge = sandbox.officernd.add_charge(invoice["_id"], "10.00", account="Cash")
    sync(run_cli)

    sandbox.officernd.remove_record("charges", charge["_id"])
    # Removing a charge changes its invoice in OfficeRnD (the simulator's rule, documented).
    sandbox.officernd.update_record("payments", invoice["_id"], paidAmount=0)
    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    summary = sync(run_cli)

    writes = [a for a in plan["documents"] if a["kind"] == "payment" and a["action"] != "skip"]
    assert [(a["action"], a["source_id"]) for a in writes] == [
        ("reverse", f"{invoice['_id']}/{charge['_id']}")
    ]
    assert summary["counts"]["payments"]["reversed"] == 1
    assert posted_invoices(sandbox)[invoice["number"]].total_due == Decimal(str(invoice["total"]))


def key_in_intacct(sandbox: RunningSandbox, number: str, amount: Decimal) -> int:
    """Finance keys a cheque in Intacct against the invoice posted under ``number``."""
    doc = posted_invoices(sandbox)[number]
    return sandbox.intacct.store.key_payment(
        doc.recordno,
        amount,
        method="Printed Check",
        description="cheque 1042",
        when=dt.datetime.now(dt.UTC),
    ).recordno


def test_a_cheque_keyed_in_intacct_becomes_one_charge_in_officernd_and_never_comes_back(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)  # the first run starts the Intacct cursor: history is not scanned
    invoice = an_open_invoice(sandbox)
    total = Decimal(str(invoice["total"]))
    payments_before = len(sandbox.intacct.store.payments())

    recordno = key_in_intacct(sandbox, invoice["number"], total)
    summary = sync(run_cli)

    charges = sandbox.officernd.records("charges", payment=invoice["_id"])
    assert [(c["reference"], Decimal(str(c["amount"])), c["account"]) for c in charges] == [
        (f"intacct:{recordno}", total, "Cheque")
    ]
    assert summary["counts"]["payments"]["recorded"] == 1
    assert sandbox.officernd.record("payments", invoice["_id"])["status"] == "paid"
    # Three more syncs: the charge is not posted back to Intacct, nothing is recorded twice.
    for _ in range(3):
        quiet = sync(run_cli)
        assert quiet["counts"]["payments"]["created"] == 0
        assert quiet["counts"]["payments"]["recorded"] == 0
    assert len(sandbox.intacct.store.payments()) == payments_before + 1
    assert len(sandbox.officernd.records("charges", payment=invoice["_id"])) == 1


@pytest.mark.usefixtures("fast_retries")
def test_cheques_keyed_in_intacct_reach_officernd_once_when_its_answers_are_lost(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    posted = posted_invoices(sandbox)
    invoices = [
        doc
        for doc in issued(sandbox)
        if doc["number"] in posted
        and posted[doc["number"]].total_due >= 5
        and Decimal(str(doc.get("payableAmount") or 0)) >= 5
    ][:3]
    assert len(invoices) == 3
    before = {
        d["_id"]: len(sandbox.officernd.records("charges", payment=d["_id"])) for d in invoices
    }
    for invoice in invoices:
        key_in_intacct(sandbox, invoice["number"], Decimal("5.00"))
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

    for invoice in invoices:
        charges = sandbox.officernd.records("charges", payment=invoice["_id"])
        ours = [c for c in charges if str(c.get("reference") or "").startswith("intacct:")]
        assert len(ours) == 1, charges  # never twice, never missing
        assert len(charges) == before[invoice["_id"]] + 1


def test_removed_charges_are_found_reading_the_ledger_a_few_invoices_at_a_time(
    sandbox: RunningSandbox,
    mapped_profile: Configure,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first sync reads every invoice of the history: their payment rows are read (and
    held) a bounded number of invoices at a time, and no removed charge is missed for it."""
    from orsync.services.sync import payments as payments_module
    from orsync.state.ledger_reads import LedgerReads

    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    invoices = []
    charges = []
    for _ in range(2):
        invoice = an_open_invoice(sandbox)
        charges.append(sandbox.officernd.add_charge(invoice["_id"], "10.00", account="Cash"))
        invoices.append(invoice)
    sync(run_cli)
    for invoice, charge in zip(invoices, charges, strict=True):
        sandbox.officernd.remove_record("charges", charge["_id"])
        sandbox.officernd.update_record("payments", invoice["_id"], paidAmount=0)

    monkeypatch.setattr(payments_module, "INVOICES_PER_READ", 1)
    widest: list[int] = []
    rows_under = LedgerReads.rows_under

    def spy(self: LedgerReads, kind: str, prefixes: Any) -> Any:
        prefixes = list(prefixes)
        if kind == payments_module.PAYMENT_KIND:  # other stages read their own rows
            widest.append(len(prefixes))
        return rows_under(self, kind, prefixes)

    monkeypatch.setattr(LedgerReads, "rows_under", spy)
    summary = sync(run_cli)

    assert summary["counts"]["payments"]["reversed"] == 2
    assert widest and max(widest) == 1
