"""The payments stage: OfficeRnD charges on synced invoices as AR payments in Intacct.

Per chunk of charges: read their ledger rows and their invoices' rows once, settle the writes
whose answer was lost (a lookup by reference, ``engine.payments.settle_payment``), read the
invoices from Intacct (customer, currency, amount due) only for charges that may need a write,
plan each charge (``engine.payments.plan_payment``), commit the rows ``sending`` and only then
send, one request per entity. A charge whose invoice is not in Intacct yet is held in the
ledger (``failed`` with code ``payment_held``) and tried again by each run once the invoice is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import islice
from typing import Literal

from orsync.engine.canonical import version_hash
from orsync.engine.payments import (
    PAYMENT_KIND,
    PAYMENT_REVERSED,
    Deposit,
    FoundPayment,
    InvoiceInIntacct,
    PaymentPlan,
    PaymentPosting,
    SourceCharge,
    plan_payment,
    settle_payment,
)
from orsync.intacct import Failed, IntacctClient, Lane, Outcome, Queued, Succeeded
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.legacy import reverse_arpayment
from orsync.intacct.xml.objects import ArPayment, PaymentLine, create_arpayment
from orsync.mapping import Mapping, OfficeRndValue, PaymentTarget, resolve_payment_method
from orsync.officernd import Charge, Query
from orsync.officernd.collections import CHARGES
from orsync.services.sync.context import RunContext, numbered, view_of
from orsync.services.sync.idset import IdSet
from orsync.services.sync.reading import documents_by_id
from orsync.services.sync.sales_keys import ar_keys_of, is_sales_key
from orsync.services.sync.summary import ProblemStatus, RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status, TargetKeys, utc_now

logger = logging.getLogger(__name__)

PAYMENT_HELD = "payment_held"
CHARGE_CHUNK = 250  # charges planned together (5 pages): one Intacct invoice query each;
# small enough that the first writes leave while the rest of a month is still being read
FIRST_CHARGE_CHUNK = 50  # the first chunk: one page, one batch, written while the rest is read
OWNER_PAGE = 50  # OfficeRnD invoices per `$in` read (one page)
INVOICES_PER_READ = 500  # invoices whose ledger payment rows removed_from holds at once
OWNER_READERS = 4  # of OfficeRnD's 8 reads in flight
INVOICE_FIELDS = ("RECORDNO", "CUSTOMERID", "CURRENCY", "TRX_TOTALDUE", "STATE")
PAYMENT_FIELDS = ("RECORDNO", "DOCNUMBER", "DESCRIPTION", "STATE", "TRX_TOTALENTERED")


def charge_chunks(charges: Iterable[Charge]) -> Iterator[list[Charge]]:
    """Charges in the chunks the stage plans: a first one of a single page (a full write
    batch at the top level) so the first payments leave after one OfficeRnD page and one
    invoice read, not five pages; then :data:`CHARGE_CHUNK` (one invoice query each)."""
    iterator = iter(charges)
    size = FIRST_CHARGE_CHUNK
    while chunk := list(islice(iterator, size)):
        yield chunk
        size = CHARGE_CHUNK


def source_charge(charge: Charge, *, removed: bool = False) -> SourceCharge:
    return SourceCharge(
        charge_id=charge.id,
        invoice_id=str(charge.payment or ""),
        status="removed" if removed else (charge.status or "pending"),
        amount=charge.amount,
        currency=charge.currency,
        day=charge.date.date() if charge.date is not None else None,
        method=charge.account,
        modified_at=charge.modified_at,
        reference=charge.reference,
    )


def removed_charge(source_id: str) -> SourceCharge:
    invoice_id, _, charge_id = source_id.partition("/")
    return SourceCharge(charge_id, invoice_id, "removed", None, None, None, None)


@dataclass
class _Sending:
    charge: SourceCharge
    action: str  # create / reverse
    number: str
    function: Function
    entity: str | None
    amount: Decimal | None = None
    currency: str | None = None


class PaymentDesk:
    """Plans and writes the payments of one run (``ctx.dry_run``: plans only)."""

    def __init__(self, ctx: RunContext, mapping: Mapping) -> None:
        self.ctx = ctx
        self.mapping = mapping
        self.unsettled: dict[str, SourceCharge] = {}  # sent this run, answer lost
        self.seen = IdSet()  # charges planned this run (by source id), compact: every charge
        self._absent: set[str] = set()  # unconfirmed creates a lookup proved absent
        self._lane: Lane[_Sending] | None = None
        self._paying: dict[str, int] = {}  # OfficeRnD invoice id -> its payments in flight
        self._planned: set[str] | None = None  # a dry run's documents posted by the run
        self._signed_in: set[str] = set()  # entities signed in ahead (_sign_in_entities)

    @property
    def enabled(self) -> bool:
        """Payments flow once the mapping says where their money goes (``payment_methods``);
        a mapping without that section keeps the stage off, as before payments existed."""
        return self.mapping.payment_methods is not None

    def sign_in_ahead(self) -> None:
        """Open the top level's Intacct session (the invoices and the receipts are read in it)
        on a thread while OfficeRnD's charges are read, instead of at its first use."""
        _sign_in_on_threads(self.ctx.intacct, [None])

    def _sign_in_entities(self, rows: Iterable[LedgerRow]) -> None:
        """The sessions of the entities whose invoices are about to be paid (subsidiary-level
        documents: each entity's payments leave in its session), opened on threads while the
        invoices are read rather than each in turn ahead of its first batch. Only for
        payments about to be written: a sign-in is an Intacct API transaction."""
        if self.ctx.dry_run:
            return
        entities = {row.target.entity for row in rows if row.target.entity} - self._signed_in
        self._signed_in |= entities
        _sign_in_on_threads(self.ctx.intacct, sorted(entities))

    def settle_lost(self, rounds: int = 2) -> None:
        """Writes of this run whose answer was lost: looked up (and resent if absent) now."""
        self.flush()
        for _round in range(rounds):
            if self.ctx.dry_run or not self.unsettled:
                return
            pending = list(self.unsettled.values())
            self.unsettled.clear()
            self.seen.difference_update(c.source_id for c in pending)
            self.process(pending)
            self.flush()

    # -- what to read ---------------------------------------------------------------------

    def charges_by_id(self, source_ids: Iterable[str]) -> list[SourceCharge]:
        """The charges behind these ledger rows as OfficeRnD has them now (gone: removed)."""
        wanted = list(dict.fromkeys(source_ids))
        by_charge = {sid.partition("/")[2]: sid for sid in wanted}
        found: dict[str, SourceCharge] = {}
        ids = list(by_charge)
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            for charge in self.ctx.officernd.iterate(CHARGES, Query().is_in("_id", chunk)):
                found[by_charge.get(charge.id, "")] = source_charge(charge)
        return [found.get(sid) or removed_charge(sid) for sid in wanted]

    def removed_from(self, invoice_ids: Iterable[str]) -> list[SourceCharge]:
        """Charges orsync posted on these (changed) invoices that OfficeRnD no longer has:
        removing a charge changes its invoice, never a charge the stream would read.

        The ledger's payment rows are read :data:`INVOICES_PER_READ` invoices at a time: a
        first sync reads every invoice of the history, and their rows all at once held every
        payment it had just posted (94 MB of resident memory at 100,000 invoices)."""
        removed: list[SourceCharge] = []
        invoices = iter(invoice_ids)
        while chunk := list(islice(invoices, INVOICES_PER_READ)):
            rows = [
                row.source_id
                for row in self.ctx.lookups.rows_under(PAYMENT_KIND, chunk)
                if row.confirmed_version not in (None, PAYMENT_REVERSED)
                and row.source_id not in self.seen
            ]
            if rows:
                removed += [c for c in self.charges_by_id(rows) if c.status == "removed"]
        return removed

    # -- one chunk ------------------------------------------------------------------------

    def process(self, charges: Sequence[SourceCharge]) -> None:
        ctx = self.ctx
        charges = [c for c in charges if c.invoice_id and c.source_id not in self.seen]
        if not charges:
            return
        self.seen.update(c.source_id for c in charges)
        rows = ctx.lookups.get_many(PAYMENT_KIND, [c.source_id for c in charges])
        invoice_rows = ctx.lookups.get_many("invoice", {c.invoice_id for c in charges})
        rows = self._settle(charges, rows, invoice_rows)
        deposits = {c.source_id: self._deposit(c) for c in charges}
        # Intacct's invoice is read only for charges that need nothing else to be posted.
        need_invoice = {
            invoice_rows[c.invoice_id]
            for c in charges
            if c.invoice_id in invoice_rows
            and self._plan(c, rows, invoice_rows, deposits, None).decision == "held"
        }
        self._sign_in_entities(need_invoice)
        if any(row.source_id in self._paying for row in need_invoice):
            self.flush()  # their amounts due must include the payments in flight
        by_entity = any(isinstance(d, Deposit) and d.by_entity for d in deposits.values())
        # Intacct's invoices and their OfficeRnD locations (whose entity's bank account takes
        # the payment) are read at once: neither waits for the other.
        with ThreadPoolExecutor(1, thread_name_prefix="orsync-owners") as pool:
            owners_read = pool.submit(
                self._owners,
                [r.source_id for r in need_invoice if r.target.entity is None] if by_entity else [],
            )
            invoices = self._invoices(need_invoice)
            owners = owners_read.result()
        sending: list[_Sending] = []
        # One commit for the chunk's rows, as documents do (each row is still `sending` before
        # its function leaves: the functions are handed over after the commit).
        with nullcontext() if ctx.dry_run else ctx.writable().batch():
            for charge in charges:
                row = rows.get(charge.source_id)
                if row is not None and row.status is Status.SENDING:
                    continue  # resent above
                doubtful = row is not None and row.status is Status.UNCONFIRMED
                if doubtful and charge.source_id not in self._absent:
                    continue  # left for the next run (lost, or a dry run)
                invoice_row = invoice_rows.get(charge.invoice_id)
                number = _number(charge, invoice_row)
                invoice = None
                if invoice_row is not None and invoice_row.target.key in invoices:
                    invoice = invoices[invoice_row.target.key]
                    entity = invoice_row.target.entity
                    owner = entity or owners.get(charge.invoice_id)
                    invoice = replace(invoice, entity=entity, owner=owner)
                plan = self._plan(charge, rows, invoice_rows, deposits, invoice)
                if (
                    plan.decision == "create"
                    and plan.posting is not None
                    and invoice is not None
                    and invoice_row is not None
                    and invoice_row.target.key
                ):
                    # Several charges on one invoice in one chunk: each is checked against what
                    # the others leave due.
                    key = invoice_row.target.key  # the ledger's (a Sales document's: its DOCID)
                    invoices[key] = replace(
                        invoices[key], total_due=invoice.total_due - plan.posting.amount
                    )
                item = self._apply(charge, row, plan, number)
                if item is not None:
                    sending.append(item)
        self._send(sending)

    def _plan(
        self,
        charge: SourceCharge,
        rows: dict[str, LedgerRow],
        invoice_rows: dict[str, LedgerRow],
        deposits: dict[str, Deposit | str],
        invoice: InvoiceInIntacct | None,
    ) -> PaymentPlan:
        row = rows.get(charge.source_id)
        invoice_row = invoice_rows.get(charge.invoice_id)
        number = invoice_row.target.number if invoice_row is not None else None
        return plan_payment(
            charge,
            view_of(row),
            invoice=invoice,
            deposit=deposits[charge.source_id],
            invoice_number=number or charge.invoice_id,
            options=self.ctx.options,
        )

    def _deposit(self, charge: SourceCharge) -> Deposit | str:
        if self.mapping.payment_methods is None:
            return "the mapping has no payment_methods section"
        found = resolve_payment_method(self.mapping, OfficeRndValue(name=charge.method))
        if isinstance(found, PaymentTarget):
            return Deposit(found.payment_method, found.bank_account, found.bank_accounts)
        return found.message()

    def _owners(self, invoice_ids: list[str]) -> dict[str, str | None]:
        """The Intacct entity each (top-level) invoice belongs to, by its OfficeRnD location
        as the mapping places it: whose bank account receives its payments."""
        owners: dict[str, str | None] = {}
        ids = sorted(invoice_ids)
        pages = [ids[i : i + OWNER_PAGE] for i in range(0, len(ids), OWNER_PAGE)]
        if not pages:
            return owners
        resolver = self.ctx.resolver  # built once, here, before the reader threads
        with ThreadPoolExecutor(OWNER_READERS, thread_name_prefix="orsync-owners") as pool:
            for chunk in pool.map(
                lambda page: next(documents_by_id(self.ctx.officernd, page)), pages
            ):
                for document in chunk:
                    target = resolver.location_target(document.location)
                    owners[document.id] = getattr(target, "entity_id", None)
        return owners

    def _invoices(self, rows: Iterable[LedgerRow]) -> dict[str, InvoiceInIntacct]:
        keys = sorted({row.target.key for row in rows if row.target.key})
        if not keys:
            return {}
        # Sales documents: the payment applies to the AR invoice each one generated.
        generated = ar_keys_of(self.ctx.intacct, [k for k in keys if is_sales_key(k)])
        ledger_key = {generated[k]: k for k in keys if k in generated}
        keys = [generated.get(k, k) for k in keys if not is_sales_key(k) or k in generated]
        found: dict[str, InvoiceInIntacct] = {}
        for record in self.ctx.intacct.query_in(
            "ARINVOICE", "RECORDNO", keys, INVOICE_FIELDS, show_private=True
        ):
            key = record.get("RECORDNO") or ""
            if record.get("STATE") in ("Reversed", "Draft"):
                continue
            found[ledger_key.get(key, key)] = InvoiceInIntacct(
                key=key,
                customer_id=record.get("CUSTOMERID") or "",
                currency=record.get("CURRENCY") or "",
                total_due=Decimal(record.get("TRX_TOTALDUE") or "0"),
            )
        return found

    # -- applying a plan ------------------------------------------------------------------

    def _apply(
        self, charge: SourceCharge, row: LedgerRow | None, plan: PaymentPlan, number: str
    ) -> _Sending | None:
        ctx = self.ctx
        if plan.decision in ("skip", "held", "failed"):
            self._count(charge, row, plan, number)
            return None
        version = plan.version if plan.decision == "create" else PAYMENT_REVERSED
        assert version is not None
        self._log(plan.decision, charge, number, version, plan.reason, row)
        if ctx.dry_run:
            ctx.summary.count("payments", "created" if plan.decision == "create" else "reversed")
            return None
        ledger = ctx.writable()
        if plan.decision == "create":
            assert plan.posting is not None
            if charge.source_id in self._absent:
                self._absent.discard(charge.source_id)
                assert row is not None
                if row.version_hash == version:
                    sent = ledger.resend(PAYMENT_KIND, charge.source_id)
                else:
                    ledger.mark_absent(PAYMENT_KIND, charge.source_id)
                    sent = ledger.mark_sending(
                        PAYMENT_KIND, charge.source_id, version, action="create", number=number
                    )
            else:
                sent = ledger.mark_sending(
                    PAYMENT_KIND, charge.source_id, version, action="create", number=number
                )
            assert sent.controlid is not None
            return _Sending(
                charge,
                "create",
                number,
                _create_function(plan.posting, sent.controlid),
                plan.posting.entity,
                plan.posting.amount,
                plan.posting.currency,
            )
        assert row is not None and row.target.key is not None
        sent = ledger.mark_sending(
            PAYMENT_KIND, charge.source_id, PAYMENT_REVERSED, action="reverse", number=number
        )
        assert sent.controlid is not None
        function = reverse_arpayment(
            row.target.key, utc_now().date(), sent.controlid, record=number
        )
        return _Sending(charge, "reverse", number, function, row.target.entity)

    def _count(
        self, charge: SourceCharge, row: LedgerRow | None, plan: PaymentPlan, number: str
    ) -> None:
        ctx = self.ctx
        if plan.decision == "failed" or plan.decision == "held":
            code = PAYMENT_HELD if plan.decision == "held" else "payment_refused"
            failure = RecordFailure(plan.reason, code=code, field="payment", hint=plan.fix)
            if plan.decision == "held" and self._posted_by_this_run(charge):
                # A dry run: the run posts the invoice first, then its payment (as allocations).
                reason = "posted once this run posts its invoice"
                self._log("create", charge, number, None, reason, row)
                ctx.summary.count("payments", "created")
                return
            if plan.decision == "held":
                ctx.summary.count("payments", "held", record=(PAYMENT_KIND, charge.source_id))
                self._log("skip", charge, number, None, f"held: {plan.reason}", row)
                if not ctx.dry_run and (row is None or row.error is None or row.error.code != code):
                    ctx.writable().fail(
                        PAYMENT_KIND, charge.source_id, failure, version_hash=_held_version()
                    )
                return
            ctx.record_failure(
                PAYMENT_KIND, charge.source_id, number, version_hash(plan.reason), failure
            )
            self._log("failed", charge, number, None, plan.reason, row, fix=plan.fix)
            return
        outcome = "unchanged" if plan.reason == "unchanged" else "skipped"
        ctx.summary.count("payments", outcome, record=(PAYMENT_KIND, charge.source_id))
        self._log("skip", charge, number, None, plan.reason, row)

    def _posted_by_this_run(self, charge: SourceCharge) -> bool:
        """In a dry run: whether the plan posts the charge's invoice, which the run does
        before its payments (the payment is then planned against the posted invoice)."""
        if self.ctx.plan is None or not self.ctx.dry_run:
            return False
        if self._planned is None:
            self._planned = {
                a.source_id for a in self.ctx.plan.documents if a.action in ("create", "adopt")
            }
        return charge.invoice_id in self._planned

    def _log(
        self,
        action: str,
        charge: SourceCharge,
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
                PAYMENT_KIND,
                charge.source_id,
                number,
                version,
                reason,
                row.target.key if row is not None else None,
                fix,
            )

    # -- sending and outcomes -------------------------------------------------------------

    @property
    def lane(self) -> Lane[_Sending]:
        """The payments' lane of the run's one write path (``RunContext.pipeline``)."""
        if self._lane is None:
            self._lane = self.ctx.pipeline.lane(self._settled, self._lost)
        return self._lane

    def _send(self, items: list[_Sending]) -> None:
        """Hand one chunk's writes (rows already committed ``sending``) to the run's write
        path: they fill batches and keep Intacct's slots busy while the next chunk is read;
        outcomes come back on this thread at the next send or flush."""
        if not items:
            return
        for item in items:
            self._paying[item.charge.invoice_id] = self._paying.get(item.charge.invoice_id, 0) + 1
        self.lane.send([Queued(item.function, item.entity, item) for item in items])

    def flush(self) -> None:
        """Wait for every payment write sent; a request that raised is raised here, after what
        it left unknown is marked unconfirmed."""
        if self._lane is not None:
            self._lane.flush()

    def close(self) -> None:
        if self._lane is not None:
            self._lane.close()

    def _settled(self, settled: list[tuple[Outcome, _Sending]]) -> None:
        with self.ctx.writable().batch():
            for outcome, item in settled:
                self._done(item)
                self._outcome(item, outcome)

    def _lost(self, lost: list[tuple[Function, _Sending]], error: BaseException) -> None:
        with self.ctx.writable().batch():
            for _function, item in lost:
                self._done(item)
                self._unconfirmed(item, f"the request failed before its answer came: {error}")

    def _done(self, item: _Sending) -> None:
        left = self._paying.get(item.charge.invoice_id, 0) - 1
        if left > 0:
            self._paying[item.charge.invoice_id] = left
        else:
            self._paying.pop(item.charge.invoice_id, None)

    def _outcome(self, item: _Sending, outcome: object) -> None:
        ctx = self.ctx
        ledger = ctx.writable()
        sid = item.charge.source_id
        if isinstance(outcome, Succeeded):
            target = (
                TargetKeys(key=outcome.key, entity=item.entity)
                if item.action == "create"
                else TargetKeys()
            )
            row = ledger.confirm(PAYMENT_KIND, sid, target)
            self.unsettled.pop(sid, None)
            ctx.wrote(
                PAYMENT_KIND,
                sid,
                "created" if item.action == "create" else "reversed",
                row=row,
                number=item.number,
                amount=item.amount,
                currency=item.currency,
            )
        elif isinstance(outcome, Failed):
            self.unsettled.pop(sid, None)
            error = outcome.as_error()
            failure = RecordFailure(
                error.message, code=error.code, field="payment", hint=error.hint or None
            )
            ledger.fail(PAYMENT_KIND, sid, numbered(item.number, failure))
            self._problem(sid, item.number, failure)
        else:
            self._unconfirmed(item, getattr(outcome, "reason", "no answer"))

    def _problem(
        self, source_id: str, number: str, failure: RecordFailure, status: ProblemStatus = "failed"
    ) -> None:
        self.ctx.summary.problem(
            RecordProblem(
                "payments",
                status,
                PAYMENT_KIND,
                source_id,
                number,
                failure.message,
                field=failure.field,
                fix=failure.hint,
            )
        )

    def _unconfirmed(self, item: _Sending, reason: str) -> None:
        ledger = self.ctx.writable()
        row = ledger.get(PAYMENT_KIND, item.charge.source_id)
        if row is None or row.status is not Status.SENDING:
            return
        ledger.mark_unconfirmed(
            PAYMENT_KIND,
            item.charge.source_id,
            RecordFailure(
                f"{item.number}: {reason}",
                code="unconfirmed",
                hint="The next sync looks the payment up in Intacct before sending it again.",
            ),
        )
        self.unsettled[item.charge.source_id] = item.charge

    # -- settling lost answers ------------------------------------------------------------

    def _settle(
        self,
        charges: Sequence[SourceCharge],
        rows: dict[str, LedgerRow],
        invoice_rows: dict[str, LedgerRow],
    ) -> dict[str, LedgerRow]:
        """Writes whose answer was lost: look them up by reference, then confirm, resend the
        same function, or forget the attempt (the charge changed: planned again)."""
        doubtful = [
            c
            for c in charges
            if (row := rows.get(c.source_id)) is not None and row.status is Status.UNCONFIRMED
        ]
        if not doubtful or self.ctx.dry_run:
            for charge in doubtful:
                self._log("lookup_first", charge, charge.charge_id, None, "looked up first", None)
            return rows
        found = self._look_up([c.charge_id for c in doubtful])
        ledger = self.ctx.writable()
        resend: list[_Sending] = []
        for charge in doubtful:
            row = rows[charge.source_id]
            action: Literal["create", "reverse"] = (
                "reverse" if row.action == "reverse" else "create"
            )
            amount = _amount_of_row(row, charge)
            verdict = settle_payment(action, found.get(charge.charge_id, []), amount=amount)
            number = _number(charge, invoice_rows.get(charge.invoice_id))
            if verdict.outcome == "confirm":
                target = TargetKeys(key=verdict.key) if action == "create" else TargetKeys()
                rows[charge.source_id] = ledger.confirm(PAYMENT_KIND, charge.source_id, target)
                self.unsettled.pop(charge.source_id, None)
                self.ctx.wrote(
                    PAYMENT_KIND,
                    charge.source_id,
                    "created" if action == "create" else "reversed",
                    row=rows[charge.source_id],
                    number=number,
                )
            elif verdict.outcome == "resend" and action == "reverse" and verdict.key:
                sent = ledger.resend(PAYMENT_KIND, charge.source_id)
                assert sent.controlid is not None
                function = reverse_arpayment(
                    verdict.key, utc_now().date(), sent.controlid, record=number
                )
                resend.append(_Sending(charge, "reverse", number, function, row.target.entity))
                rows[charge.source_id] = sent
            elif verdict.outcome == "resend":
                # Absent: planned again from what OfficeRnD says now; the same version goes
                # out again with the same controlid (``_apply``), a changed one as new.
                self._absent.add(charge.source_id)
            else:
                self._problem(
                    charge.source_id,
                    number,
                    RecordFailure(
                        verdict.reason,
                        code="payment_lost",
                        hint="Compare the payment in Intacct with the charge in OfficeRnD.",
                    ),
                    status="conflict",
                )
        self._send(resend)
        return rows

    def _look_up(self, references: list[str]) -> dict[str, list[FoundPayment]]:
        found: dict[str, list[FoundPayment]] = {}
        for record in self.ctx.intacct.query_in(
            "ARPYMT", "DOCNUMBER", references, PAYMENT_FIELDS, show_private=True
        ):
            reference = record.get("DOCNUMBER") or ""
            found.setdefault(reference, []).append(
                FoundPayment(
                    key=record.get("RECORDNO") or "",
                    reference=reference,
                    amount=Decimal(record.get("TRX_TOTALENTERED") or "0"),
                    reversed=record.get("STATE") == "Reversed",
                    description=record.get("DESCRIPTION"),
                )
            )
        return found


