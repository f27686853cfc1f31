"""``orsync sync``: OfficeRnD customers, invoices and credit notes to Intacct, exactly once.

Public API (the CLI, ``orsync demo`` and the benchmark call these; keep them stable)::

    result = run_sync(profile_name, profile, SyncOptions(...), progress=..., connections=...,
                      kept_reference=...)  # listen: reference lists kept across runs
    result.exit_code          # 0 ok, 1 records failed / conflicts, 75 writes left unconfirmed
    result.summary.to_dict()  # schema orsync.sync/1 (services/sync/summary.py)
    result.to_dict()          # the --json document: the plan (dry run) or the summary

    plan = plan_sync(...)     # the dry run: same reads and decisions, writes nothing anywhere
    plan.plan.to_dict()       # schema orsync.plan/1

How a run goes (DESIGN.md sections 4 and 5): take the profile lock (a second run exits 75
naming the first), open a run in the ledger (writes a dead run left ``sending`` become
``unconfirmed``), then stage by stage - customers changed in OfficeRnD, invoices, credit notes -
read changed records in chunks, plan each chunk against the ledger, look up unknown outcomes,
and keep the writes in flight while the next chunk is read. A stream's cursor advances only
after every row it covered is committed. Intacct is contacted lazily: a run with nothing to
write makes no Intacct request at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from orsync.bulk import bulk_run
from orsync.config import Profile
from orsync.engine import Plan
from orsync.engine.actions import PLAN_SCHEMA
from orsync.env import state_dir as default_state_dir
from orsync.errors import ExitCode, OrsyncError
from orsync.mapping import Mapping
from orsync.services.common import Connections, open_connections, read_only_state
from orsync.services.mapping import load_profile_mapping
from orsync.services.sync.context import (
    EmptyLedger,
    LedgerLookups,
    NoProgress,
    SyncOptions,
    SyncProgress,
)
from orsync.services.sync.reference import KeptReference
from orsync.services.sync.runner import Runner, SyncState
from orsync.services.sync.summary import STAGES, RecordProblem, SyncSummary, stage_of
from orsync.state import (
    Ledger,
    ProfileLock,
    StateStore,
    Status,
    database_path,
    lock_path_for,
    utc_now,
)

logger = logging.getLogger("orsync.sync")
__all__ = [
    "KeptReference",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "officernd_features",
    "plan_sync",
    "run_sync",
]


@dataclass
class SyncResult:
    summary: SyncSummary
    plan: Plan | None = None  # the dry run's plan

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document: ``orsync.plan/1`` for a dry run, else ``orsync.sync/1``."""
        if self.plan is not None:
            document = self.plan.to_dict()
            assert document["schema"] == PLAN_SCHEMA
            return document
        return self.summary.to_dict()


def plan_sync(
    profile_name: str,
    profile: Profile,
    options: SyncOptions,
    *,
    progress: SyncProgress | None = None,
    connections: Connections | None = None,
    state_dir: Path | None = None,
) -> SyncResult:
    """The dry run: the exact plan, reading both services and the ledger, writing nothing."""
    dry = SyncOptions(**{**options.__dict__, "dry_run": True})
    return run_sync(
        profile_name, profile, dry, progress=progress, connections=connections, state_dir=state_dir
    )


