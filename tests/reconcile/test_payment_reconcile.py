"""Reconcile compares payments and open balances on the sandbox, and its safe fixes (through
sync) converge: payments made on both sides, one deleted in Intacct by hand, one amount edited
there, one cheque keyed in Intacct that sync has not read yet."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.activity import Activity
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.conftest import mapped_profile as mapped_profile  # the payments-aware one
from tests.sync.test_payments import (
    key_in_intacct,
    orsync_payments,
    posted_invoices,
    sync,
)

pytestmark = pytest.mark.loopback

PERIOD = ("--from", "2000-01-01", "--to", "2999-12-31")


def reconcile_json(run_cli: CliRunner, *args: str) -> dict[str, Any]:
    result = run_cli("--json", "reconcile", *PERIOD, *args)
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def findings_on(document: dict[str, Any], number: str) -> list[tuple[str, str, bool]]:
    """(category, fix action, safe) of the findings about invoice ``number`` or its payments."""
    return sorted(
        (f["category"], f["fix"]["action"], f["fix"]["safe"])
        for f in document["findings"]
        if f["number"] == number or (f["number"] or "").startswith(f"{number} ")
    )


def delete_in_intacct(sandbox: RunningSandbox, payment_key: int) -> None:
    """Finance deletes a payment in Intacct by hand: what it paid is due again."""
    store = sandbox.intacct.store
    with store.lock:
        payment = store.payment_table.get(payment_key)
        assert payment is not None
        for detail in payment.details:
            doc = store.ar_table.get(detail.record_key)
            assert doc is not None
            restored = dataclasses.replace(doc, total_paid=doc.total_paid - detail.amount)
            store.put(store.ar_table, restored, None)
        store.remove(store.payment_table, payment_key, None)


def edit_amount_in_intacct(sandbox: RunningSandbox, payment_key: int, amount: Decimal) -> None:
    """Finance edits what a payment applies to its invoice in Intacct."""
    store = sandbox.intacct.store
    with store.lock:
        payment = store.payment_table.get(payment_key)
        assert payment is not None
        (detail,) = payment.details
        doc = store.ar_table.get(detail.record_key)
        assert doc is not None
        store.put(
            store.ar_table,
            dataclasses.replace(doc, total_paid=doc.total_paid - detail.amount + amount),
            None,
        )
        store.put(
            store.payment_table,
            dataclasses.replace(
                payment, amount=amount, details=(dataclasses.replace(detail, amount=amount),)
            ),
            None,
        )


def backdate(sandbox: RunningSandbox, payment_key: int) -> None:
    """A payment last modified long ago (keyed before orsync's Intacct cursor started)."""
    store = sandbox.intacct.store
    with store.lock:
        payment = store.payment_table.get(payment_key)
        assert payment is not None
        old = payment.when_modified.replace(year=2020)
        store.put(store.payment_table, dataclasses.replace(payment, when_modified=old), None)


def test_payments_on_one_side_only_are_found_and_the_safe_fixes_converge(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile(payments=True)
    sync(run_cli)
    posted = posted_invoices(sandbox)
    activity = Activity(sandbox.officernd, usable=lambda doc: doc["number"] in posted)
    card, edited, cheque = (activity.new_invoice() for _ in range(3))
    sync(run_cli)
    card_total = Decimal(str(card["total"]))
    card_charge = sandbox.officernd.add_charge(card["_id"], card_total, account="Credit Card")
    edited_charge = sandbox.officernd.add_charge(
        edited["_id"], Decimal(str(edited["total"])), account="Cash"
    )
    sync(run_cli, "--only", "payments")
    by_reference = {p.doc_number: p for p in orsync_payments(sandbox)}
    delete_in_intacct(sandbox, by_reference[card_charge["_id"]].recordno)
    edit_amount_in_intacct(
        sandbox, by_reference[edited_charge["_id"]].recordno, Decimal(str(edited["total"])) - 1
    )
    cheque_due = posted_invoices(sandbox)[cheque["number"]].total_due
    cheque_key = key_in_intacct(sandbox, cheque["number"], cheque_due)
    backdate(sandbox, cheque_key)  # before sync's Intacct cursor: only reconcile finds it

    before = reconcile_json(run_cli, "--dry-run")

    assert findings_on(before, card["number"]) == [
        ("balance_different", "follows", False),
        ("payment_missing", "post", True),
    ]
    assert findings_on(before, cheque["number"]) == [
        ("balance_different", "follows", False),
        ("payment_unrecorded", "record", True),
    ]
    assert findings_on(before, edited["number"]) == [
        ("balance_different", "follows", False),
        ("payment_different", "manual", False),
    ]
    balance = next(
        f
        for f in before["findings"]
        if f["category"] == "balance_different" and f["number"] == card["number"]
    )
    assert {d["field"]: (d["officernd"], d["intacct"]) for d in balance["diffs"]}["state"] == (
        "paid",
        "open",
    )
    assert before["read"]["payments"]["invoices_differing"] >= 3
    assert (
        before["read"]["payments"]["invoices_differing"]
        < before["read"]["payments"]["invoices_compared"]
    ), "only invoices whose balances differ have their payments read"

    text = run_cli("reconcile", *PERIOD, "--dry-run").stdout  # what finance reads
    assert f"payment_missing payment {card['number']} charge {card_charge['_id']}" in text
    assert f"payment_unrecorded payment {cheque['number']} Intacct payment {cheque_key}" in text

    fixed = reconcile_json(run_cli, "--yes")
    applied = fixed["applied"]["documents"]
    # NYC-INV-00002 lies in Intacct's closed books, which reconcile now reads: a manual fix,
    # not a post that sync would refuse.
    assert applied["requested"] == {"post": 1, "record": 1}
    assert applied["sync_counts"]["payments"]["created"] == 1
    assert applied["sync_counts"]["payments"]["recorded"] == 1

    after = reconcile_json(run_cli, "--dry-run")
    assert [f for f in after["findings"] if f["kind"] == "payment" and f["fix"]["safe"]] == []
    assert findings_on(after, card["number"]) == []
    assert findings_on(after, cheque["number"]) == []
    assert findings_on(after, edited["number"]) == findings_on(before, edited["number"])
    # One live payment for the card charge, one charge for the cheque, nothing twice.
    live = [
        p for p in orsync_payments(sandbox) if p.doc_number == card_charge["_id"] and not p.reversed
    ]
    assert len(live) == 1
    assert posted_invoices(sandbox)[card["number"]].total_due == 0
    charges = sandbox.officernd.records("charges", payment=cheque["_id"])
    assert [c["reference"] for c in charges] == [f"intacct:{cheque_key}"]
    for _ in range(3):
        quiet = sync(run_cli)
        counts = quiet["counts"]["payments"]
        assert counts["created"] == counts["reversed"] == counts["recorded"] == 0
