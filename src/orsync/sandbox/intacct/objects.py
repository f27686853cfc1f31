"""Generic ``create`` / ``update`` of CUSTOMER and ARPYMT (other objects are refused)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context, FunctionFailed
from orsync.sandbox.intacct.invoices import entity_currency, pay_invoice
from orsync.sandbox.intacct.protocol import FunctionResult, data_element, record_element
from orsync.sandbox.intacct.records import (
    ZERO,
    ArDocument,
    Customer,
    Payment,
    PaymentDetail,
    money,
)
from orsync.sandbox.intacct.request import Function, decimal, object_date, text
from orsync.sandbox.intacct.rules import Checks

PAYMENT_METHODS = {
    "Printed Check",
    "Cash",
    "EFT",
    "Credit Card",
    "Online Charge Card",
    "Online ACH Debit",
}

Created = tuple[str, list[tuple[str, str]]]  # (lower-case tag, fields echoed back)


def _flatten(element: etree._Element, prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = f"{prefix}{child.tag}".upper()
        if len(child):
            pairs.extend(_flatten(child, f"{name}."))
        else:
            pairs.append((name, (child.text or "").strip()))
    return pairs


def _create_customer(ctx: Context, el: etree._Element) -> Created:
    checks = Checks(ctx, "create", "customer")
    customer_id = text(el, "CUSTOMERID")
    name = text(el, "NAME")
    if not customer_id:
        checks.add(messages.business("Customer ID is required.", "Enter a CUSTOMERID."))
    if not name:
        checks.add(messages.business("Customer name is required.", "Enter a NAME."))
    if customer_id and ctx.store.customer(customer_id) is not None:
        checks.add(messages.duplicate("Customer", customer_id))
    status = text(el, "STATUS") or "active"
    if status not in ("active", "inactive"):
        checks.add(messages.invalid_value(f"The STATUS '{status}' is invalid"))
    checks.done()
    customer = Customer(
        recordno=ctx.store.next_recordno("customers"),
        customer_id=customer_id,
        name=name,
        when_modified=ctx.now,
        status=status,
        entity_id=ctx.entity_id,
        currency=text(el, "CURRENCY"),
        email=text(el, "DISPLAYCONTACT/EMAIL1"),
        extra=tuple(_flatten(el)),
    )
    ctx.store.put(ctx.store.customer_table, customer, ctx.journal)
    return "customer", [("RECORDNO", str(customer.recordno)), ("CUSTOMERID", customer_id)]


def _update_customer(ctx: Context, el: etree._Element) -> Created:
    checks = Checks(ctx, "update", "customer")
    customer_id = text(el, "CUSTOMERID")
    recordno = text(el, "RECORDNO")
    customer = ctx.store.customer(customer_id) if customer_id else None
    if customer is None and recordno:
        customer = ctx.store.customer_table.find(int(recordno)) if recordno.isdigit() else None
    if customer is None:
        checks.fail(messages.invalid_reference("Customer", customer_id or recordno))
    changes: dict[str, Any] = {"when_modified": ctx.now}
    for tag, attr in (("NAME", "name"), ("STATUS", "status"), ("CURRENCY", "currency")):
        if el.find(tag) is not None:
            changes[attr] = text(el, tag)
    if el.find("DISPLAYCONTACT/EMAIL1") is not None:
        changes["email"] = text(el, "DISPLAYCONTACT/EMAIL1")
    if changes.get("status", "active") not in ("active", "inactive"):
        checks.add(messages.invalid_value(f"The STATUS '{changes['status']}' is invalid"))
    checks.done()
    merged = dict(customer.extra)
    merged.update(_flatten(el))
    changes["extra"] = tuple(merged.items())
    updated = dataclasses.replace(customer, **changes)
    ctx.store.put(ctx.store.customer_table, updated, ctx.journal)
    return "customer", [("RECORDNO", str(updated.recordno)), ("CUSTOMERID", updated.customer_id)]


def _apply(ctx: Context, payment: Payment) -> None:
    for detail in payment.details:
        invoice = ctx.store.ar_table.get(detail.record_key)
        if invoice is not None:
            ctx.store.put(
                ctx.store.ar_table,
                dataclasses.replace(
                    invoice, total_paid=invoice.total_paid + detail.amount, when_modified=ctx.now
                ),
                ctx.journal,
            )


def _create_payment(ctx: Context, el: etree._Element) -> Created:
    checks = Checks(ctx, "create", "AR Payment")
    customer_id = text(el, "CUSTOMERID")
    checks.customer(customer_id)
    bank = text(el, "FINANCIALENTITY")
    undeposited = text(el, "UNDEPOSITEDACCOUNTNO")
    bank_entity: str | None = None
    if bank:
        account = ctx.store.checking_accounts.get(bank)
        if account is None or (ctx.entity_id and account.entity_id != ctx.entity_id):
            checks.add(messages.invalid_reference("Bank Account", bank))
            bank_entity = None
        else:
            bank_entity = account.entity_id
    elif undeposited:
        checks.account(undeposited)
    else:
        checks.add(
            messages.business(
                "A bank account or undeposited funds account is required.",
                "Enter FINANCIALENTITY or UNDEPOSITEDACCOUNTNO.",
            )
        )
    currency = text(el, "CURRENCY")
    method = text(el, "PAYMENTMETHOD")
    if method not in PAYMENT_METHODS:
        checks.add(messages.invalid_value(f"The PAYMENTMETHOD '{method}' is invalid"))
    receipt_date = object_date(text(el, "RECEIPTDATE"), "RECEIPTDATE")
    if receipt_date is None:
        checks.fail(messages.business("Receipt date is required.", "Enter RECEIPTDATE."))
    checks.open_period(receipt_date)
    recordno = ctx.store.next_recordno("payments")
    details: list[PaymentDetail] = []
    for item in el.findall("ARPYMTDETAILS/ARPYMTDETAIL"):
        amount = money(decimal(text(item, "TRX_PAYMENTAMOUNT") or "0", "TRX_PAYMENTAMOUNT"))
        key = text(item, "RECORDKEY")
        # Two details for one invoice must fit its due amount together.
        already = sum((d.amount for d in details if str(d.record_key) == key), ZERO)
        invoice = pay_invoice(ctx, checks, key, amount + already, customer_id, currency)
        owner = "" if invoice is None else _owner_entity(ctx, invoice)
        if invoice is not None and bank_entity and owner not in ("", bank_entity):
            # Money lands in a bank account of the invoice's own entity (multi-entity rule).
            checks.add(
                messages.business(
                    f"Bank account {bank} does not belong to entity {owner} of invoice {key}.",
                    "Receive the payment into a bank account of the invoice's entity.",
                )
            )
            invoice = None
        if invoice is not None:
            details.append(
                PaymentDetail(
                    ctx.store.next_recordno("details"), recordno, invoice.recordno, amount
                )
            )
    applied = sum((d.amount for d in details), ZERO)
    amount_text = text(el, "AMOUNTTOPAY") or text(el, "TRX_AMOUNTTOPAY")
    total = money(decimal(amount_text, "AMOUNTTOPAY")) if amount_text else applied
    overpayment = money(decimal(text(el, "OVERPAYMENTAMOUNT") or "0", "OVERPAYMENTAMOUNT"))
    if not checks.errors and total != applied + overpayment:
        checks.add(
            messages.business(
                f"The payment amount {total:.2f} does not match the amounts applied "
                f"{applied:.2f} plus the overpayment {overpayment:.2f}.",
            )
        )
    checks.done()
    payment = Payment(
        recordno=recordno,
        customer_id=customer_id,
        receipt_date=receipt_date,
        when_modified=ctx.now,
        amount=total,
        entity_id=ctx.entity_id or _invoices_entity(ctx, details),
        financial_entity=bank or undeposited,
        payment_method=method,
        doc_number=text(el, "DOCNUMBER"),
        description=text(el, "DESCRIPTION"),
        payment_date=object_date(text(el, "PAYMENTDATE"), "PAYMENTDATE"),
        currency=currency or _invoices_currency(ctx, details),
        draft=text(el, "ACTION") == "Draft",
        details=tuple(details),
    )
    if not payment.draft:
        _apply(ctx, payment)
    ctx.store.put(ctx.store.payment_table, payment, ctx.journal)
    return "arpymt", [("RECORDNO", str(recordno))]


def create_payment_element(ctx: Context, el: etree._Element) -> Created:
    """An ``ARPYMT`` element created under its rules (legacy ``create_arpayment`` is read into
    this shape: ``legacy_payments``)."""
    return _create_payment(ctx, el)


def _create_advance(ctx: Context, el: etree._Element) -> Created:
    """ARADVANCE: money received ahead of any invoice, credited to the line's GL account and
    spent later by ``apply_arpayment``; the same rules as ARPYMT (customer, bank account in
    the session's entity, method, open period)."""
    checks = Checks(ctx, "create", "AR Advance")
    customer_id = text(el, "CUSTOMERID")
    checks.customer(customer_id)
    bank = text(el, "FINANCIALENTITY")
    account = ctx.store.checking_accounts.get(bank)
    if account is None or (ctx.entity_id and account.entity_id != ctx.entity_id):
        checks.add(messages.invalid_reference("Bank Account", bank))
    method = text(el, "PAYMENTMETHOD")
    if method not in PAYMENT_METHODS:
        checks.add(messages.invalid_value(f"The PAYMENTMETHOD '{method}' is invalid"))
    receipt_date = object_date(text(el, "RECEIPTDATE"), "RECEIPTDATE")
    if receipt_date is None:
        checks.fail(messages.business("Receipt date is required.", "Enter RECEIPTDATE."))
    checks.open_period(receipt_date)
    items = el.findall("ARADVANCEITEMS/ARADVANCEITEM")
    if not items:
        checks.add(messages.business("At least one advance line is required."))
    total = ZERO
    gl_account = ""
    for item in items:
        gl_account = text(item, "ACCOUNTNO")
        checks.account(gl_account)
        total += money(decimal(text(item, "TRX_AMOUNT") or "0", "TRX_AMOUNT"))
    if items and total <= ZERO:
        checks.add(messages.invalid_value(f"The advance amount '{total}' is invalid"))
    currency = text(el, "CURRENCY") or entity_currency(ctx, ctx.entity_id, "")
    if account is not None and account.currency and currency != account.currency:
        checks.add(
            messages.business(
                f"The currency {currency} does not match bank account {bank} ({account.currency})."
            )
        )
    checks.done()
    advance = Payment(
        recordno=ctx.store.next_recordno("payments"),
        customer_id=customer_id,
        receipt_date=receipt_date,
        when_modified=ctx.now,
        amount=total,
        entity_id=ctx.entity_id,
        financial_entity=bank,
        payment_method=method,
        doc_number=text(el, "DOCNUMBER"),
        description=text(el, "DESCRIPTION"),
        currency=currency,
        record_type="rr",
        gl_account=gl_account,
    )
    ctx.store.put(ctx.store.payment_table, advance, ctx.journal)
    return "aradvance", [("RECORDNO", str(advance.recordno))]


def _invoices_currency(ctx: Context, details: list[PaymentDetail]) -> str:
    """A payment that states no currency is in its invoices' (else the entity's base)."""
    for detail in details:
        invoice = ctx.store.invoice(detail.record_key)
        if invoice is not None and invoice.currency:
            return invoice.currency
    return entity_currency(ctx, ctx.entity_id, "")


def _owner_entity(ctx: Context, invoice: ArDocument) -> str:
    """The entity an invoice belongs to: its session's, else its first line's location's."""
    if invoice.entity_id:
        return invoice.entity_id
    for line in invoice.lines:
        location = ctx.store.locations.get(line.location_id)
        if location is not None:
            return location.entity_id
    return ""


def _invoices_entity(ctx: Context, details: list[PaymentDetail]) -> str:
    for detail in details:
        invoice = ctx.store.invoice(detail.record_key)
        if invoice is not None:
            return invoice.entity_id
    return ""


def _update_payment(ctx: Context, el: etree._Element) -> Created:
    checks = Checks(ctx, "update", "AR Payment")
    key = text(el, "RECORDNO")
    payment = ctx.store.payment_table.get(int(key)) if key.isdigit() else None
    if payment is None:
        checks.fail(messages.invalid_reference("AR Payment", key))
    if not payment.draft:
        checks.fail(
            messages.business(
                f"AR Payment {key} is posted; only draft payments can be updated.",
                "Reverse the payment instead.",
            )
        )
    changes: dict[str, Any] = {"when_modified": ctx.now}
    for tag, attr in (("DOCNUMBER", "doc_number"), ("DESCRIPTION", "description")):
        if el.find(tag) is not None:
            changes[attr] = text(el, tag)
    action = text(el, "ACTION")
    if action == "Submit":
        changes["draft"] = False
        for detail in payment.details:
            pay_invoice(ctx, checks, str(detail.record_key), detail.amount, payment.customer_id)
    checks.done()
    updated = dataclasses.replace(payment, **changes)
    if payment.draft and not updated.draft:
        _apply(ctx, updated)
    ctx.store.put(ctx.store.payment_table, updated, ctx.journal)
    return "arpymt", [("RECORDNO", key)]


HANDLERS: dict[tuple[str, str], Callable[[Context, etree._Element], Created]] = {
    ("create", "CUSTOMER"): _create_customer,
    ("update", "CUSTOMER"): _update_customer,
    ("create", "ARPYMT"): _create_payment,
    ("update", "ARPYMT"): _update_payment,
    ("create", "ARADVANCE"): _create_advance,
}


def create_or_update(ctx: Context, fn: Function) -> FunctionResult:
    """Each object is created (or updated) on its own; the result lists those that were, and
    fails with the others' errors (resp-result-partial-failure-BL34000061.xml)."""
    done: list[Created] = []
    errors: list[messages.GatewayError] = []
    for element in fn.element:
        if not isinstance(element.tag, str):
            continue
        handler = HANDLERS.get((fn.name, str(element.tag).upper()))
        if handler is None:
            errors.append(
                messages.business(
                    f"Object {element.tag} cannot be {fn.name}d through this function.",
                    "Use the object's legacy function.",
                )
            )
            continue
        try:
            done.append(handler(ctx, element))
        except FunctionFailed as failure:
            errors.extend(failure.errors)
    data = data_element("objects", len(done))
    for tag, fields in done:
        data.append(record_element(tag, fields))
    if errors:
        raise FunctionFailed(errors, payload=[data])
    return FunctionResult(fn.name, fn.controlid, payload=[data])
