"""With Intacct numbering, each OfficeRnD document learns where it lives in Intacct (its
``accounting`` block), or why Intacct refused it, once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import issued
from tests.sync_faults.harness import count_fired_faults


def sync_json(run_cli: CliRunner, *args: str) -> dict[str, Any]:
    result = run_cli("--json", "sync", *args)
    assert result.exit_code in (0, 1), result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def blocks(sandbox: RunningSandbox) -> dict[str, dict[str, Any]]:
    """Each issued invoice's accounting block, by OfficeRnD number."""
    return {
        d["number"]: sandbox.officernd.record("payments", d["_id"]).get("accounting") or {}
        for d in issued(sandbox)
    }


def posted_keys(sandbox: RunningSandbox) -> dict[str, str]:
    """Intacct's RECORDNO of each invoice orsync posted, by its OfficeRnD number."""
    return {
        d.doc_number: str(d.recordno)
        for d in sandbox.intacct.store.invoices()
        if d.description.startswith("orsync:")
    }


def assert_written_back(sandbox: RunningSandbox, refused: set[str]) -> None:
    keys = posted_keys(sandbox)
    company = sandbox.world.intacct.company_id
    for number, block in blocks(sandbox).items():
        if number in keys:
            assert (block.get("provider"), block.get("providerId")) == ("orsync", keys[number])
            assert (block.get("externalOrgId"), block.get("error")) == (company, None)
        elif number in refused:
            assert block.get("providerId") is None and block.get("error"), number


def test_intacct_numbering_writes_each_documents_intacct_key_back_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    first = sync_json(run_cli)
    refused = {p["number"] for p in first["problems"] if p["kind"] == "invoice"}

    assert posted_keys(sandbox)
    assert_written_back(sandbox, refused)
    stamps = {n: b.get("lastSync") for n, b in blocks(sandbox).items()}
    for _ in range(3):  # a write-back already done is never repeated
        sync_json(run_cli)
    assert {n: b.get("lastSync") for n, b in blocks(sandbox).items()} == stamps


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
    assert_written_back(sandbox, refused)
    stamps = {n: b.get("lastSync") for n, b in blocks(sandbox).items()}
    sync_json(run_cli)
    assert {n: b.get("lastSync") for n, b in blocks(sandbox).items()} == stamps
