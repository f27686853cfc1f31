"""Typed inputs and builders for generic ``create``/``update`` of CUSTOMER and ARPYMT.

api.xsd does not check object payloads (``xs:any``), so field names and their order here come
from the object reference pages (intacct-api.md section 8). Dates are ``mm/dd/yyyy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from orsync.intacct.xml.function import Function, make_function
from orsync.intacct.xml.values import (
    money,
    object_custom_fields,
    object_date,
    optional,
    sub,
)

Element = etree._Element
Verb = Literal["create", "update"]


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    iso_country_code: str | None = None


@dataclass(frozen=True)
class Customer:
    """A CUSTOMER. ``customer_id`` is the natural key (also what ``update`` is keyed by)."""

    customer_id: str
    name: str
    print_as: str | None = None  # defaults to ``name``
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    status: Literal["active", "inactive"] | None = "active"
    term_name: str | None = None
    currency: str | None = None
    customer_type: str | None = None
    tax_id: str | None = None
    restricted_locations: tuple[str, ...] = ()  # visible to these entities/locations only
    custom_fields: Mapping[str, str] = field(default_factory=dict)


def _customer_element(customer: Customer) -> Element:
    node = etree.Element("CUSTOMER")
    sub(node, "CUSTOMERID", customer.customer_id)
    sub(node, "NAME", customer.name)
    contact = sub(node, "DISPLAYCONTACT")
    sub(contact, "PRINTAS", customer.print_as or customer.name)
    optional(contact, "COMPANYNAME", customer.company_name)
    optional(contact, "FIRSTNAME", customer.first_name)
    optional(contact, "LASTNAME", customer.last_name)
    optional(contact, "EMAIL1", customer.email)
    optional(contact, "PHONE1", customer.phone)
    if customer.address is not None:
        mail = sub(contact, "MAILADDRESS")
        optional(mail, "ADDRESS1", customer.address.line1)
        optional(mail, "ADDRESS2", customer.address.line2)
        optional(mail, "CITY", customer.address.city)
        optional(mail, "STATE", customer.address.state)
        optional(mail, "ZIP", customer.address.zip)
        optional(mail, "COUNTRY", customer.address.country)
        optional(mail, "ISOCOUNTRYCODE", customer.address.iso_country_code)
    optional(node, "STATUS", customer.status)
    optional(node, "TERMNAME", customer.term_name)
    optional(node, "CURRENCY", customer.currency)
    optional(node, "CUSTTYPE", customer.customer_type)
    optional(node, "TAXID", customer.tax_id)
    if customer.restricted_locations:
        sub(node, "OBJECTRESTRICTION", "Restricted")
        sub(node, "RESTRICTEDLOCATIONS", "#~#".join(customer.restricted_locations))
    object_custom_fields(node, customer.custom_fields)
    return node


def _generic(verb: Verb, payload: Element, controlid: str, record: str | None) -> Function:
    body = etree.Element(verb)
    body.append(payload)
    return make_function(body, controlid, is_write=True, record=record)


def create_customer(customer: Customer, controlid: str, *, record: str | None = None) -> Function:
    return _generic("create", _customer_element(customer), controlid, record)


def update_customer(customer: Customer, controlid: str, *, record: str | None = None) -> Function:
    """Update keyed by CUSTOMERID (the fields given replace Intacct's)."""
    return _generic("update", _customer_element(customer), controlid, record)


@dataclass(frozen=True)
class PaymentLine:
    """An ARPYMTDETAIL: pay ``amount`` of invoice RECORDNO ``invoice_key`` (optionally one line)."""

    invoice_key: str
    amount: Decimal
    entry_key: str | None = None


@dataclass(frozen=True)
class ArPayment:
    """An ARPYMT (receipt). Give ``financial_entity`` (bank account) or ``undeposited_account``."""

    customer_id: str
    payment_method: str  # "EFT", "Cash", "Credit Card", "Printed Check", ...
    receipt_date: date
    lines: tuple[PaymentLine, ...]
    financial_entity: str | None = None
    undeposited_account: str | None = None
    payment_date: date | None = None
    doc_number: str | None = None  # the reference orsync looks the payment up by
    description: str | None = None
    currency: str | None = None
    amount: Decimal | None = None  # TRX_AMOUNTTOPAY; None = the sum of the lines
    record_no: str | None = None  # required for update
    action: Literal["Draft", "Submit"] | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)


