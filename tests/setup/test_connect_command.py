"""`orsync connect` through the real CLI against the loopback sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orsync.config import load_config
from orsync.sandbox.launch import RunningSandbox
from orsync.secrets import Secret, service_name
from orsync.state import Kind, StateStore, TargetKeys, database_path
from tests.conftest import CliRunner, MemoryKeyring
from tests.setup.conftest import (
    CLIENT_SECRET_ENV,
    SENDER_ENV,
    USER_ENV,
    assert_no_secret_in_files,
    clear_secret_env,
    closed_port_url,
    config_file,
    connect_flags,
    orsync_home,
    set_secret_env,
    write_mapping,
)

pytestmark = pytest.mark.loopback


def connect(run_cli: CliRunner, *args: str, profile: str = "acme") -> tuple[int, str, str]:
    result = run_cli("--profile", profile, "--no-input", "connect", *args)
    return result.exit_code, result.stdout, result.stderr


def test_a_scripted_connect_tests_both_services_and_saves_the_profile(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: MemoryKeyring,
) -> None:
    set_secret_env(monkeypatch, sandbox)

    code, out, err = connect(run_cli, *connect_flags(sandbox, entity="UK"))

    assert code == 0, err
    assert "Created profile 'acme'" in out
    profile = load_config(config_file()).profiles["acme"]
    assert profile.intacct.entity == "UK"
    assert profile.officernd.org == sandbox.details()["officernd"]["org"]
    # Secrets supplied through the environment also go to the keyring of a desktop machine.
    stored = isolated_environment.entries
    assert (
        stored[(service_name("acme"), Secret.INTACCT_USER_PASSWORD.value)]
        == (sandbox.details()["intacct"]["user_password"])
    )
    assert_no_secret_in_files(sandbox)


@pytest.mark.parametrize(
    ("flags", "env", "says"),
    [
        ({}, {SENDER_ENV: "wrong-sender-password"}, "Intacct sender ID or sender password"),
        ({"sender_id": "nobody"}, {}, "Intacct sender ID or sender password"),
        ({}, {USER_ENV: "wrong-user-password"}, "company ID, user ID or user password"),
        ({"company_id": "NOT-A-COMPANY"}, {}, "company ID, user ID or user password"),
        ({"entity": "ATLANTIS"}, {}, "Intacct entity: Intacct refused entity 'ATLANTIS'"),
        ({}, {CLIENT_SECRET_ENV: "wrong-client-secret"}, "OfficeRnD client ID or client secret"),
    ],
    ids=["sender-password", "sender-id", "user-password", "company-id", "entity", "ornd-secret"],
)
def test_each_wrong_credential_is_named_and_nothing_is_saved(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: MemoryKeyring,
    flags: dict[str, str],
    env: dict[str, str],
    says: str,
) -> None:
    set_secret_env(monkeypatch, sandbox, **env)

    code, out, err = connect(run_cli, *connect_flags(sandbox, **flags))

    assert code == 77, err
    assert says in err
    assert "nothing was saved" in err
    assert out == ""
    assert not config_file().exists()
    assert isolated_environment.entries == {}
    assert_no_secret_in_files(sandbox, *env.values())
    for value in env.values():
        assert value not in err


def test_a_read_only_officernd_application_is_enough(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """orsync writes nothing to OfficeRnD yet, so connect asks for the read scopes only."""
    read_only = sandbox.world.officernd.applications[1]
    set_secret_env(monkeypatch, sandbox, **{CLIENT_SECRET_ENV: read_only.client_secret})

    code, _out, err = connect(
        run_cli, *connect_flags(sandbox, officernd_client_id=read_only.client_id)
    )

    assert code == 0, err
    assert config_file().exists()


def test_a_token_url_nothing_answers_at_exits_78_naming_it_and_saves_nothing(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret_env(monkeypatch, sandbox)
    token_url = closed_port_url("/oauth/token")

    code, _out, err = connect(run_cli, *connect_flags(sandbox, officernd_token_url=token_url))

    assert code == 78, err  # never reached from this machine: a wrong URL, not an outage
    assert f"OfficeRnD's token endpoint URL {token_url}: nothing answers there" in err
    assert not config_file().exists()


def test_a_service_down_where_it_answered_before_exits_69_and_saves_nothing(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from orsync.endpoints import note_reached

    set_secret_env(monkeypatch, sandbox)
    token_url = closed_port_url("/oauth/token")
    note_reached(httpx.Response(200, request=httpx.Request("POST", token_url)))

    code, _out, err = connect(run_cli, *connect_flags(sandbox, officernd_token_url=token_url))

    assert code == 69, err
    assert f"OfficeRnD's token endpoint did not answer at {token_url}" in err
    assert not config_file().exists()


def test_no_input_lists_everything_missing_and_never_prompts(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_secret_env(monkeypatch)

    code, out, err = connect(run_cli, "--sender-id", "someone")

    assert code == 2
    assert out == ""
    for expected in (
        "missing 7 required setting(s)",
        "Intacct sender password (ORSYNC_INTACCT_SENDER_PASSWORD)",
        "Intacct company ID (--company-id)",
        "Intacct Web Services user ID (--user-id)",
        "Intacct user password (ORSYNC_INTACCT_USER_PASSWORD)",
        "OfficeRnD organization slug (--officernd-org)",
        "OfficeRnD application client ID (--officernd-client-id)",
        "OfficeRnD client secret (ORSYNC_OFFICERND_CLIENT_SECRET)",
    ):
        assert expected in err
    assert "--sender-id)" not in err
    assert not config_file().exists()


@pytest.mark.usefixtures("no_keyring_backend")
def test_headless_machine_keeps_secrets_in_the_environment_and_saves_the_rest(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret_env(monkeypatch, sandbox)

    result = run_cli(
        "--profile", "cron", "--no-input", "connect", "--json", *connect_flags(sandbox)
    )

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "orsync.connect/1"
    assert document["secrets_storage"] == "environment"
    assert set(document["secret_sources"].values()) == {"environment"}
    assert "no keyring backend" in result.stderr or "no keyring backend" in document["notice"]
    assert "cron" in load_config(config_file()).profiles
    assert_no_secret_in_files(sandbox)
    # The saved profile works from the environment alone.
    assert run_cli("--profile", "cron", "test").exit_code == 0


def test_rerunning_connect_edits_only_what_is_given(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: MemoryKeyring,
) -> None:
    set_secret_env(monkeypatch, sandbox)
    assert connect(run_cli, *connect_flags(sandbox))[0] == 0
    clear_secret_env(monkeypatch)  # the second run takes the secrets from the keyring

    code, out, err = connect(
        run_cli, "--entity", "IE", "--numbering", "intacct", "--overpayment-account", "4000"
    )

    assert code == 0, err
    assert "Updated profile 'acme'" in out
    profile = load_config(config_file()).profiles["acme"]
    assert profile.intacct.entity == "IE"
    assert profile.sync.numbering == "intacct"
    assert profile.sync.overpayment_account == "4000"
    assert profile.intacct.sender_id == sandbox.details()["intacct"]["sender_id"]
    assert profile.sync.invoice_type == "ar"
    assert "intacct.entity" in out and "sync.numbering" in out

    code, _out, err = connect(run_cli, "--entity", "")
    assert code == 0, err
    assert load_config(config_file()).profiles["acme"].intacct.entity is None
    assert_no_secret_in_files(sandbox)


def _confirm_one_invoice(profile: str) -> None:
    path = database_path(orsync_home() / "state", profile)
    with StateStore.open(path, profile=profile) as store:
        store.ledger.mark_sending(Kind.INVOICE, "inv-1", "v1")
        store.ledger.confirm(Kind.INVOICE, "inv-1", TargetKeys(key="101"))


def test_switching_invoice_type_after_a_sync_needs_yes_and_is_recorded(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret_env(monkeypatch, sandbox)
    assert connect(run_cli, *connect_flags(sandbox))[0] == 0
    _confirm_one_invoice("acme")

    code, _out, err = connect(run_cli, "--invoice-type", "sales")
    assert code == 2
    assert "needs confirmation" in err and "--yes" in err
    assert load_config(config_file()).profiles["acme"].sync.invoice_type == "ar"

    code, out, err = connect(run_cli, "--invoice-type", "sales", "--yes")
    assert code == 0, err
    sync = load_config(config_file()).profiles["acme"].sync
    assert sync.invoice_type == "sales"
    (change,) = sync.invoice_type_changes
    assert (change.from_type, change.to_type) == ("ar", "sales")
    assert change.changed_at.tzinfo is not None
    assert f"on {change.changed_at:%Y-%m-%d}" in out


def test_switching_invoice_type_before_any_sync_needs_no_confirmation(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret_env(monkeypatch, sandbox)
    assert connect(run_cli, *connect_flags(sandbox))[0] == 0

    code, _out, err = connect(run_cli, "--invoice-type", "sales")

    assert code == 0, err
    assert load_config(config_file()).profiles["acme"].sync.invoice_type == "sales"


def test_mapping_flag_stores_a_valid_file_and_refuses_a_broken_one(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_secret_env(monkeypatch, sandbox)
    broken = tmp_path / "broken.yaml"
    broken.write_text("revenue_accounts:\n\tvalues: {}\n", encoding="utf-8")

    code, _out, err = connect(run_cli, *connect_flags(sandbox), "--mapping", str(broken))
    assert code == 78
    assert "broken.yaml" in err
    assert not config_file().exists()

    valid = write_mapping(tmp_path)
    code, _out, err = connect(run_cli, *connect_flags(sandbox), "--mapping", str(valid))
    assert code == 0, err
    assert load_config(config_file()).profiles["acme"].sync.mapping == str(valid.resolve())


def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_secret_env(monkeypatch, sandbox)

    code, _out, err = connect(
        run_cli, *connect_flags(sandbox, intacct_url="http://example.com/ia/xml/xmlgw.phtml")
    )

    assert code == 78
    assert "HTTPS" in err
    assert not config_file().exists()


def test_wrong_choice_is_a_usage_error(run_cli: CliRunner) -> None:
    code, _out, err = connect(run_cli, "--invoice-type", "bills")
    assert code == 2
    assert "ar, sales" in err


def test_keyring_holds_secrets_only_under_the_profile_namespace(
    run_cli: CliRunner,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: MemoryKeyring,
) -> None:
    set_secret_env(monkeypatch, sandbox)
    assert connect(run_cli, *connect_flags(sandbox), profile="one")[0] == 0

    assert {service for service, _ in isolated_environment.entries} == {service_name("one")}


@pytest.mark.parametrize("kind", ["unknown user", "symlink loop"])
def test_a_mapping_path_that_cannot_be_resolved_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    from orsync.errors import UsageError
    from orsync.services.setup import ConnectRequest, merge_profile

    if kind == "unknown user":
        mapping = "~no-such-user-of-orsync/mapping.yaml"
    else:
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        mapping = str(tmp_path / "a" / "mapping.yaml")
    with pytest.raises(UsageError, match="--mapping"):
        merge_profile(ConnectRequest(profile="acme", mapping=mapping), None)


def test_an_orsync_home_with_an_unknown_user_is_a_config_problem(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORSYNC_HOME", "~no-such-user-of-orsync/orsync")
    result = run_cli("profiles", "list")
    assert result.exit_code == 78, result.stderr
    assert "ORSYNC_HOME" in result.stderr


def test_a_config_file_that_cannot_be_saved_is_refused_before_any_service_is_asked(
    run_cli: CliRunner, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_secret_env(monkeypatch, sandbox)
    in_the_way = tmp_path / "shared"
    in_the_way.write_text("a file where the config folder should be\n")
    sandbox.intacct.reset_stats()

    result = run_cli(
        "--config",
        str(in_the_way / "config.yaml"),
        "--profile",
        "acme",
        "--no-input",
        "connect",
        *connect_flags(sandbox),
    )

    assert result.exit_code == 78, result.stderr
    assert f"cannot save profiles to {in_the_way / 'config.yaml'}" in result.stderr
    assert "is not a folder" in result.stderr
    assert sandbox.intacct.stats.requests == 0
