"""Legacy AR functions: create_invoice, update_invoice, reverse_invoice, create_aradjustment,
apply_arpayment."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context
from orsync.sandbox.intacct.currency import conversion, rated_changes, updated_conversion
from orsync.sandbox.intacct.lines import read_line, transaction_entity, update_line
from orsync.sandbox.intacct.protocol import FunctionResult, key_payload
from orsync.sandbox.intacct.records import ZERO, ArDocument, Line, Payment, PaymentDetail, money
from orsync.sandbox.intacct.request import (
    Function,
    custom_fields,
    decimal,
    legacy_date,
    opt_text,
    text,
)
from orsync.sandbox.intacct.rules import Checks
from orsync.sandbox.intacct.store import IntacctStore, Journal


def created(fn: Function, key: int | str) -> FunctionResult:
    """Legacy create result: the new record's key (resp-create-legacy-key.xml)."""
    result = FunctionResult(fn.name, fn.controlid)
    result.payload.append(key_payload(str(key)))
    return result


def entity_currency(ctx: Context, entity_id: str, requested: str) -> str:
    if requested:
        return requested
    entity = ctx.store.entities.get(entity_id) or next(iter(ctx.store.entities.values()), None)
    return entity.currency if entity is not None else "USD"


def _read_ar_lines(
    checks: Checks, items: list[etree._Element], solution_id: str
) -> tuple[str, tuple[Line, ...]]:
    if not items:
        checks.add(messages.business("At least one line item is required."))
    entity = transaction_entity(checks, [text(i, "locationid") for i in items])
    solution = checks.solution_for(entity, solution_id)
    lines = tuple(read_line(checks, item, n, solution) for n, item in enumerate(items, start=1))
    return entity, lines


def _ar_document(ctx: Context, fn: Function, kind: str) -> ArDocument:
    el = fn.element
    label = "Invoice" if kind == "invoice" else "Adjustment"
    checks = Checks(ctx, "create", label)
    customer_id = text(el, "customerid")
    checks.customer(customer_id)
    when_created = legacy_date(el, "datecreated")
    if when_created is None:
        checks.fail(messages.business("Date created is required."))
    when_posted = legacy_date(el, "dateposted")
    checks.open_period(when_posted or when_created)
    when_due = legacy_date(el, "datedue") if kind == "invoice" else None
    if kind == "invoice" and when_due is None and not text(el, "termname"):
        checks.add(
            messages.business(
                "Either a due date or a term is required.", "Enter datedue or termname."
            )
        )
    number = text(el, "invoiceno" if kind == "invoice" else "adjustmentno")
    if number and ctx.store.ar_table.find((kind, number)) is not None:
        checks.add(messages.duplicate(label, number))
    items = el.findall(
        "invoiceitems/lineitem" if kind == "invoice" else "aradjustmentitems/lineitem"
    )
    entity, lines = _read_ar_lines(checks, items, text(el, "taxsolutionid"))
    money_in = conversion(checks, el, entity, when_created)
    checks.done()
    return ArDocument(
        kind=kind,
        recordno=ctx.store.next_recordno("ar"),
        record_id=number or (ctx.store.next_invoice_number() if kind == "invoice" else ""),
        customer_id=customer_id,
        when_created=when_created,
        when_modified=ctx.now,
        entity_id=ctx.entity_id,
        lines=lines,
        doc_number=text(el, "ponumber"),
        when_posted=when_posted,
        when_due=when_due,
        term_name=text(el, "termname"),
        currency=money_in.currency,
        base_currency=money_in.base_currency,
        exchange_rate=money_in.rate,
        description=text(el, "description"),
        external_id=text(el, "externalid"),
        tax_solution_id=text(el, "taxsolutionid"),
        draft=text(el, "action") == "Draft",
        invoice_no=text(el, "invoiceno") if kind == "adjustment" else "",
        custom_fields=custom_fields(el),
    )


def create_invoice(ctx: Context, fn: Function) -> FunctionResult:
    doc = _ar_document(ctx, fn, "invoice")
    ctx.store.put(ctx.store.ar_table, doc, ctx.journal)
    return created(fn, doc.recordno)


