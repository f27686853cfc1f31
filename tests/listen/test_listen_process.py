"""`orsync listen` as the process an operator runs: SIGTERM drains and exits 0; SIGKILL right
after a 200 loses nothing (the event is processed after the restart); cron's `orsync sync` and
listen take turns on the profile lock, neither failing because the other runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from orsync.env import EnvVars, state_dir
from orsync.state import LISTEN_COMMAND, ProfileLock, Status, database_path, lock_path_for
from tests.conftest import CliRunner
from tests.listen.conftest import Live, wait_for

pytestmark = pytest.mark.loopback


def _environment(live: Live) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORSYNC_")}
    details = live.sandbox.details()
    env.update(
        {
            EnvVars.HOME: os.environ[EnvVars.HOME],
            EnvVars.INTACCT_SENDER_PASSWORD: details["intacct"]["sender_password"],
            EnvVars.INTACCT_USER_PASSWORD: details["intacct"]["user_password"],
            EnvVars.OFFICERND_CLIENT_SECRET: details["officernd"]["client_secret"],
            EnvVars.OFFICERND_WEBHOOK_SECRET: live.secret(),
            "NO_COLOR": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
    )
    return env


@contextmanager
def listen_process(live: Live) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "orsync", "--profile", live.name, "-v", "listen"),
            *("--port", str(live.port), "--catch-up-interval", "3600"),
        ],
        env=_environment(live),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: _healthy(live) or process.poll() is not None, "listen to serve")
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
        if process.stderr:
            process.stderr.close()


def _healthy(live: Live) -> bool:
    try:
        return httpx.get(live.url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _caught_up(live: Live) -> bool:
    try:
        health = httpx.get(live.url + "/healthz", timeout=1).json()
    except httpx.HTTPError:
        return False
    return bool(health["profiles"][0]["last_catch_up_at"])


def _profile_lock(live: Live) -> ProfileLock:
    return ProfileLock(lock_path_for(database_path(state_dir(), live.name)), profile=live.name)


def _delivered(live: Live, event_id: str) -> bool:
    return any(
        d.event_id == event_id and d.delivered for d in live.sandbox.officernd.webhook_deliveries
    )


def _posted_once(live: Live, number: str) -> bool:
    numbers = Counter(
        doc.doc_number
        for doc in live.sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    )
    return numbers[number] == 1


def test_sigterm_finishes_the_work_and_exits_0(live: Live) -> None:
    with listen_process(live) as process:
        new = live.activity.new_invoice()
        wait_for(lambda: live.posted(new), "the invoice through the listen process")
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert process.stderr is not None
        assert b"orsync listen: stopped" in process.stderr.read()
    assert _posted_once(live, str(new["number"]))


MID_BATCH = 120  # invoices: three requests of 50 functions, the first held by the test


def test_sigterm_in_the_middle_of_a_batch_stops_accepting_finishes_it_and_loses_nothing(
    live: Live,
) -> None:
    from orsync.sandbox.faults import Latency
    from orsync.state import StateStore

    intacct = live.sandbox.intacct
    creates_before = intacct.stats.by_function["create_invoice"]
    held, release = threading.Event(), threading.Event()
    sleep = intacct.config.sleep

    def hold_the_first_create(seconds: float) -> None:
        """Intacct's per-function time: the batch's first create_invoice waits for the test."""
        if intacct.stats.by_function["create_invoice"] > creates_before and not held.is_set():
            held.set()
            release.wait(60)
        sleep(seconds)

    intacct.config.sleep = hold_the_first_create
    intacct.config.latency = Latency(per_unit_ms=0.001)
    try:
        with listen_process(live) as process:
            wait_for(lambda: _caught_up(live), "the start-up catch-up")
            template = live.activity.template()
            burst = [live.activity.new_invoice(template) for _ in range(MID_BATCH)]
            wait_for(held.is_set, "a batch writing to Intacct")
            # Serving means listen's own handlers hold SIGTERM (installed before the server).
            process.send_signal(signal.SIGTERM)
            wait_for(lambda: not _answers(live.url), "listen to stop accepting")
            assert process.poll() is None, "the batch under way is not cut"
            release.set()
            assert process.wait(60) == 0
            assert process.stderr is not None
            assert b"orsync listen: stopped" in process.stderr.read()
    finally:
        release.set()
        intacct.config.sleep = sleep
    with StateStore.open(database_path(state_dir(), live.name), profile=live.name) as store:
        runs = [run for run in store.runs.last(50) if run.command == "listen"]
        unresolved = list(store.ledger.iter_unresolved((Status.SENDING, Status.UNCONFIRMED)))
    batches = [run for run in runs if "documents" in run.options]
    # Finished, not cut (130): 1 is the seeded world's gaps, failed in the ledger since cron.
    assert batches and all(run.exit_code in (0, 1) for run in batches)
    assert not any(run.is_open for run in runs)
    assert unresolved == [], "nothing left in doubt"
    written = intacct.stats.by_function["create_invoice"] - creates_before
    assert 50 <= written <= MID_BATCH
    assert sum(live.posted(doc) for doc in burst) == written
    assert sum(run.counts.get("invoices.created", 0) for run in batches) == written

    with live.listener().start():  # the rest: from the inbox, redeliveries or the catch-up
        wait_for(lambda: all(live.posted(doc) for doc in burst), "the whole burst")
    assert all(_posted_once(live, str(doc["number"])) for doc in burst)
    assert intacct.stats.by_function["create_invoice"] - creates_before == MID_BATCH


def test_sigkill_after_the_200_loses_nothing_the_restart_processes_it(live: Live) -> None:
    lock = _profile_lock(live)
    # Cron is busy: the listener can only record the event.
    with lock.acquire("orsync sync"), listen_process(live) as process:
        new = live.activity.new_invoice()
        event_id = live.sandbox.officernd.webhook_events[-1]["event"]
        wait_for(lambda: _delivered(live, event_id), "the 200 for the event")
        process.kill()
        process.wait(30)
    assert not live.posted(new), "nothing was written before the kill"
    with live.listener().start():
        wait_for(lambda: live.posted(new), "the event processed after the restart")
    assert _posted_once(live, str(new["number"]))


def test_cron_waits_for_a_listen_batch_instead_of_exiting_75(
    live: Live, run_cli: CliRunner
) -> None:
    lock = _profile_lock(live)
    lock.acquire(LISTEN_COMMAND)  # a listen batch under way
    release = threading.Timer(0.5, lock.release)
    release.start()
    try:
        new = live.activity.new_invoice()
        result = run_cli("sync")
    finally:
        release.join()
    assert result.exit_code != 75, result.stderr
    assert "invoices: 1 created" in result.stdout  # (the seeded world's gaps exit 1)
    assert _posted_once(live, str(new["number"]))


def test_listen_waits_for_cron_and_posts_after_it(live: Live) -> None:
    lock = _profile_lock(live)
    with live.listener(lock_retry=0.1).start() as listener:
        wait_for(lambda: listener.health.to_dict()["profiles"][0]["last_catch_up_at"], "start")
        with lock.acquire("orsync sync"):
            new = live.activity.new_invoice()
            wait_for(
                lambda: listener.health.to_dict()["profiles"][0]["waiting_for"],
                "the worker to wait for cron",
            )
            health = listener.health.to_dict()
            assert health["ok"] is True, "waiting for cron is no failure"
            assert "orsync sync" in health["profiles"][0]["waiting_for"]
        wait_for(lambda: live.posted(new), "the invoice once cron let go")
    assert _posted_once(live, str(new["number"]))


def test_the_command_registers_listens_and_stops_on_sigterm_with_exit_0(
    sandbox_profile: str, run_cli: CliRunner
) -> None:
    from orsync.secrets import Secret, status
    from tests.listen.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def stop_when_serving() -> None:
        wait_for(lambda: _answers(url), "listen to serve")
        os.kill(os.getpid(), signal.SIGTERM)  # the command's handler turns it into a drain

    stopper = threading.Thread(target=stop_when_serving, daemon=True)
    stopper.start()
    result = run_cli(
        "listen",
        "--port",
        str(port),
        "--register",
        "--public-url",
        url,
        "--catch-up-interval",
        "3600",
    )
    stopper.join(5)
    assert result.exit_code == 0, result.stderr
    assert f"profile demo: webhook registered for {url}/webhooks/officernd" in result.stderr
    assert "orsync listen: stopped" in result.stderr
    assert status("demo", Secret.OFFICERND_WEBHOOK_SECRET).source == "keyring"


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code in (200, 503)
    except httpx.HTTPError:
        return False