def _sign_in_on_threads(intacct: IntacctClient, entities: Sequence[str | None]) -> None:
    """Sign in to each entity on threads of their own, not waited for (best effort: a sign-in
    that fails here is tried again, and fails the run, where its session is used)."""
    if not entities:
        return
    pool = ThreadPoolExecutor(
        min(len(entities), intacct.max_in_flight), thread_name_prefix="orsync-sign-in"
    )
    for entity in entities:
        pool.submit(_sign_in_quietly, intacct, entity)
    pool.shutdown(wait=False)


def _sign_in_quietly(intacct: IntacctClient, entity: str | None) -> None:
    try:
        intacct.sign_in(entity)
    except Exception as exc:  # noqa: BLE001 - raised again where the session is used
        logger.debug("signing in ahead to %s failed: %s", entity or "the top level", exc)


def _create_function(posting: PaymentPosting, controlid: str) -> Function:
    return create_arpayment(
        ArPayment(
            customer_id=posting.customer_id,
            payment_method=posting.payment_method,
            receipt_date=posting.receipt_date,
            payment_date=posting.payment_date,
            lines=(PaymentLine(posting.invoice_key, posting.amount),),
            financial_entity=posting.bank_account,
            doc_number=posting.reference,
            description=posting.description,
            currency=posting.currency,
        ),
        controlid,
        record=posting.reference,
    )


def _number(charge: SourceCharge, invoice_row: LedgerRow | None) -> str:
    invoice = invoice_row.target.number if invoice_row is not None else None
    return f"{invoice or charge.invoice_id} charge {charge.charge_id}"


def _amount_of_row(row: LedgerRow, charge: SourceCharge) -> Decimal | None:
    """The amount the lost create carried: the charge's, when it still has the version sent."""
    del row
    return None if charge.amount is None else charge.amount.quantize(Decimal("0.01"))


def _held_version() -> str:
    return version_hash("payment held for its invoice")
