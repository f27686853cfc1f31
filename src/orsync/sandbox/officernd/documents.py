"""Building payment documents (invoices, credit notes, overpayments) in their v2 wire shape.

The shape follows reference/officernd-samples/payment-document-creditnote.official-example.json
(the only published payment document; invoices share its schema). Amounts travel as JSON
numbers; they are computed here with Decimal and rounded once per line and per tax amount to
the currency's 2 decimals, then written as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orsync.sandbox.officernd.store import Record

CENT = Decimal("0.01")


def money(value: object) -> Decimal:
    """A wire amount as Decimal (via str, so 0.1 stays 0.1)."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def wire(value: Decimal) -> int | float:
    """A Decimal as the JSON number OfficeRnD writes (integral amounts without decimals)."""
    value = rounded(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def empty_accounting() -> dict[str, Any]:
    return {
        "provider": None,
        "providerId": None,
        "externalOrgId": None,
        "deepLink": None,
        "lastSync": None,
        "error": None,
    }


def build_line(spec: Mapping[str, Any], tax_type: str) -> Record:
    """A document line from ``description, quantity, unitPrice`` and optional ``account``,
    ``taxRate``, ``taxPercent``, ``plan``, ``fee``, ``location``, ``startDate``, ``endDate``."""
    quantity = money(spec.get("quantity", 1))
    unit_price = money(spec["unitPrice"])
    percent = money(spec.get("taxPercent", 0))
    price = rounded(quantity * unit_price)
    if tax_type == "included":
        tax = rounded(price * percent / (100 + percent))
        sub_total, total = price - tax, price
    elif tax_type == "noTax":
        tax, sub_total, total = Decimal(0), price, price
    else:  # excluded
        tax = rounded(price * percent / 100)
        sub_total, total = price, price + tax
    line: Record = {
        "description": spec.get("description", ""),
        "quantity": wire(quantity),
        "account": spec.get("account"),
        "plan": spec.get("plan"),
        "fee": spec.get("fee"),
        "location": spec.get("location"),
        "taxRate": spec.get("taxRate"),
        "taxPercent": wire(percent),
        "taxAmount": wire(tax),
        "discountAmount": 0,
        "price": wire(price),
        "unitPrice": wire(unit_price),
        "unitDiscount": 0,
        "subTotal": wire(sub_total),
        "baseUnitPrice": wire(unit_price),
        "baseTotal": wire(total),
        "total": wire(total),
    }
    for key in ("startDate", "endDate"):
        if key in spec:
            line[key] = spec[key]
    return line


def build_document(
    *,
    document_id: str,
    document_type: str,
    number: str,
    date: str,
    due_date: str | None,
    company: str | None,
    member: str | None,
    location: str | None,
    currency: str,
    lines: Iterable[Mapping[str, Any]],
    tax_type: str = "excluded",
    status: str = "awaiting_payment",
    reference: str = "",
    created_at: str,
    created_by: str,
) -> Record:
    """A full payment document with totals computed from its lines and no payments yet."""
    built = [build_line(spec, tax_type) for spec in lines]
    taxes: dict[tuple[str | None, Decimal], Decimal] = {}
    for line in built:
        key = (line["taxRate"], money(line["taxPercent"]))
        taxes[key] = taxes.get(key, Decimal(0)) + money(line["taxAmount"])
    sub_total = sum((money(line["subTotal"]) for line in built), Decimal(0))
    total = sum((money(line["total"]) for line in built), Decimal(0))
    document: Record = {
        "properties": {},
        "_id": document_id,
        "number": number,
        "documentType": document_type,
        "date": date,
        "dueDate": due_date,
        "company": company,
        "member": member,
        "location": location,
        "reference": reference,
        "taxType": tax_type,
        "allocations": [],
        "lines": built,
        "taxAmounts": [
            {"percent": wire(percent), "total": wire(amount), "taxRate": rate}
            for (rate, percent), amount in taxes.items()
            if rate is not None or amount
        ],
        "subTotal": wire(sub_total),
        "amount": wire(total),
        "payableAmount": wire(total),
        "accounting": empty_accounting(),
        "baseTotal": wire(total),
        "total": wire(total),
        "paidAmount": 0,
        "pendingAmount": 0,
        "allocatedAmount": 0,
        "currency": currency,
        "currencyConversionRate": 1,
        "isFailed": False,
        "isPaid": False,
        "isSent": False,
        "status": status,
        "chargeMethod": None,
        "createdAt": created_at,
        "createdBy": created_by,
        "modifiedAt": created_at,
        "modifiedBy": created_by,
    }
    return document
