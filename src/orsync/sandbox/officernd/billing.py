"""Billing rules: balances and status follow charges and allocations; the billing lock date.

Facts: a full payment flips an invoice to Paid, a partial one to Partially Paid (H-manualpay);
"adding/removing charges and credit allocations are considered modifications to both the
invoice and the credit note/overpayment" (R-allocacct), so each one moves ``modifiedAt`` of the
documents involved; writes dated inside a locked billing period are refused for the API too
(H-lock). Request bodies are read in :mod:`orsync.sandbox.officernd.bodies`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from orsync.sandbox.officernd.bodies import (
    CHARGE_STATUSES,
    PATCHABLE_CHARGE_FIELDS,
    read_accounting,
)
from orsync.sandbox.officernd.documents import empty_accounting, money, wire
from orsync.sandbox.officernd.query import parse_instant
from orsync.sandbox.officernd.responses import ApiError, bad_request, not_found
from orsync.sandbox.officernd.store import Record, Store

# Statuses the simulator never recomputes: a voided or draft document keeps its status.
FROZEN_STATUSES = ("voided", "draft")
CREDIT_DOCUMENT_TYPES = ("creditNote", "overpayment")

# UNVERIFIED choice: writing only the accounting link of a document inside a locked period is
# allowed (an accounting integration must be able to link already-locked history); changing
# anything else on such a document is refused.
LOCK_EXEMPT_PAYMENT_FIELDS = ("accounting",)

# The 400 a write dated inside a locked period receives. The real message is UNVERIFIED.
LOCKED_PERIOD_STATUS = 400


def locked_period_error(what: str, when: str, lock_date: date) -> ApiError:
    return ApiError(
        LOCKED_PERIOD_STATUS,
        f"Cannot modify {what} dated {when[:10]}: it is within the locked billing period "
        f"(billing lock date {lock_date.isoformat()})",
    )


def check_unlocked(what: str, when: str | None, lock_date: date | None) -> None:
    """Refuse a write dated on or before the billing lock date."""
    if lock_date is None or not when:
        return
    moment = parse_instant(when)
    if moment is not None and moment.date() <= lock_date:
        raise locked_period_error(what, when, lock_date)


# --- balances ------------------------------------------------------------------------------


def recompute_balances(document: Record, charges: list[Record]) -> None:
    """Derive paid/pending/allocated/payable amounts and status from charges and allocations.

    Credit notes and overpayments are "paid" by being allocated; invoices by charges and by
    allocated credit.
    """
    total = money(document.get("total"))
    paid = Decimal(0)
    pending = Decimal(0)
    failed = False
    for charge in charges:
        status = charge.get("status")
        if status == "success":
            paid += money(charge.get("amount"))
        # A ``refund`` charge is that charge's money given back (UNVERIFIED, the seed's
        # settlement.CHARGE_REFUND): it no longer pays the invoice, nor takes from the others.
        elif status == "pending":
            pending += money(charge.get("amount"))
        elif status == "fail":
            failed = True
    allocated = sum(
        (money(item.get("amount")) for item in document.get("allocations") or []), Decimal(0)
    )
    settled = paid + allocated
    payable = max(total - settled - pending, Decimal(0))
    status = document.get("status")
    document["paidAmount"] = wire(paid)
    document["pendingAmount"] = wire(pending)
    document["allocatedAmount"] = wire(allocated)
    if status in FROZEN_STATUSES:
        document["payableAmount"] = 0 if status == "voided" else wire(payable)
        return
    document["payableAmount"] = wire(payable)
    if document.get("documentType") in CREDIT_DOCUMENT_TYPES:
        document["status"] = credit_status(total, allocated)
        document["isPaid"] = document["status"] == "paid"
        return
    if total > 0 and settled >= total:
        document["status"] = "paid"
    elif settled > 0:
        document["status"] = "partially_paid"
    elif failed:
        document["status"] = "failed"
    elif status in ("paid", "partially_paid", "failed"):
        document["status"] = "awaiting_payment"
    document["isPaid"] = document["status"] == "paid"
    document["isFailed"] = document["status"] == "failed"


def credit_status(total: Decimal, allocated: Decimal) -> str:
    """Status of a credit note or overpayment by how much of it is allocated. UNVERIFIED:
    OfficeRnD documents no status semantics for credit documents; this matches the seed
    generator (``orsync.sandbox.seed.settlement.credit_status``)."""
    if allocated >= total:
        return "paid"
    return "partially_paid" if allocated > 0 else "pending"


def remaining_credit(document: Record) -> Decimal:
    """What a credit note or overpayment can still allocate."""
    allocated = sum(
        (money(item.get("amount")) for item in document.get("allocations") or []), Decimal(0)
    )
    return money(document.get("total")) - allocated


def charges_of(store: Store, payment_id: str) -> list[Record]:
    return store["charges"].indexed(payment_id)


def refresh(store: Store, document: Record) -> None:
    """Recompute a document after a change that concerns it, and stamp the change."""
    recompute_balances(document, charges_of(store, str(document["_id"])))
    store.touch(document)


# --- operations (the caller holds the simulator lock and emits events) ----------------------


def get_document(store: Store, document_id: str) -> Record:
    document = store["payments"].get(document_id)
    if document is None:
        raise not_found("Payment")
    return document


def create_charge(store: Store, fields: dict[str, Any], lock_date: date | None) -> Record:
    invoice = store["payments"].get(fields["payment"])
    if invoice is None or invoice.get("documentType") != "invoice":
        raise bad_request("payment must be the _id of an invoice")
    if invoice.get("status") in FROZEN_STATUSES:
        raise bad_request(f"cannot add a charge to a {invoice['status']} invoice")
    check_unlocked("a charge", fields["date"], lock_date)
    currency = fields["currency"] or invoice.get("currency")
    if currency != invoice.get("currency"):
        raise bad_request("currency must match the invoice currency")
    if fields["status"] in ("success", "pending") and fields["amount"] > money(
        invoice.get("payableAmount")
    ):
        raise bad_request("amount exceeds the payable amount of the invoice")
    charge: Record = {
        "amount": wire(fields["amount"]),
        "currency": currency,
        "account": fields["account"],
        "reference": fields["reference"],
        "date": fields["date"],
        "accounting": fields["accounting"],
        "source": "API",
        "status": fields["status"],
        "payment": invoice["_id"],
        "providerChargeReference": fields["providerChargeReference"],
    }
    store.create("charges", charge)
    refresh(store, invoice)
    return charge


def update_charge(store: Store, charge: Record, body: Any, lock_date: date | None) -> Record:
    """PATCH /charges/{id}; the writable set (UNVERIFIED) is ``PATCHABLE_CHARGE_FIELDS``."""
    if not isinstance(body, Mapping):
        raise bad_request("the request body must be a JSON object")
    data = body
    unknown = sorted(set(data) - set(PATCHABLE_CHARGE_FIELDS))
    if unknown:
        raise bad_request(f"fields not writable: {', '.join(unknown)}")
    if set(data) - {"accounting"}:
        check_unlocked("a charge", charge.get("date"), lock_date)
    if "status" in data:
        if data["status"] not in CHARGE_STATUSES:
            raise bad_request(f"status must be one of {', '.join(CHARGE_STATUSES)}")
        charge["status"] = data["status"]
    if "reference" in data:
        charge["reference"] = str(data["reference"])
    if "accounting" in data:
        charge["accounting"] = {
            **charge.get("accounting", {}),
            **read_accounting(data["accounting"]),
        }
    store.touch(charge)
    invoice = store["payments"].get(str(charge.get("payment")))
    if invoice is not None:
        refresh(store, invoice)
    return charge


def delete_charge(store: Store, charge: Record, lock_date: date | None) -> None:
    check_unlocked("a charge", charge.get("date"), lock_date)
    store["charges"].remove(str(charge["_id"]))
    invoice = store["payments"].get(str(charge.get("payment")))
    if invoice is not None:
        refresh(store, invoice)


def create_overpayment(
    store: Store, fields: dict[str, Any], lock_date: date | None, number: str
) -> Record:
    check_unlocked("an overpayment", fields["date"], lock_date)
    amount = wire(fields["amount"])
    document: Record = {
        "properties": {},
        "number": number,
        "documentType": "overpayment",
        "date": fields["date"],
        "dueDate": fields["date"],
        "company": fields["company"],
        "member": fields["member"],
        "location": fields["location"],
        "reference": fields["reference"],
        "taxType": "noTax",
        "allocations": [],
        "lines": [],
        "taxAmounts": [],
        "subTotal": amount,
        "amount": amount,
        "payableAmount": amount,
        "accounting": fields["accounting"],
        "baseTotal": amount,
        "total": amount,
        "paidAmount": 0,
        "pendingAmount": 0,
        "allocatedAmount": 0,
        "currency": fields["currency"],
        "currencyConversionRate": 1,
        "isFailed": False,
        "isPaid": False,
        "isSent": False,
        "status": credit_status(fields["amount"], Decimal(0)),
        "chargeMethod": fields["account"],
    }
    store.create("payments", document)
    return document


def allocate(
    store: Store, source: Record, fields: dict[str, Any], lock_date: date | None
) -> tuple[Record, Record]:
    """Allocate credit from ``source`` (credit note or overpayment) to an invoice; returns
    (invoice, allocation item as stored on the source)."""
    if source.get("documentType") not in CREDIT_DOCUMENT_TYPES:
        raise bad_request("only a credit note or an overpayment can be allocated")
    invoice = store["payments"].get(fields["target"])
    if invoice is None or invoice.get("documentType") != "invoice":
        raise bad_request("target must be the _id of an invoice")
    for document in (source, invoice):
        if document.get("status") in FROZEN_STATUSES:
            raise bad_request(f"cannot allocate with a {document['status']} document")
    if source.get("currency") != invoice.get("currency"):
        raise bad_request("the credit and the invoice must have the same currency")
    amount: Decimal = fields["amount"]
    if amount > remaining_credit(source):
        raise bad_request("amount exceeds the credit left to allocate")
    if amount > money(invoice.get("payableAmount")):
        raise bad_request("amount exceeds the payable amount of the invoice")
    # The allocation is dated today; it is refused when today is itself locked.
    check_unlocked("an allocation", store.now(), lock_date)
    allocation_id = store.new_id()
    on_source: Record = {
        "_id": allocation_id,
        "target": invoice["_id"],
        "amount": wire(amount),
        "documentType": invoice["documentType"],
        "accounting": empty_accounting(),
    }
    on_invoice: Record = {
        "_id": allocation_id,
        "target": source["_id"],
        "amount": wire(amount),
        "documentType": source["documentType"],
        "accounting": empty_accounting(),
    }
    source.setdefault("allocations", []).append(on_source)
    invoice.setdefault("allocations", []).append(on_invoice)
    refresh(store, source)
    refresh(store, invoice)
    return invoice, on_source


def remove_allocation(store: Store, source: Record, allocation_id: str) -> Record:
    """Take an allocation back (the UI's "remove allocation"): gone from both documents, whose
    balances are recomputed; returns the item as it was on the credit."""
    removed: Record | None = next(
        (item for item in source.get("allocations") or [] if item.get("_id") == allocation_id),
        None,
    )
    if removed is None:
        raise not_found("Allocation")
    invoice = store["payments"].get(str(removed.get("target")))
    for document in (source, invoice):
        if document is None:
            continue
        document["allocations"] = [
            item for item in document.get("allocations") or [] if item.get("_id") != allocation_id
        ]
        refresh(store, document)
    return removed


def set_allocation_accounting(
    store: Store, document: Record, allocation_id: str, body: Any
) -> None:
    """PUT /payments/{id}/allocations/{allocationId}/accounting (R-allocacct): ``provider`` and
    ``externalOrgId`` required; both sides of the allocation carry the same block."""
    block = read_accounting(body)
    for required in ("provider", "externalOrgId"):
        if not block.get(required):
            raise bad_request(f"{required} is required")
    found = False
    for item in document.get("allocations") or []:
        if item.get("_id") == allocation_id:
            found = True
            item["accounting"] = {**empty_accounting(), **block}
            other = store["payments"].get(str(item.get("target")))
            if other is not None:
                for mirror in other.get("allocations") or []:
                    if mirror.get("_id") == allocation_id:
                        mirror["accounting"] = {**empty_accounting(), **block}
                store.touch(other)
    if not found:
        raise not_found("Allocation")
    store.touch(document)


def patch_document(
    document: Record, changes: dict[str, Any], lock_date: date | None
) -> dict[str, Any]:
    """Apply a PATCH; returns the previous values of the changed fields."""
    if set(changes) - set(LOCK_EXEMPT_PAYMENT_FIELDS):
        check_unlocked("a document", document.get("date"), lock_date)
    previous: dict[str, Any] = {}
    for key, value in changes.items():
        previous[key] = document.get(key)
        if key == "accounting":
            document["accounting"] = {**(document.get("accounting") or {}), **value}
        else:
            document[key] = value
    return previous
