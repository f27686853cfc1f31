"""-v gives cron mail the progress of each stage as plain lines; -vv logs both services'
requests, redacted."""

from __future__ import annotations

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner, sandbox_secrets
from tests.sync.conftest import Configure


def test_sync_with_v_logs_each_stage_in_plain_lines(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    profile = mapped_profile()
    quiet = run_cli("--profile", profile, "sync", "--only", "customers")
    assert "INFO" not in quiet.stderr  # without -v, cron mail stays empty

    result = run_cli("--profile", profile, "-v", "sync")
    assert result.exit_code in (0, 1), result.stderr
    lines = result.stderr.splitlines()
    for stage in ("Reading OfficeRnD", "Invoices"):
        assert any(f"INFO {profile} {stage}: started" in line for line in lines), stage
        assert any(
            f"INFO {profile} {stage}: " in line and line.endswith(" done") for line in lines
        ), stage
    assert all(not line.startswith(("\x1b", " ")) for line in lines)  # no bar, no box


def test_reconcile_with_v_logs_its_stages(run_cli: CliRunner, mapped_profile: Configure) -> None:
    profile = mapped_profile()
    result = run_cli("--profile", profile, "-v", "reconcile", "--dry-run", "--from", "2025-11-01")
    assert "INFO demo reading OfficeRnD and Intacct, 2025-11-01 to" in result.stderr
    assert "INFO demo compared " in result.stderr


@pytest.mark.parametrize("command", [("sync",), ("reconcile", "--dry-run")])
def test_vv_logs_the_requests_of_both_services_redacted(
    run_cli: CliRunner, mapped_profile: Configure, sandbox: RunningSandbox, command: tuple[str, ...]
) -> None:
    from orsync.secrets import FileTokenStore

    profile = mapped_profile()
    FileTokenStore(profile).clear()  # so the token request is made (and logged) here
    result = run_cli("--profile", profile, "-vv", *command)
    assert f"-> POST {sandbox.officernd_url}/oauth/token" in result.stderr
    assert f"-> GET {sandbox.officernd_url}/api/v2/organizations/" in result.stderr
    assert " HTTP 200" in result.stderr
    assert f"-> {sandbox.intacct_url}" in result.stderr
    for secret in sandbox_secrets(sandbox):
        assert secret not in result.stderr
