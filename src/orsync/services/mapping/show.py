"""``orsync map show``: how OfficeRnD documents would post, built exactly as sync builds them
(sources -> resolver -> ``engine.build_posting``), read-only on both sides.

Closed periods are not applied here: the preview shows the document as built, dated as in
OfficeRnD, before the mapping's ``closed_period`` policy moves or skips it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from orsync.config import Profile
from orsync.engine import build_posting
from orsync.engine.actions import posting_to_dict
from orsync.engine.model import Posting, Problem
from orsync.engine.options import EngineOptions
from orsync.errors import RecordError, UsageError
from orsync.mapping import load_mapping
from orsync.officernd import OfficeRndClient
from orsync.officernd.models import Company, Member, PaymentDocument
from orsync.officernd.query import Query
from orsync.services.common import Connections
from orsync.services.convert import (
    SYNCED_DOCUMENT_TYPES,
    load_reference_data,
    source_document,
)
from orsync.services.mapping.commands import open_live
from orsync.services.mapping.resolver import MappingResolver, engine_options, needs_fees

DEFAULT_SAMPLE = 3
MAX_SAMPLE = 100


@dataclass(frozen=True)
class ShownDocument:
    """One OfficeRnD document and what it would become in Intacct (or why it would not)."""

    number: str
    kind: str
    status: str
    currency: str
    officernd_total: Decimal | None
    customer_id: str | None
    posting: Posting | None = None
    problems: tuple[Problem, ...] = ()
    skipped: str | None = None

    @property
    def outcome(self) -> str:
        if self.skipped is not None:
            return "skipped"
        if self.posting is None:
            return "failed"
        return "ready"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "status": self.status,
            "currency": self.currency,
            "officernd_total": str(self.officernd_total)
            if self.officernd_total is not None
            else None,
            "customer_id": self.customer_id,
            "outcome": self.outcome,
            "skipped": self.skipped,
            "posting": posting_to_dict(self.posting) if self.posting is not None else None,
            "problems": [
                {"field": p.field, "message": p.message, "fix": p.fix, "value": p.value}
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class ShowResult:
    path: Path
    options: EngineOptions
    documents: tuple[ShownDocument, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "orsync.map-show/1",
            "file": str(self.path),
            "invoice_type": self.options.invoice_type,
            "entity_level": self.options.entity_level,
            "numbering": self.options.numbering,
            "documents": [document.to_dict() for document in self.documents],
        }


def _find_by_number(client: OfficeRndClient, number: str) -> PaymentDocument:
    for doc in client.payments(Query().eq("number", number)):
        if doc.document_type in SYNCED_DOCUMENT_TYPES:
            return doc
    raise UsageError(
        f"OfficeRnD has no invoice or credit note numbered {number!r}",
        hint="Give the number exactly as OfficeRnD shows it (e.g. LON-INV-00012), or use --sample.",
    )


def _samples(client: OfficeRndClient, count: int) -> Iterator[PaymentDocument]:
    issued = (
        doc
        for doc in client.payments()
        if doc.document_type in SYNCED_DOCUMENT_TYPES and (doc.status or "").lower() != "draft"
    )
    return islice(issued, count)


def _customer_record(client: OfficeRndClient, kind: str, record_id: str) -> Company | Member | None:
    query = Query().eq("_id", record_id)
    if kind == "company":
        return next(iter(client.companies(query)), None)
    return next(iter(client.members(query)), None)


def _show(
    doc: PaymentDocument, client: OfficeRndClient, resolver: MappingResolver
) -> ShownDocument:
    number = doc.number or doc.id
    base: dict[str, Any] = {
        "number": number,
        "kind": SYNCED_DOCUMENT_TYPES.get(doc.document_type, doc.document_type),
        "status": (doc.status or "").lower(),
        "currency": doc.currency or "",
        "officernd_total": doc.total,
    }
    try:
        source = source_document(doc, resolver.reference)
        assert source is not None  # only synced document types reach here
        record = _customer_record(client, source.customer.kind, source.customer.id)
        if record is None:
            raise RecordError(
                f"OfficeRnD has no {source.customer.kind} {source.customer.id}",
                record=number,
                field=source.customer.kind,
                hint="The document's customer was removed in OfficeRnD: restore it, or void "
                "the document.",
            )
        resolver.customer(record, currency=source.currency or None)
        customer_id = resolver.customer_id_of(source.customer)
    except RecordError as error:
        problem = Problem(number, error.field or "", error.message, error.hint or "", doc.id)
        return ShownDocument(**base, customer_id=None, problems=(problem,))
    skipped = resolver.skip_reason(source)
    if skipped is not None:
        return ShownDocument(**base, customer_id=customer_id, skipped=skipped)
    built = build_posting(source, customer_id or "", resolver.options, resolver)
    if isinstance(built, list):
        return ShownDocument(**base, customer_id=customer_id, problems=tuple(built))
    return ShownDocument(**base, customer_id=customer_id, posting=built)


def show_postings(
    profile_name: str,
    profile: Profile,
    path: Path,
    *,
    invoice: str | None = None,
    sample: int = DEFAULT_SAMPLE,
    connections: Connections | None = None,
) -> ShowResult:
    """Preview ``invoice`` (an OfficeRnD number) or the first ``sample`` issued documents."""
    if not 1 <= sample <= MAX_SAMPLE:
        raise UsageError(f"--sample must be between 1 and {MAX_SAMPLE}, got {sample}")
    mapping = load_mapping(path)
    options = engine_options(profile, mapping)
    with open_live(profile_name, profile, connections) as live:
        client = live.officernd
        reference = load_reference_data(client, with_fees=needs_fees(mapping))
        resolver = MappingResolver(mapping, reference, options)
        documents = (
            [_find_by_number(client, invoice)] if invoice else list(_samples(client, sample))
        )
        shown = tuple(_show(doc, client, resolver) for doc in documents)
    return ShowResult(path, options, shown)
