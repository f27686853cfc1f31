"""Engine postings -> Intacct write functions (pure: no I/O, no ledger access).

The controlid of every function comes from the ledger row that was committed ``sending`` for
it (``LedgerRow.controlid``): this module never invents one, so a resend after a crash carries
exactly the id Intacct may already have executed (``uniqueid=true`` then refuses the repeat).

Where the OfficeRnD number goes (see :class:`orsync.engine.Posting`): ``ponumber`` on AR
invoices, ``referenceno`` on Sales documents, ``externalid`` on AR credit memos (which have no
ponumber; ``invoiceno`` names the credited invoice, ``PostingContext.credited_invoice``); with
OfficeRnD numbering also ``invoiceno`` / ``documentno`` / ``adjustmentno``.

VAT at the top level: Intacct wants the tax solution named on every document posted outside
an entity, so callers pass ``tax_solutions`` (tax detail id -> tax solution id, read once from
Intacct's TAXDETAIL list) and the solution is named whenever a line carries a tax detail and the
document is not posted inside an entity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from orsync.engine import CustomerPosting, Posting, PostingLine
from orsync.engine.customers import FieldChange
from orsync.engine.model import Address
from orsync.errors import InternalError
from orsync.intacct.xml import legacy, objects
from orsync.intacct.xml.function import Function

# Intacct's tax amount on a line is forced to OfficeRnD's (``trx_tax``) so the document total
# matches OfficeRnD to the cent whatever rounding Intacct's tax engine would apply.
FORCE_LINE_TAX = True


@dataclass(frozen=True)
class PostingContext:
    """What turning a posting into a function needs beyond the posting itself."""

    tax_solutions: Mapping[str, str] = field(default_factory=dict)
    # A credit memo's: the Intacct number of the invoice it credits, sent as ``invoiceno`` when
    # the memo is created (None: OfficeRnD does not say, or that invoice has no number yet).
    credited_invoice: str | None = None


def record_label(kind: str, source_id: str) -> str:
    """The ``Function.record`` tag: carried into outcomes and errors, never sent."""
    return f"{kind}:{source_id}"


# -- documents ---------------------------------------------------------------------------------


def create_document(
    posting: Posting,
    controlid: str,
    *,
    record: str | None = None,
    context: PostingContext | None = None,
) -> Function:
    """The create function for ``posting`` (AR invoice, AR credit memo or Sales document)."""
    ctx = context or PostingContext()
    solution = _tax_solution(posting, ctx)
    if posting.kind == "ar_invoice":
        invoice = legacy.ArInvoice(
            customer_id=posting.customer_id,
            date_created=posting.date_created,
            date_due=posting.date_due or posting.date_created,
            date_posted=posting.date_posted,
            lines=tuple(_ar_line(line) for line in posting.lines),
            invoice_no=posting.invoice_number,
            po_number=posting.reference,
            description=posting.description,
            currency=posting.currency,
            rate=_rate(posting),
            tax_solution_id=solution,
        )
        return legacy.create_invoice(invoice, controlid, record=record)
    if posting.kind == "ar_credit_memo":
        adjustment = legacy.ArAdjustment(
            customer_id=posting.customer_id,
            date_created=posting.date_created,
            date_posted=posting.date_posted,
            lines=tuple(_ar_line(line) for line in posting.lines),
            adjustment_no=posting.invoice_number,
            invoice_no=ctx.credited_invoice,
            description=posting.description,
            external_id=posting.reference,
            currency=posting.currency,
            rate=_rate(posting),
            tax_solution_id=solution,
        )
        return legacy.create_aradjustment(adjustment, controlid, record=record)
    transaction = legacy.SalesTransaction(
        transaction_type=_definition(posting),
        date_created=posting.date_created,
        date_posted=posting.date_posted,
        customer_id=posting.customer_id,
        lines=tuple(_sales_line(line) for line in posting.lines),
        document_no=posting.invoice_number,
        reference_no=posting.reference,
        date_due=posting.date_due,
        message=posting.description,
        currency=posting.currency,
        rate=_rate(posting),
        tax_solution_id=solution,
    )
    return legacy.create_sotransaction(transaction, controlid, record=record)


def update_document(
    posting: Posting,
    target_key: str,
    controlid: str,
    *,
    line_count: int,
    record: str | None = None,
) -> Function:
    """Replace the document's lines 1..n with the posting's and append any extra ones.

    ``line_count`` is how many lines the Intacct document has now; the legacy update functions
    cannot delete lines, so a posting with fewer lines is a conflict the caller reports before
    calling this (see :func:`update_blocker`).
    """
    if len(posting.lines) < line_count:
        raise InternalError("update_document called for a posting with fewer lines")
    if posting.kind == "ar_invoice":
        ar_lines = [_ar_line(line) for line in posting.lines]
        update = legacy.ArInvoiceUpdate(
            date_due=posting.date_due or posting.date_created,
            invoice_no=posting.invoice_number,
            po_number=posting.reference,
            description=posting.description,
            replace_lines={n: ar_lines[n - 1] for n in range(1, line_count + 1)},
            add_lines=tuple(ar_lines[line_count:]),
            rate=_rate_update(posting),
        )
        return legacy.update_invoice(target_key, update, controlid, record=record)
    if posting.kind == "ar_credit_memo":
        memo_lines = [_ar_line(line) for line in posting.lines]
        memo = legacy.ArAdjustmentUpdate(
            # ``invoiceno`` is left as created: the credited invoice's number, or on a memo of
            # an earlier version the reference orsync finds it by.
            adjustment_no=posting.invoice_number,
            description=posting.description,
            replace_lines={n: memo_lines[n - 1] for n in range(1, line_count + 1)},
            add_lines=tuple(memo_lines[line_count:]),
            rate=_rate_update(posting),
        )
        return legacy.update_aradjustment(target_key, memo, controlid, record=record)
    if posting.kind in ("so_invoice", "so_credit"):
        so_lines = [_sales_line(line) for line in posting.lines]
        so_update = legacy.SalesTransactionUpdate(
            reference_no=posting.reference,
            date_due=posting.date_due,
            message=posting.description,
            replace_lines={n: so_lines[n - 1] for n in range(1, line_count + 1)},
            add_lines=tuple(so_lines[line_count:]),
            rate=_rate_update(posting),
        )
        return legacy.update_sotransaction(target_key, so_update, controlid, record=record)
    raise InternalError(f"{posting.kind} documents are not updated in place")


def reverse_document(
    function: str,
    target_key: str,
    when: dt.date,
    controlid: str,
    *,
    number: str,
    deleted: bool = False,
    record: str | None = None,
) -> Function:
    """The write that takes a voided (or ``deleted``) document out of Intacct's books, by the
    function the engine chose (``engine.diff.void_function``)."""
    if function == "reverse_invoice":
        return legacy.reverse_invoice(
            target_key,
            when,
            controlid,
            description=f"orsync: OfficeRnD invoice {number} {'deleted' if deleted else 'voided'}",
            record=record,
        )
    if function == "delete_invoice":
        return legacy.delete_invoice(target_key, controlid, record=record)
    if function == "delete_aradjustment":
        return legacy.delete_aradjustment(target_key, controlid, record=record)
    if function == "delete_sotransaction":
        return legacy.delete_sotransaction(target_key, controlid, record=record)
    raise InternalError(f"no builder for {function}")


def _rate(posting: Posting) -> legacy.Rate | None:
    """OfficeRnD's rate when the posting carries one (``fx_rates: officernd`` on a document not
    in its base currency); otherwise Intacct's rate type for the document date."""
    if posting.exchange_rate is None:
        return None
    return legacy.Rate(exchange_rate=posting.exchange_rate)