def run_sync(
    profile_name: str,
    profile: Profile,
    options: SyncOptions,
    *,
    progress: SyncProgress | None = None,
    connections: Connections | None = None,
    state_dir: Path | None = None,
    kept_reference: KeptReference | None = None,
) -> SyncResult:
    """One run (``options.dry_run``: the plan only). ``kept_reference``: OfficeRnD's reference
    lists kept across the runs of one process (listen), instead of read by this run."""
    db_path = database_path(state_dir or default_state_dir(), profile_name)
    summary = SyncSummary(profile=profile_name, options=options.to_dict(), started_at=utc_now())
    with ExitStack() as stack:
        stack.enter_context(bulk_run())
        if options.dry_run:
            mapping = options.mapping or load_profile_mapping(profile)
            if connections is None:
                connections = stack.enter_context(open_connections(profile_name, profile))
            state, remembered = stack.enter_context(_read_only_state(db_path))
            options = _after_mapping_change(options, mapping, remembered, state.lookups, summary)
            runner = Runner.build(
                profile_name,
                profile,
                mapping,
                options,
                connections=connections,
                state=state,
                summary=summary,
                progress=progress or NoProgress(),
                kept_reference=kept_reference,
            )
            runner.run()
            summary.finished_at = utc_now()
            summary.failed_left = _failed_left(state.lookups)
            summary.exit_code = int(_exit_code(summary))
            assert runner.ctx.plan is not None
            log = runner.ctx.plan
            plan = Plan(tuple(log.documents), tuple(log.customers), tuple(log.writebacks))
            return SyncResult(summary, plan)
        lock = stack.enter_context(
            ProfileLock(lock_path_for(db_path), profile=profile_name).acquire(
                f"orsync {options.command}"
            )
        )
        store = stack.enter_context(StateStore.open(db_path, profile=profile_name))
        run = store.begin_run(lock, options.command, options.to_dict())
        summary.run_id = run.id
        try:
            # Inside the run, so that a run ended by its mapping (78) is recorded as well.
            mapping = options.mapping or load_profile_mapping(profile)
            if connections is None:
                connections = stack.enter_context(open_connections(profile_name, profile))
            remembered = store.settings.mapping_fingerprint()
            options = _after_mapping_change(options, mapping, remembered, store.ledger, summary)
            runner = Runner.build(
                profile_name,
                profile,
                mapping,
                options,
                connections=connections,
                state=SyncState.of(store),
                summary=summary,
                progress=progress or NoProgress(),
                kept_reference=kept_reference,
            )
            runner.run()
            _prove_intacct_credentials(connections, store)
        except BaseException as error:
            code = error.exit_code if isinstance(error, OrsyncError) else ExitCode.INTERNAL
            if isinstance(error, KeyboardInterrupt):
                code = ExitCode.INTERRUPTED
            message = error.message if isinstance(error, OrsyncError) else type(error).__name__
            store.finish_run(
                run.id, exit_code=int(code), counts=summary.flat_counts(), message=message
            )
            _say_where_it_stopped(summary, store.ledger, int(code))
            raise
        if options.document_ids is None and options.only == frozenset(STAGES):
            # Every stage ran under this mapping (failed records included, when it changed).
            store.settings.remember_mapping(mapping.fingerprint())
        summary.unconfirmed_left = _unconfirmed_left(store.ledger, summary)
        summary.failed_left = _failed_left(store.ledger)
        summary.finished_at = utc_now()
        summary.exit_code = int(_exit_code(summary))
        store.finish_run(run.id, exit_code=summary.exit_code, counts=summary.flat_counts())
        return SyncResult(summary)
    raise AssertionError("unreachable")


def officernd_features(profile: Profile) -> tuple[str, ...]:
    """What syncs of ``profile`` write to OfficeRnD (its token's extra scopes): what the
    profile's own options say when its mapping cannot be read (the run itself then says why)."""
    try:
        mapping = load_profile_mapping(profile)
    except OrsyncError:
        return ("write_back",) if profile.sync.numbering == "intacct" else ()
    return _features(mapping, profile)


def _features(mapping: Mapping, profile: Profile) -> tuple[str, ...]:
    """What the run writes to OfficeRnD: charges for Intacct's payments, once payments flow;
    the accounting block of each document, when Intacct numbers them."""
    features: list[str] = []
    if mapping.payment_methods is not None:
        features.append("payments")
    if (mapping.options.numbering or profile.sync.numbering) == "intacct":
        features.append("write_back")
    return tuple(features)


