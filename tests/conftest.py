"""Every test runs isolated: its own ORSYNC_HOME, no colour, a fixed width, an in-memory keyring,
no secret variables from the developer's shell, and the Intacct simulator validating requests
against the official schema whenever ../shared is present."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from orsync.endpoints import forget_reached
from orsync.redact import forget_secrets

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
INTACCT_XSD = SHARED / "reference" / "intacct-schemas" / "v3.0" / "api.xsd"


class MemoryKeyring(KeyringBackend):
    """A real (in-memory) keyring backend, as a desktop machine would have."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def unpaced_officernd_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """orsync paces its OfficeRnD writes at 60 a minute; a write-back per document would make
    each sandbox scenario wait a second per document. The pacing itself is tested with explicit
    budgets (tests/officernd/test_officernd_budget.py); orsync run as a subprocess keeps it."""
    monkeypatch.setattr("orsync.officernd.session.WRITES_PER_MINUTE", 6000)


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    home = tmp_path / "orsync-home"
    monkeypatch.setenv("ORSYNC_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERMINAL_WIDTH", "100")
    for name in (
        "ORSYNC_PROFILE",
        "ORSYNC_CONFIG",
        "ORSYNC_DEBUG",
        "ORSYNC_INTACCT_SENDER_PASSWORD",
        "ORSYNC_INTACCT_USER_PASSWORD",
        "ORSYNC_OFFICERND_CLIENT_SECRET",
        "ORSYNC_OFFICERND_WEBHOOK_SECRET",
        "FORCE_COLOR",
        "PYTHON_KEYRING_BACKEND",
    ):
        monkeypatch.delenv(name, raising=False)
    if INTACCT_XSD.exists():
        monkeypatch.setenv("ORSYNC_INTACCT_XSD", str(INTACCT_XSD))
    else:
        monkeypatch.delenv("ORSYNC_INTACCT_XSD", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    forget_secrets()
    forget_reached()


@pytest.fixture
def no_keyring_backend() -> Iterator[None]:
    """A headless server: keyring has no backend and raises NoKeyringError."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run the real entry point `orsync.cli.main` and capture its exit code and streams."""
    from orsync.cli import main

    def run(*args: str, input: str | None = None) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(input or ""))
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """Both simulators on loopback with a small seeded world (fresh for each test)."""
    from orsync.sandbox.launch import SandboxOptions, start_sandbox

    options = SandboxOptions(
        invoices=40, companies=8, officernd_rate_limit=None, intacct_concurrency_wait_s=2.0
    )
    with start_sandbox(options) as running:
        yield running


@pytest.fixture
def sandbox_profile(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    """A profile named ``demo`` pointing at the sandbox; its secrets in the environment."""
    from orsync.config import (
        IntacctSettings,
        OfficeRndSettings,
        Profile,
        load_config,
        save_config,
    )
    from orsync.env import default_config_path

    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    profile = Profile(
        intacct=IntacctSettings(
            url=intacct["url"],
            sender_id=intacct["sender_id"],
            company_id=intacct["company_id"],
            user_id=intacct["user_id"],
        ),
        officernd=OfficeRndSettings(
            org=officernd["org"],
            client_id=officernd["client_id"],
            api_url=officernd["api_url"],
            token_url=officernd["token_url"],
        ),
    )
    path = default_config_path()
    save_config(path, load_config(path).with_profile("demo", profile))
    monkeypatch.setenv("ORSYNC_INTACCT_SENDER_PASSWORD", intacct["sender_password"])
    monkeypatch.setenv("ORSYNC_INTACCT_USER_PASSWORD", intacct["user_password"])
    monkeypatch.setenv("ORSYNC_OFFICERND_CLIENT_SECRET", officernd["client_secret"])
    return "demo"


def sandbox_secrets(sandbox: RunningSandbox) -> list[str]:
    """Every secret of the sandbox, for tests that prove none of them leaked anywhere."""
    details = sandbox.details()
    return [
        details["intacct"]["sender_password"],
        details["intacct"]["user_password"],
        details["officernd"]["client_secret"],
    ]


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every retry waits 2 % of what the policy says, and the OfficeRnD rate-limit fault asks
    for Retry-After: 0: the same attempts in the same order, without seconds of real sleep
    (the CLI runs in process, so its clients cannot be handed a fake sleep)."""
    import random

    from orsync.retry import RetryPolicy

    policy_delay = RetryPolicy.delay

    def quick(
        self: RetryPolicy, attempt: int, rng: random.Random, retry_after: float | None = None
    ) -> float:
        return policy_delay(self, attempt, rng, retry_after) * 0.02

    monkeypatch.setattr(RetryPolicy, "delay", quick)
    monkeypatch.setattr("orsync.sandbox.officernd.simulator.FAULT_RETRY_AFTER_SECONDS", 0)
