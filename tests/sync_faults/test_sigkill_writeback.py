"""The process killed (SIGKILL) while it writes Intacct's keys back into OfficeRnD's documents
(Intacct numbering), then started again: every posted document shows its Intacct key, and a
further run writes nothing back again."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from orsync.env import EnvVars
from orsync.sandbox.launch import RunningSandbox
from orsync.state import Status
from tests.sync.worlds import issued
from tests.sync_faults.harness import faulty_sandbox
from tests.sync_faults.test_sigkill import _ledger_statuses, _start
from tests.sync_faults.test_sigkill_receipts import _kill_after

pytestmark = pytest.mark.loopback

KILLS = 3
KILL_SEED = 20261209
PATCH = "PATCH /payments/{id}"


@pytest.fixture
def intacct_numbering() -> Iterator[RunningSandbox]:
    from orsync.config import load_config, save_config
    from orsync.env import default_config_path

    with faulty_sandbox({}, fault_seed=0, officernd_latency_ms=30.0) as sandbox:
        config = load_config(default_config_path())
        profile = config.profiles["demo"]
        sync = profile.sync.model_copy(update={"numbering": "intacct"})
        save_config(
            default_config_path(),
            config.with_profile("demo", profile.model_copy(update={"sync": sync})),
        )
        yield sandbox


def test_runs_killed_while_writing_intacct_keys_back_converge_and_never_repeat(
    intacct_numbering: RunningSandbox,
) -> None:
    sandbox = intacct_numbering
    rng = random.Random(KILL_SEED)
    killed = sum(_kill_after(sandbox, PATCH, rng.randint(1, 8)) for _ in range(KILLS))
    assert killed >= 1, "no run was still writing back when the kill came"
    final = _start(sandbox)
    _, stderr = final.communicate(timeout=180)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0

    keys = {
        d.doc_number: str(d.recordno)
        for d in sandbox.intacct.store.invoices()
        if d.description.startswith("orsync:")
    }
    assert keys
    for doc in issued(sandbox):
        if doc["number"] in keys:
            block = sandbox.officernd.record("payments", doc["_id"]).get("accounting") or {}
            assert block.get("providerId") == keys[doc["number"]], doc["number"]

    patches = sandbox.officernd.request_counts[PATCH]
    again = _start(sandbox)
    again.communicate(timeout=120)
    assert sandbox.officernd.request_counts[PATCH] == patches  # a done write-back is never repeated
