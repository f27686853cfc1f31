"""What each document write came to: confirm, fail with Intacct's words, or mark unconfirmed.

Called by the write pipeline on the run's own thread, one completed request batch at a time,
inside one ledger transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orsync.engine import SourceDocument
from orsync.intacct import Failed, Outcome, Succeeded
from orsync.intacct.xml.function import Function
from orsync.services.sync.context import RunContext, numbered
from orsync.services.sync.summary import RecordProblem, stage_of
from orsync.state import RecordFailure, Status, TargetKeys


@dataclass(frozen=True)
class WriteTag:
    """What the outcome of one queued function is about."""

    kind: str
    source_id: str
    number: str
    action: str  # create / update / reverse
    entity: str | None
    invoice_number: str | None
    definition: str | None
    amount: Decimal | None = None  # the document's total, as OfficeRnD states it
    currency: str | None = None


class DocumentOutcomes:
    def __init__(self, ctx: RunContext, unsettled: dict[tuple[str, str], SourceDocument]) -> None:
        self._ctx = ctx
        # Documents sent and not yet answered; what is left after a flush went unconfirmed.
        self.unsettled = unsettled
        # Creates Intacct refused as dated in a closed period, under policy shift: sent again
        # by the runner once it has learned the period (``Runner._retry_closed_periods``).
        self.closed_refused: dict[tuple[str, str], tuple[SourceDocument, RecordProblem]] = {}

    def settled(self, settled: list[tuple[Outcome, WriteTag]]) -> None:
        ctx = self._ctx
        ledger = ctx.writable()
        with ledger.batch():
            for outcome, tag in settled:
                stage = stage_of(tag.kind)
                if isinstance(outcome, Succeeded):
                    row = ledger.confirm(tag.kind, tag.source_id, self._target(outcome, tag))
                    self.unsettled.pop((tag.kind, tag.source_id), None)
                    ctx.wrote(
                        tag.kind,
                        tag.source_id,
                        {"create": "created", "update": "updated"}.get(tag.action, "reversed"),
                        row=row,
                        number=tag.number,
                        amount=tag.amount,
                        currency=tag.currency,
                    )
                    ctx.progress.advance(stage)
                elif isinstance(outcome, Failed):
                    doc = self.unsettled.pop((tag.kind, tag.source_id), None)
                    self._failed(outcome, tag, doc)
                else:
                    self._unconfirmed(tag, outcome.reason)

    def lost(self, lost: list[tuple[Function, WriteTag]], error: BaseException) -> None:
        ledger = self._ctx.writable()
        with ledger.batch():
            for _function, tag in lost:
                self._unconfirmed(tag, f"the request failed: {error}")

    def _target(self, outcome: Succeeded, tag: WriteTag) -> TargetKeys:
        if tag.action != "create":
            return TargetKeys()
        key = outcome.key
        number = tag.invoice_number
        if number is None and key and tag.definition and key.startswith(f"{tag.definition}-"):
            number = key[len(tag.definition) + 1 :]
        return TargetKeys(key=key, number=number, entity=tag.entity)

    def _failed(self, outcome: Failed, tag: WriteTag, doc: SourceDocument | None) -> None:
        ledger = self._ctx.writable()
        error = outcome.as_error()
        hint = error.hint or None
        if outcome.is_duplicate_record and tag.action == "create":
            hint = (
                "Intacct already has a document with this number. If orsync posted it before "
                "(state lost), `orsync reconcile --rebuild-ledger` adopts it; otherwise renumber "
                "one of them."
            )
        failure = RecordFailure(error.message, code=error.code, field="document", hint=hint)
        ledger.fail(tag.kind, tag.source_id, numbered(tag.number, failure))
        problem = RecordProblem(
            stage_of(tag.kind),
            "failed",
            tag.kind,
            tag.source_id,
            tag.number,
            failure.message,
            field=failure.field,
            fix=hint,
        )
        if (
            doc is not None
            and tag.action == "create"
            and outcome.is_closed_period
            and self._ctx.options.closed_period_policy == "shift"
        ):
            # A period Intacct closed that the run did not know of (a subledger's own close):
            # nothing was posted; the runner learns the period and sends it again, shifted.
            self.closed_refused[(tag.kind, tag.source_id)] = (doc, problem)
            return
        self._ctx.summary.problem(problem)

    def _unconfirmed(self, tag: WriteTag, reason: str) -> None:
        ledger = self._ctx.writable()
        row = ledger.get(tag.kind, tag.source_id)
        if row is None or row.status is not Status.SENDING:
            return
        ledger.mark_unconfirmed(
            tag.kind,
            tag.source_id,
            numbered(
                tag.number,
                RecordFailure(
                    reason,
                    code="unconfirmed",
                    hint="The next sync looks the document up in Intacct before sending it again.",
                ),
            ),
        )
