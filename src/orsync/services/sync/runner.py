"""One sync run, stage by stage (the engine room behind :func:`orsync.services.sync.run_sync`).

Order: settle what earlier runs left unknown, customers changed in OfficeRnD, documents held
for a customer that became ready, invoices, credit notes, then one more look at writes of this
run whose answer was lost. Each stream's cursor moves only after its writes are committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from orsync.config import Profile
from orsync.engine import DocumentAction, SourceDocument, reread_verdict, version_hash
from orsync.engine.model import CustomerRef, removed_document
from orsync.engine.plan import first_open_after
from orsync.engine.writeback import DOCUMENT_KINDS, WRITEBACK_KIND, identity_number
from orsync.errors import RecordError
from orsync.heap import Trimmer
from orsync.mapping import Mapping
from orsync.officernd import PaymentDocument, Query
from orsync.services.common import Connections
from orsync.services.convert import ReferenceData, source_document
from orsync.services.mapping import (
    MappingResolver,
    engine_options,
    needs_closed_books_date,
    overpayment_account,
)
from orsync.services.sync.allocations import ALLOCATION_HELD, AllocationDesk
from orsync.services.sync.context import (
    LedgerLookups,
    RowKey,
    RunContext,
    SyncOptions,
    SyncProgress,
    rows_of,
)
from orsync.services.sync.customers import CustomerDesk
from orsync.services.sync.documents import CUSTOMER_HELD, DocumentDesk
from orsync.services.sync.idset import IdSet
from orsync.services.sync.overpayments import OVERPAYMENT_HELD, OverpaymentDesk
from orsync.services.sync.payments import (
    CHARGE_CHUNK,
    PAYMENT_HELD,
    PaymentDesk,
    charge_chunks,
    source_charge,
)
from orsync.services.sync.reading import (
    STREAMS,
    ReadMark,
    chunks,
    customers,
    document_count,
    documents,
    documents_by_id,
)
from orsync.services.sync.receipts import RECEIPT_STREAM, ReceiptDesk
from orsync.services.sync.reference import KeptReference, ReferenceLists, RunReference
from orsync.services.sync.summary import RecordProblem, Stage, SyncSummary, stage_of
from orsync.services.sync.writeback import WritebackDesk
from orsync.state import (
    DEFAULT_OVERLAP,
    Cursors,
    Ledger,
    LedgerRow,
    RecordFailure,
    RunOutcome,
    Runs,
    RunSettings,
    RunWrites,
    StateStore,
    Status,
    utc_now,
)

UNCHANGED_MARGIN = DEFAULT_OVERLAP
CHARGE_QUERY_IDS = 50  # invoice ids per `payment[$in]` read of their charges
SETTLE_ROUNDS = 2  # same-run lookups of writes whose outcome was lost, before giving up to 75
CLOSED_PERIOD_ROUNDS = 12  # months a refused create moves forward, one per refusal, in a run
# Chunks of a stream between two returns of the C heap's freed memory (orsync.heap): 1,000
# documents or 2,500 charges. Measured at 100,000 invoices, the peak RSS of a first sync.
TRIM_EVERY_CHUNKS = 5


@dataclass(frozen=True)
class SyncState:
    """The profile's state as one run sees it. A dry run reads it only: ``ledger`` (the
    writable side) is None, and so are ``cursors`` and ``runs`` for a profile that never ran."""

    lookups: LedgerLookups
    ledger: Ledger | None
    cursors: Cursors | None
    runs: Runs | None  # when earlier runs started (see _drop_unchanged)
    writes: RunWrites | None = None  # where the run's writes are recorded (None: a dry run)
    settings: RunSettings | None = None  # what earlier runs learned (None: a dry run)

    @classmethod
    def of(cls, store: StateStore) -> SyncState:
        return cls(
            store.ledger, store.ledger, store.cursors, store.runs, store.writes, store.settings
        )


@dataclass
class Runner:
    """One run's collaborators, built whole by :meth:`build`."""

    ctx: RunContext
    options: SyncOptions
    cursors: Cursors | None
    runs: Runs | None
    customers: CustomerDesk
    documents: DocumentDesk
    payments: PaymentDesk
    receipts: ReceiptDesk
    allocations: AllocationDesk
    overpayments: OverpaymentDesk
    writeback: WritebackDesk | None = None  # on when Intacct numbers the documents
    _run_starts: dict[int, dt.datetime | None] = field(default_factory=dict)
    _rechecked: set[str] = field(default_factory=set)  # bounded by earlier runs' leftovers
    _waiting: list[str] = field(default_factory=list)  # documents held by earlier runs
    _payments_again: list[str] = field(default_factory=list)  # payment rows to try again
    _receipts_again: list[str] = field(default_factory=list)  # Intacct payments in doubt
    _allocations_again: list[str] = field(default_factory=list)  # allocations held or in doubt
    _overpayments_again: list[str] = field(default_factory=list)  # overpayments likewise
    _invoices_read: IdSet = field(default_factory=IdSet)  # their charges may have gone

    @classmethod
    def build(
        cls,
        profile_name: str,
        profile: Profile,
        mapping: Mapping,
        options: SyncOptions,
        *,
        connections: Connections,
        state: SyncState,
        summary: SyncSummary,
        progress: SyncProgress,
        kept_reference: KeptReference | None = None,
    ) -> Runner:
        """The runner of one run; ``options.dry_run`` chooses the mode. ``kept_reference``:
        OfficeRnD's reference lists kept across runs (listen's batches)."""
        intacct = connections.intacct
        engine = engine_options(
            profile,
            mapping,
            retry_failed=options.retry_failed,
            # Read once per run, only when a policy acts on it and the mapping states none.
            intacct_closed_through=(
                intacct.closed_books_date() if needs_closed_books_date(mapping) else None
            ),
        )
        ctx = RunContext(
            profile=profile_name,
            dry_run=options.dry_run,
            intacct=intacct,
            officernd=connections.officernd,
            lookups=state.lookups,
            ledger=state.ledger,
            options=engine,
            reference=RunReference(connections.officernd, kept_reference),
            make_resolver=lambda lists: _resolver(connections, mapping, engine, lists),
            summary=summary,
            progress=progress,
            writes=state.writes,
        )
        return cls(
            ctx=ctx,
            options=options,
            cursors=state.cursors,
            runs=state.runs,
            customers=CustomerDesk(ctx),
            documents=DocumentDesk(ctx),
            payments=PaymentDesk(ctx, mapping),
            receipts=ReceiptDesk(
                ctx,
                mapping,
                lambda: connections.officernd_for("payments"),
                external_org_id=profile.intacct.company_id,
            ),
            allocations=AllocationDesk(ctx),
            overpayments=OverpaymentDesk(ctx, mapping, overpayment_account(profile, mapping)),
            writeback=WritebackDesk(
                ctx,
                external_org_id=profile.intacct.company_id,
                intacct_url=profile.intacct.url,
                writer=lambda: connections.officernd_for("write_back"),
                numbers_refused=(
                    state.settings.officernd_refuses_numbers if state.settings else lambda: False
                ),
                remember_numbers_refused=(
                    state.settings.remember_officernd_refuses_numbers
                    if state.settings
                    else lambda: None
                ),
            )
            if engine.numbering == "intacct"
            else None,
        )

    @property
    def progress(self) -> SyncProgress:
        return self.ctx.progress

    def run(self) -> None:
        try:
            self._unresolved_first()
            if self.options.document_ids is not None:
                self._recheck(list(self.options.document_ids))
                self._settle_lost_outcomes()
                self._retry_closed_periods()
                if self.options.payments_of and self._payments_flow():
                    self._payments_of(self.options.payments_of)
                self._write_back()
                return
            if "customers" in self.options.only:
                for stream in ("companies", "members"):
                    self._customer_stream(stream)
            self._waiting_documents()
            for stage in ("invoices", "credit_notes"):
                if stage in self.options.only:
                    self._document_stream(stage)
            self._settle_lost_outcomes()
            self._retry_closed_periods()
            if "payments" in self.options.only:
                self._payment_stream()
            self._write_back()
        finally:
            self.documents.close()
            self.payments.close()

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
        if self.ctx.dry_run or self.cursors is None:
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
            if self.cursors is not None and not self.ctx.dry_run:
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

    def _payment_stream(self) -> None:
        """The payments stage: charges, overpayments and Intacct's receipts once the mapping
        has ``payment_methods``; credit allocations on every AR profile (no bank account)."""
        if self.payments.enabled:
            self._charge_stream()
            self._overpayment_stream()
        if self.allocations.enabled:
            self._allocation_stream()
        if self.payments.enabled:
            self._receipt_stream()

    def _charge_stream(self) -> None:
        """Charges: those earlier runs left in doubt or held, those changed since the cursor,
        then the charges orsync posted on invoices read in this run that OfficeRnD removed."""
        desk = self.payments
        desk.sign_in_ahead()
        self.receipts.read_ahead(self._receipts_from())
        if self._payments_again:
            desk.process(desk.charges_by_id(self._payments_again))
        mark = self._mark("payments")
        query = Query() if mark.read_from is None else Query().gte("modifiedAt", mark.read_from)
        trimmer = Trimmer(TRIM_EVERY_CHUNKS)
        for chunk in charge_chunks(self.ctx.officernd.charges(query)):
            trimmer.tick()
            for charge in chunk:
                mark.saw(charge.modified_at)
            self.ctx.summary.read["payments"] += len(chunk)
            self.progress.advance("reading", len(chunk))
            desk.process([source_charge(c) for c in chunk if c.payment])
        desk.process(desk.removed_from(iter(self._invoices_read)))  # sorted
        desk.settle_lost()
        self._advance("payments", mark)

    def _overpayment_stream(self) -> None:
        """Overpayments changed since the cursor (and those held or in doubt) as advances;
        their allocations are noted for the allocation stream that follows."""
        desk = self.overpayments
        if self._overpayments_again:
            desk.again(self._overpayments_again)
        mark = self._mark("overpayments")
        for chunk in documents(self.ctx.officernd, "overpayments", mark):
            self.progress.advance("reading", len(chunk))
            self.allocations.note(chunk)
            desk.process(chunk)
        self._advance("overpayments", mark)

    def _allocation_stream(self) -> None:
        """Credit allocated in OfficeRnD, applied in Intacct after the run's payments are
        settled (an invoice's amount due counts them): allocations on the credit notes read
        in this run, and those earlier runs held or left in doubt."""
        desk = self.allocations
        if self._allocations_again:
            desk.again(self._allocations_again)
        desk.run()

    def _payments_flow(self) -> bool:
        return "payments" in self.options.only and self.payments.enabled

    def _payments_of(self, invoice_ids: Sequence[str]) -> None:
        """The charges of these invoices as OfficeRnD has them now, and those orsync posted
        that it removed: what a charge or allocation event asks, with no cursor moved (the
        stream reads them again later and finds them done in the ledger)."""
        desk = self.payments
        ids = list(dict.fromkeys(invoice_ids))
        for start in range(0, len(ids), CHARGE_QUERY_IDS):
            query = Query().is_in("payment", ids[start : start + CHARGE_QUERY_IDS])
            for chunk in chunks(self.ctx.officernd.charges(query), CHARGE_CHUNK):
                self.ctx.summary.read["payments"] += len(chunk)
                desk.process([source_charge(c) for c in chunk if c.payment])
        desk.process(desk.removed_from(ids))
        desk.settle_lost()

    def _write_back(self) -> None:
        """Documents touched since the last run that finished get their accounting block in
        OfficeRnD (a run that stopped early leaves its documents to the next one)."""
        if self.writeback is None:
            return
        plan = self.ctx.plan
        if plan is not None:  # dry run: what this run would post is written back after it
            plan.writebacks.extend(
                a.source_id
                for a in plan.documents
                if a.action in ("create", "lookup_first") and a.source_kind in DOCUMENT_KINDS
            )
        since = 0
        if self.runs is not None:
            finished = (RunOutcome.OK, RunOutcome.PARTIAL)
            done = [
                r.id
                for r in self.runs.last(50)
                if r.outcome in finished and r.command in ("sync", "listen")
            ]
            since = max(done, default=-1) + 1
        self.writeback.run(self.ctx.lookups.changed_since(since))

    def _receipt_stream(self) -> None:
        """Payments keyed in Intacct on invoices orsync posted, as OfficeRnD charges. A
        profile's first run only starts the cursor: history is never scanned."""
        desk = self.receipts
        started = desk.read_started or utc_now()
        read_from = self._receipts_from()
        if self._receipts_again:
            desk.again(self._receipts_again)
        if read_from is not None:
            desk.changed_since(read_from)
        if self.ctx.dry_run or self.cursors is None:
            return
        self.cursors.advance(
            RECEIPT_STREAM,
            read_from=read_from,
            max_seen=desk.max_seen if read_from is not None else started,
            read_started_at=started,
        )

    def _receipts_from(self) -> dt.datetime | None:
        return None if self.cursors is None else self.cursors.read_from(RECEIPT_STREAM)

    def _document_stream(self, stage: Stage) -> None:
        mark = self._mark(stage)
        if mark.read_from is None:
            # A first (or --full) read walks the whole history: OfficeRnD's count of it gives
            # the progress its end, and so an estimate of the time left.
            total = document_count(self.ctx.officernd, stage)
            if total:
                self.progress.expect("reading", total)
        trimmer = Trimmer(TRIM_EVERY_CHUNKS)
        for chunk in documents(self.ctx.officernd, stage, mark):
            trimmer.tick()
            self.ctx.summary.read[stage] += len(chunk)
            self.progress.advance("reading", len(chunk))
            self._documents(chunk)
        self.documents.flush()
        self._advance(stage, mark)

    def _unresolved_first(self) -> None:
        """Writes of earlier runs whose outcome is unknown (and, with --retry-failed, failed
        ones) are read from OfficeRnD by id, whether or not they changed since. Documents
        that wait for their customer are kept for :meth:`_waiting_documents`. A dry run reads
        the same rows (from the read-only ledger), so its plan is the run's."""
        wanted: dict[str, list[str]] = {}
        for row in self.ctx.lookups.iter_unresolved((Status.UNCONFIRMED, Status.FAILED)):
            waiting = row.error is not None and row.error.code == CUSTOMER_HELD
            if row.status is Status.UNCONFIRMED or (
                stage_of(row.kind) in self.options.only and self.options.retry_failed
            ):
                wanted.setdefault(row.kind, []).append(row.source_id)
            elif waiting and stage_of(row.kind) in self.options.only:
                self._waiting.append(row.source_id)
            elif (
                row.error is not None
                and row.error.code in (PAYMENT_HELD, ALLOCATION_HELD, OVERPAYMENT_HELD)
                and "payments" in self.options.only
            ):
                wanted.setdefault(row.kind, []).append(row.source_id)
        refs = [CustomerRef("company", i) for i in wanted.get("company", [])]
        refs += [CustomerRef("member", i) for i in wanted.get("member", [])]
        if refs:
            self.customers.ensure(refs, {})
        ids = [i for kind in ("invoice", "credit_note") for i in wanted.get(kind, [])]
        self._recheck(ids)
        self._payments_again = wanted.get("payment", [])
        self._receipts_again = wanted.get("receipt", [])
        self._allocations_again = wanted.get("allocation", [])
        self._overpayments_again = wanted.get("overpayment", [])

    def _waiting_documents(self) -> None:
        """Documents held for their customer follow once a customer became ready in this run
        (an unconfirmed create settled, an OfficeRnD change resolved a conflict); otherwise
        re-reading them would only report the same hold again."""
        if self._waiting and self.customers.resolved:
            self._recheck(self._waiting)
        self._waiting = []

    def _recheck(self, ids: list[str]) -> None:
        seen: set[str] = set()
        for chunk in documents_by_id(self.ctx.officernd, ids):
            seen.update(record.id for record in chunk)
            self._documents(chunk, recheck=True)
        self._removed([i for i in dict.fromkeys(ids) if i not in seen])
        self.documents.flush()

    def _removed(self, ids: list[str]) -> None:
        """Documents asked for by id (a webhook, an unresolved row, reconcile's fix) that
        OfficeRnD's list no longer returns: each one orsync posted whose own read answers 404
        was deleted in OfficeRnD, and leaves Intacct like a void (the engine plans it). Only
        ids orsync is told about are read: an incremental sync never scans history for
        deletions; `orsync reconcile` finds the others."""
        rows = rows_of(
            self.ctx.lookups, ((kind, i) for i in ids for kind in ("invoice", "credit_note"))
        )
        posted = [row for row in rows.values() if row.target.key is not None]
        gone = [row for row in posted if self.ctx.officernd.get_payment(row.source_id) is None]
        if not gone:
            return
        numbers = self.ctx.lookups.source_numbers(gone)
        noticed = utc_now()
        docs = [
            removed_document(
                "credit_note" if row.kind == "credit_note" else "invoice",
                row.source_id,
                numbers.get((row.kind, row.source_id)) or row.target.number or row.source_id,
                noticed,
            )
            for row in gone
        ]
        self._rechecked.update(doc.id for doc in docs)
        self.documents.process(docs, self.customers.state, rows)

    def _settle_lost_outcomes(self) -> None:
        """Writes of this run whose outcome was lost: look them up now, resend if absent."""
        if self.ctx.dry_run:
            return
        for _round in range(SETTLE_ROUNDS):
            pending = list(self.documents.unsettled.values())
            if not pending:
                return
            self.documents.unsettled.clear()
            self.documents.process(pending, self.customers.state)
            self.documents.flush()

    def _retry_closed_periods(self) -> None:
        """Creates Intacct refused as dated in a period closed without the run knowing (a
        subledger's own close: ``get_closedbooksdate`` tells the GL's only), under policy
        shift: the run learns the period from the refusal (the first open day after the date
        refused, ``engine.plan.first_open_after``) and sends each again shifted, a new write
        of a definitely failed one (a new controlid), so exactly once. A period refused again
        moves one more month, up to CLOSED_PERIOD_ROUNDS; what is left is reported failed."""
        refused = self.documents.closed_refused
        for _round in range(CLOSED_PERIOD_ROUNDS):
            if not refused:
                return
            pending = list(refused.values())
            refused.clear()
            before = self.ctx.options
            sent = [
                max(doc.date, before.books_closed_before or doc.date) for doc, _problem in pending
            ]
            learned = first_open_after(max(sent))
            self.ctx.options = dataclasses.replace(
                before, books_closed_before=learned, retry_failed=True
            )
            try:
                self.documents.process([doc for doc, _problem in pending], self.customers.state)
                self.documents.flush()
                self._settle_lost_outcomes()
            finally:
                self.ctx.options = dataclasses.replace(
                    self.ctx.options, retry_failed=before.retry_failed
                )
        for _doc, problem in refused.values():
            self.ctx.summary.problem(problem)
        refused.clear()

    # -- one chunk of documents ---------------------------------------------------------

    def _documents(self, records: list[PaymentDocument], *, recheck: bool = False) -> None:
        ctx = self.ctx
        docs: list[SourceDocument] = []
        if recheck:
            self._rechecked.update(record.id for record in records)
        else:
            # Read again by the stream after _unresolved_first: planned once per run only.
            # A second copy in one read (a misbehaving server) whose first write is still in
            # flight waits for it: planned now, it would be sent twice.
            in_flight = self.documents.unsettled
            records = [
                r
                for r in records
                if r.id not in self._rechecked and (_kind_of(r), r.id) not in in_flight
            ]
        self._invoices_read.update(r.id for r in records if r.document_type == "invoice")
        if self.allocations.enabled:
            self.allocations.note(records)
        # The chunk's ledger rows, read once: for the unchanged test, then for the plan.
        rows = rows_of(ctx.lookups, ((_kind_of(record), record.id) for record in records))
        if not recheck and not self.options.full:
            records = self._drop_unchanged(records, rows)
        reference = ctx.resolver_for(records).reference if records else ReferenceData()
        known_as = self._known_as(records, rows)
        for record in records:
            try:
                doc = source_document(record, reference)
            except RecordError as error:
                self._unreadable(record, error)
                continue
            if doc is not None:
                sent_under, written_back = known_as.get(doc.id, (None, None))
                number = identity_number(doc.number, sent_under, written_back)
                if number != doc.number:  # the Intacct number orsync wrote back: same document
                    doc = dataclasses.replace(doc, number=number)
                docs.append(doc)
        if not docs:
            return
        currency: dict[tuple[str, str], str] = {
            (d.customer.kind, d.customer.id): d.currency for d in docs
        }
        self.customers.ensure([d.customer for d in docs if not d.is_draft], currency)
        self.documents.process(docs, self.customers.state, rows)

    def _known_as(
        self, records: list[PaymentDocument], rows: dict[RowKey, LedgerRow]
    ) -> dict[str, tuple[str | None, str | None]]:
        """With Intacct numbering, each document's number it was first sent under and the
        Intacct number orsync wrote back into it (``engine.identity_number`` decides)."""
        if self.writeback is None or not records:
            return {}
        lookups = self.ctx.lookups
        documents = [row for r in records if (row := rows.get((_kind_of(r), r.id))) is not None]
        written = lookups.get_many(WRITEBACK_KIND, [row.source_id for row in documents])
        if not written:
            return {}
        numbers = lookups.source_numbers([*documents, *written.values()])
        return {
            row.source_id: (
                numbers.get((row.kind, row.source_id)),
                numbers.get((WRITEBACK_KIND, row.source_id)),
            )
            for row in documents
            if row.source_id in written
        }

    def _drop_unchanged(
        self, records: list[PaymentDocument], rows: dict[RowKey, LedgerRow]
    ) -> list[PaymentDocument]:
        """Records the cursor overlap read again although OfficeRnD has not changed them since
        the run that recorded their row read them (``orsync.engine.reread_verdict``): counted
        unchanged, or failed as before, without building them. ``--full`` rebuilds everything
        (a mapping change)."""
        kept = []
        for record in records:
            row = rows.get((_kind_of(record), record.id))
            verdict = None
            if row is not None:
                verdict = reread_verdict(
                    row.status.value,
                    confirmed_at=row.confirmed_at,
                    modified_at=record.modified_at,
                    run_started=self._run_started(row.updated_run),
                    retry_failed=self.options.retry_failed,
                    margin=UNCHANGED_MARGIN,
                )
            if row is None or verdict is None:
                kept.append(record)
            elif verdict == "unchanged":
                self._unchanged(record, row)
            else:
                self._failed_before(record, row)
        return kept

    def _unchanged(self, record: PaymentDocument, row: LedgerRow) -> None:
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

    def _failed_before(self, record: PaymentDocument, row: LedgerRow) -> None:
        """Failed before and unchanged since: the same report, without rebuilding it."""
        error = row.error
        message = error.message if error is not None else "failed before"
        self.ctx.summary.problem(
            RecordProblem(
                stage_of(row.kind),
                "failed",
                row.kind,
                row.source_id,
                record.number or record.id,
                message,
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
                    message,
                    fix=error.hint if error is not None else None,
                )
            )

    def _run_started(self, run_id: int | None) -> dt.datetime | None:
        """When run ``run_id`` began (None: unknown), read once per run id."""
        if run_id is None:
            return None
        if run_id not in self._run_starts:
            run = None if self.runs is None else self.runs.get(run_id)
            self._run_starts[run_id] = None if run is None else run.started_at
        return self._run_starts[run_id]

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


def _resolver(
    connections: Connections, mapping: Mapping, options: Any, lists: ReferenceLists
) -> MappingResolver:
    client = connections.officernd
    # Plans and fees are read only when a map needs them (fees is the one large list).
    with_fees = mapping.fees is not None or mapping.resource_types is not None
    with_plans = with_fees or mapping.plans is not None
    reference = ReferenceData.from_records(
        locations=lists.locations,
        revenue_accounts=lists.revenue_accounts,
        tax_rates=lists.tax_rates,
        plans=client.plans() if with_plans else (),
        fees=client.fees() if with_fees else (),
    )
    return MappingResolver(mapping, reference, options)