def _rate_update(posting: Posting) -> legacy.RateUpdate | None:
    """An update re-sends OfficeRnD's rate whenever the posting carries one, so an edit of
    ``currencyConversionRate`` reaches Intacct's base amounts (issue 17); the currency is the
    document's own (an update cannot change it: ``diff.FIXED_ONCE_POSTED``)."""
    if posting.exchange_rate is None:
        return None
    return legacy.RateUpdate(posting.currency, posting.exchange_rate)


def _definition(posting: Posting) -> str:
    if not posting.transaction_definition:
        raise InternalError(f"a {posting.kind} posting needs a transaction definition")
    return posting.transaction_definition


def _tax_solution(posting: Posting, ctx: PostingContext) -> str | None:
    if posting.entity_id is not None:
        return None  # inside an entity, Intacct uses the entity's own solution
    for line in posting.lines:
        if line.tax_detail_id is not None and line.tax_detail_id in ctx.tax_solutions:
            return ctx.tax_solutions[line.tax_detail_id]
    return None


def _tax_entries(line: PostingLine) -> tuple[legacy.TaxEntry, ...]:
    if line.tax_detail_id is None:
        return ()
    # The forced tax follows the line's sign (credit memo lines are negative, model.py).
    return (legacy.TaxEntry(line.tax_detail_id, line.tax_amount if FORCE_LINE_TAX else None),)


def _ar_line(line: PostingLine) -> legacy.ArInvoiceLine:
    return legacy.ArInvoiceLine(
        gl_account_no=line.account,
        amount=line.net_amount,
        memo=line.memo or None,
        location_id=line.location_id,
        department_id=line.department_id,
        class_id=line.class_id,
        tax_entries=_tax_entries(line),
    )


def _sales_line(line: PostingLine) -> legacy.SalesLine:
    quantity = line.quantity if line.quantity is not None else Decimal(1)
    price = line.unit_price if line.unit_price is not None else line.net_amount
    return legacy.SalesLine(
        item_id=line.account,
        quantity=quantity,
        price=price,
        location_id=line.location_id,
        department_id=line.department_id,
        memo=line.memo or None,
        class_id=line.class_id,
        tax_detail_id=line.tax_detail_id,
        trx_tax=line.tax_amount if line.tax_detail_id is not None and FORCE_LINE_TAX else None,
    )


# -- customers ---------------------------------------------------------------------------------


def create_customer(
    posting: CustomerPosting, controlid: str, *, record: str | None = None
) -> Function:
    return objects.create_customer(_customer(posting), controlid, record=record)


def update_customer(
    posting: CustomerPosting,
    changes: tuple[FieldChange, ...],
    controlid: str,
    *,
    record: str | None = None,
) -> Function:
    """Send only the fields that changed (NAME is always sent: the object needs it)."""
    changed = {change.field for change in changes}
    customer = objects.Customer(
        customer_id=posting.customer_id,
        name=posting.name,
        print_as=posting.print_as if "print_as" in changed or "name" in changed else None,
        email=posting.email if "email" in changed else None,
        address=_address(posting.address) if "address" in changed else None,
        status=posting.status if "status" in changed else None,
        currency=posting.currency if "currency" in changed else None,
    )
    return objects.update_customer(customer, controlid, record=record)


def _customer(posting: CustomerPosting) -> objects.Customer:
    return objects.Customer(
        customer_id=posting.customer_id,
        name=posting.name,
        print_as=posting.print_as,
        email=posting.email,
        address=_address(posting.address),
        status=posting.status,
        currency=posting.currency,
    )


def _address(address: Address | None) -> objects.Address | None:
    if address is None:
        return None
    return objects.Address(
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        state=address.state,
        zip=address.zip,
        country=address.country,
    )
