"""The OfficeRnD side of reconcile: a period's invoices and credit notes, their customers, and
the postings the mapping makes of them.

Documents are read concurrently over disjoint windows of their ``date`` (the document date
reconcile filters on, midnight UTC per :func:`orsync.services.sources.calendar_day`). Customers
are then fetched by id, 50 per request and several requests at once, only for those billed in the
period: a company's CUSTOMERID template may read any of its fields, so the record is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from orsync.engine import Posting, Problem, SourceCustomer, SourceDocument, build_posting
from orsync.engine.build import build_customer
from orsync.engine.model import CustomerPosting, CustomerRef
from orsync.errors import RecordError
from orsync.officernd import OfficeRndClient
from orsync.officernd.collections import PAYMENTS
from orsync.officernd.models import Company, Member, PaymentDocument
from orsync.officernd.query import Query
from orsync.services.resolver import MappingResolver
from orsync.services.sources import SYNCED_DOCUMENT_TYPES, source_document

IDS_PER_REQUEST = 50  # one page: OfficeRnD pages hold at most 50 records
READ_WORKERS = 8

Built = Posting | Sequence[Problem]


@dataclass
class OfficeRndSide:
    """What reconcile learned from OfficeRnD in one run."""

    documents: list[tuple[SourceDocument, Built]] = field(default_factory=list)
    customers: dict[str, tuple[SourceCustomer, CustomerPosting | None]] = field(
        default_factory=dict
    )  # by Intacct CUSTOMERID
    unreadable: list[RecordError] = field(default_factory=list)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def period_documents(
    client: OfficeRndClient, start: dt.date, end: dt.date
) -> Iterator[PaymentDocument]:
    """Invoices and credit notes dated ``start``..``end`` (inclusive), in no set order."""
    low, high = _day_start(start), _day_start(end + dt.timedelta(days=1))
    query = (
        Query().is_in("documentType", list(SYNCED_DOCUMENT_TYPES)).gte("date", low).lt("date", high)
    )
    return client.read_windowed(
        PAYMENTS, query, start=low, end=high, field="date", workers=READ_WORKERS
    )


def documents_by_number(
    client: OfficeRndClient, numbers: Iterable[str]
) -> Iterator[PaymentDocument]:
    """Documents with these numbers, whatever their date (one request each: numbers are free
    text, so OfficeRnD takes no ``$in`` list of them)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return iter(())

    def one(number: str) -> list[PaymentDocument]:
        return [
            d
            for d in client.payments(Query().eq("number", number))
            if d.document_type in SYNCED_DOCUMENT_TYPES
        ]

    return _concurrently(one, wanted)


def _concurrently(
    work: Callable[[str], list[PaymentDocument]], items: list[str]
) -> Iterator[PaymentDocument]:
    with ThreadPoolExecutor(max_workers=READ_WORKERS, thread_name_prefix="officernd-read") as pool:
        for found in pool.map(work, items):
            yield from found


def fetch_customers(
    client: OfficeRndClient, refs: Iterable[CustomerRef]
) -> Iterator[Company | Member]:
    """The companies and members behind ``refs``, 50 ids per request, several at once."""
    chunks: list[tuple[str, list[str]]] = []
    for kind in ("company", "member"):
        ids = sorted({r.id for r in refs if r.kind == kind})
        chunks.extend(
            (kind, ids[i : i + IDS_PER_REQUEST]) for i in range(0, len(ids), IDS_PER_REQUEST)
        )

    def one(chunk: tuple[str, list[str]]) -> list[Company | Member]:
        kind, ids = chunk
        query = Query().is_in("_id", ids)
        if kind == "company":
            return list(client.companies(query))
        return list(client.members(query))

    with ThreadPoolExecutor(max_workers=READ_WORKERS, thread_name_prefix="officernd-read") as pool:
        for found in pool.map(one, chunks):
            yield from found


def convert(
    raw: Iterable[PaymentDocument], resolver: MappingResolver, side: OfficeRndSide
) -> list[SourceDocument]:
    """Engine documents (unreadable ones are kept in ``side.unreadable``)."""
    out: list[SourceDocument] = []
    for record in raw:
        try:
            doc = source_document(record, resolver.reference)
        except RecordError as error:
            side.unreadable.append(error)
            continue
        if doc is not None:
            out.append(doc)
    return out


def build_all(
    client: OfficeRndClient,
    docs: list[SourceDocument],
    resolver: MappingResolver,
    side: OfficeRndSide,
) -> list[tuple[SourceDocument, Built]]:
    """Fetch the customers ``docs`` bill, convert them, then build every posting."""
    refs = {d.customer for d in docs}
    currencies: dict[CustomerRef, str] = {}
    for doc in docs:
        currencies.setdefault(doc.customer, doc.currency)
    for record in fetch_customers(client, refs):
        ref = CustomerRef("company" if isinstance(record, Company) else "member", record.id)
        source = resolver.customer(record, currency=currencies.get(ref))
        try:
            customer_id = resolver.customer_id_of(ref)
        except RecordError:
            continue
        if customer_id is not None and customer_id not in side.customers:
            try:
                built = build_customer(source, resolver.options, resolver)
            except RecordError:
                continue
            side.customers[customer_id] = (
                source,
                built if isinstance(built, CustomerPosting) else None,
            )
    out: list[tuple[SourceDocument, Built]] = []
    for doc in docs:
        out.append((doc, build_one(doc, resolver)))
    return out


def build_one(doc: SourceDocument, resolver: MappingResolver) -> Built:
    """The posting of ``doc``, or the problems preventing it (customer problems included)."""
    try:
        customer_id = resolver.customer_id_of(doc.customer)
    except RecordError as error:
        return [
            Problem(
                number=doc.number,
                field="customer",
                message=error.message,
                fix=error.hint or "Fix the customer in OfficeRnD or the mapping's customer ids.",
                source_id=doc.id,
            )
        ]
    if customer_id is None:
        return [
            Problem(
                number=doc.number,
                field="customer",
                message=f"the billed {doc.customer.kind} {doc.customer.id} was not found",
                fix="Check the document's company or member in OfficeRnD.",
                source_id=doc.id,
            )
        ]
    return build_posting(doc, customer_id, resolver.options, resolver)
