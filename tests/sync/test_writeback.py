"""With Intacct numbering, each OfficeRnD document learns where it lives in Intacct (its
``accounting`` block), or why Intacct refused it, once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from orsync.sandbox.intacct.records import ArDocument
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import issued
from tests.sync_faults.harness import count_fired_faults

PATCH = "PATCH /payments/{id}"


def sync_json(run_cli: CliRunner, *args: str) -> dict[str, Any]:
    result = run_cli("--json", "sync", *args)
    assert result.exit_code in (0, 1), result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def blocks(sandbox: RunningSandbox) -> dict[str, dict[str, Any]]:
    """Each issued invoice's accounting block, by OfficeRnD id."""
    return {
        d["_id"]: sandbox.officernd.record("payments", d["_id"]).get("accounting") or {}
        for d in issued(sandbox)
    }


def numbers(sandbox: RunningSandbox) -> dict[str, str]:
    """Each issued invoice's OfficeRnD number, by OfficeRnD id."""
    return {d["_id"]: d["number"] for d in issued(sandbox)}


def posted(sandbox: RunningSandbox) -> dict[str, ArDocument]:
    """The invoices orsync posted to Intacct, by the OfficeRnD number sent as reference."""
    return {
        d.doc_number: d
        for d in sandbox.intacct.store.invoices()
        if d.description.startswith("orsync:")
    }


def intacct_state(sandbox: RunningSandbox) -> dict[int, tuple[object, ...]]:
    return {
        d.recordno: (d.when_modified, d.record_id, d.doc_number)
        for d in sandbox.intacct.store.invoices()
    }


def locked(sandbox: RunningSandbox, document_id: str) -> bool:
    """Dated inside OfficeRnD's billing lock: its number cannot change."""
    lock = sandbox.officernd.billing_lock_date
    date = dt.date.fromisoformat(sandbox.officernd.record("payments", document_id)["date"][:10])
    return lock is not None and date <= lock


def assert_written_back(
    sandbox: RunningSandbox, sent_as: dict[str, str], refused: set[str], *, renumbered: bool = True
) -> int:
    """Every posted invoice shows its Intacct key, link and (unless locked) Intacct number;
    every refused one why. Returns how many were renumbered."""
    by_reference = posted(sandbox)
    company = sandbox.world.intacct.company_id
    now = numbers(sandbox)
    renamed = 0
    for document_id, block in blocks(sandbox).items():
        original = sent_as[document_id]
        if original in by_reference:
            key = str(by_reference[original].recordno)
            assert (block.get("provider"), block.get("providerId")) == ("orsync", key)
            assert (block.get("externalOrgId"), block.get("error")) == (company, None)
            assert str(block.get("deepLink", "")).endswith(f".r={key}"), block
            expected = original
            if renumbered and not locked(sandbox, document_id):
                expected = by_reference[original].record_id
            assert now[document_id] == expected, original
            renamed += expected != original
        elif original in refused:
            assert block.get("providerId") is None and block.get("error"), original
    return renamed


def test_intacct_numbering_writes_each_documents_intacct_number_and_key_back_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sent_as = numbers(sandbox)
    first = sync_json(run_cli)
    refused = {p["number"] for p in first["problems"] if p["kind"] == "invoice"}

    assert posted(sandbox)
    assert assert_written_back(sandbox, sent_as, refused) > 0
    assert first["writeback"]["written"] >= len(posted(sandbox))  # credit notes too
    status = json.loads(run_cli("--json", "status").stdout)
    assert status["runs"][0]["counts"]["writeback.written"] == first["writeback"]["written"]
    assert status["ledger"]["writeback"]["confirmed"] == first["writeback"]["written"]
    shown = json.loads(run_cli("--json", "status", "--run", str(first["run_id"])).stdout)
    written = [w for w in shown["writes"] if w["kind"] == "writeback"]
    assert len(written) == first["writeback"]["written"]
    stamps = {n: b.get("lastSync") for n, b in blocks(sandbox).items()}
    patches, intacct = sandbox.officernd.request_counts[PATCH], intacct_state(sandbox)
    for _ in range(3):  # the renamed documents are not edits; a write-back is never repeated
        again = sync_json(run_cli)
        assert again["writeback"]["written"] == 0
        assert not any(again["counts"]["invoices"][o] for o in ("created", "updated", "reversed"))
    assert {n: b.get("lastSync") for n, b in blocks(sandbox).items()} == stamps
    assert sandbox.officernd.request_counts[PATCH] == patches
    assert intacct_state(sandbox) == intacct


