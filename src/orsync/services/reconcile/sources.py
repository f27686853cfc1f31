"""The OfficeRnD side of reconcile: a period's invoices and credit notes, their customers, and
the postings the mapping makes of them.

Documents are read concurrently over disjoint windows of their ``date`` (the document date
reconcile filters on, midnight UTC per
:func:`~orsync.services.convert.officernd.calendar_day`). Customers are fetched by id, 50 per
request, while the documents still stream in, and only those billed in the period: a company's
CUSTOMERID template may read any of its fields, so the record is needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from orsync.engine import Posting, Problem, SourceCustomer, SourceDocument, build_posting
from orsync.engine.build import build_customer
from orsync.engine.model import CustomerKind, CustomerPosting, CustomerRef
from orsync.errors import RecordError
from orsync.officernd import OfficeRndClient
from orsync.officernd.collections import PAYMENTS
from orsync.officernd.models import Company, Member, PaymentDocument
from orsync.officernd.query import Query
from orsync.output import progress_text
from orsync.services.convert import (
    SOURCE_DOCUMENT_FIELDS,
    SYNCED_DOCUMENT_TYPES,
    source_document,
)
from orsync.services.mapping import MappingResolver

# The balance fields reconcile compares payments by (``payments``), beside the fields compared.
BALANCE_FIELDS = ("paidAmount", "allocatedAmount")
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
    # OfficeRnD invoice id -> paid (charges less refunds) plus credit allocated, when sent;
    # taken out as each document is handed to the comparison.
    paid: dict[str, Decimal] = field(default_factory=dict)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


# Documents are usually created shortly before the date they carry (a monthly run on the 30th
# for invoices dated the 1st): the createdAt windows are planned from this long before the
# period. Records created earlier are still read (the first window is open), only less evenly.
CREATED_BEFORE_PERIOD = dt.timedelta(days=31)


def period_documents(
    client: OfficeRndClient,
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
) -> Generator[PaymentDocument, None, None]:
    """Invoices and credit notes dated ``start``..``end`` (inclusive), in no set order.

    Filtered on ``date`` but windowed on ``createdAt``: a month's membership invoices share
    one date (the 1st), so windows over the date could not read them concurrently, while their
    creation instants are distinct.
    """
    low = _day_start(start)
    query = _period_query(start, end)
    until = now or dt.datetime.now(dt.UTC)
    return client.read_windowed(
        PAYMENTS,
        query,
        start=min(low - CREATED_BEFORE_PERIOD, until - dt.timedelta(days=1)),
        end=until,
        field="createdAt",
        windows=1,  # cut once the first page shows where the period's records start
        workers=READ_WORKERS,
    )


def period_count(client: OfficeRndClient, start: dt.date, end: dt.date) -> int | None:
    """How many documents :func:`period_documents` will read, by OfficeRnD's count (one
    request; None when it cannot say): the end its progress estimate is made from."""
    return client.count(PAYMENTS, _period_query(start, end))


PROGRESS_EVERY_S = 10.0
READING = "reading"  # the one stage reconcile reports: OfficeRnD's documents of the period
ADVANCE_EVERY = 50  # records per progress update (a page): a bar need not move per record


class ReadProgress(Protocol):
    """Where reconcile reports its read of OfficeRnD's documents (the CLI draws a Rich bar
    from it on a terminal; sync's progress has the same two methods)."""

    def expect(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, count: int = 1) -> None: ...


def logged_progress(
    records: Iterator[PaymentDocument],
    total: int | None,
    log: logging.Logger,
    *,
    every: float = PROGRESS_EVERY_S,
    clock: Callable[[], float] = time.monotonic,
    progress: ReadProgress | None = None,
) -> Generator[PaymentDocument, None, None]:
    """``records`` as they come, with a ``-v`` line at most every ``every`` seconds: the count
    read, of about ``total``, and the time left at the rate so far; ``progress`` (a bar) is
    told the total first and the count every :data:`ADVANCE_EVERY` records."""
    started = last = clock()
    if progress is not None and total:
        progress.expect(READING, total)
    done = reported = 0
    try:
        for done, record in enumerate(records, 1):
            yield record
            if progress is not None and done - reported >= ADVANCE_EVERY:
                progress.advance(READING, done - reported)
                reported = done
            now = clock()
            if now - last >= every:
                last = now
                log.info("read OfficeRnD: %s", progress_text(done, total, now - started))
    finally:
        if progress is not None and done > reported:
            progress.advance(READING, done - reported)


