"""Intacct -> OfficeRnD: payments finance keys in Intacct (cheques, wires, lockbox) become
charges on the OfficeRnD invoices orsync posted.

Read incrementally: ``ARPYMT`` modified since the ``intacct.payments`` cursor (minus the
overlap; the zone of ``WHENMODIFIED`` is unverified, the overlap absorbs it), never all
history: a profile's first run only starts the cursor. Payments orsync posted (origin marker)
are left out by the query itself (and skipped by the marker, should one come through); the
rest are read with their applications (``ARPYMTDETAIL``), planned by
``engine.payments.plan_receipt`` and written one charge at a time with the ledger protocol (row
``sending`` before the POST; an unknown outcome looked up by the charge's ``intacct:<RECORDNO>``
reference before any resend).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Literal

from orsync.engine.origin import ORIGIN_PREFIX, has_origin_marker
from orsync.engine.payments import (
    RECEIPT_KIND,
    RECEIPT_REMOVED,
    IntacctReceipt,
    ReceiptPlan,
    plan_receipt,
    receipt_reference,
    settle_receipt,
)
from orsync.engine.writeback import WRITEBACK_PROVIDER
from orsync.errors import RecordError
from orsync.intacct.xml import reads
from orsync.intacct.xml.response import Record
from orsync.mapping import Mapping
from orsync.officernd import AccountingLink, NewCharge, OfficeRndClient
from orsync.officernd.errors import OfficeRndUnconfirmed
from orsync.services.sync.context import RunContext, numbered, view_of
from orsync.services.sync.sales_keys import doc_ids_of
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status, TargetKeys, utc_now

RECEIPT_STREAM = "intacct.payments"
PAYMENT_FIELDS = (
    "RECORDNO",
    "RECORDTYPE",
    "DESCRIPTION",
    "STATE",
    "PAYMENTMETHOD",
    "RECEIPTDATE",
    "CURRENCY",
    "WHENMODIFIED",
)
DETAIL_FIELDS = ("PAYMENTKEY", "RECORDKEY", "TRX_PAYMENTAMOUNT")
RECEIVED = "rp"  # RECORDTYPE of money received (reference: AR payments page)


def intacct_instant(text: str | None) -> dt.datetime | None:
    """``WHENMODIFIED`` (``mm/dd/yyyy HH:MM:SS``), read as UTC (unverified; see module doc)."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%m/%d/%Y %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def intacct_day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%m/%d/%Y").replace(tzinfo=dt.UTC).date()
    except ValueError:
        return None


# OfficeRnD refused the charge for a reason of its own (the invoice's payable amount, most often
# because the same payment was recorded there too): what a person does about it.
RECEIPT_REFUSED_FIX = (
    "If OfficeRnD already has this payment (recorded in both systems), keep one: reverse the "
    "Intacct payment, or remove the OfficeRnD charge so sync records this one; otherwise "
    "correct the invoice in OfficeRnD. Then run `orsync sync --retry-failed`."
)