def test_an_edit_after_the_write_back_updates_the_same_intacct_invoice(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sent_as = numbers(sandbox)
    sync_json(run_cli)
    now = numbers(sandbox)
    renamed = next(i for i, n in now.items() if n != sent_as[i])
    before = posted(sandbox)[sent_as[renamed]]
    count = len(sandbox.intacct.store.invoices())

    due = dt.date(2031, 1, 31)
    sandbox.officernd.edit_invoice(renamed, dueDate=f"{due.isoformat()}T00:00:00.000Z")
    summary = sync_json(run_cli)

    assert summary["counts"]["invoices"]["updated"] == 1
    assert summary["counts"]["invoices"]["created"] == 0
    after = posted(sandbox)[sent_as[renamed]]
    assert (after.recordno, after.record_id, after.when_due) == (
        before.recordno,
        before.record_id,
        due,
    )
    assert len(sandbox.intacct.store.invoices()) == count
    assert numbers(sandbox)[renamed] == before.record_id  # still Intacct's number in OfficeRnD


def test_officernd_refusing_the_number_gets_the_accounting_block_alone_said_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sandbox.officernd.set_number_writable(False)
    sent_as = numbers(sandbox)
    first = sync_json(run_cli)
    refused = {p["number"] for p in first["problems"] if p["kind"] == "invoice"}

    assert_written_back(sandbox, sent_as, refused, renumbered=False)
    assert numbers(sandbox) == sent_as
    said = [p for p in first["problems"] if p["kind"] == "writeback"]
    assert [p["field"] for p in said] == ["number"]
    patches = sandbox.officernd.request_counts[PATCH]
    again = sync_json(run_cli)
    assert not [p for p in again["problems"] if p["kind"] == "writeback"]
    assert sandbox.officernd.request_counts[PATCH] == patches


def test_the_dry_run_plan_lists_the_write_backs_the_run_would_make(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    plan = sync_json(run_cli, "--dry-run")
    creates = {a["source_id"] for a in plan["documents"] if a["action"] == "create"}
    assert creates
    assert set(plan["writebacks"]) == creates
    assert plan["counts"]["writebacks"] == {"write": len(creates)}
    assert sandbox.officernd.request_counts[PATCH] == 0


def test_reconcile_still_matches_documents_renamed_to_their_intacct_number(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sent_as = numbers(sandbox)
    first = sync_json(run_cli)
    refused = {p["number"] for p in first["problems"] if p["kind"] == "invoice"}
    assert assert_written_back(sandbox, sent_as, refused) > 0

    result = run_cli(
        "--json", "reconcile", "--from", "2000-01-01", "--to", "2999-12-31", "--dry-run"
    )
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    renamed = {n for i, n in numbers(sandbox).items() if n != sent_as[i]}
    renamed |= {sent_as[i] for i, n in numbers(sandbox).items() if n != sent_as[i]}
    assert not [f for f in findings if f["number"] in renamed], findings


def test_officernd_numbering_writes_nothing_back(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    sync_json(run_cli)
    assert all(not b.get("provider") for b in blocks(sandbox).values())


@pytest.mark.usefixtures("fast_retries")
def test_write_backs_whose_answers_are_lost_converge_without_a_repeat(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sent_as = numbers(sandbox)
    faults = sandbox.officernd.config.faults
    fired = count_fired_faults(sandbox)
    faults.set_rate("lost-response", 0.3)
    for _ in range(3):
        assert run_cli("sync").exit_code in (0, 1, 69, 75)
    faults.set_rate("lost-response", 0.0)
    assert fired["officernd.lost-response"] > 0
    for _ in range(3):
        final = run_cli("--json", "sync")
        if final.exit_code in (0, 1):
            break
    assert final.exit_code in (0, 1), final.stderr
    refused = {p["number"] for p in json.loads(final.stdout)["problems"] if p["kind"] == "invoice"}
    assert assert_written_back(sandbox, sent_as, refused) > 0
    stamps = {n: b.get("lastSync") for n, b in blocks(sandbox).items()}
    sync_json(run_cli)
    assert {n: b.get("lastSync") for n, b in blocks(sandbox).items()} == stamps
