"""What every part of one sync run shares: clients, ledger, options, summary, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from orsync.engine import CustomerAction, DocumentAction, EngineOptions, LedgerView
from orsync.intacct import IntacctClient, WritePipeline
from orsync.mapping import Mapping
from orsync.officernd import OfficeRndClient, PaymentDocument
from orsync.services.common import check_day
from orsync.services.mapping import MappingResolver
from orsync.services.sync.reference import ReferenceLists, RunReference, refers_outside
from orsync.services.sync.summary import STAGES, RecordProblem, Stage, SyncSummary, stage_of
from orsync.state import Ledger, LedgerRow, RecordFailure, RunWrites, Status


@dataclass(frozen=True)
class SyncOptions:
    """What one run does. ``only`` holds stage names: customers, invoices, credit_notes."""

    full: bool = False
    since: dt.datetime | None = None
    only: frozenset[Stage] = frozenset(STAGES)
    retry_failed: bool = False
    dry_run: bool = False
    mapping: Mapping | None = None  # default: the profile's mapping file
    # Only these OfficeRnD documents (read by id; e.g. reconcile's fixes): no stream is read
    # and no cursor moves. Unknown outcomes of earlier runs are still settled first.
    document_ids: tuple[str, ...] | None = None
    # With document_ids: these invoices' charges go through the payments stage as well (when
    # payments flow), with no cursor moved: listen's charge and allocation events.
    payments_of: tuple[str, ...] = ()
    # The command the run is recorded under (runs table, lock file): "listen" for the batches
    # of `orsync listen`, whose lock other runs wait for instead of exiting 75.
    command: str = "sync"

    def __post_init__(self) -> None:
        if self.since is not None:
            check_day("--since", self.since.date())

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "since": None if self.since is None else self.since.isoformat(),
            "only": [stage for stage in STAGES if stage in self.only],
            "retry_failed": self.retry_failed,
            "dry_run": self.dry_run,
            **({} if self.document_ids is None else {"documents": len(self.document_ids)}),
            **({"payments_of": len(self.payments_of)} if self.payments_of else {}),
        }


class SyncProgress(Protocol):
    """Where a run reports progress (the CLI draws Rich bars from it; tests ignore it).

    Stages: ``reading``, ``planning``, ``customers``, ``invoices``, ``credit_notes``.
    """

    def expect(self, stage: str, total: int) -> None:
        """About ``total`` more records will pass ``stage`` (OfficeRnD's count of a first
        read): what an estimate of the time left is made from."""
        ...

    def advance(self, stage: str, count: int = 1) -> None: ...

    def note(self, message: str) -> None: ...


class NoProgress:
    def expect(self, stage: str, total: int) -> None:
        del stage, total

    def advance(self, stage: str, count: int = 1) -> None:
        del stage, count

    def note(self, message: str) -> None:
        del message


class LedgerLookups(Protocol):
    """The read side of the ledger sync needs (a read-only view in dry runs)."""

    def get_many(self, kind: str, source_ids: Iterable[str]) -> dict[str, LedgerRow]: ...

    def get(self, kind: str, source_id: str) -> LedgerRow | None: ...

    def rows_under(self, kind: str, prefixes: Iterable[str]) -> list[LedgerRow]: ...

    def get_by_target_keys(self, kind: str, target_keys: Iterable[str]) -> dict[str, LedgerRow]: ...

    def counts(self) -> dict[str, dict[Status, int]]: ...

    def iter_unresolved(self, statuses: Sequence[Status]) -> Iterator[LedgerRow]: ...

    def source_numbers(self, rows: Iterable[LedgerRow]) -> dict[tuple[str, str], str]: ...

    def changed_since(self, run_id: int) -> Iterator[LedgerRow]: ...


RowKey = tuple[str, str]  # (kind, OfficeRnD id)


def rows_of(lookups: LedgerLookups, keys: Iterable[RowKey]) -> dict[RowKey, LedgerRow]:
    """The ledger rows of these records, keyed (kind, id): one read per kind."""
    by_kind: dict[str, list[str]] = {}
    for kind, source_id in keys:
        by_kind.setdefault(kind, []).append(source_id)
    return {
        (kind, source_id): row
        for kind, ids in by_kind.items()
        for source_id, row in lookups.get_many(kind, ids).items()
    }


class EmptyLedger:
    """A profile that never ran: no rows (dry run without a state file)."""

    def get_many(self, kind: str, source_ids: Iterable[str]) -> dict[str, LedgerRow]:
        del kind, source_ids
        return {}

    def get(self, kind: str, source_id: str) -> LedgerRow | None:
        del kind, source_id
        return None

    def rows_under(self, kind: str, prefixes: Iterable[str]) -> list[LedgerRow]:
        del kind, prefixes
        return []

    def get_by_target_keys(self, kind: str, target_keys: Iterable[str]) -> dict[str, LedgerRow]:
        del kind, target_keys
        return {}

    def counts(self) -> dict[str, dict[Status, int]]:
        return {}

    def iter_unresolved(self, statuses: Sequence[Status]) -> Iterator[LedgerRow]:
        del statuses
        return iter(())

    def source_numbers(self, rows: Iterable[LedgerRow]) -> dict[tuple[str, str], str]:
        del rows
        return {}

    def changed_since(self, run_id: int) -> Iterator[LedgerRow]:
        del run_id
        return iter(())


@dataclass
class PlanLog:
    """The dry run's plan: every action, in the order it was decided."""

    documents: list[DocumentAction] = field(default_factory=list)
    customers: list[CustomerAction] = field(default_factory=list)
    writebacks: list[str] = field(default_factory=list)  # OfficeRnD ids (Intacct numbering)

    def money_action(
        self,
        action: str,
        kind: str,
        source_id: str,
        number: str,
        version: str | None,
        reason: str,
        target_key: str | None = None,
        fix: str | None = None,
    ) -> None:
        """One payment-stage action (payment, receipt, allocation, overpayment) in the plan."""
        self.documents.append(
            DocumentAction(
                action,  # type: ignore[arg-type]
                kind,
                source_id,
                number,
                version,
                reason,
                target_key=target_key,
                fix=fix,
            )
        )