def _period_query(start: dt.date, end: dt.date) -> Query:
    low, high = _day_start(start), _day_start(end + dt.timedelta(days=1))
    return (
        Query()
        .is_in("documentType", list(SYNCED_DOCUMENT_TYPES))
        .gte("date", low)
        .lt("date", high)
        .fields(*SOURCE_DOCUMENT_FIELDS, *BALANCE_FIELDS)
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


class CustomerFetcher:
    """The companies and members billed by documents as they stream in: ids are sent 50 to a
    request as soon as 50 new ones are known, so the look-ups overlap the period read (the
    client's in-flight cap keeps the total load on OfficeRnD unchanged)."""

    def __init__(self, client: OfficeRndClient, pool: ThreadPoolExecutor) -> None:
        self._client = client
        self._pool = pool
        self._seen: set[CustomerRef] = set()
        self._pending: dict[CustomerKind, list[str]] = {"company": [], "member": []}
        self._futures: list[Future[list[Company | Member]]] = []
        # Answered look-ups not yet handed out: (the refs asked, the records found). Appended
        # by the pool's threads, taken by the reading thread.
        self._answered: deque[tuple[list[CustomerRef], Future[list[Company | Member]]]] = deque()
        self.currencies: dict[CustomerRef, str] = {}  # the first currency each is billed in

    def want(self, doc: SourceDocument) -> None:
        ref = doc.customer
        if ref in self._seen:
            return
        self._seen.add(ref)
        self.currencies[ref] = doc.currency
        pending = self._pending.setdefault(ref.kind, [])
        pending.append(ref.id)
        if len(pending) >= IDS_PER_REQUEST:
            self._send(ref.kind)

    def _send(self, kind: CustomerKind) -> None:
        ids, self._pending[kind] = self._pending[kind], []
        if not ids:
            return
        refs = [CustomerRef(kind, i) for i in ids]
        future = self._pool.submit(self._fetch, kind, ids)
        future.add_done_callback(lambda done: self._answered.append((refs, done)))
        self._futures.append(future)

    def _fetch(self, kind: CustomerKind, ids: list[str]) -> list[Company | Member]:
        query = Query().is_in("_id", ids)
        if kind == "company":
            return list(self._client.companies(query))
        return list(self._client.members(query))

    def answered(self) -> Iterator[tuple[list[CustomerRef], list[Company | Member]]]:
        """The look-ups answered so far and not yet handed out (never waits)."""
        while self._answered:
            refs, future = self._answered.popleft()
            yield refs, future.result()

    def finish(self) -> Iterator[tuple[list[CustomerRef], list[Company | Member]]]:
        """Every remaining look-up, waiting for each (absent records are simply not found)."""
        for kind in list(self._pending):
            self._send(kind)
        futures, self._futures = self._futures, []
        for future in futures:
            future.result()  # waits (and raises a failed look-up's error)
        yield from self.answered()


def convert(
    raw: Iterable[PaymentDocument], resolver: MappingResolver, side: OfficeRndSide
) -> Iterator[SourceDocument]:
    """Engine documents as they are read (unreadable ones are kept in ``side.unreadable``)."""
    for record in raw:
        try:
            doc = source_document(record, resolver.reference)
        except RecordError as error:
            side.unreadable.append(error)
            continue
        if doc is not None:
            if doc.kind == "invoice" and record.paid_amount is not None:
                side.paid[doc.id] = record.paid_amount + (record.allocated_amount or 0)
            yield doc


def build_all(
    customers: CustomerFetcher,
    docs: Iterable[SourceDocument],
    resolver: MappingResolver,
    side: OfficeRndSide,
) -> Iterator[tuple[SourceDocument, Built]]:
    """Every document with its posting, each built and handed on as soon as its customer has
    been looked up (so building overlaps the rest of the read, and only the documents waiting
    for a look-up are held)."""
    waiting: dict[CustomerRef, list[SourceDocument]] = {}
    known: set[CustomerRef] = set()

    def take(
        refs: list[CustomerRef], records: list[Company | Member]
    ) -> Iterator[tuple[SourceDocument, Built]]:
        for record in records:
            _add_customer(record, customers, resolver, side)
        known.update(refs)
        for ref in refs:
            for doc in waiting.pop(ref, ()):
                yield doc, build_one(doc, resolver)

    for doc in docs:
        customers.want(doc)
        if doc.customer in known:
            yield doc, build_one(doc, resolver)
        else:
            waiting.setdefault(doc.customer, []).append(doc)
        for refs, records in customers.answered():
            yield from take(refs, records)
    for refs, records in customers.finish():
        yield from take(refs, records)


def _add_customer(
    record: Company | Member,
    customers: CustomerFetcher,
    resolver: MappingResolver,
    side: OfficeRndSide,
) -> None:
    ref = CustomerRef("company" if isinstance(record, Company) else "member", record.id)
    source = resolver.customer(record, currency=customers.currencies.get(ref))
    try:
        customer_id = resolver.customer_id_of(ref)
    except RecordError:
        return
    if customer_id is not None and customer_id not in side.customers:
        try:
            built = build_customer(source, resolver)
        except RecordError:
            return
        side.customers[customer_id] = (
            source,
            built if isinstance(built, CustomerPosting) else None,
        )


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
