"""Invoices and credit notes: plan a page, settle unknown outcomes, then send, exactly once.

Per page of OfficeRnD documents (DESIGN.md section 4):

1. build every posting and plan against the ledger (engine: create, update, reverse, skip,
   conflict, failed, lookup_first);
2. ``lookup_first`` (a write of an earlier run, or of this one, whose outcome is unknown): look
   the document up in Intacct by its OfficeRnD number BEFORE anything is sent. Found holding
   the version sent -> confirm (adopt); absent -> resend with the same controlid; found with
   other content -> confirm, then plan the update. Never a blind resend;
3. updates and reversals are checked against the Intacct document first (paid, reversed, lines
   Intacct cannot delete): a change Intacct can no longer take is a conflict with the fix;
4. every write's ledger row is committed ``sending`` (one transaction per page) before its
   function is queued; outcomes confirm, fail (Intacct's text and fix) or mark unconfirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from orsync.engine import (
    REVERSAL_VERSION,
    ActualDocument,
    Blocker,
    DocumentAction,
    LedgerView,
    Posting,
    Problem,
    SourceDocument,
    build_posting,
    change_blocker,
    plan_documents,
    removal_function,
    settle_document,
)
from orsync.errors import RecordError
from orsync.intacct import Lane, Queued
from orsync.intacct.xml.function import Function
from orsync.services.convert import (
    IntacctDocuments,
    PostingContext,
    create_document,
    record_label,
    reverse_document,
    update_document,
)
from orsync.services.sync.context import RunContext, rows_of, view_of
from orsync.services.sync.customers import CustomerState
from orsync.services.sync.lookups import find_actuals, tax_solutions
from orsync.services.sync.outcomes import DocumentOutcomes, WriteTag
from orsync.services.sync.summary import RecordProblem, stage_of
from orsync.state import MAX_VERSION_LENGTH, LedgerRow, RecordFailure, Status, TargetKeys

Built = Posting | Sequence[Problem]
# Ledger error code of documents waiting for their customer (held, unconfirmed, unresolvable):
# every run reads them again, so they follow as soon as the customer is ready.
CUSTOMER_HELD = "customer_held"
HELD_PREFIX = "held:"


class DocumentDesk:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        intacct = ctx.intacct
        self._reader = IntacctDocuments(intacct, ctx.options, max_in_flight=intacct.max_in_flight)
        self._tax_solutions: dict[str, str] | None = None
        self._pipeline: Lane[WriteTag] | None = None
        self._line_counts: dict[tuple[str, str], int] = {}
        # The function each planned reversal goes out as (engine.removal_function), chosen
        # from the Intacct document just read.
        self._removals: dict[tuple[str, str], str] = {}
        # Documents whose write went unconfirmed in this run: settled once more at the end.
        self.unsettled: dict[tuple[str, str], SourceDocument] = {}
        self._outcomes = DocumentOutcomes(ctx, self.unsettled)

    @property
    def closed_refused(self) -> dict[tuple[str, str], tuple[SourceDocument, RecordProblem]]:
        """Creates Intacct refused as dated in a closed period the run did not know of."""
        return self._outcomes.closed_refused

    @property
    def pipeline(self) -> Lane[WriteTag]:
        if self._pipeline is None:
            self._pipeline = self._ctx.pipeline.lane(self._outcomes.settled, self._outcomes.lost)
        return self._pipeline

    def flush(self) -> None:
        if self._pipeline is not None:
            self._pipeline.flush()

    def close(self) -> None:
        if self._pipeline is not None:
            self._pipeline.close()

    # -- one page -------------------------------------------------------------------------

    def process(
        self,
        docs: Sequence[SourceDocument],
        customers: CustomerState,
        rows: dict[tuple[str, str], LedgerRow] | None = None,
    ) -> None:
        """Plan and apply one page; ``rows``: the page's ledger rows when the caller read
        them already (keyed (kind, id); read here otherwise)."""
        ctx = self._ctx
        items: list[tuple[SourceDocument, Built]] = []
        for doc in docs:
            if doc.is_removed:  # nothing to build: the plan takes it out of Intacct
                items.append((doc, ()))
                continue
            if not doc.is_draft and (reason := ctx.resolver.skip_reason(doc)) is not None:
                ctx.summary.count(stage_of(doc.kind), "skipped")
                if ctx.plan is not None:
                    ctx.plan.documents.append(_skip(doc, reason))
                continue
            items.append((doc, self._build(doc, customers)))
        if not items:
            return
        if rows is None:
            rows = self._rows(doc for doc, _ in items)
        views: dict[tuple[str, str], LedgerView] = {
            (doc.kind, doc.id): view
            for doc, _ in items
            if (view := view_of(rows.get((doc.kind, doc.id)))) is not None
        }
        plan = plan_documents(items, views, ctx.options, held_customers=customers.held)
        ctx.progress.advance("planning", len(items))
        if ctx.plan is not None:
            ctx.plan.documents.extend(plan.documents)
            for action in plan.documents:
                self._count_planned(action)
            return
        built: dict[tuple[str, str], tuple[SourceDocument, Built]] = {
            (doc.kind, doc.id): (doc, b) for doc, b in items
        }
        self._apply(plan.documents, built, rows, customers)

    def _build(self, doc: SourceDocument, customers: CustomerState) -> Built:
        key = (doc.customer.kind, doc.customer.id)
        cid = customers.ids.get(key)
        if cid is None and key not in customers.unresolvable:
            try:  # a held customer: converted this run, its documents are reported as waiting
                cid = self._ctx.resolver.customer_id_of(doc.customer)
            except RecordError:
                cid = None
        if cid is None:
            reason = customers.unresolvable.get(key, "its customer could not be prepared")
            return [
                Problem(
                    number=doc.number,
                    field="customer",
                    message=reason,
                    fix="Resolve the customer (see the customer problems above); the document "
                    "follows with it (the next sync tries again after a change to the mapping "
                    "or in OfficeRnD).",
                    source_id=doc.id,
                    value=doc.customer.id,
                )
            ]
        try:
            return build_posting(doc, cid, self._ctx.options, self._ctx.resolver)
        except RecordError as error:
            return [
                Problem(
                    number=doc.number,
                    field=error.field or "document",
                    message=error.message,
                    fix=error.hint or "Correct the document in OfficeRnD.",
                    source_id=doc.id,
                )
            ]

    def _rows(self, docs: Iterable[SourceDocument]) -> dict[tuple[str, str], LedgerRow]:
        return rows_of(self._ctx.lookups, ((doc.kind, doc.id) for doc in docs))

    def _count_planned(self, action: DocumentAction) -> None:
        stage = stage_of(action.source_kind)
        outcome = {
            "create": "created",
            "update": "updated",
            "reverse": "reversed",
            "conflict": "conflict",
            "failed": "failed",
            "lookup_first": "unconfirmed",
        }.get(action.action)
        if outcome is None:
            outcome = "unchanged" if action.reason == "unchanged" else "skipped"
        summary = self._ctx.summary
        if outcome in ("conflict", "failed", "unconfirmed"):
            problem = action.problems[0] if action.problems else None
            summary.problem(
                RecordProblem(
                    stage,
                    outcome,  # type: ignore[arg-type]
                    action.source_kind,
                    action.source_id,
                    action.number,
                    action.reason,
                    field=problem.field if problem else None,
                    fix=action.fix,
                )
            )
        else:
            summary.count(stage, outcome, record=(action.source_kind, action.source_id))

    # -- apply --------------------------------------------------------------------------------

    def _apply(
        self,
        actions: Sequence[DocumentAction],
        built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
        rows: dict[tuple[str, str], LedgerRow],
        customers: CustomerState,
    ) -> None:
        ctx = self._ctx
        ledger = ctx.writable()
        lookups = [a for a in actions if a.action == "lookup_first"]
        actions = [a for a in actions if a.action != "lookup_first"]
        sends: list[Queued[WriteTag]] = []
        with ledger.batch():
            if lookups:
                actions = [*actions, *self._settle(lookups, built, rows, customers, sends)]
            checked = self._check_changes(actions, built, rows)
            for action in checked:
                self._one(action, built, rows, sends)
        if sends:
            self.pipeline.send(sends)

    def _one(
        self,
        action: DocumentAction,
        built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
        rows: Mapping[tuple[str, str], LedgerRow],
        sends: list[Queued[WriteTag]],
    ) -> None:
        ctx = self._ctx
        stage = stage_of(action.source_kind)
        if action.action == "skip":
            outcome = "unchanged" if action.reason == "unchanged" else "skipped"
            ctx.summary.count(stage, outcome, record=(action.source_kind, action.source_id))
            row = rows.get((action.source_kind, action.source_id))
            if (
                outcome == "unchanged"
                and row is not None
                and row.status is Status.FAILED
                and row.confirmed_version is not None
                and action.version_hash == row.confirmed_version
            ):
                ctx.writable().restore_confirmed(action.source_kind, action.source_id)
            return
        if action.action in ("failed", "conflict"):
            problem = action.problems[0] if action.problems else None
            waiting = problem is not None and problem.field == "customer"
            version = action.version_hash
            if waiting and version is not None:
                # Waiting for its customer is not a failure of this input: a version of its
                # own keeps the engine from holding it once the customer is ready.
                version = (HELD_PREFIX + version)[:MAX_VERSION_LENGTH]
            ctx.record_failure(
                action.source_kind,
                action.source_id,
                action.number,
                version,
                RecordFailure(
                    action.reason,
                    code=CUSTOMER_HELD if waiting else action.action,
                    field=problem.field if problem else None,
                    hint=action.fix,
                ),
                status=action.action,
            )
            return
        key = (action.source_kind, action.source_id)
        self._send(
            action, built[key][0], rows.get(key), sends, line_count=self._line_counts.get(key)
        )

    def _send(
        self,
        action: DocumentAction,
        doc: SourceDocument,
        row: LedgerRow | None,
        sends: list[Queued[WriteTag]],
        *,
        resend: bool = False,
        line_count: int | None = None,
    ) -> None:
        """Commit the row ``sending`` (or reuse its controlid on a resend) and queue the write."""
        ctx = self._ctx
        ledger = ctx.writable()
        kind, source_id = action.source_kind, action.source_id
        assert action.version_hash is not None
        if resend:
            sent = ledger.resend(kind, source_id)
        else:
            sent = ledger.mark_sending(
                kind, source_id, action.version_hash, action=action.action, number=doc.number
            )
        assert sent.controlid is not None
        label = record_label(kind, source_id)
        posting = action.posting
        entity = posting.entity_id if posting is not None else None
        function: Function | None
        if action.action == "create":
            assert posting is not None
            function = create_document(
                posting, sent.controlid, record=label, context=self._posting_context(posting, doc)
            )
        elif action.action == "update":
            assert posting is not None and row is not None and row.target.key is not None
            entity = row.target.entity
            function = update_document(
                posting, row.target.key, sent.controlid, line_count=line_count or 0, record=label
            )
        else:
            assert row is not None and row.target.key is not None
            entity = row.target.entity
            when = action.effective_date or doc.date
            function = reverse_document(
                self._removals[(kind, source_id)],
                row.target.key,
                when,
                sent.controlid,
                number=doc.number,
                deleted=doc.is_removed,
                record=label,
            )
        sends.append(
            Queued(
                function,
                entity,
                WriteTag(
                    kind,
                    source_id,
                    doc.number,
                    action.action,
                    entity,
                    posting.invoice_number if posting is not None else None,
                    posting.transaction_definition if posting is not None else None,
                    amount=doc.total,
                    currency=doc.currency,
                ),
            )
        )
        self.unsettled[(kind, source_id)] = doc

    def _posting_context(self, posting: Posting, doc: SourceDocument) -> PostingContext:
        credited = self._credited_invoice(doc)
        if posting.entity_id is not None or not any(line.tax_detail_id for line in posting.lines):
            return PostingContext(credited_invoice=credited)
        if self._tax_solutions is None:
            self._tax_solutions = tax_solutions(self._ctx.intacct)
        return PostingContext(tax_solutions=self._tax_solutions, credited_invoice=credited)

    def _credited_invoice(self, doc: SourceDocument) -> str | None:
        """The Intacct number of the invoice credit note ``doc`` credits, when orsync posted it
        and knows its number (the ledger's)."""
        if doc.credited_invoice_id is None:
            return None
        rows = self._ctx.lookups.get_many("invoice", [doc.credited_invoice_id])
        row = rows.get(doc.credited_invoice_id)
        return row.target.number if row is not None else None

    # -- updates and reversals: what Intacct can still take ---------------------------------

    def _check_changes(
        self,
        actions: Sequence[DocumentAction],
        built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
        rows: Mapping[tuple[str, str], LedgerRow],
    ) -> list[DocumentAction]:
        changes = [a for a in actions if a.action in ("update", "reverse")]
        self._line_counts.clear()  # one chunk's worth at a time
        if not changes:
            return list(actions)
        actual = find_actuals(self._reader, self._ctx.options, changes, built, rows)
        out: list[DocumentAction] = []
        for action in actions:
            if action.action not in ("update", "reverse"):
                out.append(action)
                continue
            key = (action.source_kind, action.source_id)
            doc = built[key][0]
            found = actual.get(key)
            if action.action == "reverse" and found is not None and found.state == "reversed":
                self._adopt_reversal(action, found)
                continue
            blocker = change_blocker(action, doc, found, self._ctx.options)
            if blocker is None:
                assert found is not None
                self._line_counts[key] = len(found.lines)
                self._removal(key, doc, found)
                out.append(action)
                continue
            out.append(
                DocumentAction(
                    action="conflict",
                    source_kind=action.source_kind,
                    source_id=action.source_id,
                    number=action.number,
                    version_hash=action.version_hash,
                    reason=blocker.message,
                    target_key=action.target_key,
                    fix=blocker.fix,
                )
            )
        return out

    def _removal(self, key: tuple[str, str], doc: SourceDocument, found: ActualDocument) -> None:
        function = removal_function(doc, found, self._ctx.options)
        if function is not None:
            self._removals[key] = function

    def _adopt_reversal(self, action: DocumentAction, found: ActualDocument) -> None:
        """Voided in OfficeRnD and already reversed in Intacct (by hand: the fix of a void the
        API cannot reverse, or finance went first): both sides agree, as reconcile says too."""
        self._ctx.writable().adopt(
            action.source_kind, action.source_id, REVERSAL_VERSION, _target_keys(found)
        )
        self._ctx.summary.count(
            stage_of(action.source_kind), "adopted", record=(action.source_kind, action.source_id)
        )

    # -- unknown outcomes ---------------------------------------------------------------------

    def _settle(
        self,
        lookups: Sequence[DocumentAction],
        built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
        rows: dict[tuple[str, str], LedgerRow],
        customers: CustomerState,
        sends: list[Queued[WriteTag]],
    ) -> list[DocumentAction]:
        """Look each unknown outcome up, apply what the engine says it proves (confirm,
        resend, absent, lost); returns the actions of the documents planned again."""
        ctx = self._ctx
        ledger = ctx.writable()
        actual = find_actuals(self._reader, self._ctx.options, lookups, built, rows)
        replan: list[tuple[SourceDocument, Built]] = []
        for action in lookups:
            key = (action.source_kind, action.source_id)
            doc, posting = built[key]
            row = rows[key]
            view = view_of(row)
            assert view is not None
            settled = settle_document(doc, posting, view, actual.get(key), ctx.options)
            if settled.outcome == "lost":
                assert settled.blocker is not None
                self._lost_document(doc, row, settled.blocker)
            elif settled.outcome == "resend":
                assert settled.resend is not None
                if settled.resend.action == "reverse":
                    found = actual.get(key)
                    if found is not None:
                        self._removal(key, doc, found)
                    if key not in self._removals:
                        blocker = change_blocker(settled.resend, doc, found, ctx.options)
                        assert blocker is not None  # no function: a closed period
                        self._lost_document(doc, row, blocker)
                        continue
                self._send(
                    settled.resend, doc, row, sends, resend=True, line_count=settled.line_count
                )
            elif settled.outcome == "absent":
                ledger.mark_absent(doc.kind, doc.id)
            else:
                found = settled.adopt
                keys = None if found is None else _target_keys(found)
                confirmed = ledger.confirm(doc.kind, doc.id, keys)
                if found is None:  # a reversal Intacct already holds
                    ctx.wrote(doc.kind, doc.id, "adopted", row=confirmed, number=doc.number)
                else:
                    ctx.wrote(
                        doc.kind,
                        doc.id,
                        "adopted",
                        row=confirmed,
                        number=doc.number,
                        amount=doc.total,
                        currency=doc.currency,
                    )
            if settled.replan:
                replan.append((doc, posting))
        if not replan:
            return []
        fresh = self._rows(doc for doc, _ in replan)
        views = {key: view for key, row in fresh.items() if (view := view_of(row)) is not None}
        rows.update(fresh)
        plan = plan_documents(replan, views, ctx.options, held_customers=customers.held)
        return [a for a in plan.documents if a.action != "lookup_first"]

    def _lost_document(self, doc: SourceDocument, row: LedgerRow, blocker: Blocker) -> None:
        self._ctx.writable().mark_absent(doc.kind, doc.id)
        self._ctx.record_failure(
            doc.kind,
            doc.id,
            doc.number,
            row.version_hash,
            RecordFailure(blocker.message, code="conflict", field="document", hint=blocker.fix),
            status="conflict",
        )


def _target_keys(found: ActualDocument) -> TargetKeys:
    return TargetKeys(key=found.record_key, number=found.invoice_number, entity=found.entity_id)


def _skip(doc: SourceDocument, reason: str) -> DocumentAction:
    return DocumentAction("skip", doc.kind, doc.id, doc.number, None, reason)