@dataclass
class RunContext:
    """One run's shared parts. ``dry_run`` is the mode: the same reads and decisions, every
    action kept in ``plan``, nothing written anywhere (``ledger`` is then None)."""

    profile: str
    dry_run: bool
    intacct: IntacctClient
    officernd: OfficeRndClient
    lookups: LedgerLookups
    ledger: Ledger | None
    options: EngineOptions
    reference: RunReference  # OfficeRnD's reference lists: read (or taken as kept) lazily
    make_resolver: Callable[[ReferenceLists], MappingResolver]
    summary: SyncSummary
    progress: SyncProgress = field(default_factory=NoProgress)
    writes: RunWrites | None = None  # where the run's writes are recorded (not in a dry run)
    plan: PlanLog | None = field(init=False, default=None)  # the dry run's plan
    _resolver: MappingResolver | None = field(init=False, default=None)
    _pipeline: WritePipeline | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.dry_run != (self.ledger is None):
            raise ValueError("a dry run reads the ledger only; a run that applies writes it")
        if self.dry_run:
            self.plan = PlanLog()

    @property
    def pipeline(self) -> WritePipeline:
        """The run's one write path to Intacct, shared by customers and documents: batches
        fill across chunks and stages, and the company's request slots stay busy."""
        if self._pipeline is None:
            # Batch size and request slots are the Intacct client's (intacct/settings.py).
            self._pipeline = WritePipeline(self.intacct)
        return self._pipeline

    @property
    def resolver(self) -> MappingResolver:
        """The mapping resolver, built on first use so that a run with nothing to convert
        never reads OfficeRnD's reference lists."""
        if self._resolver is None:
            self._resolver = self.make_resolver(self.reference.lists())
        return self._resolver

    def resolver_for(self, records: Sequence[PaymentDocument]) -> MappingResolver:
        """The resolver for converting ``records``: built again from lists read afresh (once
        per run) when they were kept from an earlier run (listen) and a record names a
        location, revenue account or tax rate they lack."""
        resolver = self.resolver
        if self.reference.may_reread and refers_outside(records, resolver.reference):
            self._resolver = resolver = self.make_resolver(self.reference.reread())
        return resolver

    def writable(self) -> Ledger:
        assert not self.dry_run and self.ledger is not None, "a dry run never writes the ledger"
        return self.ledger

    def wrote(
        self,
        kind: str,
        source_id: str,
        outcome: str,
        *,
        row: LedgerRow | None,
        number: str | None,
        entity: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        """A write of this run is settled (created, updated, reversed, adopted): count it once,
        add it to the totals, and record it in the state for ``orsync status --run``."""
        self.summary.count(stage_of(kind), outcome, record=(kind, source_id))
        target = row.target if row is not None else None
        entity = entity if entity is not None else (target.entity if target else None)
        if amount is not None and currency is not None:
            self.summary.add_total(entity, currency, kind, outcome, amount)
        if self.writes is not None:
            self.writes.record(
                kind,
                source_id,
                outcome,
                number=number or (target.number if target else None),
                target_key=target.key if target else None,
                entity=entity,
                amount=amount,
                currency=currency,
            )

    def record_failure(
        self,
        kind: str,
        source_id: str,
        number: str,
        version: str | None,
        failure: RecordFailure,
        *,
        status: str = "failed",
    ) -> None:
        """Report a record that cannot be written now, and keep it in the ledger (unless the
        ledger already holds this very failure, which costs nothing to keep)."""
        stage: Stage = stage_of(kind)
        self.summary.problem(
            RecordProblem(
                stage=stage,
                status="conflict" if status == "conflict" else "failed",
                kind=kind,
                source_id=source_id,
                number=number,
                message=failure.message,
                field=failure.field,
                fix=failure.hint,
            )
        )
        if self.dry_run or version is None:
            return
        row = self.lookups.get(kind, source_id)
        if row is not None and row.status in (Status.SENDING, Status.UNCONFIRMED):
            return  # its outcome is unknown: the lookup decides, not this failure
        if row is not None and row.status is Status.FAILED and row.version_hash == version:
            return  # the same input failed before: keep the first, most specific message
        self.writable().fail(kind, source_id, numbered(number, failure), version_hash=version)


def numbered(number: str, failure: RecordFailure) -> RecordFailure:
    """The failure as the ledger keeps it: prefixed with the OfficeRnD number (or customer
    name), so that ``orsync status`` says which record without asking OfficeRnD."""
    if not number or failure.message.startswith(f"{number}: "):
        return failure
    return RecordFailure(
        f"{number}: {failure.message}", code=failure.code, field=failure.field, hint=failure.hint
    )


def view_of(row: LedgerRow | None) -> LedgerView | None:
    """The engine's view of a ledger row."""
    if row is None:
        return None
    return LedgerView(
        status=row.status.value,
        version_hash=row.version_hash,
        confirmed_version=row.confirmed_version,
        target_key=row.target.key,
        last_error=None if row.error is None else row.error.message,
    )
