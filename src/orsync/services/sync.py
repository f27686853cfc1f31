"""``orsync sync``: OfficeRnD customers, invoices and credit notes to Intacct, exactly once.

Public API (the CLI, ``orsync demo`` and the benchmark call these; keep them stable)::

    result = run_sync(profile_name, profile, SyncOptions(...), progress=..., connections=...)
    result.exit_code          # 0 ok, 1 records failed / conflicts, 75 writes left unconfirmed
    result.summary.to_dict()  # schema orsync.sync/1 (services/sync_summary.py)
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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orsync.config import Profile
from orsync.engine import DocumentAction, Plan, SourceDocument, version_hash
from orsync.engine.actions import PLAN_SCHEMA
from orsync.engine.model import CustomerRef
from orsync.env import state_dir as default_state_dir
from orsync.errors import ConfigError, OrsyncError, RecordError
from orsync.mapping import Mapping, load_mapping
from orsync.officernd import PaymentDocument
from orsync.services.connections import Connections, open_connections
from orsync.services.resolver import MappingResolver, engine_options
from orsync.services.sources import ReferenceData, source_document
from orsync.services.sync_context import (
    EmptyLedger,
    LedgerLookups,
    NoProgress,
    PlanLog,
    RunContext,
    SyncProgress,
)
from orsync.services.sync_customers import CustomerDesk
from orsync.services.sync_documents import CUSTOMER_HELD, DocumentDesk
from orsync.services.sync_reading import STREAMS, ReadMark, customers, documents, documents_by_id
from orsync.services.sync_state import read_only_state
from orsync.services.sync_summary import STAGES, RecordProblem, Stage, SyncSummary, stage_of
from orsync.state import (
    DEFAULT_OVERLAP,
    Cursors,
    Ledger,
    ProfileLock,
    RecordFailure,
    StateStore,
    Status,
    database_path,
    lock_path_for,
)
from orsync.state._db import utc_now

EXIT_OK, EXIT_FAILED, EXIT_UNCONFIRMED = 0, 1, 75
UNCHANGED_MARGIN = DEFAULT_OVERLAP
SETTLE_ROUNDS = 2  # same-run lookups of writes whose outcome was lost, before giving up to 75
DOCUMENT_KINDS: dict[Stage, str] = {"invoices": "invoice", "credit_notes": "credit_note"}


@dataclass(frozen=True)
class SyncOptions:
    """What one run does. ``only`` holds stage names: customers, invoices, credit_notes."""

    full: bool = False
    since: dt.datetime | None = None
    only: frozenset[Stage] = frozenset(STAGES)
    retry_failed: bool = False
    dry_run: bool = False
    mapping: Mapping | None = None  # default: the profile's mapping file
    batch_size: int | None = None  # default: the Intacct client's (50)
    max_in_flight: int | None = None  # default: the Intacct client's (2)
    # Only these OfficeRnD documents (read by id; e.g. reconcile's fixes): no stream is read
    # and no cursor moves. Unknown outcomes of earlier runs are still settled first.
    document_ids: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "since": None if self.since is None else self.since.isoformat(),
            "only": [stage for stage in STAGES if stage in self.only],
            "retry_failed": self.retry_failed,
            "dry_run": self.dry_run,
            **({} if self.document_ids is None else {"documents": len(self.document_ids)}),
        }


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
) -> SyncResult:
    mapping = options.mapping or _load_mapping(profile)
    db_path = database_path(state_dir or default_state_dir(), profile_name)
    summary = SyncSummary(profile=profile_name, options=options.to_dict(), started_at=utc_now())
    with ExitStack() as stack:
        if connections is None:
            connections = stack.enter_context(open_connections(profile_name, profile))
        if options.dry_run:
            lookups, cursors = stack.enter_context(_read_only_state(db_path))
            runner = _Runner(
                profile_name, profile, mapping, options, connections, summary, lookups, None
            )
            runner.progress = progress or NoProgress()
            runner.cursors = cursors
            runner.run()
            summary.finished_at = utc_now()
            summary.exit_code = _exit_code(summary)
            assert runner.ctx.plan is not None
            plan = Plan(tuple(runner.ctx.plan.documents), tuple(runner.ctx.plan.customers))
            return SyncResult(summary, plan)
        lock = stack.enter_context(
            ProfileLock(lock_path_for(db_path), profile=profile_name).acquire("orsync sync")
        )
        store = stack.enter_context(StateStore.open(db_path, profile=profile_name))
        run = store.begin_run(lock, "sync", options.to_dict())
        summary.run_id = run.id
        runner = _Runner(
            profile_name,
            profile,
            mapping,
            options,
            connections,
            summary,
            store.ledger,
            store.ledger,
        )
        runner.progress = progress or NoProgress()
        runner.cursors = store.cursors
        try:
            runner.run()
        except BaseException as error:
            code = error.exit_code if isinstance(error, OrsyncError) else 70
            if isinstance(error, KeyboardInterrupt):
                code = 130
            message = error.message if isinstance(error, OrsyncError) else type(error).__name__
            store.finish_run(
                run.id, exit_code=int(code), counts=summary.flat_counts(), message=message
            )
            raise
        summary.unconfirmed_left = _unconfirmed_left(store.ledger, summary)
        summary.finished_at = utc_now()
        summary.exit_code = _exit_code(summary)
        store.finish_run(run.id, exit_code=summary.exit_code, counts=summary.flat_counts())
        return SyncResult(summary)
    raise AssertionError("unreachable")


def _exit_code(summary: SyncSummary) -> int:
    # Unconfirmed writes win: the next run settles them (cron retries 75 without alerting).
    if summary.unconfirmed_left:
        return EXIT_UNCONFIRMED
    if summary.total("failed") or summary.total("conflict"):
        return EXIT_FAILED
    return EXIT_OK


def _load_mapping(profile: Profile) -> Mapping:
    if profile.sync.mapping is None:
        raise ConfigError(
            "this profile has no mapping file",
            hint="Run `orsync map init` to write one, review it, then run sync again.",
        )
    return load_mapping(profile.sync.mapping)


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
def _read_only_state(path: Path) -> Iterator[tuple[LedgerLookups, Cursors | None]]:
    """The dry run's view of the state: read-only, or empty when the profile never ran."""
    with read_only_state(path) as state:
        if state is None:
            yield EmptyLedger(), None
        else:
            yield state.ledger, state.cursors


