"""The connect and checks services without the CLI or the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orsync.config import load_config
from orsync.errors import (
    AuthError,
    ConfigError,
    CredentialError,
    ExitCode,
    ServiceUnavailable,
)
from orsync.mapping import parse_mapping
from orsync.secrets import Secret
from orsync.services.setup import (
    CheckResult,
    ConnectRequest,
    MissingSettings,
    connect_profile,
    exit_code_for,
    has_synced,
    merge_profile,
    profile_entities,
    worst_exit_code,
)
from orsync.state import Kind, StateStore, database_path
from tests.setup.conftest import config_file, orsync_home

TYPED = {
    Secret.INTACCT_SENDER_PASSWORD: "typed-sender-pw",
    Secret.INTACCT_USER_PASSWORD: "typed-user-pw",
    Secret.OFFICERND_CLIENT_SECRET: "typed-client-secret",
}
COMPLETE = ConnectRequest(
    profile="acme",
    sender_id="acme-sender",
    company_id="ACME",
    user_id="sync_user",
    officernd_org="acme",
    officernd_client_id="client-1",
    secrets=TYPED,
)


def test_without_verification_a_profile_is_saved_and_secrets_go_to_the_keyring() -> None:
    result = connect_profile(COMPLETE, verify=False)

    assert result.created and not result.verified
    assert result.secrets_storage == "keyring"
    saved = load_config(config_file()).profiles["acme"]
    assert saved.intacct.url == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert saved.officernd.token_url == "https://identity.officernd.com/oauth/token"
    text = json.dumps(result.to_dict()) + config_file().read_text(encoding="utf-8")
    for value in TYPED.values():
        assert value not in text


@pytest.mark.usefixtures("no_keyring_backend")
def test_typed_secrets_on_a_headless_machine_are_refused_and_nothing_is_saved() -> None:
    with pytest.raises(CredentialError) as raised:
        connect_profile(COMPLETE, verify=False)

    assert raised.value.exit_code == ExitCode.CONFIG
    assert "ORSYNC_INTACCT_SENDER_PASSWORD" in (raised.value.hint or "")
    assert not config_file().exists()


def test_missing_settings_are_all_listed_at_once() -> None:
    with pytest.raises(MissingSettings) as raised:
        connect_profile(ConnectRequest(profile="acme", company_id="ACME"), verify=False)

    names = [s.name for s in raised.value.missing]
    assert names == [
        "sender_id",
        "intacct_sender_password",
        "user_id",
        "intacct_user_password",
        "officernd_org",
        "officernd_client_id",
        "officernd_client_secret",
    ]
    assert raised.value.exit_code == ExitCode.USAGE


def test_unset_fields_keep_old_values_and_an_empty_string_clears() -> None:
    old = merge_profile(
        ConnectRequest(
            sender_id="s",
            company_id="c",
            user_id="u",
            entity="UK",
            overpayment_account="2150",
            officernd_org="o",
            officernd_client_id="id",
        ),
        None,
    )

    edited = merge_profile(ConnectRequest(entity="", numbering="intacct"), old)

    assert edited.intacct.entity is None
    assert edited.sync.numbering == "intacct"
    assert edited.sync.overpayment_account == "2150"
    assert edited.intacct.sender_id == "s"


def test_a_profile_name_that_cannot_be_a_file_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="not usable"):
        connect_profile(ConnectRequest(profile="../etc"), verify=False)


def test_has_synced_only_counts_confirmed_writes() -> None:
    assert not has_synced("acme")
    path = database_path(orsync_home() / "state", "acme")
    with StateStore.open(path, profile="acme") as store:
        store.ledger.plan(Kind.INVOICE, "inv-1", "v1", action="create")
    assert not has_synced("acme")
    with StateStore.open(path, profile="acme") as store:
        store.ledger.mark_sending(Kind.INVOICE, "inv-1", "v1")
        store.ledger.confirm(Kind.INVOICE, "inv-1")
    assert has_synced("acme")


def _row(status: str, failure: str | None) -> CheckResult:
    return CheckResult("p", "x", "x", status, failure=failure)  # type: ignore[arg-type]


def test_unreachable_outranks_credentials_which_outrank_configuration() -> None:
    assert exit_code_for([_row("pass", None), _row("skip", None)]) == ExitCode.OK
    assert exit_code_for([_row("fail", "config"), _row("fail", "auth")]) == ExitCode.AUTH
    assert exit_code_for([_row("fail", "auth"), _row("fail", "unavailable")]) == 69
    assert exit_code_for([_row("fail", "config")]) == ExitCode.CONFIG
    assert worst_exit_code([AuthError("a"), ServiceUnavailable("b")]) == ExitCode.UNAVAILABLE


def test_at_subsidiary_level_the_mapping_names_the_entities_to_check(tmp_path: Path) -> None:
    mapping = parse_mapping(
        "revenue_accounts:\n"
        "  values:\n"
        "    '4000': {gl_account: '4000'}\n"
        "locations:\n"
        "  values:\n"
        "    London: {location: LON, entity: UK}\n"
        "    Dublin: {location: DUB, entity: IE}\n"
        "    Annex: {location: LON2, entity: UK}\n"
    )
    top = merge_profile(
        ConnectRequest(
            sender_id="s",
            company_id="c",
            user_id="u",
            entity="US",
            officernd_org="o",
            officernd_client_id="id",
        ),
        None,
    )
    subsidiary = merge_profile(ConnectRequest(entity_level="subsidiary"), top)

    assert profile_entities(top, mapping) == ["US"]
    assert profile_entities(subsidiary, mapping) == ["US", "UK", "IE"]


@pytest.mark.usefixtures("no_keyring_backend")
def test_without_a_keyring_the_connection_secrets_in_the_environment_are_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The webhook secret is `listen`'s (and `listen --register` makes it): interactive
    connect on a keyring-less machine refused to start until it was set too, although the
    same connect with --no-input saves the profile without it."""
    from orsync.secrets import CONNECTION_SECRETS
    from orsync.services.setup.connect import ConnectRequest, secrets_can_be_asked

    for secret in CONNECTION_SECRETS:
        monkeypatch.setenv(secret.env_var, "s3cret")
    monkeypatch.delenv(Secret.OFFICERND_WEBHOOK_SECRET.env_var, raising=False)

    secrets_can_be_asked(ConnectRequest(profile="desk"), None)  # nothing to type: no error

    monkeypatch.delenv(Secret.INTACCT_USER_PASSWORD.env_var)
    with pytest.raises(CredentialError) as refused:
        secrets_can_be_asked(ConnectRequest(profile="desk"), None)
    assert "(not set: ORSYNC_INTACCT_USER_PASSWORD)" in refused.value.message
