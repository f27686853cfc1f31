"""The process killed (SIGKILL) while it writes Intacct's keys and numbers back into OfficeRnD's
documents (Intacct numbering), then started again: every posted document shows its Intacct key
and (outside OfficeRnD's billing lock) its Intacct number, and a further run writes nothing to
either system again."""

from __future__ import annotations

import datetime as dt
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
    sent_as = {doc["_id"]: doc["number"] for doc in issued(sandbox)}
    rng = random.Random(KILL_SEED)
    killed = sum(_kill_after(sandbox, PATCH, rng.randint(1, 8)) for _ in range(KILLS))
    assert killed >= 1, "no run was still writing back when the kill came"
    final = _start(sandbox)
    _, stderr = final.communicate(timeout=180)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0

    posted = {
        d.doc_number: d
        for d in sandbox.intacct.store.invoices()
        if d.description.startswith("orsync:")
    }
    assert posted
    lock = sandbox.officernd.billing_lock_date
    renamed = 0
    for doc in issued(sandbox):
        original = sent_as[doc["_id"]]
        if original not in posted:
            continue
        block = doc.get("accounting") or {}
        assert block.get("providerId") == str(posted[original].recordno), original
        unlocked = lock is None or dt.date.fromisoformat(doc["date"][:10]) > lock
        assert doc["number"] == (posted[original].record_id if unlocked else original)
        renamed += unlocked
    assert renamed
    ours = [d for d in sandbox.intacct.store.invoices() if d.description.startswith("orsync:")]
    assert len(ours) == len(posted)  # no document posted twice

    patches = sandbox.officernd.request_counts[PATCH]
    intacct = {d.recordno: d.when_modified for d in sandbox.intacct.store.invoices()}
    again = _start(sandbox)
    again.communicate(timeout=120)
    assert sandbox.officernd.request_counts[PATCH] == patches  # a done write-back is never repeated
    assert {d.recordno: d.when_modified for d in sandbox.intacct.store.invoices()} == intacct
