"""Reconcile's safe fixes, applied through sync's exactly-once path (never a write of its own).

Sync decides from the ledger; reconcile's job is to make the ledger say what reconcile found,
then let sync's own document desk plan and write those documents, read from OfficeRnD by id:

- **post** (missing in Intacct): the ledger may still hold a confirmed row for a document
  deleted in Intacct; that row is forgotten, so sync plans a create (with its deterministic
  controlid, ``uniqueid``, and its lookup-before-resend rules);
- **update** (an unpaid orsync document that differs) and **reverse** (voided in OfficeRnD,
  live in Intacct): the row is pointed at the Intacct document with a version no posting has
  (:data:`~orsync.services.reconcile_ledger.UNKNOWN_VERSION`), so sync plans the update or the
  reversal, re-checking payment state and closed periods itself before writing.

ADAPTER NOTE: ``orsync.services.sync`` offers no "these documents only" entry point yet, so
:func:`_sync_documents` drives its runner the way its own ``_unresolved_first`` stage does (read
by id, plan, write, settle lost outcomes). And the ledger cannot say "that document is gone
from Intacct", so :func:`_forget` updates the row in one statement. Both belong upstream
(``SyncOptions.document_ids``, ``Ledger.forget_target``); they are kept here, small, until
then.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from orsync.config import Profile
from orsync.engine.report import Finding
from orsync.services.connections import Connections
from orsync.services.reconcile import ReconcileOutcome, load_profile_mapping
from orsync.services.reconcile_ledger import UNKNOWN_VERSION
from orsync.state import Adoption, ProfileLock, StateStore, TargetKeys


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
    adoptions = []
    for finding in safe:
        if finding.source_id is None:
            continue
        if finding.fix.action == "post":
            _forget(store, finding.kind, finding.source_id)
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


def apply_document_fixes(
    profile_name: str,
    profile: Profile,
    outcome: ReconcileOutcome,
    safe: Sequence[Finding],
    *,
    store: StateStore,
    lock: ProfileLock,
    connections: Connections,
) -> FixResult:
    """Prepare the ledger for ``safe`` and let sync write those documents (lock held)."""
    result = FixResult()
    for finding in safe:
        result.requested[finding.fix.action] = result.requested.get(finding.fix.action, 0) + 1
    prepare_ledger(store, outcome, safe)
    ids = sorted({f.source_id for f in safe if f.source_id and f.kind != "customer"})
    if not ids:
        return result
    summary = _sync_documents(profile_name, profile, ids, store, lock, connections)
    document = summary.to_dict()
    result.counts = document.get("counts", {})
    result.problems = [p for p in document.get("problems", []) if isinstance(p, dict)]
    result.unconfirmed = int(summary.unconfirmed_left or 0)
    return result


def _sync_documents(
    profile_name: str,
    profile: Profile,
    ids: list[str],
    store: StateStore,
    lock: ProfileLock,
    connections: Connections,
) -> Any:
    from orsync.services import sync as sync_service
    from orsync.services.sync_reading import documents_by_id
    from orsync.services.sync_summary import SyncSummary
    from orsync.state._db import utc_now

    mapping = load_profile_mapping(profile)
    options = sync_service.SyncOptions(full=True)
    summary = SyncSummary(profile=profile_name, options=options.to_dict(), started_at=utc_now())
    run = store.begin_run(lock, "reconcile", {"documents": len(ids)})
    summary.run_id = run.id
    try:
        runner = sync_service._Runner(
            profile_name,
            profile,
            mapping,
            options,
            connections,
            summary,
            store.ledger,
            store.ledger,
        )
        runner.ctx.progress = runner.progress
        try:
            for chunk in documents_by_id(connections.officernd, ids):
                runner._documents(chunk)
            runner.documents.flush()
            runner._settle_lost_outcomes()
        finally:
            runner.documents.close()
        summary.unconfirmed_left = sync_service._unconfirmed_left(store.ledger, summary)
        summary.finished_at = utc_now()
        summary.exit_code = sync_service._exit_code(summary)
    except BaseException as error:
        code = getattr(error, "exit_code", 70)
        store.finish_run(run.id, exit_code=int(code), counts=summary.flat_counts())
        raise
    store.finish_run(run.id, exit_code=summary.exit_code, counts=summary.flat_counts())
    return summary


def _forget(store: StateStore, kind: str, source_id: str) -> None:
    """The row no longer points at any Intacct document (see the adapter note): sync then
    plans a create. Its send round jumps past every round used so far (as ``adopt`` does), so
    the new create's controlid differs from the one Intacct already executed for the
    deleted document and ``uniqueid`` does not refuse it as a repeat."""
    db = store.ledger._db
    with db.transaction() as conn:
        conn.execute(
            "UPDATE ledger SET status = 'planned', confirmed_version = NULL, target_key = NULL, "
            "target_number = NULL, target_entity = NULL, controlid = NULL, "
            "send_round = MAX(send_round + 1, ?), attempts = 0, error_code = NULL, "
            "error_message = NULL, error_field = NULL, error_hint = NULL, status_at = ? "
            "WHERE kind = ? AND source_id = ?",
            (int(time.time()), db.now_text(), kind, source_id),
        )
