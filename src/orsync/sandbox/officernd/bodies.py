"""Request bodies of the billing writes, one reader per body.

The request bodies of ``POST /charges``, ``PATCH /payments/{id}``, ``POST /payments/overpayment``
and ``POST /payments/{id}/allocations`` are UNVERIFIED (reference/officernd-api.md §10): each
shape is decided by exactly one function here, so a correction lands in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orsync.sandbox.officernd.documents import empty_accounting, money, rounded
from orsync.sandbox.officernd.query import parse_instant
from orsync.sandbox.officernd.responses import bad_request

CHARGE_STATUSES = ("pending", "fail", "success", "refund")
# PATCH /payments/{id}: which fields are writable is UNVERIFIED (reference §10). orsync needs
# the accounting block and, when Intacct owns numbering, the number.
PATCHABLE_PAYMENT_FIELDS = ("accounting", "number", "reference", "properties")
# PATCH /charges/{id}: UNVERIFIED writable set.
PATCHABLE_CHARGE_FIELDS = ("accounting", "reference", "status")
ACCOUNTING_FIELDS = ("provider", "providerId", "externalOrgId", "deepLink", "lastSync", "error")


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise bad_request("the request body must be a JSON object")
    return body


def _amount(body: Mapping[str, Any], name: str = "amount") -> Decimal:
    raw = body.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise bad_request(f"{name} must be a number")
    try:
        value = money(raw)
    except ArithmeticError:
        raise bad_request(f"{name} must be a number") from None
    if not value.is_finite() or value <= 0:
        raise bad_request(f"{name} must be a positive number")
    if rounded(value) != value:
        raise bad_request(f"{name} has more than 2 decimals")
    return value


def _instant(body: Mapping[str, Any], name: str, default: str) -> str:
    raw = body.get(name, default)
    if not isinstance(raw, str) or parse_instant(raw) is None:
        raise bad_request(f"{name} must be an ISO-8601 date")
    return raw


def read_accounting(raw: Any) -> dict[str, Any]:
    """An ``accounting`` block: the documented keys only, each a string or null."""
    block = _object(raw)
    unknown = sorted(set(block) - set(ACCOUNTING_FIELDS))
    if unknown:
        raise bad_request(f"accounting: unknown fields {', '.join(unknown)}")
    for key, value in block.items():
        if value is not None and not isinstance(value, str):
            raise bad_request(f"accounting.{key} must be a string or null")
    return dict(block)


def read_charge_create(body: Any, now: str) -> dict[str, Any]:
    """POST /charges body (UNVERIFIED; reference §5.2 inferred shape): ``payment`` (invoice
    id), ``amount``, ``date``, ``account`` (payment method name), optional ``reference``,
    ``currency``, ``status`` (default ``success``), ``accounting``."""
    data = _object(body)
    payment = data.get("payment")
    if not isinstance(payment, str) or not payment:
        raise bad_request("payment must be the _id of an invoice")
    status = data.get("status", "success")
    if status not in CHARGE_STATUSES:
        raise bad_request(f"status must be one of {', '.join(CHARGE_STATUSES)}")
    account = data.get("account")
    if not isinstance(account, str) or not account:
        raise bad_request("account must be a payment method name")
    reference = data.get("reference", "")
    if not isinstance(reference, str):
        raise bad_request("reference must be a string")
    currency = data.get("currency")
    if currency is not None and not isinstance(currency, str):
        raise bad_request("currency must be a string")
    accounting = empty_accounting()
    if "accounting" in data:
        accounting.update(read_accounting(data["accounting"]))
    return {
        "payment": payment,
        "amount": _amount(data),
        "date": _instant(data, "date", now),
        "account": account,
        "reference": reference,
        "currency": currency,
        "status": status,
        "accounting": accounting,
        "providerChargeReference": data.get("providerChargeReference"),
    }


def read_overpayment_create(body: Any, now: str) -> dict[str, Any]:
    """POST /payments/overpayment body (UNVERIFIED): ``company`` or ``member``, ``location``,
    ``amount``, ``currency``, optional ``date``, ``account``, ``reference``, ``accounting``."""
    data = _object(body)
    company, member = data.get("company"), data.get("member")
    if not company and not member:
        raise bad_request("company or member is required")
    location = data.get("location")
    if not isinstance(location, str) or not location:
        raise bad_request("location is required")
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3:
        raise bad_request("currency must be an ISO 4217 code")
    return {
        "company": company,
        "member": member,
        "location": location,
        "amount": _amount(data),
        "currency": currency,
        "date": _instant(data, "date", now),
        "account": data.get("account"),
        "reference": data.get("reference", ""),
        "accounting": {**empty_accounting(), **read_accounting(data.get("accounting") or {})},
    }


def read_allocation_create(body: Any) -> dict[str, Any]:
    """POST /payments/{creditId}/allocations body (UNVERIFIED field names; R-alloc says only
    that the body carries the target invoice's _id): ``{"target": <invoice _id>, "amount"}``,
    the same names as the documented allocation item."""
    data = _object(body)
    target = data.get("target")
    if not isinstance(target, str) or not target:
        raise bad_request("target must be the _id of an invoice")
    return {"target": target, "amount": _amount(data)}


def read_payment_patch(body: Any) -> dict[str, Any]:
    data = _object(body)
    unknown = sorted(set(data) - set(PATCHABLE_PAYMENT_FIELDS))
    if unknown:
        raise bad_request(f"fields not writable: {', '.join(unknown)}")
    if not data:
        raise bad_request("nothing to update")
    changes: dict[str, Any] = {}
    if "accounting" in data:
        changes["accounting"] = read_accounting(data["accounting"])
    if "number" in data:
        if not isinstance(data["number"], str) or not data["number"].strip():
            raise bad_request("number must be a non-empty string")
        changes["number"] = data["number"]
    if "reference" in data:
        if not isinstance(data["reference"], str):
            raise bad_request("reference must be a string")
        changes["reference"] = data["reference"]
    if "properties" in data:
        changes["properties"] = dict(_object(data["properties"]))
    return changes
