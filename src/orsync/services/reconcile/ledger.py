"""Reconcile and the ledger: links read as a hint, relinks and the rebuild written back.

The ledger is a cache of the truth (DESIGN.md section 4). Reconcile reads it only for the links
it holds (never for verdicts) and only when the profile's state file already exists, so a dry
run creates nothing. Writing: a relink records the Intacct document found by reference as the
confirmed write of the version it holds (the engine's ``Relink.version_hash``); when Intacct
holds something else, the row records :data:`UNKNOWN_VERSION`, which no posting hashes to, so
the next ``sync`` updates the document (or reports the conflict) instead of believing it done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from orsync.engine.report import Finding
from orsync.env import state_dir
from orsync.services.reconcile.compare import ReconcileOutcome
from orsync.state import (
    Adoption,
    LedgerReads,
    StateStore,
    TargetKeys,
    database_path,
    open_read_only,
)

# Recorded for a document or customer Intacct holds in a version reconcile could not vouch for.
UNKNOWN_VERSION = "reconciled-unknown"
DOCUMENT_KINDS = ("invoice", "credit_note")
CUSTOMER_KINDS = ("company", "member")


@contextmanager
def existing_ledger(profile_name: str) -> Iterator[LedgerReads | None]:
    """The profile's ledger opened READ-ONLY when its file exists, else None: reading links
    must not create or migrate a state file (a dry run writes nothing anywhere)."""
    db = open_read_only(database_path(state_dir(), profile_name))
    if db is None:
        yield None
        return
    try:
        yield LedgerReads(db)
    finally:
        db.close()


@contextmanager
def writable_state(profile_name: str) -> Iterator[StateStore]:
    store = StateStore.open(database_path(state_dir(), profile_name), profile=profile_name)
    try:
        yield store
    finally:
        store.close()


@dataclass(frozen=True)
class LedgerWrites:
    """What a fix run or rebuild wrote to the ledger."""

    cleared: int = 0
    documents: int = 0
    customers: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"cleared": self.cleared, "documents": self.documents, "customers": self.customers}


def relink_adoptions(outcome: ReconcileOutcome, *, duplicates: bool = False) -> list[Adoption]:
    """One adoption per relink of the report (documents found by reference); with
    ``duplicates``, also the document to keep of each duplicated one (the engine's choice: a
    paid one first, then the oldest), so that sync never posts a third copy."""
    kept = [_keeper(outcome, f) for f in outcome.report.by_category("duplicated")]
    extra = [
        Adoption(f.kind, f.source_id, UNKNOWN_VERSION, TargetKeys(key=key))
        for f, key in zip(outcome.report.by_category("duplicated"), kept, strict=True)
        if duplicates and key is not None and f.source_id is not None
    ]
    return extra + [
        Adoption(
            kind=relink.kind,
            source_id=relink.source_id,
            version_hash=relink.version_hash or UNKNOWN_VERSION,
            target=TargetKeys(
                key=relink.target_key, entity=outcome.target_entities.get(relink.target_key)
            ),
        )
        for relink in outcome.report.relinks
    ]


def _keeper(outcome: ReconcileOutcome, finding: Finding) -> str | None:
    live = [k for k in finding.target_keys if outcome.target_states.get(k) != "reversed"]
    if not live:
        return None
    return min(
        live,
        key=lambda k: (
            outcome.target_states.get(k) != "paid",
            int(k) if k.isdigit() else 2**63,
            k,
        ),
    )


def customer_adoptions(outcome: ReconcileOutcome) -> list[Adoption]:
    """Every billed customer found in Intacct, at its expected version when name, currency
    and status agree (what reconcile compares), else at the unknown version."""
    differing = {
        f.number for f in outcome.report.by_category("customer_different") if f.number is not None
    }
    adoptions = []
    for customer_id, record_key in sorted(outcome.customer_keys.items()):
        ref = outcome.customer_refs.get(customer_id)
        if ref is None:
            continue
        version = outcome.customer_versions.get(customer_id)
        if version is None or customer_id in differing:
            version = UNKNOWN_VERSION
        adoptions.append(
            Adoption(
                kind=ref[0],
                source_id=ref[1],
                version_hash=version,
                target=TargetKeys(key=record_key, number=customer_id),
            )
        )
    return adoptions


def apply_relinks(store: StateStore, outcome: ReconcileOutcome) -> LedgerWrites:
    return LedgerWrites(documents=store.ledger.adopt_many(relink_adoptions(outcome)))


def rebuild(store: StateStore, outcome: ReconcileOutcome, *, clear: bool) -> LedgerWrites:
    """Record every match of ``outcome`` (computed WITHOUT ledger links, so that every match is
    a relink). ``clear`` first empties the document and customer rows: only for an outcome that
    covers all history, or rows outside it would vanish and their documents post twice."""
    cleared = store.ledger.clear(DOCUMENT_KINDS + CUSTOMER_KINDS) if clear else 0
    if clear:
        # The read cursors say "everything before this was synced": true of the ledger just
        # cleared, not of the Intacct it was rebuilt from. The next sync reads all history
        # again and posts what the rebuild did not find (a plain `sync`, not only --full).
        store.cursors.reset()
    documents = store.ledger.adopt_many(relink_adoptions(outcome, duplicates=True))
    customers = store.ledger.adopt_many(customer_adoptions(outcome))
    return LedgerWrites(cleared=cleared, documents=documents, customers=customers)
