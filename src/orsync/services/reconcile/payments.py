"""Reconcile's payments: open balances compared, then the payments of the invoices that differ.

Balances come from what reconcile already read: OfficeRnD's ``paidAmount`` and
``allocatedAmount`` (added to the period read's ``$select``) and Intacct's ``TOTALPAID`` and
``TOTALDUE`` on each ``ARINVOICE``. Only invoices whose balances differ have their payments read:
OfficeRnD charges by invoice (``payment $in``, 50 invoices a request, concurrently) and Intacct's
applications by invoice key (``ARPYMTDETAIL``, then their ``ARPYMT`` headers, 1000 keys a query).
The findings are the engine's (:mod:`orsync.engine.reconcile_payments`). Compared only when the
mapping has ``payment_methods`` (payments flow): otherwise every paid invoice would differ.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from orsync.engine import Reconciler
from orsync.engine.origin import has_origin_marker
from orsync.engine.reconcile_payments import (
    ChargeSeen,
    PaymentSeen,
    payment_findings,
)
from orsync.engine.report import Finding
from orsync.intacct import IntacctClient
from orsync.mapping import Mapping as MappingFile
from orsync.officernd import OfficeRndClient, Query

INVOICES_PER_REQUEST = 50  # OfficeRnD: one page of charges' invoices per `$in`
READERS = 4
DETAIL_FIELDS = ("PAYMENTKEY", "RECORDKEY", "ADJUSTMENTKEY", "TRX_PAYMENTAMOUNT")
HEADER_FIELDS = ("RECORDNO", "DOCNUMBER", "DESCRIPTION", "STATE", "PAYMENTMETHOD")


@dataclass
class PaymentComparison:
    """What the payments comparison read and found."""

    findings: list[Finding] = field(default_factory=list)
    invoices_compared: int = 0
    invoices_differing: int = 0
    charges_read: int = 0
    payments_read: int = 0
    # Intacct payment key -> the entity of the invoice it pays (for a reversal's session).
    payment_entities: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, int]:
        return {
            "invoices_compared": self.invoices_compared,
            "invoices_differing": self.invoices_differing,
            "charges_read": self.charges_read,
            "payments_read": self.payments_read,
        }


def methods_back(mapping: MappingFile) -> frozenset[str]:
    """The Intacct payment methods some OfficeRnD method maps to (sync records those)."""
    section = mapping.payment_methods
    if section is None:
        return frozenset()
    return frozenset(
        entry.payment_method for entry in section.values.values() if entry.payment_method
    )


def compare_payments(
    intacct: IntacctClient,
    officernd: OfficeRndClient,
    mapping: MappingFile,
    reconciler: Reconciler,
) -> PaymentComparison:
    """The payment findings of the period's matched invoices (reads only what differs): their
    balances were compared as the pairs matched (OfficeRnD's paid amount is given with each
    document, ``Reconciler.add_expected``)."""
    result = PaymentComparison()
    balances = reconciler.balances()
    result.invoices_compared = balances.compared
    differ = list(balances.differing)
    result.invoices_differing = len(differ)
    if not differ:
        return result
    entity_of = balances.entity_of
    charges = _charges(officernd, [i.source_id for i in differ])
    payments = _payments(intacct, [i.intacct_key for i in differ])
    result.charges_read = len(charges)
    result.payments_read = len(payments)
    for payment in payments:
        result.payment_entities[payment.payment_key] = entity_of.get(payment.invoice_key)
    result.findings = payment_findings(
        differ, charges, payments, methods_back=methods_back(mapping)
    )
    return result


def _charges(client: OfficeRndClient, invoice_ids: list[str]) -> list[ChargeSeen]:
    pages = [
        invoice_ids[i : i + INVOICES_PER_REQUEST]
        for i in range(0, len(invoice_ids), INVOICES_PER_REQUEST)
    ]

    def page(ids: list[str]) -> list[ChargeSeen]:
        return [
            ChargeSeen(
                charge_id=charge.id,
                invoice_id=str(charge.payment),
                status=charge.status or "pending",
                amount=charge.amount or Decimal(0),
                reference=charge.reference,
            )
            for charge in client.charges(Query().is_in("payment", ids))
            if charge.payment
        ]

    with ThreadPoolExecutor(READERS, thread_name_prefix="reconcile-charges") as pool:
        return [charge for found in pool.map(page, pages) for charge in found]


def _payments(client: IntacctClient, invoice_keys: list[str]) -> list[PaymentSeen]:
    details = [
        detail
        for detail in client.query_in(
            "ARPYMTDETAIL", "RECORDKEY", invoice_keys, DETAIL_FIELDS, show_private=True
        )
        if detail.get("PAYMENTKEY") and not detail.get("ADJUSTMENTKEY")
    ]
    keys = sorted({detail.get("PAYMENTKEY") or "" for detail in details})
    headers = {
        record.get("RECORDNO") or "": record
        for record in client.query_in("ARPYMT", "RECORDNO", keys, HEADER_FIELDS, show_private=True)
    }
    out: list[PaymentSeen] = []
    for detail in details:
        header = headers.get(detail.get("PAYMENTKEY") or "")
        if header is None:
            continue
        out.append(
            PaymentSeen(
                payment_key=header.get("RECORDNO") or "",
                invoice_key=detail.get("RECORDKEY") or "",
                amount=Decimal(detail.get("TRX_PAYMENTAMOUNT") or "0"),
                reference=header.get("DOCNUMBER") or None,
                by_orsync=has_origin_marker(header.get("DESCRIPTION")),
                reversed=header.get("STATE") == "Reversed",
                method=header.get("PAYMENTMETHOD") or None,
            )
        )
    return out
