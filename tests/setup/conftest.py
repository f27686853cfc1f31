"""Helpers for the setup scenarios: flags that point `connect` at the sandbox, its secrets in
the environment, and a scan proving no secret reached a file under ORSYNC_HOME."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import sandbox_secrets

SENDER_ENV = "ORSYNC_INTACCT_SENDER_PASSWORD"
USER_ENV = "ORSYNC_INTACCT_USER_PASSWORD"
CLIENT_SECRET_ENV = "ORSYNC_OFFICERND_CLIENT_SECRET"


def connect_flags(sandbox: RunningSandbox, **overrides: str) -> list[str]:
    """`orsync connect` flags for the sandbox; ``overrides`` replace flags by name."""
    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    flags = {
        "intacct-url": intacct["url"],
        "sender-id": intacct["sender_id"],
        "company-id": intacct["company_id"],
        "user-id": intacct["user_id"],
        "officernd-org": officernd["org"],
        "officernd-client-id": officernd["client_id"],
        "officernd-api-url": officernd["api_url"],
        "officernd-token-url": officernd["token_url"],
    }
    flags.update({k.replace("_", "-"): v for k, v in overrides.items()})
    args: list[str] = []
    for name, value in flags.items():
        args += [f"--{name}", value]
    return args


def set_secret_env(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, **overrides: str
) -> None:
    """The sandbox's three secrets in the environment; ``overrides`` by variable name."""
    details = sandbox.details()
    values = {
        SENDER_ENV: details["intacct"]["sender_password"],
        USER_ENV: details["intacct"]["user_password"],
        CLIENT_SECRET_ENV: details["officernd"]["client_secret"],
    }
    values.update(overrides)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def clear_secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (SENDER_ENV, USER_ENV, CLIENT_SECRET_ENV):
        monkeypatch.delenv(name, raising=False)


def orsync_home() -> Path:
    return Path(os.environ["ORSYNC_HOME"])


def config_file() -> Path:
    return orsync_home() / "config.yaml"


def assert_no_secret_in_files(sandbox: RunningSandbox, *extra: str) -> None:
    """No sandbox secret (nor ``extra`` values) in any file under ORSYNC_HOME."""
    home = orsync_home()
    if not home.exists():
        return
    needles = [s.encode() for s in (*sandbox_secrets(sandbox), *extra) if s]
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, f"a secret leaked into {path}"


def closed_port_url(path: str = "") -> str:
    """A loopback URL on which nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def write_mapping(directory: Path, *, gl_account: str = "4000", location: str = "NYC") -> Path:
    """A small valid mapping file whose targets are ``gl_account`` and ``location``."""
    path = directory / "mapping.yaml"
    path.write_text(
        "revenue_accounts:\n"
        "  values:\n"
        f"    Membership: {{gl_account: '{gl_account}'}}\n"
        "locations:\n"
        "  values:\n"
        f"    New York: {{location: {location}}}\n",
        encoding="utf-8",
    )
    return path
