"""Output discipline: JSON purity, no ANSI off a terminal, redaction of every secret."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orsync import secrets
from orsync.cli import app
from orsync.output import OutputSettings, configure_logging
from orsync.redact import redact, register_secret
from orsync.secrets import Secret
from tests.conftest import CliRunner
from tests.foundation.profiles_data import write_profiles

ANSI = re.compile(r"\x1b\[")


def test_json_output_is_exactly_one_document(run_cli: CliRunner) -> None:
    write_profiles("main", "dublin")
    result = run_cli("--json", "profiles", "list")
    document = json.loads(result.stdout)
    assert [p["name"] for p in document["profiles"]] == ["dublin", "main"]


def test_every_profiles_document_names_its_schema(run_cli: CliRunner) -> None:
    write_profiles("main", "dublin")
    for args, schema in (
        (("profiles", "list"), "orsync.profiles/1"),
        (("profiles", "show", "main"), "orsync.profile/1"),
        (("profiles", "remove", "dublin", "--yes"), "orsync.profile-removed/1"),
    ):
        result = run_cli("--json", *args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["schema"] == schema, args


@pytest.mark.parametrize(
    "command",
    [("profiles", "list"), ("profiles", "show", "main"), ("status",)],
)
def test_json_after_the_command_is_the_same_as_the_global_option(
    run_cli: CliRunner, command: tuple[str, ...]
) -> None:
    write_profiles("main")
    before = run_cli("--json", *command)
    after = run_cli(*command, "--json")
    assert after.exit_code == before.exit_code
    assert after.stdout == before.stdout and json.loads(after.stdout)


def test_json_show_keeps_secrets_out(run_cli: CliRunner) -> None:
    write_profiles("main")
    secrets.store("main", Secret.INTACCT_SENDER_PASSWORD, "sender-pw-987")
    result = run_cli("--json", "profiles", "show", "main")
    document = json.loads(result.stdout)
    assert document["secrets"]["intacct_sender_password"] == {"set": True, "source": "keyring"}
    assert "sender-pw-987" not in result.stdout


def test_output_off_a_terminal_has_no_ansi_codes(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR")
    write_profiles("main")
    for args in (("profiles", "list"), ("profiles", "show", "main"), ("profiles", "show", "X")):
        result = run_cli(*args)
        assert not ANSI.search(result.stdout + result.stderr), args


def test_off_a_terminal_lines_and_table_rows_are_never_wrapped(run_cli: CliRunner) -> None:
    # A cron mail or a log file must keep each message on one line, whatever its length.
    names = [f"{region}-operations-entity-with-a-long-descriptive-name" for region in "abc"]
    write_profiles(*names)
    listed = run_cli("profiles", "list").stdout.splitlines()
    for name in names:
        row = next(line for line in listed if name in line)
        assert f"{name.upper()}-CO" in row
    missing = run_cli("--profile", "nope", "status")
    assert missing.exit_code == 78
    error = next(line for line in missing.stderr.splitlines() if "does not exist" in line)
    assert all(name in error for name in names)


def test_an_unknown_profile_hint_names_where_the_name_came_from(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles("main")
    by_option = run_cli("--profile", "nope", "status")
    assert by_option.exit_code == 78
    assert "Name one of them with --profile" in by_option.stderr
    monkeypatch.setenv("ORSYNC_PROFILE", "nope")  # what a crontab sets
    by_environment = run_cli("status")
    assert by_environment.exit_code == 78
    assert "Name one of them with ORSYNC_PROFILE" in by_environment.stderr
    assert "orsync --profile nope connect" in by_environment.stderr


def test_user_data_is_not_interpreted_as_markup(run_cli: CliRunner) -> None:
    from orsync.config import Config, IntacctSettings, OfficeRndSettings, Profile, save_config
    from orsync.env import default_config_path

    profile = Profile(
        intacct=IntacctSettings(sender_id="s", company_id="[bold]ACME[/bold]", user_id="u"),
        officernd=OfficeRndSettings(org="acme", client_id="c"),
    )
    save_config(default_config_path(), Config().with_profile("main", profile))
    assert "[bold]ACME[/bold]" in run_cli("profiles", "show", "main").stdout


def _all_commands() -> list[list[str]]:
    from typer.main import get_command

    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        children = getattr(command, "commands", {})
        for name, child in children.items():
            paths.append([*prefix, name])
            walk(child, [*prefix, name])

    walk(get_command(app), [])
    return paths


def test_every_command_has_help_text(run_cli: CliRunner) -> None:
    commands = _all_commands()
    assert ["profiles", "list"] in commands
    for path in commands:
        result = run_cli(*path, "--help")
        assert result.exit_code == 0, path
        _usage, _, rest = result.stdout.partition("\n\n")
        assert rest.strip(), f"{' '.join(path)} has no help text"


def test_the_root_help_documents_exit_codes_and_environment(run_cli: CliRunner) -> None:
    result = run_cli("--help")
    for text in ("ORSYNC_PROFILE", "ORSYNC_DEBUG", "ORSYNC_CONFIG", "75", "77", "78", "69"):
        assert text in result.stdout


@pytest.fixture
def log_to(tmp_path: Path) -> Iterator[Callable[[], str]]:
    path = tmp_path / "log.txt"
    with path.open("w") as stream:
        configure_logging(OutputSettings(verbose=2, profile="main"), stream=stream)
        yield lambda: (stream.flush(), path.read_text())[1]
    logging.getLogger("orsync").handlers.clear()


def test_a_log_line_never_contains_a_resolved_secret(
    log_to: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORSYNC_INTACCT_USER_PASSWORD", "Pa55w0rd-very-secret")
    value = secrets.resolve("main", Secret.INTACCT_USER_PASSWORD)
    logging.getLogger("orsync.test").info("logging in with %s", value)
    text = log_to()
    assert "Pa55w0rd-very-secret" not in text
    assert "logging in with ***" in text
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO main ", text)


def test_a_logged_request_body_stays_on_its_line(log_to: Callable[[], str]) -> None:
    """-vv logged Intacct's XML under its line: "<?xml ...?>" and "<request>..." began lines
    of their own, with no time, level or profile, so grepping cron's mail for a profile or
    a control id lost them. Each record is one line in a pipe."""
    body = "<?xml version='1.0'?>\n<request><controlid>c-1</controlid></request>\n"
    logging.getLogger("orsync.test").debug("-> %s\n%s", "https://api.intacct.com", body)
    lines = log_to().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(
        "DEBUG main -> https://api.intacct.com <?xml version='1.0'?> "
        "<request><controlid>c-1</controlid></request>"
    )


def test_a_logged_traceback_is_redacted(log_to: Callable[[], str]) -> None:
    register_secret("tb-secret-value")
    try:
        raise RuntimeError("failed with tb-secret-value")
    except RuntimeError:
        logging.getLogger("orsync.test").exception("request failed")
    text = log_to()
    assert "Traceback" in text
    assert "tb-secret-value" not in text


def test_a_debug_traceback_on_stderr_is_redacted(run_cli: CliRunner) -> None:
    register_secret("leaky-secret-42")
    raised: list[BaseException] = [RuntimeError("could not log in as leaky-secret-42")]

    def leak() -> None:
        """Raise an error whose text holds a secret."""
        raise raised[0]

    app.command("leak")(leak)
    try:
        result = run_cli("--debug", "leak")
    finally:
        app.registered_commands.pop()
    assert result.exit_code == 70
    assert "Traceback" in result.stderr
    assert "leaky-secret-42" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<password>pw</password>", "<password>***</password>"),
        ("<sessionid>abc-123</sessionid>", "<sessionid>***</sessionid>"),
        ("Authorization: Bearer abcdef", "Authorization: ***"),
        ("grant_type=client_credentials&client_secret=xyz", "client_secret=***"),
        ('{"client_secret": "xyz"}', '{"client_secret": "***"}'),
    ],
)
def test_marked_values_are_masked_even_when_never_registered(text: str, expected: str) -> None:
    assert expected in redact(text)


def test_no_secret_lands_in_any_file_under_orsync_home(
    run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles("main")
    secrets.store("main", Secret.INTACCT_USER_PASSWORD, "kr-secret-xyz")
    monkeypatch.setenv("ORSYNC_INTACCT_SENDER_PASSWORD", "env-secret-xyz")
    run_cli("profiles", "show", "main")
    run_cli("--json", "profiles", "list")
    from orsync.env import config_dir

    for path in config_dir().rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"kr-secret-xyz" not in content
            assert b"env-secret-xyz" not in content
