"""Allocations: OfficeRnD's credit allocated to invoices, applied in Intacct (``apply_arpayment``).

The credit notes read in the run (and those whose allocations earlier runs held or left in
doubt, read again by id) carry their allocations (``target`` = the invoice). Per batch: the
ledger rows read once; applications whose answer was lost are looked up by their memo
(``engine.allocations.settle_application``); the credits and invoices read from Intacct
(what is left on each); each allocation planned (``engine.allocations.plan_allocation``);
rows committed ``sending`` before the request leaves, one request per entity. An allocation
whose credit or invoice is not in Intacct yet is held (``failed`` with code
``allocation_held``) and tried again by every run until it is. Allocations orsync applied that
OfficeRnD no longer has are found from the ledger rows under the credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TypeVar

from orsync.engine.allocations import (
    ALLOCATION_KIND,
    AllocationPlan,
    Application,
    CreditInIntacct,
    FoundApplication,
    OpenInvoice,
    SourceAllocation,
    application_memo,
    plan_allocation,
    settle_application,
)
from orsync.engine.canonical import version_hash
from orsync.intacct import Failed, Succeeded
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.legacy import PaymentApplication, apply_arpayment
from orsync.intacct.xml.response import Record
from orsync.officernd import PaymentDocument
from orsync.services.sync.context import RunContext, numbered, view_of
from orsync.services.sync.reading import documents_by_id
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status, TargetKeys, utc_now

ALLOCATION_HELD = "allocation_held"
CREDIT_TYPES = ("creditNote", "overpayment")
CREDIT_KINDS = {"creditNote": "credit_note", "overpayment": "overpayment"}
# Where each credit is read back: credit memos as AR adjustments, advances as AR payments
# (what is left of an advance as TRX_TOTALDUE: UNVERIFIED, as on AR documents).
CREDIT_OBJECTS = {"credit_note": "ARADJUSTMENT", "overpayment": "ARPYMT"}
DUE_FIELDS = ("RECORDNO", "CUSTOMERID", "CURRENCY", "TRX_TOTALDUE", "STATE")
APPLICATION_FIELDS = ("RECORDNO", "DESCRIPTION", "STATE", "TRX_TOTALENTERED", "TOTALENTERED")
BATCH = 500


def allocations_of(record: PaymentDocument) -> list[SourceAllocation]:
    """The allocations a credit note carries (on a credit, ``target`` is the invoice)."""
    if record.document_type not in CREDIT_TYPES:
        return []
    return [
        SourceAllocation(
            allocation_id=item.id,
            credit_id=record.id,
            invoice_id=str(item.target or ""),
            amount=item.amount,
            credit_type=record.document_type or "creditNote",
        )
        for item in record.allocations
        if item.target
    ]


@dataclass
class _Item:
    allocation: SourceAllocation
    number: str
    application: Application
    function: Function


class AllocationDesk:
    """Plans and applies the allocations of one run (``ctx.dry_run``: plans only)."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._noted: dict[str, SourceAllocation] = {}
        self._credits: dict[str, str] = {}  # credit id -> its OfficeRnD number
        self._seen: set[str] = set()
        self._planned: set[str] | None = None  # a dry run's documents posted by the run

    @property
    def enabled(self) -> bool:
        """Credit allocations are applied on every AR profile: ``apply_arpayment`` moves no
        money, so unlike payments and overpayments they need no ``payment_methods`` (no bank
        account). Sales credits post through Order Entry: applied there, not by orsync."""
        return self.ctx.options.invoice_type == "ar"

    # -- what to plan ---------------------------------------------------------------------

    def note(self, records: Iterable[PaymentDocument]) -> None:
        """Credit notes read in the run: their allocations are planned by :meth:`run`."""
        for record in records:
            if record.document_type not in CREDIT_TYPES:
                continue
            self._credits[record.id] = record.number or record.id
            for allocation in allocations_of(record):
                self._noted[allocation.source_id] = allocation

    def again(self, source_ids: Iterable[str]) -> None:
        """Allocations earlier runs held or left in doubt: their credits read again by id."""
        credit_ids = sorted({sid.partition("/")[0] for sid in source_ids} - set(self._credits))
        for chunk in documents_by_id(self.ctx.officernd, credit_ids):
            self.note(chunk)
        for credit_id in credit_ids:
            self._credits.setdefault(credit_id, credit_id)  # gone from OfficeRnD

    def run(self) -> None:
        if not self.enabled:
            return
        removed = [
            SourceAllocation(
                row.source_id.partition("/")[2],
                row.source_id.partition("/")[0],
                "",
                None,
                removed=True,
            )
            for row in self.ctx.lookups.rows_under(ALLOCATION_KIND, sorted(self._credits))
            if row.source_id not in self._noted and row.confirmed_version is not None
        ]
        pending = [*self._noted.values(), *removed]
        for start in range(0, len(pending), BATCH):
            self._process(pending[start : start + BATCH])

    # -- one batch ------------------------------------------------------------------------

    def _process(self, allocations: Sequence[SourceAllocation]) -> None:
        ctx = self.ctx
        allocations = [a for a in allocations if a.source_id not in self._seen]
        self._seen.update(a.source_id for a in allocations)
        rows = ctx.lookups.get_many(ALLOCATION_KIND, [a.source_id for a in allocations])
        credit_rows: dict[str, LedgerRow] = {}
        for kind in CREDIT_OBJECTS:
            wanted = {a.credit_id for a in allocations if CREDIT_KINDS[a.credit_type] == kind}
            credit_rows.update(ctx.lookups.get_many(kind, wanted))
        invoice_rows = ctx.lookups.get_many("invoice", {a.invoice_id for a in allocations})
        rows = self._settle(allocations, rows, invoice_rows)
        credits = self._credits_in_intacct(credit_rows.values())
        invoices = self._invoices_in_intacct(invoice_rows.values())
        sending: list[_Item] = []
        for allocation in allocations:
            row = rows.get(allocation.source_id)
            if row is not None and row.status in (Status.SENDING, Status.UNCONFIRMED):
                continue  # settled above, or left for the next run's lookup
            number = self._number(allocation, invoice_rows)
            credit_row = credit_rows.get(allocation.credit_id)
            invoice_row = invoice_rows.get(allocation.invoice_id)
            credit = _with_entity(credits, credit_row)
            invoice = _with_entity(invoices, invoice_row)
            plan = plan_allocation(
                allocation,
                view_of(row),
                credit=credit,
                invoice=invoice,
                today=utc_now().date(),
                options=ctx.options,
            )
            if plan.decision == "held" and self._posted_by_this_run(allocation):
                # A dry run: the run would post the credit (or invoice) first, then apply.
                reason = "applied once this run posts its credit note or invoice"
                self._log("create", allocation, number, None, reason, row)
                ctx.summary.count("payments", "applied")
                continue
            if plan.decision != "create" or plan.application is None:
                self._count(allocation, row, plan, number)
                continue
            assert credit is not None and invoice is not None
            amount = plan.application.amount
            # Several allocations of one credit or to one invoice in a batch: each is checked
            # against what the others leave.
            credits[credit.key] = replace(credits[credit.key], available=credit.available - amount)
            invoices[invoice.key] = replace(
                invoices[invoice.key], total_due=invoice.total_due - amount
            )
            self._log("create", allocation, number, plan.version, plan.reason, row)
            if ctx.dry_run:
                ctx.summary.count("payments", "applied")
                continue
            assert plan.version is not None
            sent = ctx.writable().mark_sending(
                ALLOCATION_KIND, allocation.source_id, plan.version, action="create", number=number
            )
            assert sent.controlid is not None
            sending.append(
                _Item(allocation, number, plan.application, _function(plan.application, sent))
            )
        self._send(sending)

    def _posted_by_this_run(self, allocation: SourceAllocation) -> bool:
        """In a dry run: whether the plan posts the allocation's missing credit or invoice."""
        if self.ctx.plan is None:
            return False
        if self._planned is None:
            self._planned = {
                a.source_id for a in self.ctx.plan.documents if a.action in ("create", "adopt")
            }
        return bool({allocation.credit_id, allocation.invoice_id} & self._planned)

    def _number(self, allocation: SourceAllocation, invoice_rows: dict[str, LedgerRow]) -> str:
        credit = self._credits.get(allocation.credit_id, allocation.credit_id)
        row = invoice_rows.get(allocation.invoice_id)
        invoice = (row.target.number if row is not None else None) or allocation.invoice_id
        return f"{credit} allocated to {invoice}" if allocation.invoice_id else credit

    # -- reading Intacct ------------------------------------------------------------------

    def _credits_in_intacct(self, rows: Iterable[LedgerRow]) -> dict[str, CreditInIntacct]:
        found: dict[str, CreditInIntacct] = {}
        rows = list(rows)
        for kind, obj in CREDIT_OBJECTS.items():
            # A credit memo's amount due is negative; an advance's is what is left of it.
            sign = -1 if kind == "credit_note" else 1
            for record in self._read(obj, [r for r in rows if r.kind == kind]):
                key = record.get("RECORDNO") or ""
                found[key] = CreditInIntacct(
                    key=key,
                    customer_id=record.get("CUSTOMERID") or "",
                    currency=record.get("CURRENCY") or "",
                    available=sign * Decimal(record.get("TRX_TOTALDUE") or "0"),
                )
        return found

    def _invoices_in_intacct(self, rows: Iterable[LedgerRow]) -> dict[str, OpenInvoice]:
        found: dict[str, OpenInvoice] = {}
        for record in self._read("ARINVOICE", rows):
            key = record.get("RECORDNO") or ""
            found[key] = OpenInvoice(
                key=key,
                customer_id=record.get("CUSTOMERID") or "",
                currency=record.get("CURRENCY") or "",
                total_due=Decimal(record.get("TRX_TOTALDUE") or "0"),
            )
        return found

    def _read(self, obj: str, rows: Iterable[LedgerRow]) -> list[Record]:
        keys = sorted(
            {r.target.key for r in rows if r.target.key and r.confirmed_version is not None}
        )
        if not keys:
            return []
        return [
            record
            for record in self.ctx.intacct.query_in(
                obj, "RECORDNO", keys, DUE_FIELDS, show_private=True
            )
            if record.get("STATE") not in ("Reversed", "Draft")
        ]

    # -- plans that write nothing ---------------------------------------------------------

    def _count(
        self, allocation: SourceAllocation, row: LedgerRow | None, plan: AllocationPlan, number: str
    ) -> None:
        ctx = self.ctx
        sid = allocation.source_id
        if plan.decision == "held":
            ctx.summary.count("payments", "held", record=(ALLOCATION_KIND, sid))
            self._log("skip", allocation, number, None, f"held: {plan.reason}", row)
            failure = RecordFailure(plan.reason, code=ALLOCATION_HELD, field="allocation")
            if not ctx.dry_run and (
                row is None or row.error is None or row.error.code != ALLOCATION_HELD
            ):
                ctx.writable().fail(
                    ALLOCATION_KIND, sid, failure, version_hash=version_hash("allocation held")
                )
            return
        if plan.decision == "failed":
            failure = RecordFailure(
                plan.reason, code="allocation_refused", field="allocation", hint=plan.fix
            )
            ctx.record_failure(ALLOCATION_KIND, sid, number, version_hash(plan.reason), failure)
            self._log("failed", allocation, number, None, plan.reason, row, fix=plan.fix)
            return
        outcome = "unchanged" if plan.reason == "unchanged" else "skipped"
        ctx.summary.count("payments", outcome, record=(ALLOCATION_KIND, sid))
        self._log("skip", allocation, number, None, plan.reason, row)

    def _log(
        self,
        action: str,
        allocation: SourceAllocation,
        number: str,
        version: str | None,
        reason: str,
        row: LedgerRow | None,
        *,
        fix: str | None = None,
    ) -> None:
        if self.ctx.plan is not None:
            self.ctx.plan.money_action(
                action,
                ALLOCATION_KIND,
                allocation.source_id,
                number,
                version,
                reason,
                row.target.key if row is not None else None,
                fix,
            )

    # -- sending and outcomes -------------------------------------------------------------

    def _send(self, items: list[_Item]) -> None:
        by_entity: dict[str | None, list[_Item]] = {}
        for item in items:
            by_entity.setdefault(item.application.entity, []).append(item)
        for entity, group in by_entity.items():
            try:
                outcomes = self.ctx.pipeline.write_now(
                    [item.function for item in group], entity=entity
                )
            except BaseException as error:
                for item in group:
                    self._unconfirmed(item, f"the request failed before its answer came: {error}")
                raise
            with self.ctx.writable().batch():
                for item, outcome in zip(group, outcomes, strict=True):
                    self._outcome(item, outcome)

    def _outcome(self, item: _Item, outcome: object) -> None:
        ctx = self.ctx
        ledger = ctx.writable()
        sid = item.allocation.source_id
        if isinstance(outcome, Succeeded):
            row = ledger.confirm(
                ALLOCATION_KIND, sid, TargetKeys(key=outcome.key, entity=item.application.entity)
            )
            ctx.wrote(ALLOCATION_KIND, sid, "applied", row=row, number=item.number)
        elif isinstance(outcome, Failed):
            error = outcome.as_error()
            failure = RecordFailure(
                error.message, code=error.code, field="allocation", hint=error.hint or None
            )
            ledger.fail(ALLOCATION_KIND, sid, numbered(item.number, failure))
            self._problem(sid, item.number, failure)
        else:
            self._unconfirmed(item, getattr(outcome, "reason", "no answer"))

    def _unconfirmed(self, item: _Item, reason: str) -> None:
        ledger = self.ctx.writable()
        row = ledger.get(ALLOCATION_KIND, item.allocation.source_id)
        if row is None or row.status is not Status.SENDING:
            return
        ledger.mark_unconfirmed(
            ALLOCATION_KIND,
            item.allocation.source_id,
            RecordFailure(
                f"{item.number}: {reason}",
                code="unconfirmed",
                hint="The next sync looks the application up in Intacct before sending it again.",
            ),
        )

    def _problem(
        self, source_id: str, number: str, failure: RecordFailure, status: str = "failed"
    ) -> None:
        self.ctx.summary.problem(
            RecordProblem(
                "payments",
                "conflict" if status == "conflict" else "failed",
                ALLOCATION_KIND,
                source_id,
                number,
                failure.message,
                field=failure.field,
                fix=failure.hint,
            )
        )

    # -- settling lost answers ------------------------------------------------------------

    def _settle(
        self,
        allocations: Sequence[SourceAllocation],
        rows: dict[str, LedgerRow],
        invoice_rows: dict[str, LedgerRow],
    ) -> dict[str, LedgerRow]:
        """Applications whose answer was lost: looked up by memo, then confirmed, sent again
        with the same controlid, or reported (never a second application)."""
        doubtful = [
            a
            for a in allocations
            if (row := rows.get(a.source_id)) is not None
            and row.status in (Status.UNCONFIRMED, Status.SENDING)
        ]
        if not doubtful:
            return rows
        if self.ctx.dry_run:
            for allocation in doubtful:
                number = self._number(allocation, invoice_rows)
                self._log("lookup_first", allocation, number, None, "looked up first", None)
            return rows
        found = self._look_up([application_memo(a.allocation_id) for a in doubtful])
        ledger = self.ctx.writable()
        for allocation in doubtful:
            row = rows[allocation.source_id]
            number = self._number(allocation, invoice_rows)
            if row.status is Status.SENDING:
                # Killed between the commit and the answer: unknown, as a lost answer is.
                row = ledger.mark_unconfirmed(
                    ALLOCATION_KIND,
                    allocation.source_id,
                    RecordFailure(f"{number}: no answer recorded", code="unconfirmed"),
                )
            amount = allocation.amount or Decimal(0)
            verdict = settle_application(
                found.get(application_memo(allocation.allocation_id), []), amount
            )
            if verdict.outcome == "confirm":
                rows[allocation.source_id] = ledger.confirm(
                    ALLOCATION_KIND, allocation.source_id, TargetKeys(key=verdict.key)
                )
                self.ctx.wrote(
                    ALLOCATION_KIND,
                    allocation.source_id,
                    "applied",
                    row=rows[allocation.source_id],
                    number=number,
                )
            elif verdict.outcome == "resend":
                # Absent: planned again from what OfficeRnD says now; the same version goes
                # out with the same (deterministic) controlid, a changed one as a new write.
                ledger.mark_absent(ALLOCATION_KIND, allocation.source_id)
                rows.pop(allocation.source_id, None)
            else:
                self._problem(
                    allocation.source_id,
                    number,
                    RecordFailure(
                        verdict.reason,
                        code="allocation_lost",
                        hint="Compare the application in Intacct with the allocation in OfficeRnD.",
                    ),
                    status="conflict",
                )
        return rows

    def _look_up(self, memos: list[str]) -> dict[str, list[FoundApplication]]:
        found: dict[str, list[FoundApplication]] = {}
        for record in self.ctx.intacct.query_in(
            "ARPYMT", "DESCRIPTION", memos, APPLICATION_FIELDS, show_private=True
        ):
            memo = record.get("DESCRIPTION") or ""
            amount = record.get("TRX_TOTALENTERED") or record.get("TOTALENTERED") or "0"
            found.setdefault(memo, []).append(
                FoundApplication(
                    key=record.get("RECORDNO") or "",
                    amount=Decimal(amount),
                    reversed=record.get("STATE") == "Reversed",
                    memo=memo,
                )
            )
        return found


_Held = TypeVar("_Held", CreditInIntacct, OpenInvoice)


def _with_entity(found: dict[str, _Held], row: LedgerRow | None) -> _Held | None:
    if row is None or row.target.key is None or row.target.key not in found:
        return None
    return replace(found[row.target.key], entity=row.target.entity)


def _function(application: Application, sent: LedgerRow) -> Function:
    assert sent.controlid is not None
    return apply_arpayment(
        PaymentApplication(
            payment_key=application.credit_key,
            payment_date=application.payment_date,
            applications=((application.invoice_key, application.amount),),
            memo=application.memo,
        ),
        sent.controlid,
        record=sent.source_id,
    )
