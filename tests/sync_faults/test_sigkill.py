"""The process killed (SIGKILL) in the middle of a run, then started again, converges to the
same documents with no duplicate: the lock is not left stale, and writes whose outcome the
dead process never learned are looked up in Intacct before anything is resent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orsync.env import EnvVars
from orsync.sandbox.launch import RunningSandbox
from orsync.state import StateStore, Status, database_path
from tests.sync_faults.harness import (
    Reference,
    faulty_sandbox,
    intacct_truth,
    secret_environment,
)
from tests.sync_faults.test_faults_converge import assert_converged

pytestmark = pytest.mark.loopback

KILLS = 3
KILL_SEED = 20261126
WRITE_FUNCTIONS = ("create_invoice", "create_aradjustment", "create", "create_sotransaction")
# Slow enough that a run is mid-flight for a while, fast enough for the suite's budget.
INTACCT_LATENCY_MS = 40.0
INTACCT_FUNCTION_MS = 4.0


def _subprocess_env(sandbox: RunningSandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORSYNC_")}
    env.update(secret_environment(sandbox))
    env[EnvVars.HOME] = os.environ[EnvVars.HOME]
    env["NO_COLOR"] = "1"
    # The child must never reach a real keyring: the secrets are in its environment.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def _writes(sandbox: RunningSandbox) -> int:
    by_function = sandbox.intacct.stats.by_function
    return sum(by_function[name] for name in WRITE_FUNCTIONS)


def _start(sandbox: RunningSandbox) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "orsync", "--profile", "demo", "sync"],
        env=_subprocess_env(sandbox),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_after_writes(sandbox: RunningSandbox, writes: int) -> bool:
    """Start a run, SIGKILL it once Intacct has seen ``writes`` more write functions; False
    when the run ended on its own first."""
    start = _writes(sandbox)
    process = _start(sandbox)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        if _writes(sandbox) - start >= writes:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.communicate(timeout=30)
    return False


def _kill_when(sandbox: RunningSandbox, happened: Callable[[], bool]) -> bool:
    """Start a run and SIGKILL it as soon as ``happened()``; False when it ended first."""
    process = _start(sandbox)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        if happened():
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    process.wait()
    return process.returncode == -signal.SIGKILL


def _ledger_statuses(home: Path, kind: str | None = None) -> dict[Status, int]:
    path = database_path(Path(home) / "state", "demo")
    if not path.exists():
        return {}
    totals: dict[Status, int] = {}
    with StateStore.open(path, profile="demo") as store:
        for row_kind, by_status in store.ledger.counts().items():
            if kind is not None and row_kind != kind:
                continue
            for status, count in by_status.items():
                totals[status] = totals.get(status, 0) + count
    return totals


@pytest.fixture
def slow_sandbox() -> Iterator[RunningSandbox]:
    with faulty_sandbox(
        {},
        fault_seed=0,
        intacct_latency_ms=INTACCT_LATENCY_MS,
        intacct_function_ms=INTACCT_FUNCTION_MS,
    ) as sandbox:
        yield sandbox


def test_a_run_killed_at_random_points_and_restarted_posts_everything_once(
    slow_sandbox: RunningSandbox,
    reference: Reference,
) -> None:
    # Documents first, then payments: once the documents are in, a run's first writes are
    # payments, so the later kills land in the payments stage.
    expected_writes = len(reference.truth.documents) + len(reference.truth.payments)
    rng = random.Random(KILL_SEED)
    killed = 0
    for _ in range(KILLS):
        point = rng.randint(1, max(1, expected_writes // 2))
        if _kill_after_writes(slow_sandbox, point):
            killed += 1
            assert intacct_truth(slow_sandbox).duplicates() == {}
    assert killed >= 1, "no run was still writing when the kill came: the test proved nothing"
    # A clean run after the kills: the lock is free (no 75), nothing is left in doubt.
    final = _start(slow_sandbox)
    _, stderr = final.communicate(timeout=60)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    assert_converged(intacct_truth(slow_sandbox), reference)
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == 0
    assert statuses.get(Status.UNCONFIRMED, 0) == 0


def test_a_run_killed_while_posting_payments_and_restarted_posts_each_payment_once(
    slow_sandbox: RunningSandbox,
    reference: Reference,
) -> None:
    payments = len(reference.truth.payments)
    assert payments > 4
    # The documents first, whole: the next run's writes are all payments.
    documents_only = subprocess.run(
        [sys.executable, "-m", "orsync", "--profile", "demo", "sync", "--only",
         "customers,invoices,credit-notes"],
        env=_subprocess_env(slow_sandbox), capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert documents_only.returncode in (0, 1), documents_only.stderr.decode(errors="replace")
    assert intacct_truth(slow_sandbox).payments == {}
    rng = random.Random(KILL_SEED + 1)
    killed = 0
    for _ in range(KILLS):
        if _kill_after_writes(slow_sandbox, rng.randint(1, max(1, payments // 3))):
            killed += 1
            assert intacct_truth(slow_sandbox).duplicates() == {}
    assert killed >= 1, "no run was still posting payments when the kill came"
    final = _start(slow_sandbox)
    _, stderr = final.communicate(timeout=60)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    assert_converged(intacct_truth(slow_sandbox), reference)
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0


def test_a_run_killed_while_applying_credit_and_restarted_applies_each_allocation_once(
    slow_sandbox: RunningSandbox,
    reference: Reference,
) -> None:
    assert reference.truth.applications
    documents_only = subprocess.run(
        [sys.executable, "-m", "orsync", "--profile", "demo", "sync", "--only",
         "customers,invoices,credit-notes"],
        env=_subprocess_env(slow_sandbox), capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert documents_only.returncode in (0, 1), documents_only.stderr.decode(errors="replace")
    stats = slow_sandbox.intacct.stats.by_function
    # Killed as soon as Intacct has run an application: before orsync hears the answer.
    killed = _kill_when(slow_sandbox, lambda: stats["apply_arpayment"] >= 1)
    assert killed, "the run ended before it applied any credit"
    assert _ledger_statuses(Path(os.environ[EnvVars.HOME])).get(Status.SENDING) == 1
    assert intacct_truth(slow_sandbox).duplicates() == {}
    final = _start(slow_sandbox)
    _, stderr = final.communicate(timeout=60)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    assert_converged(intacct_truth(slow_sandbox), reference)
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0
    # The application in doubt was found by its memo and confirmed, not refused as too much.
    allocations = _ledger_statuses(Path(os.environ[EnvVars.HOME]), kind="allocation")
    assert allocations.get(Status.CONFIRMED) == len(reference.truth.applications)


def test_a_run_killed_while_posting_an_overpayment_and_restarted_posts_it_once(
    slow_sandbox: RunningSandbox,
    reference: Reference,
) -> None:
    assert reference.truth.advances
    store = slow_sandbox.intacct.store
    documents_only = subprocess.run(
        [sys.executable, "-m", "orsync", "--profile", "demo", "sync", "--only",
         "customers,invoices,credit-notes"],
        env=_subprocess_env(slow_sandbox), capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert documents_only.returncode in (0, 1), documents_only.stderr.decode(errors="replace")

    killed = _kill_when(slow_sandbox, lambda: any(p.record_type == "rr" for p in store.payments()))

    assert killed, "the run ended before it posted any overpayment"
    assert intacct_truth(slow_sandbox).duplicates() == {}
    final = _start(slow_sandbox)
    _, stderr = final.communicate(timeout=60)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    assert_converged(intacct_truth(slow_sandbox), reference)
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0
    overpayments = _ledger_statuses(Path(os.environ[EnvVars.HOME]), kind="overpayment")
    assert overpayments.get(Status.CONFIRMED) == len(reference.truth.advances)
