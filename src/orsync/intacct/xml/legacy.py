"""Typed inputs and builders for the legacy AR/OE write functions.

Element order follows the ``api.xsd`` sequences (the docs' parameter tables are not in schema
order). Dates are ``<year>/<month>/<day>`` triples; amounts are ``Decimal`` rendered by
:func:`orsync.intacct.xml.values.money`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

from orsync.intacct.xml.function import Function, make_function
from orsync.intacct.xml.values import (
    legacy_custom_fields,
    legacy_date,
    money,
    optional,
    optional_legacy_date,
    optional_money,
    quantity,
    sub,
)

Element = etree._Element


@dataclass(frozen=True)
class TaxEntry:
    """A VAT/GST line tax: the tax detail and, optionally, the tax amount to force."""

    detail_id: str
    trx_tax: Decimal | None = None


@dataclass(frozen=True)
class ArInvoiceLine:
    """A ``lineitem`` of an AR invoice or adjustment (positive = debit, negative = credit memo)."""

    gl_account_no: str
    amount: Decimal
    memo: str | None = None
    location_id: str | None = None
    department_id: str | None = None
    class_id: str | None = None
    item_id: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    tax_entries: tuple[TaxEntry, ...] = ()


@dataclass(frozen=True)
class ArInvoice:
    """Input of ``create_invoice``. ``invoice_no=None`` lets Intacct number the invoice."""

    customer_id: str
    date_created: date
    lines: tuple[ArInvoiceLine, ...]
    date_due: date | None = None
    term_name: str | None = None
    date_posted: date | None = None
    invoice_no: str | None = None
    po_number: str | None = None
    description: str | None = None
    external_id: str | None = None
    currency: str | None = None
    exchange_rate_type: str = "Intacct Daily Rate"
    rate: Rate | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    tax_solution_id: str | None = None
    action: str | None = None  # "Draft" or "Submit"; None = the company default


@dataclass(frozen=True)
class Rate:
    """How a document in another currency than its base is converted: a fixed ``exchrate``, or
    Intacct's ``exchratetype`` for ``exchratedate`` (the document date when None)."""

    exchange_rate: Decimal | None = None
    rate_type: str = "Intacct Daily Rate"
    rate_date: date | None = None
    base_currency: str | None = None


def _currency(parent: Element, currency: str | None, rate_type: str, rate: Rate | None) -> None:
    # api.xsd: basecurr?, currency, then a choice of (exchratedate?, exchratetype) or exchrate;
    # exchratedate cannot go with exchrate (the rate applies to the document as given).
    if currency is None:
        return
    if rate is not None:
        optional(parent, "basecurr", rate.base_currency)
    sub(parent, "currency", currency)
    if rate is not None and rate.exchange_rate is not None:
        sub(parent, "exchrate", quantity(rate.exchange_rate))
        return
    if rate is not None:
        optional_legacy_date(parent, "exchratedate", rate.rate_date)
        rate_type = rate.rate_type
    sub(parent, "exchratetype", rate_type)


@dataclass(frozen=True)
class RateUpdate:
    """The currency block of an update: the document's currency again and the fixed rate it
    now converts at (``update_invoice``, ``update_aradjustment`` and ``update_sotransaction``
    all take ``currency`` then ``exchrate`` in api.xsd)."""

    currency: str
    exchange_rate: Decimal


def _rate_update(parent: Element, rate: RateUpdate | None) -> None:
    if rate is not None:
        sub(parent, "currency", rate.currency)
        sub(parent, "exchrate", quantity(rate.exchange_rate))


def _tax_entries(parent: Element, entries: tuple[TaxEntry, ...]) -> None:
    if not entries:
        return
    if len(entries) > 2:
        raise ValueError("a line takes at most two tax entries")
    container = sub(parent, "taxentries")
    for entry in entries:
        node = sub(container, "taxentry")
        sub(node, "detailid", entry.detail_id)
        optional_money(node, "trx_tax", entry.trx_tax)


def _line_item(parent: Element, line: ArInvoiceLine, tag: str = "lineitem") -> None:
    node = sub(parent, tag)
    sub(node, "glaccountno", line.gl_account_no)
    sub(node, "amount", money(line.amount))
    optional(node, "memo", line.memo)
    optional(node, "locationid", line.location_id)
    optional(node, "departmentid", line.department_id)
    legacy_custom_fields(node, line.custom_fields)
    optional(node, "itemid", line.item_id)
    optional(node, "classid", line.class_id)
    _tax_entries(node, line.tax_entries)


