"""Secrets: environment first, then a real keyring, never a plaintext file."""

from __future__ import annotations

import pytest

from orsync import secrets
from orsync.errors import CredentialError
from orsync.secrets import Secret
from tests.conftest import CliRunner, MemoryKeyring
from tests.foundation.profiles_data import write_profiles


def test_the_environment_variable_wins_over_the_keyring(
    monkeypatch: pytest.MonkeyPatch, isolated_environment: MemoryKeyring
) -> None:
    secrets.store("main", Secret.INTACCT_USER_PASSWORD, "from-keyring")
    monkeypatch.setenv("ORSYNC_INTACCT_USER_PASSWORD", "from-env")
    assert secrets.resolve("main", Secret.INTACCT_USER_PASSWORD) == "from-env"
    assert secrets.status("main", Secret.INTACCT_USER_PASSWORD).source == (
        "environment (ORSYNC_INTACCT_USER_PASSWORD)"
    )


def test_the_keyring_is_used_per_profile(isolated_environment: MemoryKeyring) -> None:
    secrets.store("main", Secret.OFFICERND_CLIENT_SECRET, "main-secret")
    secrets.store("dublin", Secret.OFFICERND_CLIENT_SECRET, "dublin-secret")
    assert secrets.resolve("main", Secret.OFFICERND_CLIENT_SECRET) == "main-secret"
    assert secrets.resolve("dublin", Secret.OFFICERND_CLIENT_SECRET) == "dublin-secret"
    assert ("orsync:main", "officernd_client_secret") in isolated_environment.entries


def test_a_missing_secret_says_how_to_provide_it() -> None:
    with pytest.raises(CredentialError) as caught:
        secrets.resolve("main", Secret.INTACCT_SENDER_PASSWORD)
    assert caught.value.exit_code == 78
    assert "ORSYNC_INTACCT_SENDER_PASSWORD" in caught.value.hint


@pytest.mark.usefixtures("no_keyring_backend")
def test_a_headless_machine_gets_the_no_backend_explanation() -> None:
    with pytest.raises(CredentialError) as caught:
        secrets.resolve("main", Secret.INTACCT_USER_PASSWORD)
    assert "no keyring backend" in caught.value.message
    assert "ORSYNC_INTACCT_USER_PASSWORD" in caught.value.hint
    assert "never stores secrets in a plain file" in caught.value.hint


@pytest.mark.usefixtures("no_keyring_backend")
def test_storing_without_a_backend_refuses_instead_of_writing_a_file() -> None:
    with pytest.raises(CredentialError, match="no keyring backend"):
        secrets.store("main", Secret.INTACCT_USER_PASSWORD, "s3cret-value")


@pytest.mark.usefixtures("no_keyring_backend")
def test_a_headless_machine_still_resolves_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORSYNC_OFFICERND_CLIENT_SECRET", "cron-secret")
    assert secrets.resolve("main", Secret.OFFICERND_CLIENT_SECRET) == "cron-secret"


@pytest.mark.usefixtures("no_keyring_backend")
def test_listing_profiles_needs_no_secret_and_no_backend(run_cli: CliRunner) -> None:
    write_profiles("main")
    result = run_cli("profiles", "list")
    assert result.exit_code == 0
    assert "main" in result.stdout


