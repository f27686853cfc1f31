"""Fixtures for `orsync listen` scenarios: the mapped sandbox profile, synced once by cron, its
webhook registered through the OfficeRnD simulator, and a listener served on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.sync.worlds import write_mapping

if TYPE_CHECKING:
    from orsync.config import Profile
    from orsync.sandbox.activity import Activity
    from orsync.sandbox.launch import RunningSandbox
    from orsync.services.listen import Listener

WAIT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Live:
    """A registered, synced profile and the means to run listeners for it."""

    sandbox: RunningSandbox
    name: str
    profile: Profile
    port: int
    activity: Activity

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def listener(self, **worker: Any) -> Listener:
        from orsync.services.listen import Listener, ListenOptions, WorkerSettings

        settings = WorkerSettings(catch_up_interval=3600, poll_interval=3600, **worker)
        return Listener({self.name: self.profile}, ListenOptions(port=self.port, worker=settings))

    def secret(self) -> str:
        from orsync.services.listen import webhook_secret

        return webhook_secret(self.name)

    def in_intacct(self, number: str) -> Any:
        return self.sandbox.intacct.store.invoice_by_number(number)

    def posted(self, doc: dict[str, Any]) -> bool:
        return self.in_intacct(str(doc["number"])) is not None


@pytest.fixture
def live(
    sandbox: RunningSandbox, sandbox_profile: str, run_cli: Any, tmp_path: Path
) -> Iterator[Live]:
    yield from _live(sandbox, sandbox_profile, run_cli, tmp_path)


@pytest.fixture
def live_payments(
    sandbox: RunningSandbox, sandbox_profile: str, run_cli: Any, tmp_path: Path
) -> Iterator[Live]:
    """As ``live``, with payments flowing (the mapping has payment methods)."""
    yield from _live(sandbox, sandbox_profile, run_cli, tmp_path, payments=True)


def _live(
    sandbox: RunningSandbox, name: str, run_cli: Any, tmp_path: Path, **mapping_options: Any
) -> Iterator[Live]:
    from orsync.config import load_config, save_config
    from orsync.env import default_config_path
    from orsync.sandbox.activity import Activity
    from orsync.services.listen import register_webhook

    mapping = write_mapping(sandbox, tmp_path / "mapping.yaml", **mapping_options)
    config = load_config(default_config_path())
    profile = config.profiles[name]
    sync = profile.sync.model_copy(update={"mapping": str(mapping)})
    profile = profile.model_copy(update={"sync": sync})
    save_config(default_config_path(), config.with_profile(name, profile))
    assert run_cli("sync").exit_code in (0, 1)  # cron's first run: the world is in Intacct
    port = free_port()
    register_webhook(name, profile, f"http://127.0.0.1:{port}")
    store = sandbox.intacct.store
    activity = Activity(
        sandbox.officernd,
        sandbox.intacct,
        seed=7,
        usable=lambda doc: store.invoice_by_number(str(doc["number"])) is not None,
    )
    stop_delivery = sandbox.officernd.start_delivery_thread(interval_seconds=0.1)
    try:
        yield Live(sandbox, name, profile, port, activity)
    finally:
        stop_delivery()