def create_aradjustment(ctx: Context, fn: Function) -> FunctionResult:
    doc = _ar_document(ctx, fn, "adjustment")
    if doc.record_id == "":
        doc = dataclasses.replace(doc, record_id=f"ADJ-{doc.recordno}")
    ctx.store.put(ctx.store.ar_table, doc, ctx.journal)
    return created(fn, doc.recordno)


def _existing_invoice(ctx: Context, key: str, checks: Checks) -> ArDocument:
    doc = ctx.store.invoice(int(key)) if key.isdigit() else None
    if doc is None or (ctx.entity_id and doc.entity_id not in ("", ctx.entity_id)):
        checks.fail(messages.invalid_reference("Invoice", key))
    return doc


def update_invoice(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    key = el.get("key", "")
    checks = Checks(ctx, "update", "Invoice")
    doc = _existing_invoice(ctx, key, checks)
    if doc.module_key != "4.AR":
        checks.fail(
            messages.business(
                f"Invoice {key} was created by Order Entry and cannot be edited in "
                "Accounts Receivable.",
                "Update the sales transaction instead.",
            )
        )
    if doc.reversed_by is not None or doc.reversal_of is not None:
        checks.fail(messages.business(f"Invoice {key} is reversed and cannot be edited."))
    if doc.total_paid != ZERO:
        checks.fail(
            messages.business(
                f"Invoice {key} has payments applied and cannot be edited.",
                "Reverse the payments first.",
            )
        )
    changes: dict[str, Any] = {}
    if (customer_id := opt_text(el, "customerid")) is not None:
        checks.customer(customer_id)
        changes["customer_id"] = customer_id
    for tag, attr in (
        ("datecreated", "when_created"),
        ("dateposted", "when_posted"),
        ("datedue", "when_due"),
    ):
        value = legacy_date(el, tag)
        if value is not None:
            changes[attr] = value
            if tag != "datedue":
                checks.open_period(value)
    for tag, attr in (
        ("termname", "term_name"),
        ("ponumber", "doc_number"),
        ("description", "description"),
    ):
        if (value_text := opt_text(el, tag)) is not None:
            changes[attr] = value_text
    if (number := opt_text(el, "invoiceno")) is not None and number != doc.record_id:
        if ctx.store.ar_table.find(("invoice", number)) is not None:
            checks.add(messages.duplicate("Invoice", number))
        changes["record_id"] = number
    if (action := opt_text(el, "action")) is not None:
        changes["draft"] = action == "Draft"
    rated = updated_conversion(
        checks,
        el,
        transaction_entity(checks, [ln.location_id for ln in doc.lines]),
        changes.get("when_created", doc.when_created),
    )
    if rated is not None:
        changes.update(rated_changes(rated))
    extra = custom_fields(el)
    if extra:
        merged = dict(doc.custom_fields)
        merged.update(extra)
        changes["custom_fields"] = tuple(merged.items())
    changes["lines"] = updated_lines(ctx, checks, doc, el.findall("updateinvoiceitems/*"))
    checks.done()
    ctx.store.put(
        ctx.store.ar_table, dataclasses.replace(doc, when_modified=ctx.now, **changes), ctx.journal
    )
    return FunctionResult(fn.name, fn.controlid, payload=[key_payload(str(doc.recordno))])


def updated_lines(
    ctx: Context, checks: Checks, doc: ArDocument, items: list[etree._Element]
) -> tuple[Line, ...]:
    """``doc``'s lines after an update's ``updatelineitem`` (by ``line_num``) and ``lineitem``
    (appended) items, taxed with the document's own tax solution, as update_invoice and
    update_aradjustment both do."""
    lines = list(doc.lines)
    entity = transaction_entity(checks, [ln.location_id for ln in doc.lines])
    solution = (
        ctx.store.tax_solutions.get(doc.tax_solution_id) or checks.solution_of(entity)
        if any(ln.taxes for ln in doc.lines)
        else None
    )
    for item in items:
        if item.tag == "updatelineitem":
            line_num = item.get("line_num", "")
            if not line_num.isdigit() or not 1 <= int(line_num) <= len(lines):
                checks.add(messages.invalid_value(f"The line_num '{line_num}' is invalid"))
                continue
            lines[int(line_num) - 1] = update_line(checks, lines[int(line_num) - 1], item, solution)
        elif item.tag == "lineitem":
            lines.append(read_line(checks, item, len(lines) + 1, solution))
    return tuple(lines)


def reverse_invoice(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    key = el.get("key", "")
    checks = Checks(ctx, "reverse", "Invoice")
    doc = _existing_invoice(ctx, key, checks)
    when = legacy_date(el, "datereversed")
    if when is None:
        checks.fail(messages.business("The reversal date is required."))
    if doc.reversed_by is not None or doc.reversal_of is not None:
        checks.fail(messages.business(f"Invoice {key} has already been reversed."))
    if doc.total_paid != ZERO:
        checks.fail(
            messages.business(
                f"Invoice {key} has payments applied and cannot be reversed.",
                "Reverse the payments first.",
            )
        )
    checks.open_period(when)
    checks.done()
    assert when is not None  # checks.done() raised otherwise
    description = text(el, "description") or f"Reversal of {doc.record_id}"
    recordno = record_reversal(ctx.store, doc, when, ctx.now, description, ctx.journal)
    return created(fn, recordno)


def record_reversal(
    store: IntacctStore,
    doc: ArDocument,
    when: date,
    now: datetime,
    description: str,
    journal: Journal | None = None,
) -> int:
    """Store the reversal of ``doc`` (negated lines, dated ``when``) and mark ``doc`` reversed;
    the gateway's ``reverse_invoice`` after its checks, and what finance does in Intacct's UI."""
    reversal = dataclasses.replace(
        doc,
        recordno=store.next_recordno("ar"),
        record_id="",
        when_created=when,
        when_posted=when,
        when_modified=now,
        lines=tuple(
            dataclasses.replace(
                ln,
                amount=-ln.amount,
                taxes=tuple(dataclasses.replace(t, amount=-t.amount) for t in ln.taxes),
            )
            for ln in doc.lines
        ),
        description=description,
        reversal_of=doc.recordno,
    )
    reversal = dataclasses.replace(reversal, total_paid=reversal.total_entered)
    original = dataclasses.replace(
        doc, reversed_by=reversal.recordno, total_paid=doc.total_entered, when_modified=now
    )
    store.put(store.ar_table, reversal, journal)
    store.put(store.ar_table, original, journal)
    return reversal.recordno


def pay_invoice(
    ctx: Context,
    checks: Checks,
    invoice_key: str,
    amount: Decimal,
    customer_id: str,
    currency: str = "",
) -> ArDocument | None:
    """Check one application of money to an invoice; returns the invoice when it is valid.
    ``currency``: the payment's (empty: not stated, the invoice's is taken)."""
    doc = ctx.store.invoice(int(invoice_key)) if invoice_key.isdigit() else None
    if doc is None or (ctx.entity_id and doc.entity_id not in ("", ctx.entity_id)):
        checks.add(messages.invalid_reference("Invoice", invoice_key))
        return None
    if customer_id and doc.customer_id != customer_id:
        checks.add(messages.business(f"Invoice {invoice_key} belongs to another customer."))
        return None
    if currency and doc.currency and currency != doc.currency:
        checks.add(
            messages.business(
                f"The payment currency {currency} does not match the currency {doc.currency} "
                f"of invoice {invoice_key}.",
                "Pay an invoice in its own currency.",
            )
        )
        return None
    if doc.draft or doc.reversed_by is not None or doc.reversal_of is not None:
        checks.add(messages.business(f"Invoice {invoice_key} is not open for payment."))
        return None
    if amount <= ZERO:
        checks.add(messages.invalid_value(f"The payment amount '{amount}' is invalid"))
        return None
    if amount > doc.total_due:
        checks.add(
            messages.business(
                f"The payment amount {amount:.2f} exceeds the amount due {doc.total_due:.2f} "
                f"on invoice {invoice_key}.",
                "Pay at most the amount due.",
            )
        )
        return None
    return doc


def _credit_to_apply(ctx: Context, checks: Checks, key: str) -> ArDocument | Payment:
    """The credit ``arpaymentkey`` names: a credit memo (an ARADJUSTMENT with a negative
    balance), else an advance (ARADVANCE). Either must be open and visible in the session."""
    recordno = int(key) if key.isdigit() else -1
    memo = ctx.store.ar_table.get(recordno)
    if memo is not None and memo.kind == "adjustment" and memo.total_entered < ZERO:
        if memo.draft or memo.reversed_by is not None or memo.reversal_of is not None:
            checks.fail(messages.business(f"Credit {key} is not open for application."))
        found: ArDocument | Payment = memo
    else:
        advance = ctx.store.payment_table.get(recordno)
        if advance is None or advance.record_type != "rr":
            checks.fail(messages.invalid_reference("Credit", key))
        if advance.draft or advance.reversed:
            checks.fail(messages.business(f"Credit {key} is not open for application."))
        found = advance
    if ctx.entity_id and found.entity_id not in ("", ctx.entity_id):
        checks.fail(messages.invalid_reference("Credit", key))
    return found


def apply_arpayment(ctx: Context, fn: Function) -> FunctionResult:
    """Apply a credit memo or an advance to invoices of its customer, currency and entity."""
    el = fn.element
    checks = Checks(ctx, "apply", "Payment")
    key = text(el, "arpaymentkey")
    credit = _credit_to_apply(ctx, checks, key)
    when = legacy_date(el, "paymentdate")
    if when is None:
        checks.fail(messages.business("The payment date is required."))
    checks.open_period(when)
    applications: list[tuple[ArDocument, Decimal]] = []
    for item in el.findall("arpaymentitems/arpaymentitem"):
        amount = money(decimal(text(item, "amount"), "amount"))
        invoice_key = text(item, "invoicekey")
        already = sum((a for d, a in applications if str(d.recordno) == invoice_key), ZERO)
        doc = pay_invoice(
            ctx, checks, invoice_key, amount + already, credit.customer_id, credit.currency
        )
        if doc is not None and doc.entity_id != credit.entity_id:
            # A credit pays invoices of its own entity only (multi-entity rule).
            checks.add(
                messages.business(
                    f"Credit {key} of entity {credit.entity_id or 'top level'} cannot be applied "
                    f"to invoice {invoice_key} of entity {doc.entity_id or 'top level'}."
                )
            )
            doc = None
        if doc is not None:
            applications.append((doc, amount))
    total = sum((a for _, a in applications), ZERO)
    if not applications and not checks.errors:
        checks.add(messages.business("At least one invoice to apply the credit to is required."))
    if isinstance(credit, Payment):
        available = max(credit.amount - credit.applied, ZERO)
    else:
        available = max(-credit.total_due, ZERO)
    if total > available:
        checks.add(
            messages.business(
                f"The amount applied {total:.2f} exceeds the credit available {available:.2f}."
            )
        )
    checks.done()
    recordno = ctx.store.next_recordno("payments")
    memo_key = None if isinstance(credit, Payment) else credit.recordno
    advance_key = credit.recordno if isinstance(credit, Payment) else None
    details = []
    for doc, amount in applications:
        details.append(
            PaymentDetail(
                ctx.store.next_recordno("details"),
                recordno,
                doc.recordno,
                amount,
                memo_key,
                advance_key,
            )
        )
        current = ctx.store.ar_table.get(doc.recordno) or doc
        ctx.store.put(
            ctx.store.ar_table,
            dataclasses.replace(
                current, total_paid=current.total_paid + amount, when_modified=ctx.now
            ),
            ctx.journal,
        )
    if isinstance(credit, Payment):
        ctx.store.put(
            ctx.store.payment_table,
            dataclasses.replace(credit, applied=credit.applied + total, when_modified=ctx.now),
            ctx.journal,
        )
    else:
        ctx.store.put(
            ctx.store.ar_table,
            dataclasses.replace(
                credit, total_paid=credit.total_paid - total, when_modified=ctx.now
            ),
            ctx.journal,
        )
    payment = Payment(
        recordno=recordno,
        customer_id=credit.customer_id,
        receipt_date=when,
        when_modified=ctx.now,
        amount=total,
        entity_id=ctx.entity_id,
        description=text(el, "memo"),
        currency=credit.currency,
        record_type="ra",
        details=tuple(details),
    )
    ctx.store.put(ctx.store.payment_table, payment, ctx.journal)
    return created(fn, recordno)
