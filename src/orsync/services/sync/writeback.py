"""Intacct -> OfficeRnD: where each document lives in Intacct, or why Intacct refused it,
written into the OfficeRnD document's ``accounting`` block (``PATCH /payments/{id}``).

On when Intacct numbers the documents (``numbering: intacct``). At the end of a run the desk
walks the ledger rows of documents touched since the last run that finished (so a run killed
before its write-backs leaves nothing behind) and asks ``engine.writeback`` what each needs;
every write has its ledger row (kind ``writeback``) committed ``sending`` before the PATCH,
and an answer that never came is settled by reading the document back before anything is sent
again. The block is written once per state of the document in Intacct: a write-back already
done is never repeated.

A posted document also gets Intacct's number in OfficeRnD's ``number`` and Intacct's web
address in ``accounting.deepLink`` (both in the row's version). The number is read from
Intacct by the reference the document was sent under (the Sales document id carries it); the
row's ``mark_sending`` records it as the row's number, which is how a later read knows that a
document showing it is the one posted under its first number (``engine.identity_number``). If
OfficeRnD refuses ``number`` on PATCH (unverified), the block goes alone, the refusal is said
once in the run's problems and remembered, and later write-backs leave the number out.

A dry run writes nothing: the plan lists the write-backs a real run would make.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from orsync.engine.model import PostingKind
from orsync.engine.writeback import (
    DOCUMENT_KINDS,
    WRITEBACK_KIND,
    WRITEBACK_PROVIDER,
    Writeback,
    plan_writeback,
    settle_writeback,
    without_number,
    writeback_for,
)
from orsync.errors import RecordError
from orsync.intacct import document_link
from orsync.officernd import AccountingLink, BillingLocked, NumberNotWritable, OfficeRndClient
from orsync.officernd.errors import OfficeRndUnconfirmed
from orsync.services.convert import IntacctDocuments
from orsync.services.sync.context import RunContext, view_of
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status

CHUNK = 200
ACTION = "writeback"
# The row's action when OfficeRnD refused the document's number (its billing lock) and took
# the accounting block alone: that block is the write-back done.
WITHOUT_NUMBER = "writeback_without_number"


class WritebackDesk:
    """Writes the accounting blocks (and Intacct numbers) of one run's documents; a dry run
    only counts them into the plan."""

    def __init__(
        self,
        ctx: RunContext,
        *,
        external_org_id: str,
        intacct_url: str,
        writer: Callable[[], OfficeRndClient],
        numbers_refused: Callable[[], bool] = lambda: False,
        remember_numbers_refused: Callable[[], None] = lambda: None,
    ) -> None:
        self.ctx = ctx
        self.external_org_id = external_org_id
        self.intacct_url = intacct_url
        self._writer = writer
        self._numbers_refused = numbers_refused
        self._remember_refusal = remember_numbers_refused
        self._write_numbers: bool | None = None  # read once per run
        self._reader: IntacctDocuments | None = None
        self.written = 0

    @property
    def write_numbers(self) -> bool:
        if self._write_numbers is None:
            self._write_numbers = not self._numbers_refused()
        return self._write_numbers

    def run(self, rows: Iterable[LedgerRow]) -> None:
        """``rows``: ledger rows touched since the last finished run (any kind; documents
        are picked out here)."""
        for chunk in _chunks(r for r in rows if r.kind in DOCUMENT_KINDS):
            numbers = self._intacct_numbers(chunk) if self.write_numbers else {}
            wanted = [
                w
                for r in chunk
                if (view := view_of(r)) is not None
                and (
                    w := writeback_for(
                        r.source_id,
                        view,
                        number=numbers.get((r.kind, r.source_id)),
                        deep_link=self._link(r),
                    )
                )
                is not None
            ]
            done = self.ctx.lookups.get_many(WRITEBACK_KIND, [w.document_id for w in wanted])
            for item in wanted:
                if self.ctx.dry_run:
                    self._plan(item, done.get(item.document_id))
                else:
                    self._one(item, done.get(item.document_id))

    def _posting_kind(self, kind: str) -> PostingKind:
        if self.ctx.options.invoice_type == "sales":
            return "so_invoice" if kind == "invoice" else "so_credit"
        return "ar_invoice" if kind == "invoice" else "ar_credit_memo"

    def _link(self, row: LedgerRow) -> str | None:
        if row.target.key is None:
            return None
        return document_link(
            self.intacct_url, self.external_org_id, self._posting_kind(row.kind), row.target.key
        )

    def _intacct_numbers(self, rows: list[LedgerRow]) -> dict[tuple[str, str], str]:
        """Intacct's number of each posted document: the ledger's when it has one (Sales),
        else read from Intacct by the reference the document was sent under."""
        numbers: dict[tuple[str, str], str] = {}
        unknown: list[LedgerRow] = []
        for row in rows:
            if row.status is not Status.CONFIRMED or row.target.key is None:
                continue
            if row.target.number:
                numbers[(row.kind, row.source_id)] = row.target.number
            else:
                unknown.append(row)
        if not unknown:
            return numbers
        sent_under = self.ctx.lookups.source_numbers(unknown)
        by_kind: dict[PostingKind, dict[str, LedgerRow]] = {}
        for row in unknown:
            reference = sent_under.get((row.kind, row.source_id))
            if reference:
                by_kind.setdefault(self._posting_kind(row.kind), {})[reference] = row
        if self._reader is None:
            intacct = self.ctx.intacct
            self._reader = IntacctDocuments(
                intacct, self.ctx.options, max_in_flight=intacct.max_in_flight
            )
        for kind, by_reference in by_kind.items():
            for actual in self._reader.by_reference(by_reference, kinds=(kind,)):
                posted = by_reference.get(actual.reference or "")
                if posted is None or actual.record_key != posted.target.key:
                    continue
                if actual.invoice_number:
                    numbers[(posted.kind, posted.source_id)] = actual.invoice_number
        return numbers

    def _plan(self, wanted: Writeback, row: LedgerRow | None) -> None:
        """Dry run: what the real run would write back (a write in doubt counts as one)."""
        plan = self.ctx.plan
        if plan is None:
            return
        if row is not None and row.status in (Status.UNCONFIRMED, Status.SENDING):
            plan.writebacks.append(wanted.document_id)
            return
        if plan_writeback(wanted, view_of(row), number_refused=_number_refused(row)) == "write":
            plan.writebacks.append(wanted.document_id)

    def _one(self, wanted: Writeback, row: LedgerRow | None) -> None:
        ledger = self.ctx.writable()
        if wanted.number is not None and not self.write_numbers:  # refused earlier this run
            wanted = dataclasses.replace(wanted, number=None)
        if row is not None and row.status in (Status.UNCONFIRMED, Status.SENDING):
            if row.status is Status.SENDING:  # a run that stopped mid-write: outcome unknown
                row = ledger.mark_unconfirmed(
                    WRITEBACK_KIND,
                    wanted.document_id,
                    RecordFailure("the run stopped while this write-back was in flight"),
                )
            if self._settle(wanted, row):
                return
        if plan_writeback(wanted, view_of(row), number_refused=_number_refused(row)) == "skip":
            return
        ledger.mark_sending(
            WRITEBACK_KIND, wanted.document_id, wanted.version, action=ACTION, number=wanted.number
        )
        self._send(wanted)

    def _settle(self, wanted: Writeback, row: LedgerRow) -> bool:
        """True when the lost write is settled (confirmed, or sent again)."""
        ledger = self.ctx.writable()
        document = self._writer().get_payment(wanted.document_id)
        shown = document.accounting if document is not None else None
        verdict = settle_writeback(
            wanted,
            shown.provider_id if shown is not None else None,
            shown.error if shown is not None else None,
            document.number if document is not None else None,
        )
        if row.version_hash != wanted.version:
            # What was in doubt is no longer what OfficeRnD should show: plan anew.
            ledger.mark_absent(WRITEBACK_KIND, wanted.document_id)
            return False
        if verdict == "confirm":
            ledger.confirm(WRITEBACK_KIND, wanted.document_id)
            self._written(wanted)
            return True
        ledger.resend(WRITEBACK_KIND, wanted.document_id)
        self._send(wanted)
        return True

    def _send(self, wanted: Writeback) -> None:
        ledger = self.ctx.writable()
        link = AccountingLink(
            provider=WRITEBACK_PROVIDER,
            provider_id=wanted.provider_id,
            external_org_id=self.external_org_id,
            deep_link=wanted.deep_link,
            last_sync=dt.datetime.now(dt.UTC),
            error=wanted.error,
        )
        try:
            self._writer().update_invoice_accounting(wanted.document_id, link, number=wanted.number)
        except OfficeRndUnconfirmed as unknown:
            ledger.mark_unconfirmed(
                WRITEBACK_KIND,
                wanted.document_id,
                RecordFailure(
                    unknown.message,
                    code="unconfirmed",
                    hint="The next sync reads the document back before writing it again.",
                ),
            )
            self.ctx.summary.writebacks["unconfirmed"] += 1
            return
        except NumberNotWritable as refused:
            # Nothing was written: the block goes alone, now and in every later run.
            self._numbers_not_writable(refused)
            self._send_alone(wanted, refused, ACTION)
            return
        except BillingLocked as refused:
            if wanted.number is None:
                self._refused(wanted, refused)
                return
            # The document is in OfficeRnD's locked period: its number stays, its accounting
            # block (exempt from the lock) still says where it lives in Intacct.
            self._send_alone(wanted, refused, WITHOUT_NUMBER)
            return
        except RecordError as refused:
            self._refused(wanted, refused)
            return
        ledger.confirm(WRITEBACK_KIND, wanted.document_id)
        self._written(wanted)

    def _send_alone(self, wanted: Writeback, refused: RecordError, action: str) -> None:
        """The number was refused and nothing written: the accounting block goes alone."""
        ledger = self.ctx.writable()
        alone = without_number(wanted)
        ledger.fail(WRITEBACK_KIND, wanted.document_id, RecordFailure(refused.message))
        ledger.mark_sending(WRITEBACK_KIND, alone.document_id, alone.version, action=action)
        self._send(alone)

    def _refused(self, wanted: Writeback, refused: RecordError) -> None:
        ledger = self.ctx.writable()
        failure = RecordFailure(
            f"OfficeRnD refused the accounting write-back: {refused.message}",
            code="writeback_refused",
            field="accounting",
            hint=refused.hint,
        )
        ledger.fail(WRITEBACK_KIND, wanted.document_id, failure)
        self.ctx.summary.problem(
            RecordProblem(
                "invoices",
                "failed",
                WRITEBACK_KIND,
                wanted.document_id,
                wanted.document_id,
                failure.message,
                field=failure.field,
                fix=failure.hint,
            )
        )
        self.ctx.summary.writebacks["failed"] += 1

    def _written(self, wanted: Writeback) -> None:
        """Counted in the summary and kept for ``orsync status --run``."""
        self.written += 1
        self.ctx.summary.writebacks["written"] += 1
        if self.ctx.writes is not None:
            self.ctx.writes.record(
                WRITEBACK_KIND,
                wanted.document_id,
                "written",
                number=wanted.number,
                target_key=wanted.provider_id,
            )

    def _numbers_not_writable(self, refused: NumberNotWritable) -> None:
        """Said once in the run's problems (not per document) and remembered."""
        if not self.write_numbers:
            return
        self._write_numbers = False
        self._remember_refusal()
        self.ctx.summary.problem(
            RecordProblem(
                "invoices",
                "failed",
                WRITEBACK_KIND,
                "number",
                "-",
                refused.message + " (written back without the number from now on)",
                field="number",
                fix=refused.hint,
            )
        )


def _number_refused(row: LedgerRow | None) -> bool:
    return row is not None and row.action == WITHOUT_NUMBER


def _chunks(rows: Iterator[LedgerRow]) -> Iterator[list[LedgerRow]]:
    chunk: list[LedgerRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
