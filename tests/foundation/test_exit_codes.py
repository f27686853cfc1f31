"""main() turns every outcome into one stderr line, a hint and the documented exit code."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from orsync import errors
from orsync.cli import app
from tests.conftest import CliRunner


@pytest.fixture
def failing_command() -> Iterator[Callable[[BaseException], None]]:
    """Register a throwaway `boom` command that raises whatever the test hands it."""
    raised: list[BaseException] = []

    def boom() -> None:
        """Raise the prepared exception."""
        password_in_a_local = "hunter2-local-secret"  # noqa: F841 - must never be shown
        raise raised[0]

    app.command("boom")(boom)
    yield raised.append
    app.registered_commands.pop()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UsageError("bad flags"), 2),
        (errors.ServiceUnavailable("intacct is down"), 69),
        (errors.InternalError("inconsistent plan"), 70),
        (errors.RateLimited("slow down", retry_after=3), 75),
        (errors.LockHeld("profile busy"), 75),
        (errors.Unconfirmed("write left unconfirmed"), 75),
        (errors.AuthError("sender not authorised"), 77),
        (errors.ConfigError("mapping invalid"), 78),
        (errors.CredentialError("no secret"), 78),
        (errors.RecordError("invoice INV-1 failed", record="INV-1"), 1),
    ],
)
def test_each_error_class_exits_with_its_documented_code(
    run_cli: CliRunner,
    failing_command: Callable[[BaseException], None],
    error: errors.OrsyncError,
    code: int,
) -> None:
    failing_command(error)
    result = run_cli("boom")
    assert result.exit_code == code
    assert result.stderr.splitlines()[0] == f"error: {error.message}"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_error_hint_follows_the_message(
    run_cli: CliRunner, failing_command: Callable[[BaseException], None]
) -> None:
    failing_command(errors.ConfigError("mapping.yaml is broken", hint="Fix line 3."))
    result = run_cli("boom")
    assert result.stderr == "error: mapping.yaml is broken\nhint: Fix line 3.\n"


def test_success_exits_zero(run_cli: CliRunner) -> None:
    assert run_cli("profiles", "list").exit_code == 0


def test_an_unknown_option_is_a_usage_error(run_cli: CliRunner) -> None:
    result = run_cli("profiles", "list", "--frobnicate")
    assert result.exit_code == 2
    assert "--frobnicate" in result.stderr


def test_an_unexpected_exception_exits_70_without_traceback(
    run_cli: CliRunner, failing_command: Callable[[BaseException], None]
) -> None:
    failing_command(ZeroDivisionError("division by zero"))
    result = run_cli("boom")
    assert result.exit_code == 70
    assert "internal error: ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr
    assert "--debug" in result.stderr


def test_debug_shows_the_traceback_but_never_local_variables(
    run_cli: CliRunner, failing_command: Callable[[BaseException], None]
) -> None:
    failing_command(ZeroDivisionError("division by zero"))
    result = run_cli("--debug", "boom")
    assert result.exit_code == 70
    assert "Traceback" in result.stderr
    assert "ZeroDivisionError" in result.stderr
    assert "hunter2-local-secret" not in result.stderr


def test_debug_can_come_from_the_environment(
    run_cli: CliRunner,
    failing_command: Callable[[BaseException], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORSYNC_DEBUG", "1")
    failing_command(RuntimeError("boom"))
    assert "Traceback" in run_cli("boom").stderr


@pytest.mark.parametrize("value", ["0", "false", "no", "off", " "])
def test_debug_turned_off_in_the_environment_shows_no_traceback(
    run_cli: CliRunner,
    failing_command: Callable[[BaseException], None],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("ORSYNC_DEBUG", value)
    failing_command(RuntimeError("boom"))
    result = run_cli("boom")
    assert result.exit_code == 70
    assert "Traceback" not in result.stderr


def test_ctrl_c_exits_130_without_a_traceback(
    run_cli: CliRunner, failing_command: Callable[[BaseException], None]
) -> None:
    failing_command(KeyboardInterrupt())
    result = run_cli("boom")
    assert result.exit_code == 130
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "interrupted"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ConfigError("mapping.yaml is broken", hint="Fix line 3."), 78),
        (errors.LockHeld("profile busy"), 75),
        (ZeroDivisionError("division by zero"), 70),
        (KeyboardInterrupt(), 130),
    ],
)
def test_an_error_under_json_still_prints_one_document_with_the_code_and_the_fix(
    run_cli: CliRunner,
    failing_command: Callable[[BaseException], None],
    error: BaseException,
    code: int,
) -> None:
    failing_command(error)
    result = run_cli("--json", "boom")
    document = json.loads(result.stdout)
    assert result.exit_code == code
    assert document["schema"] == "orsync.error/1" and document["ok"] is False
    assert document["exit_code"] == code
    assert document["error"]["message"] and result.stderr.startswith(("error:", "interrupted"))
    if isinstance(error, errors.OrsyncError):
        assert document["error"] == {"message": error.message, "hint": error.hint or None}


def test_a_commands_own_json_flag_applies_to_its_errors_too(run_cli: CliRunner) -> None:
    result = run_cli("status", "--json")  # no profile is configured
    document = json.loads(result.stdout)
    assert result.exit_code == 78 == document["exit_code"]
    assert document["error"]["hint"] and "connect" in document["error"]["hint"]


@pytest.mark.parametrize(
    "args",
    [
        ("--json", "status", "--runs", "0"),
        ("status", "--json", "--frobnicate"),
        ("--json", "frobnicate"),
        ("profiles", "remove", "--json"),
        ("--json", "map"),
    ],
)
def test_a_command_line_that_does_not_parse_still_prints_one_json_document_under_json(
    run_cli: CliRunner, args: tuple[str, ...]
) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["schema"] == "orsync.error/1" and document["exit_code"] == 2
    message = document["error"]["message"]
    assert f"error: {message}\n" in result.stderr
    assert "--help" in document["error"]["hint"]


def test_a_usage_error_without_json_keeps_stdout_empty(run_cli: CliRunner) -> None:
    result = run_cli("status", "--frobnicate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "No such option: --frobnicate" in result.stderr


def test_version_prints_the_package_version(run_cli: CliRunner) -> None:
    from orsync import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"orsync {__version__}\n"


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "orsync", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("orsync ")