def _require_lines(lines: tuple[object, ...], what: str) -> None:
    if not lines:
        raise ValueError(f"{what} needs at least one line")


def create_invoice(invoice: ArInvoice, controlid: str, *, record: str | None = None) -> Function:
    _require_lines(invoice.lines, "an invoice")
    if invoice.date_due is None and invoice.term_name is None:
        raise ValueError("an invoice needs a due date or a payment term")
    body = etree.Element("create_invoice")
    sub(body, "customerid", invoice.customer_id)
    legacy_date(body, "datecreated", invoice.date_created)
    optional_legacy_date(body, "dateposted", invoice.date_posted)
    optional_legacy_date(body, "datedue", invoice.date_due)
    optional(body, "termname", invoice.term_name)
    optional(body, "action", invoice.action)
    optional(body, "invoiceno", invoice.invoice_no)
    optional(body, "ponumber", invoice.po_number)
    optional(body, "description", invoice.description)
    optional(body, "externalid", invoice.external_id)
    _currency(body, invoice.currency, invoice.exchange_rate_type, invoice.rate)
    legacy_custom_fields(body, invoice.custom_fields)
    optional(body, "taxsolutionid", invoice.tax_solution_id)
    items = sub(body, "invoiceitems")
    for line in invoice.lines:
        _line_item(items, line)
    return make_function(body, controlid, is_write=True, record=record)


@dataclass(frozen=True)
class ArInvoiceUpdate:
    """Input of ``update_invoice``: only the fields given change.

    ``replace_lines`` maps a 1-based line number to its new content; ``add_lines`` appends.
    """

    date_due: date | None = None
    invoice_no: str | None = None
    po_number: str | None = None
    description: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    replace_lines: Mapping[int, ArInvoiceLine] = field(default_factory=dict)
    add_lines: tuple[ArInvoiceLine, ...] = ()
    rate: RateUpdate | None = None


def update_invoice(
    key: str, update: ArInvoiceUpdate, controlid: str, *, record: str | None = None
) -> Function:
    """``update_invoice`` of the invoice whose RECORDNO is ``key``."""
    body = etree.Element("update_invoice", key=key)
    optional_legacy_date(body, "datedue", update.date_due)
    optional(body, "invoiceno", update.invoice_no)
    optional(body, "ponumber", update.po_number)
    optional(body, "description", update.description)
    _rate_update(body, update.rate)
    legacy_custom_fields(body, update.custom_fields)
    if update.replace_lines or update.add_lines:
        items = sub(body, "updateinvoiceitems")
        for line_num, line in sorted(update.replace_lines.items()):
            if line_num < 1:
                raise ValueError("invoice line numbers start at 1")
            _line_item(items, line, tag="updatelineitem")
            items[-1].set("line_num", str(line_num))
        for line in update.add_lines:
            _line_item(items, line)
    return make_function(body, controlid, is_write=True, record=record)


def reverse_invoice(
    key: str,
    date_reversed: date,
    controlid: str,
    *,
    description: str | None = None,
    record: str | None = None,
) -> Function:
    return _reverse("reverse_invoice", key, date_reversed, controlid, description, record)


def reverse_arpayment(
    key: str,
    date_reversed: date,
    controlid: str,
    *,
    description: str | None = None,
    record: str | None = None,
) -> Function:
    """Reverse a posted AR payment (RECORDNO ``key``): what it paid is due again."""
    return _reverse("reverse_arpayment", key, date_reversed, controlid, description, record)


def _reverse(
    function: str,
    key: str,
    date_reversed: date,
    controlid: str,
    description: str | None,
    record: str | None,
) -> Function:
    """The legacy reversals share one body: the key, the date and an optional description."""
    body = etree.Element(function, key=key)
    legacy_date(body, "datereversed", date_reversed)
    optional(body, "description", description)
    return make_function(body, controlid, is_write=True, record=record)


@dataclass(frozen=True)
class ArAdjustment:
    """Input of ``create_aradjustment`` (a credit memo has negative line amounts)."""

    customer_id: str
    date_created: date
    lines: tuple[ArInvoiceLine, ...]
    date_posted: date | None = None
    adjustment_no: str | None = None
    invoice_no: str | None = None  # the invoice this adjustment refers to
    description: str | None = None
    external_id: str | None = None
    currency: str | None = None
    exchange_rate_type: str = "Intacct Daily Rate"
    rate: Rate | None = None
    tax_solution_id: str | None = None
    action: str | None = None


