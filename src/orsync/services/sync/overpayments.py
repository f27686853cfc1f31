"""Overpayments: money OfficeRnD received beyond what was due, posted to Intacct as advances.

Each OfficeRnD overpayment (``documentType: overpayment``) changed since the
``officernd.overpayments`` cursor (and those held or in doubt, read again by id) becomes one
``ARADVANCE`` (chosen over ``create_arpayment`` without items, whose outcome depends on the
customer's account type, and over ARPYMT's ``OVERPAYMENTAMOUNT``, which carries no account: the
reference says ARPYMT "cannot create advances (use ARADVANCE)"): received into the bank account
``payment_methods`` gives its method for the location's entity, credited to the profile's
overpayment account, referenced by the overpayment id (``DOCNUMBER``) and marked as orsync's.
Its allocations to invoices are then applied like credit notes' (``allocations.py``). The
ledger protocol is the payments': row ``sending`` before the request, a lost answer looked up
by reference (``engine.payments.settle_payment``) before anything is resent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from orsync.engine.allocations import (
    OVERPAYMENT_KIND,
    OVERPAYMENT_REVERSED,
    AdvancePosting,
    OverpaymentPlan,
    SourceOverpayment,
    plan_overpayment,
)
from orsync.engine.canonical import version_hash
from orsync.engine.payments import FoundPayment, settle_payment
from orsync.intacct import Failed, Succeeded
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.legacy import reverse_arpayment
from orsync.intacct.xml.objects import ArAdvance, create_aradvance
from orsync.mapping import Mapping, OfficeRndValue, PaymentTarget, resolve_payment_method
from orsync.officernd import PaymentDocument
from orsync.services.sync.context import RunContext, numbered, view_of
from orsync.services.sync.reading import documents_by_id
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status, TargetKeys, utc_now

OVERPAYMENT_HELD = "overpayment_held"
LOOKUP_FIELDS = ("RECORDNO", "DOCNUMBER", "DESCRIPTION", "STATE", "TRX_TOTALENTERED")


def source_overpayment(record: PaymentDocument) -> SourceOverpayment:
    return SourceOverpayment(
        overpayment_id=record.id,
        number=record.number or record.id,
        amount=record.total,
        currency=(record.currency or "").upper(),
        day=record.date.date() if record.date is not None else None,
        method=record.charge_method,
        status=record.status or "pending",
        location_id=record.location,
    )


@dataclass
class _Item:
    overpayment: SourceOverpayment
    function: Function
    entity: str | None  # the session it is sent in (None: top level)
    action: str = "create"  # or "reverse" (the overpayment voided or removed)
    amount: Decimal | None = None
    currency: str | None = None


class OverpaymentDesk:
    """Plans and posts the overpayments of one run (``ctx.dry_run``: plans only)."""

    def __init__(self, ctx: RunContext, mapping: Mapping, account: str | None) -> None:
        self.ctx = ctx
        self.mapping = mapping
        self.account = account
        self._seen: set[str] = set()

    def again(self, ids: Iterable[str]) -> None:
        """Overpayments earlier runs held or left in doubt, read again by id."""
        for chunk in documents_by_id(self.ctx.officernd, sorted(set(ids))):
            self.process(chunk)

    def process(self, records: Sequence[PaymentDocument]) -> None:
        ctx = self.ctx
        records = [
            r for r in records if r.document_type == "overpayment" and r.id not in self._seen
        ]
        if not records:
            return
        self._seen.update(r.id for r in records)
        rows = ctx.lookups.get_many(OVERPAYMENT_KIND, [r.id for r in records])
        resend: list[_Item] = []
        rows = self._settle(records, rows, resend)
        companies = ctx.lookups.get_many("company", {str(r.company) for r in records if r.company})
        members = ctx.lookups.get_many("member", {str(r.member) for r in records if r.member})
        sending: list[_Item] = resend
        for record in records:
            overpayment = source_overpayment(record)
            row = rows.get(record.id)
            if row is not None and row.status in (Status.SENDING, Status.UNCONFIRMED):
                continue  # left for the next run's lookup
            customer = (
                members.get(str(record.member))
                if record.member
                else companies.get(str(record.company))
            )
            customer_id = (
                customer.target.number
                if customer is not None and customer.confirmed_version is not None
                else None
            )
            location = ctx.resolver.location_target(record.location)
            owner = getattr(location, "entity_id", None)
            location_id = getattr(location, "location_id", None)
            session = owner if ctx.options.entity_level == "subsidiary" else None
            method, bank = self._deposit(overpayment.method, owner)
            plan = plan_overpayment(
                overpayment,
                view_of(row),
                customer_id=customer_id,
                payment_method=method,
                bank_account=bank,
                account=self.account,
                entity=session,
                options=ctx.options,
            )
            if plan.decision == "reverse" and row is not None:
                self._log("reverse", overpayment, plan.version, plan.reason, row)
                if ctx.dry_run:
                    ctx.summary.count("payments", "reversed")
                    continue
                sending.append(self._reverse(overpayment, row))
                continue
            if plan.decision != "create" or plan.posting is None:
                self._count(overpayment, row, plan)
                continue
            posting = replace(plan.posting, location_id=location_id)
            self._log("create", overpayment, plan.version, plan.reason, row)
            if ctx.dry_run:
                ctx.summary.count("payments", "received")
                continue
            assert plan.version is not None
            sent = ctx.writable().mark_sending(
                OVERPAYMENT_KIND,
                overpayment.overpayment_id,
                plan.version,
                action="create",
                number=overpayment.number,
            )
            assert sent.controlid is not None
            sending.append(
                _Item(
                    overpayment,
                    _function(posting, sent.controlid),
                    posting.entity,
                    amount=posting.amount,
                    currency=posting.currency,
                )
            )
        self._send(sending)

    def _reverse(self, overpayment: SourceOverpayment, row: LedgerRow) -> _Item:
        """The advance of a voided (or removed) overpayment reversed, the row committed
        ``sending`` with the reversed version first, so the reversal happens once."""
        assert row.target.key is not None
        sent = self.ctx.writable().mark_sending(
            OVERPAYMENT_KIND,
            overpayment.overpayment_id,
            OVERPAYMENT_REVERSED,
            action="reverse",
            number=overpayment.number,
        )
        assert sent.controlid is not None
        function = reverse_arpayment(
            row.target.key, utc_now().date(), sent.controlid, record=overpayment.number
        )
        return _Item(overpayment, function, row.target.entity, action="reverse")

    def _deposit(self, method: str | None, owner: str | None) -> tuple[str | None, str | None]:
        found = resolve_payment_method(self.mapping, OfficeRndValue(name=method))
        if not isinstance(found, PaymentTarget):
            return None, None
        by_entity = dict(found.bank_accounts)
        return found.payment_method, by_entity.get(owner or "", found.bank_account)

    # -- plans that write nothing ---------------------------------------------------------

    def _count(
        self, overpayment: SourceOverpayment, row: LedgerRow | None, plan: OverpaymentPlan
    ) -> None:
        ctx = self.ctx
        sid = overpayment.overpayment_id
        if plan.decision == "held":
            ctx.summary.count("payments", "held", record=(OVERPAYMENT_KIND, sid))
            self._log("skip", overpayment, None, f"held: {plan.reason}", row)
            if not ctx.dry_run and (
                row is None or row.error is None or row.error.code != OVERPAYMENT_HELD
            ):
                ctx.writable().fail(
                    OVERPAYMENT_KIND,
                    sid,
                    RecordFailure(plan.reason, code=OVERPAYMENT_HELD, field="overpayment"),
                    version_hash=version_hash("overpayment held"),
                )
            return
        if plan.decision == "failed":
            failure = RecordFailure(
                plan.reason, code="overpayment_refused", field="overpayment", hint=plan.fix
            )
            ctx.record_failure(
                OVERPAYMENT_KIND, sid, overpayment.number, version_hash(plan.reason), failure
            )
            self._log("failed", overpayment, None, plan.reason, row, fix=plan.fix)
            return
        outcome = "unchanged" if plan.reason == "unchanged" else "skipped"
        ctx.summary.count("payments", outcome, record=(OVERPAYMENT_KIND, sid))
        self._log("skip", overpayment, None, plan.reason, row)

    def _log(
        self,
        action: str,
        overpayment: SourceOverpayment,
        version: str | None,
        reason: str,
        row: LedgerRow | None,
        *,
        fix: str | None = None,
    ) -> None:
        if self.ctx.plan is not None:
            self.ctx.plan.money_action(
                action,
                OVERPAYMENT_KIND,
                overpayment.overpayment_id,
                overpayment.number,
                version,
                reason,
                row.target.key if row is not None else None,
                fix,
            )

    # -- sending and outcomes -------------------------------------------------------------

    def _send(self, items: list[_Item]) -> None:
        by_entity: dict[str | None, list[_Item]] = {}
        for item in items:
            by_entity.setdefault(item.entity, []).append(item)
        for entity, group in by_entity.items():
            try:
                outcomes = self.ctx.pipeline.write_now([i.function for i in group], entity=entity)
            except BaseException as error:
                for item in group:
                    self._unconfirmed(item.overpayment, f"no answer: {error}")
                raise
            with self.ctx.writable().batch():
                for item, outcome in zip(group, outcomes, strict=True):
                    self._outcome(item, outcome)

    def _outcome(self, item: _Item, outcome: object) -> None:
        ctx = self.ctx
        ledger = ctx.writable()
        sid = item.overpayment.overpayment_id
        if isinstance(outcome, Succeeded):
            keys = (
                TargetKeys(key=outcome.key, entity=item.entity)
                if item.action == "create"
                else TargetKeys()  # a reversal keeps the advance's keys
            )
            row = ledger.confirm(OVERPAYMENT_KIND, sid, keys)
            ctx.wrote(
                OVERPAYMENT_KIND,
                sid,
                "received" if item.action == "create" else "reversed",
                row=row,
                number=item.overpayment.number,
                amount=item.amount,
                currency=item.currency,
            )
        elif isinstance(outcome, Failed):
            error = outcome.as_error()
            failure = RecordFailure(
                error.message, code=error.code, field="overpayment", hint=error.hint or None
            )
            ledger.fail(OVERPAYMENT_KIND, sid, numbered(item.overpayment.number, failure))
            ctx.summary.problem(
                RecordProblem(
                    "payments",
                    "failed",
                    OVERPAYMENT_KIND,
                    sid,
                    item.overpayment.number,
                    failure.message,
                    field=failure.field,
                    fix=failure.hint,
                )
            )
        else:
            self._unconfirmed(item.overpayment, getattr(outcome, "reason", "no answer"))

    def _unconfirmed(self, overpayment: SourceOverpayment, reason: str) -> None:
        ledger = self.ctx.writable()
        row = ledger.get(OVERPAYMENT_KIND, overpayment.overpayment_id)
        if row is None or row.status is not Status.SENDING:
            return
        ledger.mark_unconfirmed(
            OVERPAYMENT_KIND,
            overpayment.overpayment_id,
            RecordFailure(
                f"{overpayment.number}: {reason}",
                code="unconfirmed",
                hint="The next sync looks the advance up in Intacct before sending it again.",
            ),
        )

    # -- settling lost answers ------------------------------------------------------------

    def _settle(
        self, records: Sequence[PaymentDocument], rows: dict[str, LedgerRow], resend: list[_Item]
    ) -> dict[str, LedgerRow]:
        """Rows whose answer was lost, settled by a lookup; a reversal still to do is queued
        again in ``resend`` with its controlid."""
        doubtful = [
            r
            for r in records
            if (row := rows.get(r.id)) is not None
            and row.status in (Status.UNCONFIRMED, Status.SENDING)
        ]
        if not doubtful or self.ctx.dry_run:
            for record in doubtful:
                self._log("lookup_first", source_overpayment(record), None, "looked up first", None)
            return rows
        found: dict[str, list[FoundPayment]] = {}
        for hit in self.ctx.intacct.query_in(
            "ARPYMT", "DOCNUMBER", [r.id for r in doubtful], LOOKUP_FIELDS, show_private=True
        ):
            reference = hit.get("DOCNUMBER") or ""
            found.setdefault(reference, []).append(
                FoundPayment(
                    key=hit.get("RECORDNO") or "",
                    reference=reference,
                    amount=Decimal(hit.get("TRX_TOTALENTERED") or "0"),
                    reversed=hit.get("STATE") == "Reversed",
                    description=hit.get("DESCRIPTION"),
                )
            )
        ledger = self.ctx.writable()
        for record in doubtful:
            overpayment = source_overpayment(record)
            row = rows[record.id]
            action: Literal["create", "reverse"] = (
                "reverse" if row.action == "reverse" else "create"
            )
            if row.status is Status.SENDING:
                ledger.mark_unconfirmed(
                    OVERPAYMENT_KIND,
                    record.id,
                    RecordFailure(f"{overpayment.number}: no answer recorded", code="unconfirmed"),
                )
            amount = (
                None if overpayment.amount is None else overpayment.amount.quantize(Decimal("0.01"))
            )
            verdict = settle_payment(action, found.get(record.id, []), amount=amount)
            if verdict.outcome == "confirm":
                keys = TargetKeys(key=verdict.key) if action == "create" else TargetKeys()
                rows[record.id] = ledger.confirm(OVERPAYMENT_KIND, record.id, keys)
                self.ctx.wrote(
                    OVERPAYMENT_KIND,
                    record.id,
                    "received" if action == "create" else "reversed",
                    row=rows[record.id],
                    number=overpayment.number,
                )
            elif verdict.outcome == "resend" and action == "reverse" and verdict.key:
                sent = ledger.resend(OVERPAYMENT_KIND, record.id)
                assert sent.controlid is not None
                function = reverse_arpayment(
                    verdict.key, utc_now().date(), sent.controlid, record=overpayment.number
                )
                resend.append(_Item(overpayment, function, row.target.entity, action="reverse"))
                rows[record.id] = sent
            elif verdict.outcome == "resend":
                ledger.mark_absent(OVERPAYMENT_KIND, record.id)
                rows.pop(record.id, None)
            else:
                self.ctx.summary.problem(
                    RecordProblem(
                        "payments",
                        "conflict",
                        OVERPAYMENT_KIND,
                        record.id,
                        overpayment.number,
                        verdict.reason,
                        fix="Compare the advance in Intacct with the overpayment in OfficeRnD.",
                    )
                )
        return rows


def _function(posting: AdvancePosting, controlid: str) -> Function:
    return create_aradvance(
        ArAdvance(
            customer_id=posting.customer_id,
            payment_method=posting.payment_method,
            receipt_date=posting.receipt_date,
            financial_entity=posting.bank_account,
            gl_account=posting.gl_account,
            amount=posting.amount,
            doc_number=posting.reference,
            description=posting.description,
            currency=posting.currency,
            location_id=posting.location_id,
        ),
        controlid,
        record=posting.reference,
    )
