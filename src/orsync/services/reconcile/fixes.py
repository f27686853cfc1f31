"""Reconcile's safe fixes, applied through sync's exactly-once path (never a write of its own).

Sync decides from the ledger; reconcile's job is to make the ledger say what reconcile found,
then let sync's own document desk plan and write those documents, read from OfficeRnD by id:

- **post** (missing in Intacct): the ledger may still hold a confirmed row for a document
  deleted in Intacct; that row is forgotten, so sync plans a create (with its deterministic
  controlid, ``uniqueid``, and its lookup-before-resend rules);
- **update** (an unpaid orsync document that differs) and **reverse** (voided in OfficeRnD,
  live in Intacct): the row is pointed at the Intacct document with a version no posting has
  (:data:`~orsync.services.reconcile.ledger.UNKNOWN_VERSION`), so sync plans the update or the
  reversal, re-checking payment state and closed periods itself before writing.

The documents are then written by ``run_sync`` with ``SyncOptions(document_ids=...)``: sync
reads them from OfficeRnD by id and plans and writes them like any other run (its lock, its run
record, its lookups before any resend), moving no cursor.

Payments go the same way, through the payments stage (``sync --only payments``), which reads
again every row held for it (``payment_held``) whatever its cursor says:

- **post** (a charge with no live Intacct payment): the row forgets its payment (a new
  controlid round) and is held, so the stage plans the charge as new;
- **reverse** (orsync's payment whose charge is gone): the row points at the payment and is
  held, so the stage finds the charge removed, failed or refunded and reverses it;
- **record** (a payment keyed in Intacct, not in OfficeRnD): its receipt row is held (and
  forgets any charge it recorded), so the stage reads the payment again and records it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from orsync.config import Profile
from orsync.engine.canonical import version_hash
from orsync.engine.report import Finding
from orsync.services.common import Connections
from orsync.services.reconcile.compare import ReconcileOutcome
from orsync.services.reconcile.ledger import UNKNOWN_VERSION
from orsync.state import Adoption, RecordFailure, StateStore, Status, TargetKeys

DOCUMENT_KINDS = ("invoice", "credit_note")
HELD_BY_RECONCILE = version_hash("payment held by reconcile")


@dataclass
class FixResult:
    """What sync did with the safe fixes (its own counts), and what is left unconfirmed."""

    requested: dict[str, int] = field(default_factory=dict)  # action -> documents
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # sync's summary counts
    problems: list[dict[str, Any]] = field(default_factory=list)
    unconfirmed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requested": dict(self.requested),
            "sync_counts": self.counts,
            "problems": self.problems,
            "unconfirmed": self.unconfirmed,
        }


def prepare_ledger(store: StateStore, outcome: ReconcileOutcome, safe: Sequence[Finding]) -> None:
    """Make the ledger say what reconcile found, for each safe fix."""
    from orsync.services.sync import PAYMENT_HELD

    adoptions = []
    held: list[tuple[str, str]] = []
    for finding in safe:
        if finding.kind == "payment" and finding.source_id is not None:
            if (payment_row := _payment_fix(store, outcome, finding)) is not None:
                held.append(payment_row)
            continue
        if finding.category == "customer_missing" and finding.fix.action == "post":
            # The ledger may still say orsync created it: forgotten, sync creates it again
            # before the first document that needs it (instead of "Invalid Customer").
            ref = outcome.customer_refs.get(finding.number or "")
            if ref is not None:
                store.ledger.forget_target(*ref)
            continue
        if finding.source_id is None:
            continue
        if finding.fix.action == "post":
            store.ledger.forget_target(finding.kind, finding.source_id)
        elif finding.fix.action in ("update", "reverse") and finding.fix.target_key:
            key = finding.fix.target_key
            adoptions.append(
                Adoption(
                    finding.kind,
                    finding.source_id,
                    UNKNOWN_VERSION,
                    TargetKeys(key=key, entity=outcome.target_entities.get(key)),
                )
            )
    store.ledger.adopt_many(adoptions)
    for kind, source_id in held:
        store.ledger.fail(
            kind,
            source_id,
            RecordFailure(
                "reconcile found this payment on one side only",
                code=PAYMENT_HELD,
                field="payment",
                hint="`orsync sync --only payments` settles it.",
            ),
            version_hash=HELD_BY_RECONCILE,
        )


def _payment_fix(
    store: StateStore, outcome: ReconcileOutcome, finding: Finding
) -> tuple[str, str] | None:
    """The ledger row a payment fix holds for the payments stage, set as reconcile found it;
    None for a row in doubt (sending or unconfirmed): the stage settles it by its own lookup
    before anything is sent, and reconcile must not erase that doubt."""
    assert finding.source_id is not None
    kind = "receipt" if finding.fix.action == "record" else "payment"
    row = store.ledger.get(kind, finding.source_id)
    if row is not None and row.status not in (Status.PLANNED, Status.CONFIRMED, Status.FAILED):
        return None
    if finding.fix.action == "record":
        store.ledger.forget_target(kind, finding.source_id)
    elif finding.fix.action == "reverse" and finding.fix.target_key:
        key = finding.fix.target_key
        entities = outcome.payments.payment_entities if outcome.payments is not None else {}
        if row is None or row.target.key != key or row.confirmed_version is None:
            store.ledger.adopt(
                kind,
                finding.source_id,
                UNKNOWN_VERSION,
                TargetKeys(key=key, entity=entities.get(key)),
            )
    else:
        store.ledger.forget_target(kind, finding.source_id)
    return kind, finding.source_id


def requested_counts(safe: Sequence[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in safe:
        counts[finding.fix.action] = counts.get(finding.fix.action, 0) + 1
    return counts


def sync_documents(
    profile_name: str,
    profile: Profile,
    safe: Sequence[Finding],
    *,
    connections: Connections,
) -> FixResult:
    """Let sync write the documents of ``safe`` (its lock, its run, its exactly-once path).

    Call :func:`prepare_ledger` first, and release the profile lock: sync takes it itself.
    """
    from orsync.services.sync import SyncOptions, run_sync

    result = FixResult(requested=requested_counts(safe))
    ids = tuple(sorted({f.source_id for f in safe if f.source_id and f.kind in DOCUMENT_KINDS}))
    runs: list[SyncOptions] = []
    if ids:
        runs.append(SyncOptions(document_ids=ids))
    if any(f.kind == "payment" for f in safe):
        # After the documents: a payment may wait for the invoice just posted.
        runs.append(SyncOptions(only=frozenset({"payments"})))
    for options in runs:
        synced = run_sync(profile_name, profile, options, connections=connections)
        document = synced.summary.to_dict()
        for stage, counts in document.get("counts", {}).items():
            merged = result.counts.setdefault(stage, {})
            for outcome, n in counts.items():
                merged[outcome] = merged.get(outcome, 0) + n
        result.problems += [p for p in document.get("problems", []) if isinstance(p, dict)]
        result.unconfirmed = int(synced.summary.unconfirmed_left or 0)
    return result