class ReceiptDesk:
    """Plans and records the Intacct payments of one run (``ctx.dry_run``: plans only)."""

    def __init__(
        self,
        ctx: RunContext,
        mapping: Mapping,
        writer: Callable[[], OfficeRndClient] | None = None,
        external_org_id: str | None = None,
    ) -> None:
        self.ctx = ctx
        # The Intacct company, named in each recorded charge's accounting block.
        self.external_org_id = external_org_id
        # The client whose token may create charges, built on the first charge to record.
        self._writer = writer or (lambda: ctx.officernd)
        self.accounts = _accounts_by_method(mapping)
        self.max_seen: dt.datetime | None = None
        self.read_started: dt.datetime | None = None
        self._ahead: tuple[dt.datetime, Future[list[Record]]] | None = None
        self.read = 0

    def read_ahead(self, read_from: dt.datetime | None) -> None:
        """Start reading the payments changed since ``read_from`` now, on a thread, while the
        payments stage reads OfficeRnD and writes: the read needs nothing the stage writes
        (orsync's own payments are filtered out), so the receipt stream at the stage's end
        finds its rows read. ``read_started``: when it began, what the cursor may move to."""
        if read_from is None or self._ahead is not None:
            return
        self.read_started = utc_now()
        pool = ThreadPoolExecutor(1, thread_name_prefix="orsync-receipts")
        self._ahead = (read_from, pool.submit(lambda: list(self._changed(read_from))))
        pool.shutdown(wait=False)

    def changed_since(self, read_from: dt.datetime) -> None:
        """Payments modified since ``read_from`` (read ahead, or now) orsync did not post."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == read_from:
            self._process(ahead[1].result())
        else:
            self._process(self._changed(read_from))

    def _changed(self, read_from: dt.datetime) -> Iterator[Record]:
        """Orsync's own payments (every payment a month of charges wrote) are filtered out by
        Intacct, not paged back here; the marker check in ``_process`` stays the guard."""
        where = reads.all_of(
            reads.greaterthanorequalto("WHENMODIFIED", read_from.strftime("%m/%d/%Y %H:%M:%S")),
            not_orsyncs("DESCRIPTION"),
        )
        return self.ctx.intacct.query_all("ARPYMT", PAYMENT_FIELDS, where=where, show_private=True)

    def again(self, source_ids: Iterable[str]) -> None:
        """Rows earlier runs left in doubt: their payments read again by key."""
        keys = sorted({sid.partition("/")[0] for sid in source_ids})
        if keys:
            self._process(
                self.ctx.intacct.query_in(
                    "ARPYMT", "RECORDNO", keys, PAYMENT_FIELDS, show_private=True
                )
            )

    def _process(self, records: Iterable[Record]) -> None:
        payments: dict[str, Record] = {}
        for record in records:
            self.read += 1
            seen = intacct_instant(record.get("WHENMODIFIED"))
            if seen is not None and (self.max_seen is None or seen > self.max_seen):
                self.max_seen = seen
            if has_origin_marker(record.get("DESCRIPTION")):
                continue  # orsync's own: never read back as new
            if (record.get("RECORDTYPE") or RECEIVED) != RECEIVED:
                continue
            payments[record.get("RECORDNO") or ""] = record
        if not payments:
            return
        receipts = [
            receipt
            for detail in self.ctx.intacct.query_in(
                "ARPYMTDETAIL", "PAYMENTKEY", sorted(payments), DETAIL_FIELDS, show_private=True
            )
            if (receipt := _receipt(payments.get(detail.get("PAYMENTKEY") or ""), detail))
            is not None
        ]
        invoices = self._invoices({r.invoice_key for r in receipts})
        rows = self.ctx.lookups.get_many(RECEIPT_KIND, [r.source_id for r in receipts])
        for receipt in receipts:
            invoice = invoices.get(receipt.invoice_key)
            invoice_id = (
                invoice.source_id
                if invoice is not None and invoice.confirmed_version is not None
                else None
            )
            self._one(receipt, rows.get(receipt.source_id), invoice_id)

    def _invoices(self, ar_keys: set[str]) -> dict[str, LedgerRow]:
        """The ledger rows of the invoices orsync posted, by the AR RECORDNO payments apply
        to: an AR invoice's own, or (Sales mode) the one its Sales document generated."""
        found = self.ctx.lookups.get_by_target_keys("invoice", ar_keys)
        missing = ar_keys - set(found)
        if missing and self.ctx.options.invoice_type == "sales":
            doc_ids = doc_ids_of(self.ctx.intacct, missing)
            rows = self.ctx.lookups.get_by_target_keys("invoice", set(doc_ids.values()))
            found.update(
                (ar_key, rows[doc_id]) for ar_key, doc_id in doc_ids.items() if doc_id in rows
            )
        return found

    def _one(self, receipt: IntacctReceipt, row: LedgerRow | None, invoice_id: str | None) -> None:
        ctx = self.ctx
        number = f"Intacct payment {receipt.payment_key}"
        account = self.accounts.get(receipt.method)
        if row is not None and row.status is Status.UNCONFIRMED and invoice_id is not None:
            settled = self._settle(receipt, row, invoice_id, account, number)
            if settled is None:
                return
            row = settled
        plan = plan_receipt(receipt, view_of(row), invoice_id=invoice_id, account=account)
        if plan.decision == "skip":
            if invoice_id is not None:
                ctx.summary.count(
                    "payments", "unchanged" if plan.reason == "unchanged" else "skipped"
                )
                self._log("skip", receipt, number, None, plan.reason)
            return
        if plan.decision == "failed":
            self._failed(receipt, number, plan)
            return
        assert invoice_id is not None
        if plan.decision == "remove":
            assert row is not None and row.target.key is not None
            # In the plan a removal is the receipt's "reverse" (the plan's kinds stay fixed).
            self._log("reverse", receipt, number, RECEIPT_REMOVED, plan.reason)
            if ctx.dry_run:
                ctx.summary.count("payments", "removed")
                return
            ctx.writable().mark_sending(
                RECEIPT_KIND, receipt.source_id, RECEIPT_REMOVED, action="remove", number=number
            )
            self._remove(receipt, invoice_id, row.target.key, number)
            return
        assert account is not None
        self._log("create", receipt, number, receipt.version, plan.reason)
        if ctx.dry_run:
            ctx.summary.count("payments", "recorded")
            return
        sent = ctx.writable().mark_sending(
            RECEIPT_KIND, receipt.source_id, receipt.version, action="create", number=number
        )
        self._create(receipt, invoice_id, account, number, sent)

    def _settle(
        self,
        receipt: IntacctReceipt,
        row: LedgerRow,
        invoice_id: str,
        account: str | None,
        number: str,
    ) -> LedgerRow | None:
        """A charge write whose answer was lost: the charge looked up by its reference on the
        invoice before anything is sent again. Returns the confirmed row (to plan on), or None
        when the write was sent again (or this is a dry run)."""
        ctx = self.ctx
        if ctx.dry_run:
            self._log("lookup_first", receipt, number, None, "looked up first")
            return None
        action: Literal["create", "remove"] = "remove" if row.action == "remove" else "create"
        found = self._writer().find_charge(invoice_id, receipt_reference(receipt.payment_key))
        ledger = ctx.writable()
        if settle_receipt(action, found=found is not None) == "confirm":
            confirmed = ledger.confirm(
                RECEIPT_KIND, receipt.source_id, TargetKeys(key=found.id) if found else None
            )
            outcome = "recorded" if action == "create" else "removed"
            ctx.wrote(RECEIPT_KIND, receipt.source_id, outcome, row=confirmed, number=number)
            return confirmed
        sent = ledger.resend(RECEIPT_KIND, receipt.source_id)
        if action == "create":
            self._create(receipt, invoice_id, account or "", number, sent)
        else:
            assert found is not None
            self._remove(receipt, invoice_id, found.id, number)
        return None

    def _remove(
        self, receipt: IntacctReceipt, invoice_id: str, charge_id: str, number: str
    ) -> None:
        """Remove the charge orsync recorded for a payment Intacct reversed (row ``sending``)."""
        ctx = self.ctx
        ledger = ctx.writable()
        try:
            self._writer().delete_charge(
                charge_id, invoice_id=invoice_id, reference=receipt_reference(receipt.payment_key)
            )
        except OfficeRndUnconfirmed as unknown:
            ledger.mark_unconfirmed(
                RECEIPT_KIND,
                receipt.source_id,
                RecordFailure(
                    f"{number}: {unknown.message}",
                    code="unconfirmed",
                    hint="The next sync looks the charge up in OfficeRnD before removing it again.",
                ),
            )
            ctx.summary.count("payments", "unconfirmed")
            return
        except RecordError as refused:
            failure = RecordFailure(
                f"the payment was reversed in Intacct but OfficeRnD refused to remove its "
                f"charge: {refused.message}",
                code="receipt_refused",
                field="payment",
                hint=refused.hint,
            )
            ledger.fail(RECEIPT_KIND, receipt.source_id, numbered(number, failure))
            self._problem(receipt, number, failure)
            return
        confirmed = ledger.confirm(RECEIPT_KIND, receipt.source_id)
        ctx.wrote(
            RECEIPT_KIND,
            receipt.source_id,
            "removed",
            row=confirmed,
            number=number,
            amount=receipt.amount,
        )

    def _create(
        self, receipt: IntacctReceipt, invoice_id: str, account: str, number: str, row: LedgerRow
    ) -> None:
        ctx = self.ctx
        ledger = ctx.writable()
        del row
        try:
            charge = self._writer().create_charge(
                NewCharge(
                    invoice_id=invoice_id,
                    amount=receipt.amount,
                    date=dt.datetime.combine(receipt.day, dt.time(), tzinfo=dt.UTC),
                    account=account,
                    reference=receipt_reference(receipt.payment_key),
                    accounting=None
                    if self.external_org_id is None
                    else AccountingLink(
                        provider=WRITEBACK_PROVIDER,
                        provider_id=receipt.payment_key,
                        external_org_id=self.external_org_id,
                    ),
                )
            )
        except OfficeRndUnconfirmed as unknown:
            ledger.mark_unconfirmed(
                RECEIPT_KIND,
                receipt.source_id,
                RecordFailure(
                    f"{number}: {unknown.message}",
                    code="unconfirmed",
                    hint="The next sync looks the charge up in OfficeRnD before recording it "
                    "again.",
                ),
            )
            ctx.summary.count("payments", "unconfirmed")
            return
        except RecordError as refused:
            failure = RecordFailure(
                refused.message,
                code="receipt_refused",
                field="payment",
                hint=refused.hint or RECEIPT_REFUSED_FIX,
            )
            ledger.fail(RECEIPT_KIND, receipt.source_id, numbered(number, failure))
            self._problem(receipt, number, failure)
            return
        confirmed = ledger.confirm(RECEIPT_KIND, receipt.source_id, TargetKeys(key=charge.id))
        ctx.wrote(
            RECEIPT_KIND,
            receipt.source_id,
            "recorded",
            row=confirmed,
            number=number,
            amount=receipt.amount,
        )

    def _failed(self, receipt: IntacctReceipt, number: str, plan: ReceiptPlan) -> None:
        failure = RecordFailure(plan.reason, code="receipt_refused", field="payment", hint=plan.fix)
        self.ctx.record_failure(RECEIPT_KIND, receipt.source_id, number, receipt.version, failure)
        self._log("failed", receipt, number, None, plan.reason, fix=plan.fix)

    def _problem(self, receipt: IntacctReceipt, number: str, failure: RecordFailure) -> None:
        self.ctx.summary.problem(
            RecordProblem(
                "payments",
                "failed",
                RECEIPT_KIND,
                receipt.source_id,
                number,
                failure.message,
                field=failure.field,
                fix=failure.hint,
            )
        )

    def _log(
        self,
        action: str,
        receipt: IntacctReceipt,
        number: str,
        version: str | None,
        reason: str,
        *,
        fix: str | None = None,
    ) -> None:
        if self.ctx.plan is not None:
            self.ctx.plan.money_action(
                action, RECEIPT_KIND, receipt.source_id, number, version, reason, None, fix
            )


