"""Shared by the exactly-once tests: a small faulty world, its profile, and what Intacct holds.

"What Intacct holds" is read from the simulator's store, never from orsync's own ledger or
output: the point is to check orsync against the truth it cannot fake.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orsync.env import EnvVars
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from orsync.services.demo import (
    DEMO_PROFILE,
    posted_documents,
    prepare_profile,
    sandbox_environment,
    scoped_environment,
)

INVOICES = 24
COMPANIES = 6
WORLD_SEED = 11

# Exit codes a sync may end with while faults fire: done, records failed, try again later.
# 70 (a bug) is never acceptable.
EXPECTED_EXITS = {0, 1, 75}


def sandbox_options(**overrides: object) -> SandboxOptions:
    values: dict[str, object] = {
        "seed": WORLD_SEED,
        "invoices": INVOICES,
        "companies": COMPANIES,
        "officernd_rate_limit": None,
        "intacct_concurrency_wait_s": 2.0,
    }
    values.update(overrides)
    return SandboxOptions(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Reference:
    """A clean sync of the same world: what Intacct holds, what OfficeRnD says should be
    there, and the documents the run held on purpose (the seeded name-only customer match)."""

    truth: IntacctTruth
    officernd: Mapping[tuple[str, str], Decimal]
    held: frozenset[str]


@dataclass(frozen=True)
class IntacctTruth:
    """Live orsync documents by OfficeRnD number (how many, their totals) and customer ids."""

    documents: Mapping[tuple[str, str], int]
    totals: Mapping[tuple[str, str], Decimal]
    customers: frozenset[str]
    # orsync's live AR payments by reference (the OfficeRnD charge id): how many, how much.
    payments: Mapping[str, int] = field(default_factory=dict)
    paid: Mapping[str, Decimal] = field(default_factory=dict)
    # orsync's credit applications (apply_arpayment) by memo (the OfficeRnD allocation id):
    # how many, how much.
    applications: Mapping[str, int] = field(default_factory=dict)
    applied: Mapping[str, Decimal] = field(default_factory=dict)
    # Of ``payments``: the advances (overpayments), by reference (the overpayment id).
    advances: frozenset[str] = frozenset()

    def duplicates(self) -> dict[tuple[str, str], int]:
        found = {key: count for key, count in self.documents.items() if count > 1}
        found.update({("payment", ref): n for ref, n in self.payments.items() if n > 1})
        found.update({("allocation", m): n for m, n in self.applications.items() if n > 1})
        return found


def intacct_truth(sandbox: RunningSandbox) -> IntacctTruth:
    counts: Counter[tuple[str, str]] = Counter()
    totals: dict[tuple[str, str], Decimal] = {}
    for doc in posted_documents(sandbox.intacct):
        if doc.live:
            key = (doc.kind, doc.number)
            counts[key] += 1
            totals[key] = doc.total
    with sandbox.intacct.store.lock:
        customers = frozenset(c.customer_id for c in sandbox.intacct.store.customer_table)
    payments: Counter[str] = Counter()
    paid: dict[str, Decimal] = {}
    applications: Counter[str] = Counter()
    applied: dict[str, Decimal] = {}
    advances: set[str] = set()
    for payment in sandbox.intacct.store.payments():
        if not (payment.description or "").startswith("orsync:") or payment.reversed:
            continue
        if payment.record_type == "ra":
            applications[payment.description] += 1
            applied[payment.description] = payment.amount
        else:
            payments[payment.doc_number] += 1
            paid[payment.doc_number] = payment.amount
            if payment.record_type == "rr":
                advances.add(payment.doc_number)
    return IntacctTruth(
        dict(counts),
        totals,
        customers,
        dict(payments),
        paid,
        dict(applications),
        applied,
        frozenset(advances),
    )


def officernd_totals(sandbox: RunningSandbox) -> dict[tuple[str, str], Decimal]:
    """Every issued (not draft, not voided) invoice and credit note: (kind, number) -> the
    total Intacct should hold (AR credit memos are negative: the engine's sign convention)."""
    kinds = {"invoice": "invoice", "creditNote": "credit_note"}
    found = {}
    for record in sandbox.officernd.records("payments"):
        kind = kinds.get(str(record.get("documentType")))
        if kind is None or record.get("status") in {"draft", "voided"}:
            continue
        sign = -1 if kind == "credit_note" else 1
        found[(kind, str(record["number"]))] = sign * Decimal(str(record["total"]))
    return found


def count_fired_faults(sandbox: RunningSandbox) -> Counter[str]:
    """A counter of every fault that fires from now on, by ``service.name``."""
    fired: Counter[str] = Counter()
    for service, plan in (
        ("intacct", sandbox.intacct.config.faults),
        ("officernd", sandbox.officernd.config.faults),
    ):
        draw = plan.fires

        def counting(name: str, draw: Callable[[str], bool] = draw, service: str = service) -> bool:
            hit = draw(name)
            if hit:
                fired[f"{service}.{name}"] += 1
            return hit

        plan.fires = counting  # type: ignore[method-assign]
    return fired


def set_faults(sandbox: RunningSandbox, rates: Mapping[str, float]) -> None:
    """Set every named fault (``intacct.NAME`` / ``officernd.NAME``) to its rate."""
    for name, rate in rates.items():
        service, _, fault = name.partition(".")
        if service == "intacct":
            sandbox.intacct.set_fault_rate(fault, rate)
        else:
            sandbox.officernd.config.faults.set_rate(fault, rate)


@contextmanager
def faulty_sandbox(
    faults: Mapping[str, float], fault_seed: int, **options: object
) -> Iterator[RunningSandbox]:
    """A sandbox whose faults are off while the profile is prepared, then on at ``faults``."""
    running = start_sandbox(sandbox_options(faults=dict(faults), fault_seed=fault_seed, **options))
    try:
        set_faults(running, dict.fromkeys(faults, 0.0))
        # OfficeRnD grants 5 tokens a minute and every run signs in once: a test running
        # several syncs within a minute would measure that limit, not exactly-once.
        running.officernd._token_limit.per_minute = None
        prepare_profile(running, mapping_path=Path(os.environ[EnvVars.HOME]) / "mapping.yaml")
        set_faults(running, faults)
        with scoped_environment(sandbox_environment(running)):
            yield running
    finally:
        running.stop()


def secret_environment(sandbox: RunningSandbox) -> dict[str, str]:
    return {k: v for k, v in sandbox_environment(sandbox).items() if v is not None}


__all__ = [
    "DEMO_PROFILE",
    "EXPECTED_EXITS",
    "IntacctTruth",
    "Reference",
    "count_fired_faults",
    "faulty_sandbox",
    "intacct_truth",
    "officernd_totals",
    "sandbox_options",
    "scoped_environment",
    "secret_environment",
    "set_faults",
]