def _payment_element(payment: ArPayment, *, for_update: bool) -> Element:
    if (payment.financial_entity is None) == (payment.undeposited_account is None):
        raise ValueError("a payment goes to exactly one of a bank account or undeposited funds")
    node = etree.Element("ARPYMT")
    if for_update:
        if payment.record_no is None:
            raise ValueError("updating a payment needs its RECORDNO")
        sub(node, "RECORDNO", payment.record_no)
    optional(node, "FINANCIALENTITY", payment.financial_entity)
    optional(node, "UNDEPOSITEDACCOUNTNO", payment.undeposited_account)
    sub(node, "PAYMENTMETHOD", payment.payment_method)
    sub(node, "CUSTOMERID", payment.customer_id)
    optional(node, "DOCNUMBER", payment.doc_number)
    optional(node, "DESCRIPTION", payment.description)
    sub(node, "RECEIPTDATE", object_date(payment.receipt_date))
    if payment.payment_date is not None:
        sub(node, "PAYMENTDATE", object_date(payment.payment_date))
    optional(node, "CURRENCY", payment.currency)
    total = payment.amount
    if total is None:
        total = sum((line.amount for line in payment.lines), Decimal(0))
    sub(node, "TRX_AMOUNTTOPAY", money(total))
    optional(node, "ACTION", payment.action)
    object_custom_fields(node, payment.custom_fields)
    if payment.lines:
        details = sub(node, "ARPYMTDETAILS")
        for line in payment.lines:
            detail = sub(details, "ARPYMTDETAIL")
            sub(detail, "RECORDKEY", line.invoice_key)
            optional(detail, "ENTRYKEY", line.entry_key)
            sub(detail, "TRX_PAYMENTAMOUNT", money(line.amount))
    return node


def create_arpayment(payment: ArPayment, controlid: str, *, record: str | None = None) -> Function:
    return _generic("create", _payment_element(payment, for_update=False), controlid, record)


def update_arpayment(payment: ArPayment, controlid: str, *, record: str | None = None) -> Function:
    """Only Draft payments can be updated (AR payments page)."""
    return _generic("update", _payment_element(payment, for_update=True), controlid, record)


@dataclass(frozen=True)
class ArAdvance:
    """An ARADVANCE: money received ahead of any invoice (an OfficeRnD overpayment), credited to
    ``gl_account`` (the profile's overpayment account) until it is applied with
    ``apply_arpayment``. The reference names the object (ARPYMT "cannot create advances (use
    ARADVANCE)") but not its fields: the names below (``ARADVANCEITEMS/ARADVANCEITEM`` with
    ``ACCOUNTNO``, ``TRX_AMOUNT``, ``LOCATIONID``) follow ARPYMT's and are UNVERIFIED."""

    customer_id: str
    payment_method: str
    receipt_date: date
    financial_entity: str
    gl_account: str
    amount: Decimal
    doc_number: str
    description: str
    currency: str | None = None
    location_id: str | None = None


def create_aradvance(advance: ArAdvance, controlid: str, *, record: str | None = None) -> Function:
    node = etree.Element("ARADVANCE")
    sub(node, "FINANCIALENTITY", advance.financial_entity)
    sub(node, "PAYMENTMETHOD", advance.payment_method)
    sub(node, "CUSTOMERID", advance.customer_id)
    sub(node, "DOCNUMBER", advance.doc_number)
    sub(node, "DESCRIPTION", advance.description)
    sub(node, "RECEIPTDATE", object_date(advance.receipt_date))
    optional(node, "CURRENCY", advance.currency)
    items = sub(node, "ARADVANCEITEMS")
    item = sub(items, "ARADVANCEITEM")
    sub(item, "ACCOUNTNO", advance.gl_account)
    sub(item, "TRX_AMOUNT", money(advance.amount))
    optional(item, "LOCATIONID", advance.location_id)
    return _generic("create", node, controlid, record)
