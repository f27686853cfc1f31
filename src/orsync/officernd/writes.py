"""Request bodies of the writes orsync makes, one pure function each.

OfficeRnD documents the *responses* of these endpoints but not their request bodies (reference
/officernd-api.md §5.2 and §10). Each body below is therefore our best reading of the response
schema, and each lives in exactly one function so that verifying it against a real sandbox means
changing one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from orsync.officernd.query import format_value


@dataclass(frozen=True)
class AccountingLink:
    """What orsync writes into an ``accounting`` block: where the record lives in Intacct."""

    provider: str  # e.g. "orsync-intacct"
    provider_id: str | None  # Intacct key (RECORDNO); None: not in Intacct (``error`` says why)
    external_org_id: str  # Intacct company id (and entity)
    deep_link: str | None = None
    last_sync: datetime | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "provider": self.provider,
            "providerId": self.provider_id,
            "externalOrgId": self.external_org_id,
        }
        if self.deep_link is not None:
            body["deepLink"] = self.deep_link
        if self.last_sync is not None:
            body["lastSync"] = format_value(self.last_sync)
        # An explicit null clears an earlier sync error.
        body["error"] = self.error
        return body


@dataclass(frozen=True)
class NewCharge:
    """A payment to record against an invoice (an Intacct receipt applied to it)."""

    invoice_id: str
    amount: Decimal
    date: datetime
    account: str  # payment method name from GET /payments/methods, e.g. "Bank Transfer"
    reference: str  # stable key for lookups after an unconfirmed write (Intacct receipt no.)
    currency: str | None = None
    accounting: AccountingLink | None = None


@dataclass(frozen=True)
class NewOverpayment:
    """Unapplied cash received for a customer (company, or member for personal billing)."""

    amount: Decimal
    date: datetime
    currency: str
    reference: str  # stable key for lookups after an unconfirmed write
    company: str | None = None
    member: str | None = None
    location: str | None = None
    account: str | None = None  # payment method name
    accounting: AccountingLink | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def charge_create_body(charge: NewCharge) -> dict[str, Any]:
    """``POST /charges``. UNVERIFIED body: mirrors the documented charge response fields
    (``payment`` = invoice id, ``amount``, ``date``, ``account``, ``reference``, ``status``)."""
    body: dict[str, Any] = {
        "payment": charge.invoice_id,
        "amount": charge.amount,
        "date": format_value(charge.date),
        "account": charge.account,
        "reference": charge.reference,
        "status": "success",
    }
    if charge.currency:
        body["currency"] = charge.currency
    if charge.accounting is not None:
        body["accounting"] = charge.accounting.as_json()
    return body


def invoice_update_body(accounting: AccountingLink, number: str | None = None) -> dict[str, Any]:
    """``PATCH /payments/{id}``. UNVERIFIED: which fields are writable is not documented; we
    send the ``accounting`` block and, when Intacct owns numbering, ``number``."""
    body: dict[str, Any] = {"accounting": accounting.as_json()}
    if number is not None:
        body["number"] = number
    return body


def overpayment_create_body(overpayment: NewOverpayment) -> dict[str, Any]:
    """``POST /payments/overpayment``. UNVERIFIED body: the payment-document field names."""
    if (overpayment.company is None) == (overpayment.member is None):
        msg = "an overpayment belongs to exactly one of company or member"
        raise ValueError(msg)
    body: dict[str, Any] = {
        "amount": overpayment.amount,
        "date": format_value(overpayment.date),
        "currency": overpayment.currency,
        "reference": overpayment.reference,
    }
    for key, value in (
        ("company", overpayment.company),
        ("member", overpayment.member),
        ("location", overpayment.location),
        ("account", overpayment.account),
    ):
        if value is not None:
            body[key] = value
    if overpayment.accounting is not None:
        body["accounting"] = overpayment.accounting.as_json()
    body.update(overpayment.extra)
    return body


def allocation_body(invoice_id: str, amount: Decimal) -> dict[str, Any]:
    """``POST /payments/{sourceId}/allocations``. The reference says the body carries the target
    invoice ``_id``; the field names (``target``, ``amount``, as in the allocation object) are
    UNVERIFIED."""
    return {"target": invoice_id, "amount": amount}
