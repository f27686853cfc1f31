"""The README's "Getting started" walk-through, command by command, against the sandbox with
OfficeRnD's limit of 5 token requests a minute in force: it runs start to finish without a
wait (a command that met the limit would exit 75 here, as no wait is allowed)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from orsync.sandbox.launch import RunningSandbox
from orsync.sandbox.officernd.auth import TokenIssuer
from orsync.secrets import FileTokenStore
from tests.conftest import CliRunner


def fill_seeded_gaps(text: str) -> str:
    """README step 4: Brooklyn (BKN) -> location NYC, entity US; 4500 -> 4000; 4600 -> 4300."""
    filled = re.sub(r"location: null  # UNRESOLVED.*code BKN.*", 'location: "NYC"', text)
    filled = re.sub(r"entity: null  # UNRESOLVED.*", 'entity: "US"', filled)
    filled = re.sub(r'gl_account: null  # UNRESOLVED.*"4500".*', 'gl_account: "4000"', filled)
    return re.sub(r"gl_account: null  # UNRESOLVED.*4600.*", 'gl_account: "4300"', filled)


def test_the_readme_walk_through_never_waits_for_the_token_limit(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for module in ("orsync.services.common.client_factory", "orsync.services.setup.probes"):
        monkeypatch.setattr(f"{module}.TOKEN_RATE_LIMIT_WAIT", 0.0)  # a wait would be exit 75
    issued: list[str] = []
    issue = TokenIssuer.issue
    monkeypatch.setattr(
        TokenIssuer, "issue", lambda self, form, now: issued.append("t") or issue(self, form, now)
    )
    monkeypatch.chdir(tmp_path)
    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    monkeypatch.setenv("ORSYNC_INTACCT_SENDER_PASSWORD", intacct["sender_password"])
    monkeypatch.setenv("ORSYNC_INTACCT_USER_PASSWORD", intacct["user_password"])
    monkeypatch.setenv("ORSYNC_OFFICERND_CLIENT_SECRET", officernd["client_secret"])
    sandbox_ = ("--profile", "sandbox")

    def step(*args: str, ok: tuple[int, ...] = (0,)) -> None:
        result = run_cli(*sandbox_, *args)
        assert result.exit_code in ok, f"{args}: {result.exit_code}\n{result.stderr}"

    step(
        "--no-input",
        "connect",
        *("--intacct-url", intacct["url"], "--sender-id", intacct["sender_id"]),
        *("--company-id", intacct["company_id"], "--user-id", intacct["user_id"]),
        *("--officernd-org", officernd["org"], "--officernd-client-id", officernd["client_id"]),
        *("--officernd-api-url", officernd["api_url"]),
        *("--officernd-token-url", officernd["token_url"]),
    )
    step("test")
    step("map", "init", "--output", "mappings.yaml")
    mapping = tmp_path / "mappings.yaml"
    mapping.write_text(fill_seeded_gaps(mapping.read_text(encoding="utf-8")), encoding="utf-8")
    step("map", "check", "mappings.yaml")
    step("connect", "--mapping", "mappings.yaml")
    step("map", "show", "--sample", "3")
    step("sync", "--dry-run", ok=(0, 1))  # the seed holds a name match back: exit 1
    step("sync", ok=(0, 1))
    step("status")
    step("reconcile", "--dry-run", "--from", "2025-11-01", "--to", "2026-10-31", ok=(0, 1))

    assert len(issued) <= 3  # connect, test and connect again prove the secret; the rest reuse
    kept = FileTokenStore("sandbox").path
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert officernd["client_secret"] not in kept.read_text(encoding="utf-8")