class _Runner:
    def __init__(
        self,
        profile_name: str,
        profile: Profile,
        mapping: Mapping,
        options: SyncOptions,
        connections: Connections,
        summary: SyncSummary,
        lookups: LedgerLookups,
        ledger: Ledger | None,
    ) -> None:
        self.options = options
        self.progress: SyncProgress = NoProgress()
        self.cursors: Cursors | None = None
        client_settings = connections.intacct._settings
        engine = engine_options(profile, mapping, retry_failed=options.retry_failed)
        self.ctx = RunContext(
            profile=profile_name,
            intacct=connections.intacct,
            officernd=connections.officernd,
            lookups=lookups,
            ledger=ledger,
            options=engine,
            make_resolver=lambda: _resolver(connections, mapping, engine),
            summary=summary,
            plan=PlanLog() if ledger is None else None,
            batch_size=options.batch_size or client_settings.batch_size,
            max_in_flight=options.max_in_flight or client_settings.max_in_flight,
        )
        self.customers = CustomerDesk(self.ctx)
        self._rechecked: set[str] = set()  # bounded by the records left over by earlier runs
        self._waiting: list[str] = []  # documents held for their customer by earlier runs
        self.documents = DocumentDesk(self.ctx)

    def run(self) -> None:
        self.ctx.progress = self.progress
        try:
            self._unresolved_first()
            if self.options.document_ids is not None:
                self._recheck(list(self.options.document_ids))
                self._settle_lost_outcomes()
                return
            if "customers" in self.options.only:
                for stream in ("companies", "members"):
                    self._customer_stream(stream)
            self._waiting_documents()
            for stage in ("invoices", "credit_notes"):
                if stage in self.options.only:
                    self._document_stream(stage)
            self._settle_lost_outcomes()
        finally:
            self.documents.close()

    # -- streams ---------------------------------------------------------------------------

    def _mark(self, stream: str) -> ReadMark:
        started = utc_now()
        if self.options.full or self.cursors is None:
            since = self.options.since
        else:
            since = self.cursors.read_from(STREAMS[stream], since=self.options.since)
        return ReadMark(read_from=since, started_at=started)

    def _advance(self, stream: str, mark: ReadMark) -> None:
        """Only after every row of the stream is committed (the caller flushed the writes)."""
        ledger = self.ctx.ledger
        if ledger is None or self.cursors is None:
            return
        max_seen = mark.max_seen if mark.count else None
        self.cursors.advance(
            STREAMS[stream],
            read_from=mark.read_from,
            max_seen=max_seen,
            read_started_at=mark.started_at,
        )

    def _customer_stream(self, stream: str) -> None:
        mark = self._mark(stream)
        if mark.read_from is None and not self.options.full:
            # First run: nothing is billed yet, so nothing can have changed; customers are
            # created when their first document needs them. Start the cursor here.
            if self.cursors is not None and self.ctx.ledger is not None:
                self.cursors.advance(
                    STREAMS[stream],
                    read_from=None,
                    max_seen=mark.started_at,
                    read_started_at=mark.started_at,
                )
            return
        for chunk in customers(self.ctx.officernd, stream, mark):
            self.ctx.summary.read[stream] += len(chunk)
            self.progress.advance("reading", len(chunk))
            self.customers.changed(chunk)
        self._advance(stream, mark)

    def _document_stream(self, stage: Stage) -> None:
        mark = self._mark(stage)
        for chunk in documents(self.ctx.officernd, stage, mark):
            self.ctx.summary.read[stage] += len(chunk)
            self.progress.advance("reading", len(chunk))
            self._documents(chunk)
        self.documents.flush()
        self._advance(stage, mark)

    def _unresolved_first(self) -> None:
        """Writes of earlier runs whose outcome is unknown (and, with --retry-failed, failed
        ones) are read from OfficeRnD by id, whether or not they changed since. Documents
        that wait for their customer are kept for :meth:`_waiting_documents`."""
        ledger = self.ctx.ledger
        if ledger is None:
            return
        wanted: dict[str, list[str]] = {}
        for row in ledger.iter_unresolved((Status.UNCONFIRMED, Status.FAILED)):
            waiting = row.error is not None and row.error.code == CUSTOMER_HELD
            if row.status is Status.UNCONFIRMED or (
                stage_of(row.kind) in self.options.only and self.options.retry_failed
            ):
                wanted.setdefault(row.kind, []).append(row.source_id)
            elif waiting and stage_of(row.kind) in self.options.only:
                self._waiting.append(row.source_id)
        refs = [CustomerRef("company", i) for i in wanted.get("company", [])]
        refs += [CustomerRef("member", i) for i in wanted.get("member", [])]
        if refs:
            self.customers.ensure(refs, {})
        ids = [i for kind in ("invoice", "credit_note") for i in wanted.get(kind, [])]
        self._recheck(ids)

    def _waiting_documents(self) -> None:
        """Documents held for their customer follow once a customer became ready in this run
        (an unconfirmed create settled, an OfficeRnD change resolved a conflict); otherwise
        re-reading them would only report the same hold again."""
        if self._waiting and self.customers.resolved:
            self._recheck(self._waiting)
        self._waiting = []

    def _recheck(self, ids: list[str]) -> None:
        for chunk in documents_by_id(self.ctx.officernd, ids):
            self._documents(chunk, recheck=True)
        self.documents.flush()

    def _settle_lost_outcomes(self) -> None:
        """Writes of this run whose outcome was lost: look them up now, resend if absent."""
        if self.ctx.ledger is None:
            return
        for _round in range(SETTLE_ROUNDS):
            pending = list(self.documents.unsettled.values())
            if not pending:
                return
            self.documents.unsettled.clear()
            self.documents.process(pending, self.customers.state)
            self.documents.flush()

    # -- one chunk of documents ---------------------------------------------------------

    def _documents(self, records: list[PaymentDocument], *, recheck: bool = False) -> None:
        ctx = self.ctx
        docs: list[SourceDocument] = []
        if recheck:
            self._rechecked.update(record.id for record in records)
        else:
            # Read again by the stream after _unresolved_first: planned once per run only.
            records = [r for r in records if r.id not in self._rechecked]
            if not self.options.full:
                records = self._drop_unchanged(records)
        for record in records:
            try:
                doc = source_document(record, ctx.resolver.reference)
            except RecordError as error:
                self._unreadable(record, error)
                continue
            if doc is not None:
                docs.append(doc)
        if not docs:
            return
        currency: dict[tuple[str, str], str] = {
            (d.customer.kind, d.customer.id): d.currency for d in docs
        }
        self.customers.ensure([d.customer for d in docs if not d.is_draft], currency)
        self.documents.process(docs, self.customers.state)

    def _drop_unchanged(self, records: list[PaymentDocument]) -> list[PaymentDocument]:
        """Records the cursor overlap read again although OfficeRnD has not changed them since
        their write was confirmed: counted unchanged without building them, which would need
        OfficeRnD's reference lists (a handful of requests on a run with nothing to do).

        ``UNCHANGED_MARGIN`` absorbs clock skew between OfficeRnD's ``modifiedAt`` and this
        machine's confirmation time. ``--full`` rebuilds everything (a mapping change)."""
        by_kind: dict[str, list[str]] = {}
        for record in records:
            by_kind.setdefault(_kind_of(record), []).append(record.id)
        rows = {
            (kind, source_id): row
            for kind, ids in by_kind.items()
            for source_id, row in self.ctx.lookups.get_many(kind, ids).items()
        }
        kept = []
        for record in records:
            row = rows.get((_kind_of(record), record.id))
            if (
                row is not None
                and row.status is Status.CONFIRMED
                and row.confirmed_at is not None
                and record.modified_at is not None
                and record.modified_at < row.confirmed_at - UNCHANGED_MARGIN
            ):
                self.ctx.summary.count(stage_of(row.kind), "unchanged")
                if self.ctx.plan is not None:
                    self.ctx.plan.documents.append(
                        DocumentAction(
                            "skip",
                            row.kind,
                            row.source_id,
                            record.number or record.id,
                            row.confirmed_version,
                            "unchanged",
                            target_key=row.target.key,
                        )
                    )
                continue
            if (
                row is not None
                and row.status is Status.FAILED
                and not self.options.retry_failed
                and record.modified_at is not None
                and record.modified_at < row.status_at - UNCHANGED_MARGIN
            ):
                # Failed before and unchanged since: the same report, without rebuilding it.
                error = row.error
                self.ctx.summary.problem(
                    RecordProblem(
                        stage_of(row.kind),
                        "failed",
                        row.kind,
                        row.source_id,
                        record.number or record.id,
                        error.message if error is not None else "failed before",
                        field=error.field if error is not None else None,
                        fix=error.hint if error is not None else None,
                    )
                )
                if self.ctx.plan is not None:
                    self.ctx.plan.documents.append(
                        DocumentAction(
                            "failed",
                            row.kind,
                            row.source_id,
                            record.number or record.id,
                            row.version_hash,
                            error.message if error is not None else "failed before",
                            fix=error.hint if error is not None else None,
                        )
                    )
                continue
            kept.append(record)
        return kept

    def _unreadable(self, record: PaymentDocument, error: RecordError) -> None:
        kind = _kind_of(record)
        failure = RecordFailure(
            error.message, code="unreadable", field=error.field, hint=error.hint or None
        )
        self.ctx.record_failure(
            kind, record.id, record.number or record.id, version_hash(failure.message), failure
        )


def _kind_of(record: PaymentDocument) -> str:
    return "credit_note" if record.document_type == "creditNote" else "invoice"


def _resolver(connections: Connections, mapping: Mapping, options: Any) -> MappingResolver:
    client = connections.officernd
    # Plans and fees are read only when a map needs them (fees is the one large list).
    with_fees = mapping.fees is not None or mapping.resource_types is not None
    with_plans = with_fees or mapping.plans is not None
    reference = ReferenceData.from_records(
        locations=client.locations(),
        revenue_accounts=client.revenue_accounts(),
        tax_rates=client.tax_rates(),
        plans=client.plans() if with_plans else (),
        fees=client.fees() if with_fees else (),
    )
    return MappingResolver(mapping, reference, options)
