"""`orsync test` through the real CLI: one row per check, and the exit code of each failure
class (69 unreachable, 77 credentials/permissions, 78 configuration/mapping)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from orsync.config import load_config, save_config
from orsync.officernd import ORSYNC_SCOPES, READ_SCOPES
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner
from tests.setup.conftest import (
    CLIENT_SECRET_ENV,
    USER_ENV,
    assert_no_secret_in_files,
    closed_port_url,
    config_file,
    write_mapping,
)

pytestmark = pytest.mark.loopback


def checks_of(stdout: str, profile: str = "demo") -> dict[str, dict[str, Any]]:
    document = json.loads(stdout)
    (entry,) = [p for p in document["profiles"] if p["profile"] == profile]
    return {row["id"]: row for row in entry["checks"]}


def edit_profile(name: str, **changes: Any) -> None:
    """Change settings of a saved profile: ``section__field=value``."""
    config = load_config(config_file())
    profile = config.profiles[name]
    for key, value in changes.items():
        section, field = key.split("__")
        part = getattr(profile, section).model_copy(update={field: value})
        profile = profile.model_copy(update={section: part})
    save_config(config_file(), config.with_profile(name, profile))


def test_a_healthy_profile_passes_every_check_with_latencies(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "orsync.test/1"
    assert document["ok"] is True
    checks = checks_of(result.stdout)
    for expected in (
        "intacct.sender",
        "intacct.login",
        "intacct.session",
        "intacct.read.CUSTOMER",
        "intacct.read.ARINVOICE",
        "intacct.read.ARADJUSTMENT",
        "intacct.read.GLACCOUNT",
        "intacct.read.LOCATION",
        "officernd.token",
        "officernd.organization",
        *(f"officernd.scope.{scope}" for scope in READ_SCOPES),
    ):
        assert checks[expected]["status"] == "pass", expected
    assert checks["intacct.login"]["latency_ms"] >= 0
    assert checks["mapping.file"]["status"] == "skip"
    assert "orsync map init" in checks["mapping.file"]["detail"]


def test_sales_profile_checks_sales_documents_and_each_entity(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    edit_profile(sandbox_profile, sync__invoice_type="sales", intacct__entity="UK")

    result = run_cli("--profile", sandbox_profile, "--json", "test")

    assert result.exit_code == 0, result.stdout
    checks = checks_of(result.stdout)
    assert checks["intacct.read.SODOCUMENT"]["status"] == "pass"
    assert "intacct.read.ARINVOICE" not in checks
    assert checks["intacct.entity.UK"]["status"] == "pass"


def test_the_human_table_has_a_row_per_check_and_a_summary(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    result = run_cli("--profile", sandbox_profile, "test")

    assert result.exit_code == 0, result.stdout
    assert "Intacct sender authorised for the company" in result.stdout
    assert f"OfficeRnD scopes granted ({len(READ_SCOPES)} of {len(READ_SCOPES)})" in result.stdout
    assert f"profile {sandbox_profile}:" in result.stdout
    assert " 0 failed" in result.stdout


def test_wrong_user_password_exits_77_with_the_fix(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(USER_ENV, "not-the-password")

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 77
    checks = checks_of(result.stdout)
    assert checks["intacct.sender"]["status"] == "pass"
    login = checks["intacct.login"]
    assert login["status"] == "fail" and login["failure"] == "auth"
    assert "user password" in login["fix"]
    assert checks["intacct.read.CUSTOMER"]["status"] == "skip"
    assert "not-the-password" not in result.stdout + result.stderr


def test_a_read_only_officernd_app_passes_as_orsync_writes_nothing_there(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Customers, invoices and credit notes flow to Intacct only: payments and allocations
    create/update scopes are not asked of an application that orsync would never use them on."""
    read_only = sandbox.world.officernd.applications[1]
    edit_profile(sandbox_profile, officernd__client_id=read_only.client_id)
    monkeypatch.setenv(CLIENT_SECRET_ENV, read_only.client_secret)

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 0, result.stdout
    checks = checks_of(result.stdout)
    scopes = {
        row["id"].removeprefix("officernd.scope."): row["status"]
        for row in checks.values()
        if row["id"].startswith("officernd.scope.")
    }
    assert scopes == dict.fromkeys(READ_SCOPES, "pass")
    assert not set(scopes) & (set(ORSYNC_SCOPES) - set(READ_SCOPES))
    assert checks["officernd.organization"]["status"] == "pass"


def reached_before(url: str) -> str:
    """``url``, as if this machine had reached it before: a refusal there is an outage."""
    import httpx

    from orsync.endpoints import note_reached

    note_reached(httpx.Response(200, request=httpx.Request("POST", url)))
    return url


