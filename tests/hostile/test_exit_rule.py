"""One rule for sync's exit code, the README's: 0 only when nothing is left over. A failed
record that an unchanged later run does not try again still makes that run exit 1, for as long
as `orsync status` lists it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure, mapped_profile

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

__all__ = ["mapped_profile"]
pytestmark = pytest.mark.loopback


def test_a_run_that_leaves_earlier_failures_in_place_exits_1(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    profile = mapped_profile()
    first = run_cli("--json", "sync")
    assert first.exit_code == 1  # the seeded world fails some records on purpose
    failed = json.loads(first.stdout)["failed_left"]
    assert failed > 0

    again = run_cli("--json", "sync")
    summary = json.loads(again.stdout)
    assert summary["counts"]["invoices"].get("failed", 0) == 0  # nothing failed in this run...
    assert again.exit_code == 1 and summary["exit_code"] == 1  # ...yet failures are left over
    assert summary["failed_left"] == failed

    status = json.loads(run_cli("--profile", profile, "--json", "status").stdout)
    listed = [r for r in status["unresolved"] if r["status"] == "failed"]
    assert len(listed) == failed
