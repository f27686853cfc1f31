"""``reverse_arpayment``: undo a posted AR payment, reopening what it paid.

Rules (reference intacct-api.md section 8, AR payments): only a posted payment that is not
already reversed can be reversed; the reversal date must be in an open AR period; each invoice
it paid gets the amount back as due (``TOTALPAID`` down, ``TOTALDUE`` up, ``STATE`` from them)
and its ``WHENMODIFIED`` bumped, as the payment's own.
"""

from __future__ import annotations

import dataclasses

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context
from orsync.sandbox.intacct.invoices import created
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.request import Function, legacy_date
from orsync.sandbox.intacct.rules import Checks


def reverse_arpayment(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    key = el.get("key", "")
    checks = Checks(ctx, "reverse", "AR Payment")
    payment = ctx.store.payment_table.get(int(key)) if key.isdigit() else None
    if payment is None or (ctx.entity_id and payment.entity_id not in ("", ctx.entity_id)):
        checks.fail(messages.invalid_reference("AR Payment", key))
    when = legacy_date(el, "datereversed")
    if when is None:
        checks.fail(messages.business("The reversal date is required."))
    if payment.reversed:
        checks.fail(messages.business(f"AR Payment {key} has already been reversed."))
    if payment.draft:
        checks.fail(
            messages.business(
                f"AR Payment {key} is a draft; only posted payments can be reversed.",
                "Delete the draft instead.",
            )
        )
    if when < payment.receipt_date:
        checks.add(
            messages.business(
                f"The reversal date {when:%m/%d/%Y} is before the payment's receipt date "
                f"{payment.receipt_date:%m/%d/%Y}."
            )
        )
    checks.open_period(when)
    checks.done()
    for detail in payment.details:
        invoice = ctx.store.ar_table.get(detail.record_key)
        if invoice is not None:
            ctx.store.put(
                ctx.store.ar_table,
                dataclasses.replace(
                    invoice, total_paid=invoice.total_paid - detail.amount, when_modified=ctx.now
                ),
                ctx.journal,
            )
        if detail.advance_key is not None:
            advance = ctx.store.payment_table.get(detail.advance_key)
            if advance is not None:
                ctx.store.put(
                    ctx.store.payment_table,
                    dataclasses.replace(
                        advance, applied=advance.applied - detail.amount, when_modified=ctx.now
                    ),
                    ctx.journal,
                )
        if detail.adjustment_key is not None:
            credit = ctx.store.ar_table.get(detail.adjustment_key)
            if credit is not None:
                ctx.store.put(
                    ctx.store.ar_table,
                    dataclasses.replace(
                        credit,
                        total_paid=credit.total_paid + detail.amount,
                        when_modified=ctx.now,
                    ),
                    ctx.journal,
                )
    # The payment keeps its own description (and reference): a reversal is found by them.
    ctx.store.put(
        ctx.store.payment_table,
        dataclasses.replace(payment, reversed=True, when_modified=ctx.now),
        ctx.journal,
    )
    return created(fn, payment.recordno)
