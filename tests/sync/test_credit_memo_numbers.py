"""A credit memo carries its own number and names the invoice it credits (issue 17, item 4);
orsync finds it by the reference it keeps in ``externalid``, and still finds memos that earlier
versions posted with the reference in ``invoiceno``."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts
from tests.sync.conftest import Configure
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback

READS = {"getAPISession", "query", "readByQuery", "readMore", "read"}


def sync(run_cli: CliRunner) -> dict[str, Any]:
    return json.loads(run_cli("--json", "sync").stdout)


def credited_invoice(credit: dict[str, Any]) -> str | None:
    return next((a["target"] for a in credit.get("allocations") or () if a.get("target")), None)


def test_a_credit_memo_shows_its_own_number_and_the_number_of_the_invoice_it_credits(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    settle_seed_conflicts(sandbox)
    mapped_profile()
    sync(run_cli)
    store = sandbox.intacct.store
    invoices = {doc.doc_number: doc for doc in store.invoices()}
    numbers = {inv["_id"]: inv["number"] for inv in issued(sandbox)}
    memos = {memo.external_id: memo for memo in store.adjustments()}
    checked = 0
    for credit in issued(sandbox, "creditNote"):
        memo = memos.get(credit["number"])
        if memo is None:
            continue
        assert memo.record_id == credit["number"]  # its own number (OfficeRnD numbering)
        target = credited_invoice(credit)
        invoice = invoices.get(numbers.get(target or "", ""))
        if invoice is not None:
            assert memo.invoice_no == invoice.record_id, credit["number"]
            checked += 1
        else:
            assert memo.invoice_no == ""  # OfficeRnD names no invoice: no link is invented
    assert checked >= 1


def test_a_credit_memo_posted_by_an_earlier_version_is_found_after_the_upgrade(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    from orsync.env import state_dir
    from orsync.state import database_path

    settle_seed_conflicts(sandbox)
    name = mapped_profile()
    sync(run_cli)
    store = sandbox.intacct.store
    # Every memo as an earlier orsync left it: the reference in invoiceno, no externalid.
    with store.lock:
        for memo in store.adjustments():
            old = dataclasses.replace(memo, invoice_no=memo.external_id, external_id="")
            store.put(store.ar_table, old, None)
    before = {memo.recordno for memo in store.adjustments()}
    # ... and the answer to their creates lost, so orsync must look them up by reference.
    with sqlite3.connect(database_path(state_dir(), name)) as conn:
        lost = conn.execute(
            "UPDATE ledger SET status = 'unconfirmed', confirmed_version = NULL, "
            "confirmed_at = NULL, target_key = NULL WHERE kind = 'credit_note' "
            "AND status = 'confirmed'"
        ).rowcount
    assert lost >= 1

    sandbox.intacct.reset_stats()
    summary = sync(run_cli)

    assert summary["problems"] == [], summary["problems"]
    assert sandbox.intacct.stats.by_function.get("create_aradjustment", 0) == 0
    assert summary["counts"]["credit_notes"]["adopted"] == lost
    assert {memo.recordno for memo in store.adjustments()} == before  # no duplicate
    sandbox.intacct.reset_stats()
    sync(run_cli)
    # In step afterwards: nothing more is written (reads of the allocations' documents only).
    assert set(sandbox.intacct.stats.by_function) <= READS
