"""One reconcile run as the CLI sees it: compare, then (unless a dry run) apply what is safe.

:func:`run_reconcile` is the single service call of ``orsync reconcile``. The order matters:

1. compare both systems (the ledger, when a state file exists, only adds links);
2. ``dry_run``: stop there; the outcome's safe fixes and relinks ARE the plan;
3. otherwise ask ``confirm`` (the CLI's prompt, or ``--yes``); on yes, take the profile lock,
   write the relinks to the ledger, then hand the documents to post, update or reverse to
   sync's exactly-once path (:mod:`orsync.services.reconcile.fixes`), and nothing else:
   duplicates, paid or closed-period documents and anything orsync did not create stay in the
   report as manual fixes, never touched.

``rebuild_ledger`` compares without the ledger's links (every match then becomes a relink) and
records every match; over all history (no period or filter given) it first clears the
document and customer rows so that no stale row survives.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orsync.config import Profile
from orsync.errors import ExitCode
from orsync.services.common import Connections, open_connections
from orsync.services.reconcile.compare import (
    LedgerLinkReader,
    ReconcileOutcome,
    ReconcileRequest,
    reconcile_profile,
)
from orsync.services.reconcile.fixes import FixResult, prepare_ledger, sync_documents
from orsync.services.reconcile.ledger import (
    LedgerWrites,
    apply_relinks,
    existing_ledger,
    rebuild,
    writable_state,
)
from orsync.services.reconcile.sources import ReadProgress
from orsync.state import ProfileLock, StateStore

# Stage lines for cron mail and pipes (INFO: shown with -v).
logger = logging.getLogger("orsync.reconcile")

# Where "all history" begins for --rebuild-ledger without --from.
HISTORY_START = dt.date(2000, 1, 1)


@dataclass
class ReconcileRun:
    """What one ``orsync reconcile`` did."""

    outcome: ReconcileOutcome
    mode: str  # "dry_run" | "fix" | "rebuild"
    confirmed: bool = False
    ledger: LedgerWrites | None = None
    fixes: FixResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.fixes is not None and self.fixes.unconfirmed:
            return ExitCode.TEMPORARY
        return ExitCode.OK if self.outcome.agree else ExitCode.PARTIAL

    def to_dict(self) -> dict[str, Any]:
        document = self.outcome.to_dict()
        document["mode"] = self.mode
        document["applied"] = (
            None
            if not self.confirmed
            else {
                "ledger": self.ledger.to_dict() if self.ledger else None,
                "documents": self.fixes.to_dict() if self.fixes else None,
            }
        )
        document["notes"] = list(self.notes)
        return document


def run_reconcile(
    profile_name: str,
    profile: Profile,
    request: ReconcileRequest,
    *,
    dry_run: bool,
    rebuild_ledger: bool = False,
    confirm: Callable[[ReconcileOutcome], bool] = lambda _: False,
    progress: ReadProgress | None = None,
) -> ReconcileRun:
    """Compare, then apply what is safe (see the module doc); ``progress`` is told how the
    read of OfficeRnD's documents advances."""
    # One pair of clients for the whole run: OfficeRnD grants 5 tokens a minute.
    logger.info(
        "reading OfficeRnD and Intacct, %s to %s%s",
        request.start,
        request.end,
        " (rebuilding the ledger)" if rebuild_ledger else "",
    )
    with open_connections(profile_name, profile) as connections:
        if rebuild_ledger:
            return _rebuild(
                profile_name,
                profile,
                request,
                connections,
                dry_run=dry_run,
                confirm=confirm,
                progress=progress,
            )
        return _compare_and_fix(
            profile_name,
            profile,
            request,
            connections,
            dry_run=dry_run,
            confirm=confirm,
            progress=progress,
        )


def _compare_and_fix(
    profile_name: str,
    profile: Profile,
    request: ReconcileRequest,
    connections: Connections,
    *,
    dry_run: bool,
    confirm: Callable[[ReconcileOutcome], bool],
    progress: ReadProgress | None,
) -> ReconcileRun:
    with existing_ledger(profile_name) as ledger:
        reader = (
            LedgerLinkReader(ledger.get_many, ledger.get_by_target_keys, ledger.source_numbers)
            if ledger is not None
            else None
        )
        outcome = reconcile_profile(
            profile_name,
            profile,
            request,
            ledger_reader=reader,
            connections=connections,
            progress=progress,
        )
    run = ReconcileRun(outcome, "dry_run" if dry_run else "fix")
    safe = outcome.report.safe_fixes()
    _log_compared(outcome, len(safe))
    if dry_run or not (safe or outcome.report.relinks):
        return run
    if not confirm(outcome):
        run.notes.append("Nothing was changed: the fixes were not confirmed.")
        return run
    run.confirmed = True
    with writable_state(profile_name) as store, _locked(store, profile_name):
        run.ledger = apply_relinks(store, outcome)
        prepare_ledger(store, outcome, safe)
    logger.info("recorded %d relink(s) in the ledger", len(outcome.report.relinks))
    if safe:
        logger.info("applying %d safe fix(es) through sync", len(safe))
        # Sync takes the lock itself (a sync that starts in between makes this exit 75).
        run.fixes = sync_documents(profile_name, profile, safe, connections=connections)
    if run.fixes is not None and (run.fixes.problems or run.fixes.unconfirmed):
        # Sync may still refuse a "safe" fix (a customer it holds for a name match, say).
        run.notes.append(
            "Some safe fixes could not be applied (each is listed with its fix); run reconcile "
            "again once they are resolved to see what is left."
        )
    else:
        run.notes.append("Run reconcile again to see what is left (manual fixes only).")
    return run


def _rebuild(
    profile_name: str,
    profile: Profile,
    request: ReconcileRequest,
    connections: Connections,
    *,
    dry_run: bool,
    confirm: Callable[[ReconcileOutcome], bool],
    progress: ReadProgress | None,
) -> ReconcileRun:
    whole_history = request.start <= HISTORY_START and not request.filtered
    outcome = reconcile_profile(
        profile_name, profile, request, connections=connections, progress=progress
    )
    _log_compared(outcome, len(outcome.report.safe_fixes()))
    run = ReconcileRun(outcome, "dry_run" if dry_run else "rebuild")
    if dry_run:
        run.notes.append(
            f"--rebuild-ledger would record {len(outcome.report.relinks)} documents and "
            f"{len(outcome.customer_keys)} customers"
            + (" after clearing the ledger." if whole_history else ".")
        )
        return run
    if not confirm(outcome):
        run.notes.append("Nothing was changed: the rebuild was not confirmed.")
        return run
    run.confirmed = True
    with writable_state(profile_name) as store, _locked(store, profile_name):
        run.ledger = rebuild(store, outcome, clear=whole_history)
    if not whole_history:
        run.notes.append(
            "Only this period's matches were recorded; rows outside it were kept. Run with no "
            "--from/--to or filters to rebuild the whole ledger."
        )
    return run


def _log_compared(outcome: ReconcileOutcome, safe: int) -> None:
    logger.info(
        "compared %d OfficeRnD and %d Intacct documents: %d finding(s), %d safe fix(es)",
        outcome.officernd_documents,
        outcome.intacct_documents,
        len(outcome.report.findings),
        safe,
    )


def _locked(store: StateStore, profile_name: str) -> ProfileLock:
    """The profile lock for the writing part of a run (LockHeld, exit 75, while a sync runs)."""
    return ProfileLock(store.lock_path, profile=profile_name).acquire("orsync reconcile")