def not_orsyncs(field: str) -> reads.Filter:
    """Rows whose ``field`` does not start with the origin marker. An empty description is
    asked for by itself: whether Intacct's ``notlike`` keeps a null is unverified (in SQL it
    would not)."""
    return reads.any_of(reads.IsNull(field), reads.Compare("notlike", field, f"{ORIGIN_PREFIX}%"))


def _receipt(payment: Record | None, detail: Record) -> IntacctReceipt | None:
    if payment is None:
        return None
    day = intacct_day(payment.get("RECEIPTDATE"))
    if day is None or not detail.get("RECORDKEY"):
        return None
    return IntacctReceipt(
        payment_key=payment.get("RECORDNO") or "",
        invoice_key=detail.get("RECORDKEY") or "",
        amount=Decimal(detail.get("TRX_PAYMENTAMOUNT") or "0"),
        day=day,
        method=payment.get("PAYMENTMETHOD") or "",
        reversed=payment.get("STATE") == "Reversed",
        description=payment.get("DESCRIPTION"),
        draft=payment.get("STATE") == "Draft",
    )


def _accounts_by_method(mapping: Mapping) -> dict[str, str]:
    """Intacct payment method -> the first OfficeRnD method the mapping sends to it."""
    section = mapping.payment_methods
    found: dict[str, str] = {}
    if section is None:
        return found
    for name, entry in section.values.items():
        if entry.payment_method is not None:
            found.setdefault(entry.payment_method, name)
    return found
