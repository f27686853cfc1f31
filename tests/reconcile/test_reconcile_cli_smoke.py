"""First contact: an Intacct company with nothing posted yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner

pytestmark = pytest.mark.loopback

ALL_HISTORY = ("--from", "2025-01-01", "--to", "2026-11-30")


def test_an_empty_intacct_reports_every_issued_document_missing(
    mapped_profile: str, run_cli: CliRunner
) -> None:
    result = run_cli("--json", "reconcile", "--dry-run", *ALL_HISTORY)

    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "orsync.reconcile/1"
    assert document["agree"] is False
    assert document["counts"]["missing"] == document["read"]["officernd_documents"] - 2
    missing = [f for f in document["findings"] if f["category"] == "missing"]
    # Except the documents of the customer the seed gives a namesake in Intacct (LEGACY-0042):
    # sync would hold that customer, so they are not safe to post.
    held = [f for f in missing if f["fix"]["action"] != "post"]
    assert held and all("LEGACY-0042" in f["fix"]["text"] for f in held)
    assert len(held) < len(missing)


def test_a_csv_path_that_cannot_be_written_is_refused_before_anything_is_read(
    mapped_profile: str, run_cli: CliRunner, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.officernd.reset_request_counts()
    requests_before = sandbox.intacct.stats.requests

    result = run_cli("reconcile", "--dry-run", *ALL_HISTORY, "--csv", str(tmp_path))

    assert result.exit_code == 2
    assert f"cannot write the CSV to {tmp_path}: it is a folder; give a file name" in (
        result.stderr
    )
    assert sandbox.officernd.total_requests() == 0
    assert sandbox.intacct.stats.requests == requests_before


def test_a_csv_that_fails_only_when_written_is_a_clear_usage_error(
    mapped_profile: str, run_cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import orsync.cli.reconcile as command

    def disk_full(path: Path, data: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(command, "write_private_file", disk_full)
    target = tmp_path / "month.csv"

    result = run_cli("reconcile", "--dry-run", *ALL_HISTORY, "--csv", str(target))

    assert result.exit_code == 2
    assert f"cannot write the CSV to {target}: No space left on device" in result.stderr
    assert "internal error" not in result.stderr