def _say_where_it_stopped(summary: SyncSummary, ledger: Ledger, code: int) -> None:
    """A run stopped part-way (Ctrl-C, a service gone, ...): one line for what it had written,
    one for what is left, on stderr with the error itself."""
    if code not in STOPPED_PART_WAY and not summary.written_or_adopted:
        return
    in_doubt = sum(
        by_status.get(Status.SENDING, 0) + by_status.get(Status.UNCONFIRMED, 0)
        for by_status in ledger.counts().values()
    )
    logger.warning("written before the stop: %s", summary.written_text())
    doubt = (
        f"{in_doubt} write(s) whose answer never came (looked up in Intacct before anything "
        "is resent), and "
        if in_doubt
        else ""
    )
    logger.warning(
        "left: %swhat this run had not reached; the next `orsync sync` carries on from there",
        doubt,
    )


# Exit codes of a run stopped part-way by something other than its records.
STOPPED_PART_WAY = frozenset(
    {ExitCode.UNAVAILABLE, ExitCode.TEMPORARY, ExitCode.AUTH, ExitCode.INTERRUPTED}
)

# A run signs in to Intacct at least this often, even with nothing to write.
CREDENTIALS_PROOF_INTERVAL = dt.timedelta(days=1)


def _prove_intacct_credentials(connections: Connections, store: StateStore) -> None:
    """Sign in to Intacct when no run has in a day: a session this run already holds is proof
    enough (no request); otherwise one sign-in, so a wrong password fails cron today."""
    now = utc_now()
    proved = store.settings.intacct_credentials_proved_at()
    if proved is not None and now - proved < CREDENTIALS_PROOF_INTERVAL:
        return
    connections.intacct.sign_in()
    store.settings.remember_intacct_credentials_proved(now)


def _after_mapping_change(
    options: SyncOptions,
    mapping: Mapping,
    remembered: str | None,
    ledger: LedgerLookups,
    summary: SyncSummary,
) -> SyncOptions:
    """``options``, with ``retry_failed`` on when the mapping differs from the one the last
    complete sync ran under and records failed before: the fix of a mapping gap then reaches
    records that did not change in OfficeRnD (an incremental read would not see them again).
    A state from before orsync remembered the mapping counts as changed, once."""
    if options.retry_failed or options.document_ids is not None:
        return options
    if remembered == mapping.fingerprint():
        return options
    failed = sum(by_status.get(Status.FAILED, 0) for by_status in ledger.counts().values())
    if not failed:
        return options
    summary.mapping_changed = True
    return replace(options, retry_failed=True)


def _exit_code(summary: SyncSummary) -> ExitCode:
    """One rule, the README's: 0 only when nothing is left over. Unconfirmed writes win (the
    next run settles them; cron retries 75 without alerting); then any failed record in the
    ledger, whether it failed in this run or earlier and was not tried again, is exit 1, as
    `orsync status` lists it, until it is fixed."""
    if summary.unconfirmed_left:
        return ExitCode.TEMPORARY
    if summary.total("failed") or summary.total("conflict") or summary.failed_left:
        return ExitCode.PARTIAL
    return ExitCode.OK


def _failed_left(ledger: LedgerLookups) -> int:
    """Failed records in the ledger after the run (a dry run: as it stands)."""
    return sum(by_status.get(Status.FAILED, 0) for by_status in ledger.counts().values())


def _unconfirmed_left(ledger: Ledger, summary: SyncSummary) -> int:
    left = 0
    for row in ledger.iter_unresolved((Status.UNCONFIRMED,)):
        left += 1
        summary.problem(
            RecordProblem(
                stage_of(row.kind),
                "unconfirmed",
                row.kind,
                row.source_id,
                row.target.number or row.source_id,
                row.error.message if row.error else "outcome unknown",
                fix="Run sync again: it looks the record up in Intacct before resending it.",
            )
        )
    return left


@contextmanager
def _read_only_state(path: Path) -> Iterator[tuple[SyncState, str | None]]:
    """The dry run's view of the state (ledger, cursors and runs, read-only, or empty when the
    profile never ran) and the last complete sync's mapping fingerprint."""
    with read_only_state(path) as state:
        if state is None:
            yield SyncState(EmptyLedger(), None, None, None), None
        else:
            view = SyncState(state.ledger, None, state.cursors, state.runs, None, state.settings)
            yield view, state.settings.mapping_fingerprint()
