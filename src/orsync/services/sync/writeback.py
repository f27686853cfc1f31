"""Intacct -> OfficeRnD: where each document lives in Intacct, or why Intacct refused it,
written into the OfficeRnD document's ``accounting`` block (``PATCH /payments/{id}``).

On when Intacct numbers the documents (``numbering: intacct``). At the end of a run the desk
walks the ledger rows of documents touched since the last run that finished (so a run killed
before its write-backs leaves nothing behind) and asks ``engine.writeback`` what each needs;
every write has its ledger row (kind ``writeback``) committed ``sending`` before the PATCH,
and an answer that never came is settled by reading the document back before anything is sent
again. The block is written once per state of the document in Intacct: a write-back already
done is never repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from orsync.engine.writeback import (
    DOCUMENT_KINDS,
    WRITEBACK_KIND,
    WRITEBACK_PROVIDER,
    Writeback,
    plan_writeback,
    settle_writeback,
    writeback_for,
)
from orsync.errors import RecordError
from orsync.officernd import AccountingLink, OfficeRndClient
from orsync.officernd.errors import OfficeRndUnconfirmed
from orsync.services.sync.context import RunContext, view_of
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status

CHUNK = 200


class WritebackDesk:
    """Writes the accounting blocks of one run's documents (never in a dry run)."""

    def __init__(
        self,
        ctx: RunContext,
        *,
        external_org_id: str,
        writer: Callable[[], OfficeRndClient],
    ) -> None:
        self.ctx = ctx
        self.external_org_id = external_org_id
        self._writer = writer
        self.written = 0

    def run(self, rows: Iterable[LedgerRow]) -> None:
        """``rows``: ledger rows touched since the last finished run (any kind; documents
        are picked out here)."""
        for chunk in _chunks(r for r in rows if r.kind in DOCUMENT_KINDS):
            wanted = [
                w
                for r in chunk
                if (view := view_of(r)) is not None
                and (w := writeback_for(r.source_id, view)) is not None
            ]
            done = self.ctx.lookups.get_many(WRITEBACK_KIND, [w.document_id for w in wanted])
            for item in wanted:
                self._one(item, done.get(item.document_id))

    def _one(self, wanted: Writeback, row: LedgerRow | None) -> None:
        ledger = self.ctx.writable()
        if row is not None and row.status in (Status.UNCONFIRMED, Status.SENDING):
            if row.status is Status.SENDING:  # a run that stopped mid-write: outcome unknown
                row = ledger.mark_unconfirmed(
                    WRITEBACK_KIND,
                    wanted.document_id,
                    RecordFailure("the run stopped while this write-back was in flight"),
                )
            if self._settle(wanted, row):
                return
        if plan_writeback(wanted, view_of(row)) == "skip":
            return
        ledger.mark_sending(WRITEBACK_KIND, wanted.document_id, wanted.version, action="writeback")
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
        )
        if row.version_hash != wanted.version:
            # What was in doubt is no longer what OfficeRnD should show: plan anew.
            ledger.mark_absent(WRITEBACK_KIND, wanted.document_id)
            return False
        if verdict == "confirm":
            ledger.confirm(WRITEBACK_KIND, wanted.document_id)
            self.written += 1
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
            last_sync=dt.datetime.now(dt.UTC),
            error=wanted.error,
        )
        try:
            self._writer().update_invoice_accounting(wanted.document_id, link)
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
            return
        except RecordError as refused:
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
            return
        ledger.confirm(WRITEBACK_KIND, wanted.document_id)
        self.written += 1


def _chunks(rows: Iterator[LedgerRow]) -> Iterator[list[LedgerRow]]:
    chunk: list[LedgerRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
