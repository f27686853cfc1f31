"""The process killed (SIGKILL) while it records Intacct's payments as OfficeRnD charges, or
removes the charges of payments Intacct reversed, then started again: each charge exactly once,
each removal done, nothing left in doubt."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orsync.env import EnvVars
from orsync.sandbox.launch import RunningSandbox
from orsync.state import Status
from tests.sync.test_payments import key_in_intacct, posted_invoices
from tests.sync.test_receipts_back import reverse_in_intacct
from tests.sync.worlds import issued
from tests.sync_faults.harness import faulty_sandbox
from tests.sync_faults.test_sigkill import _ledger_statuses, _start

pytestmark = pytest.mark.loopback

KILLS = 3
KILL_SEED = 20261208
INVOICES = 2  # the fault world's open invoices
CHEQUES = 6  # on each: partial payments, twelve charges in all


@pytest.fixture
def slow_officernd() -> Iterator[RunningSandbox]:
    with faulty_sandbox({}, fault_seed=0, officernd_latency_ms=30.0) as sandbox:
        yield sandbox


def key_wire(sandbox: RunningSandbox, number: str, amount: Decimal) -> int:
    """A wire keyed in Intacct (EFT: the drafted mapping sends OfficeRnD's Bank Transfer
    there, so it comes back as one)."""
    recordno = key_in_intacct(sandbox, number, amount)
    store = sandbox.intacct.store
    with store.lock:
        payment = store.payment_table.get(recordno)
        assert payment is not None
        store.put(store.payment_table, dataclasses.replace(payment, payment_method="EFT"), None)
    return recordno


def _kill_after(sandbox: RunningSandbox, request: str, count: int) -> bool:
    """Start a run, SIGKILL it once OfficeRnD has answered ``count`` more ``request``s."""
    seen = sandbox.officernd.request_counts
    start = seen[request]
    process = _start(sandbox)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if seen[request] - start >= count:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.communicate(timeout=60)
    return False


def _clean_run(sandbox: RunningSandbox) -> None:
    final = _start(sandbox)
    _, stderr = final.communicate(timeout=120)
    assert final.returncode in (0, 1), stderr.decode(errors="replace")
    statuses = _ledger_statuses(Path(os.environ[EnvVars.HOME]))
    assert statuses.get(Status.SENDING, 0) == statuses.get(Status.UNCONFIRMED, 0) == 0


def _from_intacct(sandbox: RunningSandbox, invoice_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in sandbox.officernd.records("charges", payment=invoice_id)
        if str(c.get("reference") or "").startswith("intacct:")
    ]


def test_runs_killed_while_recording_and_removing_intacct_payments_converge(
    slow_officernd: RunningSandbox,
) -> None:
    sandbox = slow_officernd
    _clean_run(sandbox)  # everything posted; the Intacct payments cursor starts
    posted = posted_invoices(sandbox)
    invoices = [
        d
        for d in issued(sandbox)
        if d["number"] in posted
        and posted[d["number"]].total_due >= CHEQUES
        and Decimal(str(d.get("payableAmount") or 0)) >= CHEQUES
    ][:INVOICES]
    assert len(invoices) == INVOICES
    cheques = {  # wires, keyed by hand: partial payments
        d["_id"]: sorted(key_wire(sandbox, d["number"], Decimal("1.00")) for _ in range(CHEQUES))
        for d in invoices
    }
    every = [no for keys in cheques.values() for no in keys]
    rng = random.Random(KILL_SEED)

    killed = sum(
        _kill_after(sandbox, "POST /charges", rng.randint(1, len(every) // 3)) for _ in range(KILLS)
    )
    assert killed >= 1, "no run was still recording charges when the kill came"
    _clean_run(sandbox)
    for d in invoices:
        assert _references(sandbox, d["_id"]) == [f"intacct:{no}" for no in cheques[d["_id"]]]

    reversed_ = {no for keys in cheques.values() for no in keys[: CHEQUES // 2]}
    for no in sorted(reversed_):
        reverse_in_intacct(sandbox, no)
    killed = sum(
        _kill_after(sandbox, "DELETE /charges/{id}", rng.randint(1, len(reversed_) // 3))
        for _ in range(KILLS)
    )
    assert killed >= 1, "no run was still removing charges when the kill came"
    _clean_run(sandbox)
    for d in invoices:
        kept = [no for no in cheques[d["_id"]] if no not in reversed_]
        assert _references(sandbox, d["_id"]) == [f"intacct:{no}" for no in kept]


def _references(sandbox: RunningSandbox, invoice_id: str) -> list[str]:
    """The Intacct payments recorded on the invoice, in RECORDNO order, duplicates kept."""
    return sorted(
        (str(c["reference"]) for c in _from_intacct(sandbox, invoice_id)),
        key=lambda r: int(r.removeprefix("intacct:")),
    )