def test_show_reports_where_each_secret_comes_from_never_its_value(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles("main")
    secrets.store("main", Secret.INTACCT_USER_PASSWORD, "kr-password-123")
    monkeypatch.setenv("ORSYNC_OFFICERND_CLIENT_SECRET", "env-secret-456")
    result = run_cli("profiles", "show", "main")
    assert result.exit_code == 0
    assert "intacct_user_password: set (keyring)" in result.stdout
    assert (
        "officernd_client_secret: set (environment (ORSYNC_OFFICERND_CLIENT_SECRET))"
        in result.stdout
    )
    assert "intacct_sender_password: unset" in result.stdout
    assert "kr-password-123" not in result.stdout + result.stderr
    assert "env-secret-456" not in result.stdout + result.stderr


def test_removing_a_profile_removes_its_secrets_too(
    run_cli: CliRunner, isolated_environment: MemoryKeyring
) -> None:
    write_profiles("main", "dublin")
    secrets.store("main", Secret.INTACCT_USER_PASSWORD, "pw-main")
    secrets.store("dublin", Secret.INTACCT_USER_PASSWORD, "pw-dublin")
    result = run_cli("profiles", "remove", "main", "--yes")
    assert result.exit_code == 0
    assert ("orsync:main", "intacct_user_password") not in isolated_environment.entries
    assert ("orsync:dublin", "intacct_user_password") in isolated_environment.entries
    listed = run_cli("--json", "profiles", "list").stdout
    assert '"main"' not in listed
    assert '"dublin"' in listed


def test_removing_asks_for_confirmation_and_no_keeps_the_profile(run_cli: CliRunner) -> None:
    write_profiles("main")
    result = run_cli("profiles", "remove", "main", input="n\n")
    # stdin is not a terminal in tests, so orsync refuses to guess and asks for --yes.
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert run_cli("profiles", "show", "main").exit_code == 0


def test_profiles_show_without_a_name_shows_the_selected_profile(run_cli: CliRunner) -> None:
    """Error hints name `orsync profiles show` (the URLs to check): it must run as written."""
    write_profiles("main", "other")
    result = run_cli("--profile", "other", "profiles", "show")
    assert result.exit_code == 0, result.stderr
    assert "OTHER-CO" in result.stdout and "MAIN-CO" not in result.stdout
    assert run_cli("profiles", "show").exit_code == 0  # the default profile


def test_no_hint_names_a_placeholder_profile() -> None:
    """`orsync profiles show PROFILE` fails as typed (no profile is called PROFILE)."""
    from tests.conftest import REPO_ROOT

    sources = (REPO_ROOT / "src" / "orsync").rglob("*.py")
    offenders = [p.name for p in sources if "profiles show PROFILE" in p.read_text("utf-8")]
    assert offenders == []


def test_showing_a_missing_profile_exits_78_with_a_clear_message(run_cli: CliRunner) -> None:
    write_profiles("main")
    result = run_cli("profiles", "show", "X")
    assert result.exit_code == 78
    assert "profile 'X' does not exist" in result.stderr
    assert "profiles: main" in result.stderr


def suggested_command(hint: str) -> list[str]:
    """The arguments of the `orsync ...` command a hint suggests."""
    command = hint.split("`orsync ", 1)[1].split("`", 1)[0]
    return command.split()


@pytest.mark.parametrize("situation", ["missing profile", "missing secret"])
def test_the_connect_command_a_hint_suggests_is_one_orsync_accepts(
    run_cli: CliRunner, situation: str
) -> None:
    write_profiles("main")
    if situation == "missing profile":
        result = run_cli("--profile", "ghost", "map", "init")
    else:
        result = run_cli("--profile", "main", "map", "init")
    assert result.exit_code == 78
    hint = result.stderr.split("hint: ", 1)[1]
    suggested = suggested_command(hint)
    assert "connect" in suggested

    tried = run_cli("--no-input", *suggested)
    assert "No such option" not in tried.stderr, tried.stderr
    assert tried.stderr.startswith("error: missing"), tried.stderr  # got as far as the flags


TOKEN_KEY = ("orsync:main", secrets.TOKEN_ENTRY)


def test_the_officernd_token_is_kept_where_the_client_secret_is_kept(
    monkeypatch: pytest.MonkeyPatch, isolated_environment: MemoryKeyring
) -> None:
    secrets.store("main", Secret.OFFICERND_CLIENT_SECRET, "in-keyring")
    store = secrets.officernd_token_store("main")
    assert isinstance(store, secrets.KeyringTokenStore)
    store.write('{"owner": "x"}')
    assert isolated_environment.entries[TOKEN_KEY] == '{"owner": "x"}'
    # A secret from the environment (cron, containers, the README's walk-through) keeps its
    # token in a private file in the cache folder: nothing is written to a keyring it was not given.
    monkeypatch.setenv("ORSYNC_OFFICERND_CLIENT_SECRET", "from-env")
    beside_state = secrets.officernd_token_store("main")
    assert isinstance(beside_state, secrets.FileTokenStore)
    beside_state.write('{"owner": "y"}')
    assert isolated_environment.entries[TOKEN_KEY] == '{"owner": "x"}'


@pytest.mark.usefixtures("no_keyring_backend")
def test_a_headless_machine_keeps_the_token_in_a_private_cache_file() -> None:
    import stat

    from orsync.env import cache_dir

    store = secrets.officernd_token_store("main")
    assert isinstance(store, secrets.FileTokenStore)
    assert store.path.parent == cache_dir()
    store.write('{"owner": "x", "value": "token"}')
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.read() == '{"owner": "x", "value": "token"}'
    secrets.forget("main")  # `profiles remove`
    assert store.read() is None


def test_a_new_client_secret_or_a_removed_profile_drops_the_kept_token(
    isolated_environment: MemoryKeyring,
) -> None:
    secrets.store("main", Secret.OFFICERND_CLIENT_SECRET, "old")
    isolated_environment.entries[TOKEN_KEY] = "{}"
    secrets.store("main", Secret.OFFICERND_CLIENT_SECRET, "old")  # connect again, same secret
    assert TOKEN_KEY in isolated_environment.entries
    secrets.store("main", Secret.OFFICERND_CLIENT_SECRET, "rotated")
    assert TOKEN_KEY not in isolated_environment.entries
    isolated_environment.entries[TOKEN_KEY] = "{}"
    secrets.forget("main")
    assert TOKEN_KEY not in isolated_environment.entries
    assert not any(service == "orsync:main" for service, _ in isolated_environment.entries)
