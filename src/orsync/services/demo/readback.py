"""What the sandbox holds after a demo or a test run, read from the simulators themselves.

orsync's own ledger and output are what is being checked, so the truth comes from the
simulated Intacct company's store and OfficeRnD's records, never from orsync.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orsync.engine.origin import has_origin_marker
from orsync.sandbox.intacct import IntacctSimulator
from orsync.sandbox.launch import RunningSandbox
from orsync.sandbox.officernd import OfficeRndSimulator


@dataclass(frozen=True)
class PostedDocument:
    """An Intacct document created by orsync, as the simulated Intacct company holds it."""

    kind: str  # "invoice" or "credit_note"
    number: str  # the OfficeRnD number (reference field)
    intacct_id: str
    customer_id: str
    entity: str
    currency: str
    date: str
    total: Decimal
    lines: int
    live: bool  # not reversed

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "intacct_id": self.intacct_id,
            "customer_id": self.customer_id,
            "entity": self.entity,
            "currency": self.currency,
            "date": self.date,
            "total": str(self.total),
            "lines": self.lines,
        }


@dataclass(frozen=True)
class TotalRow:
    kind: str
    entity: str
    currency: str
    count: int
    total: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "entity": self.entity,
            "currency": self.currency,
            "count": self.count,
            "total": str(self.total),
        }


# --- reading the simulators back ----------------------------------------------------------------


def posted_documents(sim: IntacctSimulator) -> list[PostedDocument]:
    """Every document orsync created in the simulated company (origin marker), live or not."""
    store = sim.store
    found: list[PostedDocument] = []
    with store.lock:
        ar_docs = list(store.ar_table)
        so_docs = list(store.so_table)
        locations = dict(store.locations)
    for ar in ar_docs:
        # An Order Entry document posts its own AR record (MODULEKEY 8.SO): counted once, below.
        if ar.reversal_of is not None or ar.module_key != "4.AR":
            continue
        if not has_origin_marker(ar.description):
            continue
        location = next((line.location_id for line in ar.lines if line.location_id), "")
        entity = ar.entity_id or (locations[location].entity_id if location in locations else "")
        found.append(
            PostedDocument(
                kind="invoice" if ar.kind == "invoice" else "credit_note",
                # The OfficeRnD number: an invoice's ponumber, a credit memo's externalid (its
                # invoiceno on memos of earlier versions); the record id under OfficeRnD numbering.
                number=(
                    ar.doc_number if ar.kind == "invoice" else (ar.external_id or ar.invoice_no)
                )
                or ar.record_id,
                intacct_id=ar.record_id or str(ar.recordno),
                customer_id=ar.customer_id,
                entity=entity,
                currency=ar.currency,
                date=ar.when_created.isoformat(),
                total=ar.total_entered,
                lines=len(ar.lines),
                live=ar.reversed_by is None,
            )
        )
    for so in so_docs:
        if not has_origin_marker(so.message):
            continue
        location = next((line.location_id for line in so.lines if line.location_id), "")
        entity = so.entity_id or (locations[location].entity_id if location in locations else "")
        credit = "credit" in so.definition.lower()
        found.append(
            PostedDocument(
                kind="credit_note" if credit else "invoice",
                number=so.reference_no or so.doc_no,
                intacct_id=so.doc_id,
                customer_id=so.customer_id,
                entity=entity,
                currency=so.currency,
                date=so.when_created.isoformat(),
                total=-so.total if credit else so.total,  # signed as AR credit memos are
                lines=len(so.lines),
                live=so.state.lower() not in {"reversed", "converted", "closed"},
            )
        )
    return found


def seeded_name_matches(sandbox: RunningSandbox) -> set[str]:
    """Intacct customer ids the seed plants as same-name-different-id matches (LEGACY-0042):
    existing active customers outside the template's ``ORD-`` range."""
    return {
        customer.id
        for customer in sandbox.world.intacct.customers
        if customer.status == "active" and not customer.id.startswith("ORD-")
    }


def totals_by_entity(documents: list[PostedDocument]) -> list[TotalRow]:
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for doc in documents:
        if not doc.live:
            continue
        key = (doc.kind, doc.entity, doc.currency)
        counts[key] += 1
        sums[key] += doc.total
    return [TotalRow(k, e, c, counts[(k, e, c)], sums[(k, e, c)]) for k, e, c in sorted(counts)]


def issued_documents(sim: OfficeRndSimulator) -> dict[str, int]:
    """OfficeRnD documents by type and status group (what a sync should consider)."""
    summary: dict[str, int] = defaultdict(int)
    for record in sim.records("payments"):
        kind = str(record.get("documentType"))
        status = str(record.get("status"))
        group = "draft" if status == "draft" else "voided" if status == "voided" else "issued"
        summary[f"{kind}_{group}"] += 1
    summary["companies"] = len(sim.records("companies"))
    return dict(sorted(summary.items()))
