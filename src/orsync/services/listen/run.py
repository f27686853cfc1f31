"""`orsync listen`: the receiver served on one address, one worker per profile, until stopped.

:class:`Listener` is the whole thing for one or more profiles; ``start`` checks everything it
can before serving (each profile's webhook secret, clients, state file), ``stop`` drains
gracefully: the server stops accepting and answers what it holds, then each worker finishes
(or leaves for the next start) its current batch. Nothing acknowledged is lost on a hard kill
either: the 200 follows the inbox commit, and a restart drains what is left.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orsync import secrets
from orsync.config import Profile
from orsync.env import state_dir as default_state_dir
from orsync.errors import CredentialError
from orsync.secrets import Secret
from orsync.services.common import Connections, open_connections
from orsync.services.listen.health import Health, ProfileHealth
from orsync.services.listen.receiver import MAX_BODY_BYTES, Endpoint, Receiver
from orsync.services.listen.register import Registration, register_webhook
from orsync.services.listen.server import Served, serve
from orsync.services.listen.worker import IntacctPoll, Worker, WorkerSettings
from orsync.services.sync import officernd_features
from orsync.state import StateStore, database_path, utc_now

log = logging.getLogger("orsync.listen")

STOP_TIMEOUT_SECONDS = 600.0  # the longest a batch under way may take to finish on SIGTERM


@dataclass(frozen=True)
class ListenOptions:
    host: str = "127.0.0.1"
    port: int = 8787
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    max_body: int = MAX_BODY_BYTES
    state_dir: Path | None = None  # default: orsync's state folder


def webhook_secret(profile_name: str) -> str:
    """The profile's signing secret; CredentialError (78) says how to get one."""
    env_var = Secret.OFFICERND_WEBHOOK_SECRET.env_var
    if secrets.keyring_available():
        hint = (
            f"Run `orsync --profile {profile_name} listen --register --public-url URL`, "
            f"or set {env_var}."
        )
    else:  # `--register` could not keep the secret here: name the route that works
        hint = (
            "This machine has no keyring to keep a registered webhook's secret: "
            "create the webhook in OfficeRnD (Developer Tools) with the URL "
            "https://<your host>/webhooks/officernd and the invoice.*, company.* and member.* "
            f"events, and set {env_var} to its secret."
        )
    if not secrets.status(profile_name, Secret.OFFICERND_WEBHOOK_SECRET).is_set:
        raise CredentialError(
            f"profile {profile_name!r} has no OfficeRnD webhook secret", hint=hint
        )
    secret = secrets.resolve(profile_name, Secret.OFFICERND_WEBHOOK_SECRET)
    if not secret.strip():  # `VAR= ` in an env file: anyone could sign with it
        raise CredentialError(
            f"profile {profile_name!r} has a blank OfficeRnD webhook secret", hint=hint
        )
    return secret


class Listener:
    """Receiver, server and workers of ``profiles`` (name -> settings)."""

    def __init__(
        self,
        profiles: dict[str, Profile],
        options: ListenOptions,
        *,
        connections: dict[str, Connections] | None = None,
        poll: IntacctPoll | None = None,
    ) -> None:
        self._profiles = profiles
        self.options = options
        self._given_connections = connections or {}
        self._poll = poll
        self.health = Health()
        self.workers: dict[str, Worker] = {}
        self.served: Served | None = None
        self._stack = ExitStack()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        assert self.served is not None, "start() first"
        return self.served.port

    @property
    def url(self) -> str:
        assert self.served is not None, "start() first"
        return self.served.base_url

    def start(self, *, workers: bool = True) -> Listener:
        """Serve and start the workers (``workers=False``: receive only, for tests)."""
        try:
            endpoints = [self._prepare(name, profile) for name, profile in self._profiles.items()]
            receiver = Receiver(endpoints, self.health, max_body=self.options.max_body)
            self.served = serve(
                receiver, self.options.host, self.options.port, max_body=self.options.max_body
            )
        except BaseException:
            self._stack.close()
            raise
        self.health.listening = True
        self.health.started_at = utc_now()
        if workers:
            for worker in self.workers.values():
                thread = threading.Thread(
                    target=worker.run,
                    args=(self._stop,),
                    name=f"orsync-listen-{worker.profile_name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        log.info("listening on %s for %s", self.served.base_url, ", ".join(self._profiles))
        return self

    def _prepare(self, name: str, profile: Profile) -> Endpoint:
        secret = webhook_secret(name)
        state_dir = self.options.state_dir or default_state_dir()
        store = self._stack.enter_context(
            StateStore.open(database_path(state_dir, name), profile=name)
        )
        features = officernd_features(profile)
        connections = self._given_connections.get(name)
        if connections is None:
            connections = self._stack.enter_context(open_connections(name, profile))
        self.health.profiles[name] = ProfileHealth(name, store.inbox.backlog)
        worker = Worker(
            name,
            profile,
            connections,
            store.inbox,
            self.health,
            self.options.worker,
            state_dir=self.options.state_dir,
            poll=self._poll,
            payments="payments" in features,
        )
        self.workers[name] = worker
        return Endpoint(name, secret, store.inbox, worker.wake)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop accepting, answer the deliveries under way, let each worker finish its batch."""
        self.health.listening = False
        if self.served is not None:
            self.served.stop()
        self._stop.set()
        for worker in self.workers.values():
            worker.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._stack.close()

    def wait(self, stop: threading.Event) -> None:
        """Block until ``stop`` (set by the SIGTERM/SIGINT handler), then :meth:`stop`."""
        try:
            while not stop.wait(1.0):
                pass
        finally:
            self.stop()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def listen_until_stopped(
    profiles: dict[str, Profile],
    options: ListenOptions,
    stop: threading.Event,
    *,
    register_url: str | None = None,
    on_registered: Callable[[Registration], None] = lambda _r: None,
    on_ready: Callable[[Listener], None] = lambda _l: None,
) -> None:
    """`orsync listen`: register first when asked, serve until ``stop``, then drain."""
    if register_url is not None:
        for name, profile in profiles.items():
            on_registered(register_webhook(name, profile, register_url))
    listener = Listener(profiles, options).start()
    on_ready(listener)
    listener.wait(stop)