def create_aradjustment(
    adjustment: ArAdjustment, controlid: str, *, record: str | None = None
) -> Function:
    _require_lines(adjustment.lines, "an adjustment")
    body = etree.Element("create_aradjustment")
    sub(body, "customerid", adjustment.customer_id)
    legacy_date(body, "datecreated", adjustment.date_created)
    optional_legacy_date(body, "dateposted", adjustment.date_posted)
    optional(body, "adjustmentno", adjustment.adjustment_no)
    optional(body, "action", adjustment.action)
    optional(body, "invoiceno", adjustment.invoice_no)
    optional(body, "description", adjustment.description)
    optional(body, "externalid", adjustment.external_id)
    _currency(body, adjustment.currency, adjustment.exchange_rate_type, adjustment.rate)
    optional(body, "taxsolutionid", adjustment.tax_solution_id)
    items = sub(body, "aradjustmentitems")
    for line in adjustment.lines:
        _line_item(items, line)
    return make_function(body, controlid, is_write=True, record=record)


@dataclass(frozen=True)
class ArAdjustmentUpdate:
    """Input of ``update_aradjustment``: only the fields given change (lines as in
    :class:`ArInvoiceUpdate`)."""

    adjustment_no: str | None = None
    invoice_no: str | None = None
    description: str | None = None
    replace_lines: Mapping[int, ArInvoiceLine] = field(default_factory=dict)
    add_lines: tuple[ArInvoiceLine, ...] = ()
    rate: RateUpdate | None = None


def update_aradjustment(
    key: str, update: ArAdjustmentUpdate, controlid: str, *, record: str | None = None
) -> Function:
    """``update_aradjustment`` of the adjustment whose RECORDNO is ``key``."""
    body = etree.Element("update_aradjustment", key=key)
    optional(body, "adjustmentno", update.adjustment_no)
    optional(body, "invoiceno", update.invoice_no)
    optional(body, "description", update.description)
    _rate_update(body, update.rate)
    if update.replace_lines or update.add_lines:
        items = sub(body, "updatearadjustmentitems")
        for line_num, line in sorted(update.replace_lines.items()):
            if line_num < 1:
                raise ValueError("adjustment line numbers start at 1")
            _line_item(items, line, tag="updatelineitem")
            items[-1].set("line_num", str(line_num))
        for line in update.add_lines:
            _line_item(items, line)
    return make_function(body, controlid, is_write=True, record=record)


def delete_invoice(key: str, controlid: str, *, record: str | None = None) -> Function:
    """``delete_invoice`` of the AR invoice whose RECORDNO is ``key``."""
    return make_function(
        etree.Element("delete_invoice", key=key), controlid, is_write=True, record=record
    )


def delete_aradjustment(key: str, controlid: str, *, record: str | None = None) -> Function:
    """``delete_aradjustment`` of the AR adjustment whose RECORDNO is ``key``."""
    return make_function(
        etree.Element("delete_aradjustment", key=key), controlid, is_write=True, record=record
    )


def delete_sotransaction(key: str, controlid: str, *, record: str | None = None) -> Function:
    """``delete_sotransaction`` of the sales document ``key`` (its DOCID, "<definition>-<no>")."""
    return make_function(
        etree.Element("delete_sotransaction", key=key), controlid, is_write=True, record=record
    )


@dataclass(frozen=True)
class SalesLine:
    """A ``sotransitem``: an Intacct item, quantity and unit price."""

    item_id: str
    quantity: Decimal
    price: Decimal | None = None
    description: str | None = None  # itemdesc
    location_id: str | None = None
    department_id: str | None = None
    memo: str | None = None
    class_id: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    tax_detail_id: str | None = None  # VAT override: linesubtotals/linesubtotal/overridedetailid
    trx_tax: Decimal | None = None


@dataclass(frozen=True)
class SalesTransaction:
    """Input of ``create_sotransaction`` (e.g. a "Sales Invoice" transaction definition)."""

    transaction_type: str
    date_created: date
    customer_id: str
    lines: tuple[SalesLine, ...]
    date_posted: date | None = None  # the GL posting date, when not date_created
    document_no: str | None = None  # None = the definition's numbering
    reference_no: str | None = None
    term_name: str | None = None
    date_due: date | None = None
    message: str | None = None
    external_id: str | None = None
    currency: str | None = None
    exchange_rate_type: str = "Intacct Daily Rate"
    rate: Rate | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    state: str | None = None  # Draft / Pending / Closed
    tax_solution_id: str | None = None


