"""First contact: an Intacct company with nothing posted yet."""

from __future__ import annotations

import json

import pytest

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
    assert all(
        f["fix"]["action"] == "post" for f in document["findings"] if f["category"] == "missing"
    )
