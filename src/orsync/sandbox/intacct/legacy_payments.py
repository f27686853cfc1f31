"""Legacy ``create_arpayment``: the function older clients (and Sage's SDKs' ``ArPaymentCreate``
before ARPYMT) use to receive money. It is read into the ARPYMT shape and checked by the same
rules (customer, bank account of the entity, method, open period, each invoice's due, currency).

``arpaymentitem`` (invoicekey, amount) apply it to invoices. Money not applied (no items, or a
``paymentamount`` above the items) is kept as an advance (``RECORDTYPE`` rr) that
``apply_arpayment`` spends later: what an Open Item customer gets per the reference (a Balance
Forward customer's auto-application to the oldest invoices is not modelled; unverified which
account type real companies use, so the simulator takes the one orsync's design relies on).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context
from orsync.sandbox.intacct.invoices import created, entity_currency
from orsync.sandbox.intacct.objects import create_payment_element
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.records import ZERO, money
from orsync.sandbox.intacct.request import Function, decimal, legacy_date, text
from orsync.sandbox.intacct.rules import Checks

# legacy tag -> ARPYMT field (the same meaning; names from intacct-api.md section 8)
HEADER_FIELDS = (
    ("customerid", "CUSTOMERID"),
    ("bankaccountid", "FINANCIALENTITY"),
    ("undepfundsacct", "UNDEPOSITEDACCOUNTNO"),
    ("refid", "DOCNUMBER"),
    ("paymentmethod", "PAYMENTMETHOD"),
)


def create_arpayment(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    checks = Checks(ctx, "create", "AR Payment")
    if el.find("batchkey") is not None:
        checks.fail(
            messages.business(
                "Payment batches are not available in this company.",
                "Send bankaccountid or undepfundsacct.",
            )
        )
    received = legacy_date(el, "datereceived")
    if received is None:
        checks.fail(messages.business("The date received is required.", "Enter datereceived."))
    total = money(decimal(text(el, "paymentamount") or "0", "paymentamount"))
    if total <= ZERO:
        checks.fail(messages.invalid_value(f"The payment amount '{total}' is invalid"))
    items = [
        (text(item, "invoicekey"), money(decimal(text(item, "amount") or "0", "amount")))
        for item in el.findall("arpaymentitem")
    ]
    applied = sum((amount for _, amount in items), ZERO)
    if applied > total:
        checks.fail(
            messages.business(
                f"The amounts applied {applied:.2f} exceed the payment amount {total:.2f}."
            )
        )
    arpymt = etree.Element("ARPYMT")
    for tag, field in HEADER_FIELDS:
        if (value := text(el, tag)) != "":
            etree.SubElement(arpymt, field).text = value
    etree.SubElement(arpymt, "RECEIPTDATE").text = received.strftime("%m/%d/%Y")
    if currency := text(el, "currency") or (
        "" if items else entity_currency(ctx, ctx.entity_id, "")
    ):
        etree.SubElement(arpymt, "CURRENCY").text = currency  # else the invoices' own
    etree.SubElement(arpymt, "AMOUNTTOPAY").text = f"{total:.2f}"
    etree.SubElement(arpymt, "OVERPAYMENTAMOUNT").text = f"{total - applied:.2f}"
    details = etree.SubElement(arpymt, "ARPYMTDETAILS")
    for key, amount in items:
        detail = etree.SubElement(details, "ARPYMTDETAIL")
        etree.SubElement(detail, "RECORDKEY").text = key
        etree.SubElement(detail, "TRX_PAYMENTAMOUNT").text = f"{amount:.2f}"
    result = create_payment_element(ctx, arpymt)
    recordno = int(dict(result[1])["RECORDNO"])
    if applied < total:
        _keep_unapplied_as_advance(ctx, recordno, total - applied, bool(items))
    return created(fn, recordno)


def _keep_unapplied_as_advance(
    ctx: Context, recordno: int, remainder: Decimal, split: bool
) -> None:
    """No items: the payment itself is the advance. Items and a remainder: the applied part
    stays the payment and the remainder becomes an advance record of its own."""
    store = ctx.store
    payment = store.payment_table.get(recordno)
    assert payment is not None
    if not split:
        store.put(store.payment_table, dataclasses.replace(payment, record_type="rr"), ctx.journal)
        return
    store.put(
        store.payment_table,
        dataclasses.replace(payment, amount=payment.amount - remainder),
        ctx.journal,
    )
    advance = dataclasses.replace(
        payment,
        recordno=store.next_recordno("payments"),
        amount=remainder,
        details=(),
        record_type="rr",
    )
    store.put(store.payment_table, advance, ctx.journal)
