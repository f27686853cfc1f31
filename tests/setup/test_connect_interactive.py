"""An interactive `orsync connect`, driven through its prompts on a pseudo-terminal.

orsync treats a non-terminal stdin as --no-input (cron must never hang on a prompt), so the
prompts are exercised the way a person meets them: the real program in a child process whose
controlling terminal is a pty (``pty.fork``). The child's keyring is a JSON-file stand-in for
the OS vault (tests/setup/pty_keyring.py), kept outside ORSYNC_HOME.
"""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import termios
import time
from pathlib import Path

import pytest

from orsync.config import load_config
from orsync.sandbox.launch import RunningSandbox
from tests.setup.conftest import assert_no_secret_in_files, config_file

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMPT_TIMEOUT_S = 20.0


class Terminal:
    """The parent's end of the child's pty: wait for text, type a line."""

    def __init__(self, fd: int, pid: int) -> None:
        self.fd = fd
        self.pid = pid
        self.seen = ""
        self._cursor = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # the child closed the terminal
            return False
        if not chunk:
            return False
        self.seen += chunk.decode("utf-8", "replace")
        return True

    def expect(self, text: str) -> None:
        deadline = time.monotonic() + PROMPT_TIMEOUT_S
        while text not in self.seen[self._cursor :]:
            if time.monotonic() > deadline or not self._read(deadline - time.monotonic()):
                raise AssertionError(f"never saw {text!r}; terminal so far:\n{self.seen}")
        self._cursor = self.seen.index(text, self._cursor) + len(text)

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def type_hidden(self, line: str) -> None:
        """Type once the program has switched echo off (getpass flushes earlier input)."""
        deadline = time.monotonic() + PROMPT_TIMEOUT_S
        while termios.tcgetattr(self.fd)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                raise AssertionError(f"echo never went off; terminal:\n{self.seen}")
            self._read(0.01)
        self.type(line)

    def exit_code(self) -> int:
        deadline = time.monotonic() + PROMPT_TIMEOUT_S
        while time.monotonic() < deadline:
            self._read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05):
                    pass
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError(f"orsync connect did not finish; terminal:\n{self.seen}")


def spawn_connect(
    tmp_path: Path, *args: str, keyring_backend: str = "tests.setup.pty_keyring.JsonFileKeyring"
) -> Terminal:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ORSYNC_INTACCT_", "ORSYNC_OFFICERND_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join((str(REPO_ROOT / "src"), str(REPO_ROOT))),
        PYTHON_KEYRING_BACKEND=keyring_backend,
        ORSYNC_TEST_KEYRING_FILE=str(tmp_path / "vault.json"),
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS="120",
    )
    argv = [sys.executable, "-m", "orsync", "--profile", "desk", "connect", *args]
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes orsync, with the pty as its controlling terminal
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, argv, env)  # noqa: S606 - the program under test, no shell
    return Terminal(fd, pid)


def test_interactive_connect_asks_for_everything_hides_secrets_and_saves(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    term = spawn_connect(tmp_path)

    answers = [
        ("Gateway URL", intacct["url"]),
        ("Sender ID", intacct["sender_id"]),
        ("Sender password", intacct["sender_password"]),
        ("Company ID", intacct["company_id"]),
        ("User ID", intacct["user_id"]),
        ("User password", intacct["user_password"]),
        ("Entity ID (empty: top level)", "UK"),
        ("Organization slug", officernd["org"]),
        ("Client ID", officernd["client_id"]),
        ("Client secret", officernd["client_secret"]),
        ("API URL", officernd["api_url"]),
        ("Token URL", officernd["token_url"]),
        ("Invoice type", "sales"),
        ("Order Entry transaction definition", ""),  # Enter takes the default
        ("Entity level", "top"),
        ("Invoice numbers owned by", "intacct"),
        ("Overpayment revenue GL account", ""),
    ]
    hidden = {"Sender password", "User password", "Client secret"}
    for prompt, answer in answers:
        term.expect(prompt)
        if prompt in hidden:
            term.type_hidden(answer)
        else:
            term.type(answer)

    assert term.exit_code() == 0, term.seen
    assert "Created profile 'desk'" in term.seen
    profile = load_config(config_file()).profiles["desk"]
    assert profile.intacct.entity == "UK"
    assert profile.sync.invoice_type == "sales"
    assert profile.sync.transaction_definition == "Sales Invoice"
    assert profile.sync.numbering == "intacct"
    assert profile.sync.overpayment_account is None
    # Hidden input: no secret was echoed on the terminal; all three reached the vault.
    for secret in (
        intacct["sender_password"],
        intacct["user_password"],
        officernd["client_secret"],
    ):
        assert secret not in term.seen
    vault = json.loads((tmp_path / "vault.json").read_text(encoding="utf-8"))
    assert len(vault) == 3
    assert_no_secret_in_files(sandbox)


def test_a_wrong_password_typed_at_the_prompt_is_named_and_nothing_is_saved(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    flags = [
        "--intacct-url",
        intacct["url"],
        "--sender-id",
        intacct["sender_id"],
        "--company-id",
        intacct["company_id"],
        "--user-id",
        intacct["user_id"],
        "--entity",
        "",
        "--officernd-org",
        officernd["org"],
        "--officernd-client-id",
        officernd["client_id"],
        "--officernd-api-url",
        officernd["api_url"],
        "--officernd-token-url",
        officernd["token_url"],
        "--invoice-type",
        "ar",
        "--entity-level",
        "top",
        "--numbering",
        "officernd",
        "--overpayment-account",
        "",
    ]
    term = spawn_connect(tmp_path, *flags)
    term.expect("Sender password")
    term.type_hidden(intacct["sender_password"])
    term.expect("User password")
    term.type_hidden("typed-wrong")
    term.expect("Client secret")
    term.type_hidden(officernd["client_secret"])

    assert term.exit_code() == 77
    assert "Intacct company ID, user ID or user password" in term.seen
    assert not config_file().exists()
    assert not (tmp_path / "vault.json").exists()


def test_without_a_keyring_connect_says_so_before_the_first_question(tmp_path: Path) -> None:
    term = spawn_connect(tmp_path, keyring_backend="keyring.backends.fail.Keyring")

    assert term.exit_code() == 78
    assert "no keyring backend" in term.seen
    assert "ORSYNC_INTACCT_SENDER_PASSWORD" in term.seen  # how to continue
    assert "Setting up profile" not in term.seen and "URL" not in term.seen.split("error:")[0]
    assert not config_file().exists()