def _sales_line(parent: Element, line: SalesLine, tag: str = "sotransitem") -> None:
    node = sub(parent, tag)
    sub(node, "itemid", line.item_id)
    optional(node, "itemdesc", line.description)
    sub(node, "quantity", quantity(line.quantity))
    if line.price is not None:
        sub(node, "price", quantity(line.price))
    optional(node, "locationid", line.location_id)
    optional(node, "departmentid", line.department_id)
    optional(node, "memo", line.memo)
    legacy_custom_fields(node, line.custom_fields)
    optional(node, "classid", line.class_id)
    if line.tax_detail_id is not None:
        subtotal = sub(sub(node, "linesubtotals"), "linesubtotal")
        sub(subtotal, "overridedetailid", line.tax_detail_id)
        optional_money(subtotal, "trx_tax", line.trx_tax)


def create_sotransaction(
    transaction: SalesTransaction, controlid: str, *, record: str | None = None
) -> Function:
    _require_lines(transaction.lines, "a sales transaction")
    body = etree.Element("create_sotransaction")
    sub(body, "transactiontype", transaction.transaction_type)
    legacy_date(body, "datecreated", transaction.date_created)
    optional_legacy_date(body, "dateposted", transaction.date_posted)
    sub(body, "customerid", transaction.customer_id)
    optional(body, "documentno", transaction.document_no)
    optional(body, "referenceno", transaction.reference_no)
    optional(body, "termname", transaction.term_name)
    optional_legacy_date(body, "datedue", transaction.date_due)
    optional(body, "message", transaction.message)
    optional(body, "externalid", transaction.external_id)
    _currency(body, transaction.currency, transaction.exchange_rate_type, transaction.rate)
    legacy_custom_fields(body, transaction.custom_fields)
    optional(body, "state", transaction.state)
    optional(body, "taxsolutionid", transaction.tax_solution_id)
    items = sub(body, "sotransitems")
    for line in transaction.lines:
        _sales_line(items, line)
    return make_function(body, controlid, is_write=True, record=record)


@dataclass(frozen=True)
class SalesTransactionUpdate:
    """Input of ``update_sotransaction``; ``replace_lines`` is keyed by 1-based line number."""

    reference_no: str | None = None
    date_due: date | None = None
    message: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    state: str | None = None
    replace_lines: Mapping[int, SalesLine] = field(default_factory=dict)
    add_lines: tuple[SalesLine, ...] = ()
    rate: RateUpdate | None = None


def update_sotransaction(
    key: str, update: SalesTransactionUpdate, controlid: str, *, record: str | None = None
) -> Function:
    """``update_sotransaction`` of the document ``key`` ("<definition>-<docno>")."""
    body = etree.Element("update_sotransaction", key=key)
    optional(body, "referenceno", update.reference_no)
    optional_legacy_date(body, "datedue", update.date_due)
    optional(body, "message", update.message)
    _rate_update(body, update.rate)
    legacy_custom_fields(body, update.custom_fields)
    optional(body, "state", update.state)
    if update.replace_lines or update.add_lines:
        items = sub(body, "updatesotransitems")
        for line_num, line in sorted(update.replace_lines.items()):
            if line_num < 1:
                raise ValueError("sales transaction line numbers start at 1")
            _sales_line(items, line, tag="updatesotransitem")
            items[-1].set("line_num", str(line_num))
        for line in update.add_lines:
            _sales_line(items, line)
    return make_function(body, controlid, is_write=True, record=record)


@dataclass(frozen=True)
class PaymentApplication:
    """Input of ``apply_arpayment``: spend a credit (overpayment, advance, credit memo)."""

    payment_key: str  # RECORDNO of the ARPAYMENT / ARADJUSTMENT / negative ARINVOICE
    payment_date: date
    applications: tuple[tuple[str, Decimal], ...]  # (invoice RECORDNO, amount)
    memo: str | None = None


def apply_arpayment(
    application: PaymentApplication, controlid: str, *, record: str | None = None
) -> Function:
    body = etree.Element("apply_arpayment")
    sub(body, "arpaymentkey", application.payment_key)
    legacy_date(body, "paymentdate", application.payment_date)
    optional(body, "memo", application.memo)
    if application.applications:
        items = sub(body, "arpaymentitems")
        for invoice_key, amount in application.applications:
            item = sub(items, "arpaymentitem")
            sub(item, "invoicekey", invoice_key)
            sub(item, "amount", money(amount))
    return make_function(body, controlid, is_write=True, record=record)