def test_an_unreachable_intacct_exits_69(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    url = reached_before(closed_port_url("/ia/xml/xmlgw.phtml"))
    edit_profile(sandbox_profile, intacct__url=url)

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 69
    checks = checks_of(result.stdout)
    assert checks["intacct.sender"]["failure"] == "unavailable"
    assert checks["intacct.login"]["status"] == "skip"
    assert checks["officernd.organization"]["status"] == "pass"


def test_an_intacct_url_never_reached_is_a_configuration_mistake(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    url = closed_port_url("/ia/xml/xmlgw.phtml")
    edit_profile(sandbox_profile, intacct__url=url)

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 78
    sender = checks_of(result.stdout)["intacct.sender"]
    assert sender["failure"] == "config" and url in sender["detail"]
    assert "orsync connect --intacct-url URL" in sender["fix"]


def test_unreachable_wins_over_wrong_credentials(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    edit_profile(
        sandbox_profile, officernd__token_url=reached_before(closed_port_url("/oauth/token"))
    )
    monkeypatch.setenv(USER_ENV, "not-the-password")

    assert run_cli("--profile", sandbox_profile, "test").exit_code == 69


def test_a_missing_secret_exits_78(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CLIENT_SECRET_ENV)

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 78
    checks = checks_of(result.stdout)
    assert checks["officernd.secrets"]["failure"] == "config"
    assert CLIENT_SECRET_ENV in checks["officernd.secrets"]["fix"]
    assert checks["officernd.token"]["status"] == "skip"


def test_a_broken_mapping_file_exits_78_with_its_located_problem(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    broken = tmp_path / "mapping.yaml"
    broken.write_text("revenue_acounts: {}\n", encoding="utf-8")
    edit_profile(sandbox_profile, sync__mapping=str(broken))

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 78
    row = checks_of(result.stdout)["mapping.file"]
    assert row["status"] == "fail" and row["failure"] == "config"
    assert "mapping.yaml:1" in row["detail"]
    assert checks_of(result.stdout)["mapping.targets"]["status"] == "skip"


def test_a_mapping_whose_targets_exist_and_are_active_passes(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    edit_profile(sandbox_profile, sync__mapping=str(write_mapping(tmp_path)))

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 0, result.stdout
    checks = checks_of(result.stdout)
    assert checks["mapping.file"]["status"] == "pass"
    assert checks["mapping.targets"]["status"] == "pass"


@pytest.mark.parametrize(
    ("target", "says"),
    [({"gl_account": "4600"}, "no Intacct gl_account '4600'"), ({"gl_account": "4500"}, "4500")],
    ids=["absent", "inactive"],
)
def test_mapping_targets_absent_or_inactive_in_intacct_exit_78(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    tmp_path: Path,
    target: dict[str, str],
    says: str,
) -> None:
    # The seed declares GL 4600 absent from Intacct and 4500 inactive there.
    edit_profile(sandbox_profile, sync__mapping=str(write_mapping(tmp_path, **target)))

    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 78
    targets = checks_of(result.stdout)["mapping.targets"]
    assert targets["status"] == "fail" and targets["failure"] == "config"
    assert says in targets["detail"]
    assert "orsync map check" in targets["fix"]


def test_all_profiles_checks_each_one(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
) -> None:
    config = load_config(config_file())
    broken = config.profiles[sandbox_profile].model_copy(
        update={
            "intacct": config.profiles[sandbox_profile].intacct.model_copy(
                update={"company_id": "ELSEWHERE"}
            )
        }
    )
    save_config(config_file(), config.with_profile("other", broken))

    result = run_cli("--json", "test", "--all-profiles")

    assert result.exit_code == 77
    document = json.loads(result.stdout)
    assert {p["profile"]: p["exit_code"] for p in document["profiles"]} == {
        "demo": 0,
        "other": 77,
    }
    assert_no_secret_in_files(sandbox)


def test_no_profile_at_all_is_a_configuration_error(run_cli: CliRunner) -> None:
    result = run_cli("test")
    assert result.exit_code == 78
    assert "orsync connect" in result.stderr


def test_in_a_pipe_no_line_ends_in_padding(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    result = run_cli("--profile", sandbox_profile, "test")
    lines = result.stdout.splitlines()
    assert len(lines) > 10
    assert [line for line in lines if line != line.rstrip()] == []


def test_every_command_draws_its_tables_in_the_one_style() -> None:
    from tests.conftest import REPO_ROOT

    cli = REPO_ROOT / "src" / "orsync" / "cli"
    own_tables = [p.name for p in cli.glob("*.py") if "Table(" in p.read_text(encoding="utf-8")]
    assert own_tables == []  # each asks orsync.output.table for one


def test_the_summary_counts_the_rows_it_shows(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str
) -> None:
    """The granted scopes are one row ("10 of 10"), so they count once in the summary line:
    "28 passed" under 19 rows marked ok sent readers looking for the missing nine."""
    result = run_cli("--profile", sandbox_profile, "test")
    lines = result.stdout.splitlines()
    shown = {
        mark: sum(1 for line in lines if re.match(rf"  \S.*\s{mark}(\s|$)", line))
        for mark in ("ok", "FAIL", "skip")
    }
    summary = f"{shown['ok']} passed, {shown['FAIL']} failed, {shown['skip']} skipped"
    assert lines[-1] == f"profile {sandbox_profile}: {summary}", result.stdout


def test_intacct_numbering_asks_for_the_write_back_scope_and_no_charge_scopes(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    sandbox_profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write-back of Intacct's keys needs flex.billing.payments.update; charges are not
    written without payment_methods, so their scopes are not checked."""
    edit_profile(sandbox_profile, sync__numbering="intacct")
    healthy = checks_of(run_cli("--profile", sandbox_profile, "test", "--json").stdout)
    assert healthy["officernd.scope.flex.billing.payments.update"]["status"] == "pass"
    assert "officernd.scope.flex.billing.charges.create" not in healthy

    read_only = sandbox.world.officernd.applications[1]
    edit_profile(sandbox_profile, officernd__client_id=read_only.client_id)
    monkeypatch.setenv(CLIENT_SECRET_ENV, read_only.client_secret)
    result = run_cli("--profile", sandbox_profile, "test", "--json")

    assert result.exit_code == 77, result.stdout
    row = checks_of(result.stdout)["officernd.scope.flex.billing.payments.update"]
    assert row["status"] == "fail" and "Grant flex.billing.payments.update" in row["fix"]
