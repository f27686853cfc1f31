"""Read Intacct documents and customers back as engine values, streamed.

Used by ``reconcile`` (a period, or follow-ups by reference) and by ``sync`` (looking up
unconfirmed writes by their stable key before anything is resent). Which objects are read
follows the profile's invoice type: AR mode reads ARINVOICE and ARADJUSTMENT (skipping the AR
records Order Entry generates); Sales mode reads SODOCUMENTs of the two configured definitions,
never their generated ARINVOICEs as documents of their own (those only lend their payment state
and line taxes).

Speed and memory: headers are read by ``query`` pages of up to 2000 (later pages fetched ahead
once the first page gives the count), lines by ``readByQuery`` (``fields=*``, so taxed lines
give their tax detail) for chunks of headers sized so one page holds the chunk's lines. Up to
``max_in_flight`` requests run at once (Intacct's per-company cap). Only one window of pages is
held in memory at any time: memory does not grow with the period.

Entities: headers are queried with ``showprivate`` so a top-level session sees entity-owned
documents; lines (``readByQuery`` has no ``showprivate``) are read through a session for the
entity that owns the document.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from orsync.engine.model import ActualCustomer, ActualDocument, PostingKind
from orsync.engine.options import EngineOptions
from orsync.fanin import FanIn
from orsync.intacct import DEFAULT_MAX_IN_FLIGHT, IntacctClient
from orsync.intacct.xml import reads
from orsync.intacct.xml.response import Record, ResultStatus
from orsync.services.convert import readback_parse as parse

T = TypeVar("T")
R = TypeVar("R")

READ_PAGE = reads.MAX_QUERY_PAGE
LINES_PER_PAGE = reads.MAX_READ_BY_QUERY_PAGE
FIRST_LINE_CHUNK = 200  # headers per line read until the real lines-per-document is known
# Line reads sent together in one request: Intacct bills each request a fixed cost and each
# function a small one (DESIGN.md section 5), so bundling divides the fixed cost among them.
LINE_FUNCTIONS_PER_REQUEST = 5
SCAN_CUSTOMERS_FROM = 500  # below this many ids, in-lists always win


@dataclass(frozen=True)
class _Source:
    """One kind of Intacct document: where its headers and lines live."""

    kind: PostingKind
    header_object: str
    header_fields: tuple[str, ...]
    docparid: str | None = None  # Sales definition

    @property
    def sales(self) -> bool:
        return self.kind in ("so_invoice", "so_credit")

    @property
    def credit(self) -> bool:
        return self.kind in ("ar_credit_memo", "so_credit")


def sources_for(options: EngineOptions) -> tuple[_Source, ...]:
    if options.invoice_type == "sales":
        return (
            _Source(
                "so_invoice", "SODOCUMENT", parse.SO_HEADER_FIELDS, options.sales_invoice_definition
            ),
            _Source(
                "so_credit", "SODOCUMENT", parse.SO_HEADER_FIELDS, options.sales_credit_definition
            ),
        )
    return (
        _Source("ar_invoice", "ARINVOICE", parse.AR_HEADER_FIELDS),
        _Source("ar_credit_memo", "ARADJUSTMENT", parse.ADJUSTMENT_HEADER_FIELDS),
    )


class IntacctDocuments:
    """Streamed reads of one company's documents, in the profile's invoice type."""

    def __init__(
        self,
        client: IntacctClient,
        options: EngineOptions,
        *,
        default_entity: str | None = None,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    ) -> None:
        self._client = client
        self._options = options
        self._default_entity = default_entity
        self._max_in_flight = max(1, max_in_flight)
        # Lines and headers read so far per document kind: invoices carry more lines than
        # credit memos, so one kind's average would misjudge the other's chunks.
        self._lines_seen: dict[PostingKind, int] = defaultdict(int)
        self._docs_seen: dict[PostingKind, int] = defaultdict(int)

    # --- public reads ----------------------------------------------------------------------

    def in_period(
        self,
        start: dt.date,
        end: dt.date,
        *,
        customer_ids: Collection[str] = (),
        entity: str | None = None,
        kinds: Collection[PostingKind] | None = None,
    ) -> Iterator[ActualDocument]:
        """Every document dated ``start``..``end`` (inclusive), optionally narrowed."""
        conditions: list[reads.Filter] = [
            reads.greaterthanorequalto("WHENCREATED", parse.intacct_date(start)),
            reads.Compare("lessthanorequalto", "WHENCREATED", parse.intacct_date(end)),
        ]
        if entity is not None:
            conditions.append(reads.equalto("MEGAENTITYID", entity))
        customer_chunks: list[tuple[str, ...] | None] = [None]
        if customer_ids:
            ids = sorted(set(customer_ids))
            customer_chunks = [
                tuple(ids[i : i + reads.MAX_IN_VALUES])
                for i in range(0, len(ids), reads.MAX_IN_VALUES)
            ]
        # The document kinds are read at the same time (the client's cap still keeps two
        # requests in flight): one after another, the second kind's first page waited for the
        # last line read of the first.
        yield from _merged(
            [
                functools.partial(self._read, source, reads.all_of(*where))
                for source in self._sources(kinds)
                for where in (
                    conditions + ([reads.in_("CUSTOMERID", chunk)] if chunk else [])
                    for chunk in customer_chunks
                )
            ]
        )

    def by_reference(
        self,
        references: Iterable[str],
        *,
        kinds: Collection[PostingKind] | None = None,
    ) -> Iterator[ActualDocument]:
        """Documents whose reference field holds one of ``references`` (any date; streamed,
        1000 references per query)."""
        sources = self._sources(kinds)
        iterator = iter(dict.fromkeys(r for r in references if r))
        while chunk := list(islice(iterator, reads.MAX_IN_VALUES)):
            for source in sources:
                yield from self._read(source, _reference_filter(source, chunk))

    def customers(self, customer_ids: Iterable[str]) -> Iterator[ActualCustomer]:
        """The Intacct customers with these ids (absent ones are simply not yielded).

        Many ids (a month of a large operator) are cheaper read as every customer, 2000 a
        page, than as ``in`` lists of 1000: one count query decides which costs fewer requests.
        """
        wanted = set(customer_ids)
        if not wanted:
            return
        if self.prefers_scan(len(wanted)):
            yield from (c for c in self.all_customers() if c.customer_id in wanted)
            return
        for record in self._client.query_in(
            "CUSTOMER", "CUSTOMERID", sorted(wanted), parse.CUSTOMER_FIELDS, show_private=True
        ):
            yield parse.customer(record)

    def customers_named(self, names: Iterable[str]) -> Iterator[ActualCustomer]:
        """The Intacct customers with one of these names (sync's name-only match check)."""
        wanted = sorted(set(names))
        if not wanted:
            return
        for record in self._client.query_in(
            "CUSTOMER", "NAME", wanted, parse.CUSTOMER_FIELDS, show_private=True
        ):
            yield parse.customer(record)

    def prefers_scan(self, wanted: int) -> bool:
        """Whether reading every customer costs fewer requests than ``in`` lists of ``wanted``
        ids (a count query when ``wanted`` is large enough for it to matter)."""
        return wanted > SCAN_CUSTOMERS_FROM and self._customer_pages() <= -(
            -wanted // reads.MAX_IN_VALUES
        )

    def all_customers(self) -> Iterator[ActualCustomer]:
        """Every customer of the company, 2000 a page."""
        for record in self._client.query_all("CUSTOMER", parse.CUSTOMER_FIELDS, show_private=True):
            yield parse.customer(record)

    def _customer_pages(self) -> int:
        function = reads.query("CUSTOMER", (), "count:CUSTOMER", count=True, show_private=True)
        data = self._client.read_one(function).data
        records = data.records if data is not None else ()
        value = parse.text(records[0], "COUNT.RECORDNO") if records else None
        count = int(value) if value is not None and value.isdigit() else 2**31
        return -(-count // READ_PAGE)

    # --- headers, then lines per chunk ----------------------------------------------------

    def _sources(self, kinds: Collection[PostingKind] | None) -> tuple[_Source, ...]:
        return tuple(s for s in sources_for(self._options) if kinds is None or s.kind in kinds)

    def _read(self, source: _Source, where: reads.Filter) -> Iterator[ActualDocument]:
        with ThreadPoolExecutor(
            max_workers=self._max_in_flight, thread_name_prefix="intacct-read"
        ) as pool:
            pages = self._header_pages(pool, source, where)
            chunks = (chunk for page in pages for chunk in self._chunks(source, page))
            for documents in _ordered(pool, self._hydrate(source), chunks, 2 * self._max_in_flight):
                yield from documents

    def _query(self, source: _Source, where: reads.Filter, offset: int) -> tuple[list[Record], int]:
        function = reads.query(
            source.header_object,
            source.header_fields,
            f"query:{source.kind}:{offset}",
            where=where,
            order_by=(reads.OrderBy("RECORDNO"),),
            pagesize=READ_PAGE,
            offset=offset,
            docparid=source.docparid,
            show_private=True,
        )
        data = self._client.read_one(function).data
        if data is None:
            return [], 0
        return list(data.records), data.numremaining or 0

    def _header_pages(
        self, pool: ThreadPoolExecutor, source: _Source, where: reads.Filter
    ) -> Iterator[list[Record]]:
        """Pages in RECORDNO order; once the first page tells how many remain, the rest are
        fetched ahead (up to the concurrency cap), still yielded in order."""
        first, remaining = self._query(source, where, 0)
        yield first
        offset = len(first)
        while remaining and first:
            offsets = range(offset, offset + remaining, READ_PAGE)
            remaining = 0
            for records, after in _ordered(
                pool, lambda at: self._query(source, where, at), iter(offsets), self._max_in_flight
            ):
                if not records:
                    return
                offset += len(records)
                remaining = after  # documents added while reading: the last page says so
                yield records

    def _chunks(self, source: _Source, page: list[Record]) -> Iterator[list[Record]]:
        """Headers grouped by owning entity (lines are read in that entity's session), in
        chunks whose lines should fit one readByQuery page."""
        by_entity: dict[str, list[Record]] = defaultdict(list)
        for record in page:
            if not source.sales and (
                self._options.invoice_type == "ar"
                and parse.text(record, "MODULEKEY") == parse.SALES_MODULE_KEY
            ):
                continue
            by_entity[parse.text(record, "MEGAENTITYID") or ""].append(record)
        for records in by_entity.values():
            position = 0
            while position < len(records):
                size = self._chunk_size(source.kind) * LINE_FUNCTIONS_PER_REQUEST
                yield records[position : position + size]
                position += size

    def _chunk_size(self, kind: PostingKind) -> int:
        """Headers whose lines should fill 90% of a readByQuery page, judged by ``kind``'s
        documents read so far."""
        if self._docs_seen[kind] == 0:
            return FIRST_LINE_CHUNK
        per_doc = max(self._lines_seen[kind] / self._docs_seen[kind], 1.0)
        return max(1, min(reads.MAX_IN_VALUES, int(LINES_PER_PAGE * 0.9 / per_doc)))

    def _session_for(self, header: Record) -> str | None:
        owner = parse.text(header, "MEGAENTITYID")
        return None if owner is None or owner == self._default_entity else owner

    def _lines(
        self, item_object: str, keys: Sequence[str], entity: str | None, kind: PostingKind
    ) -> list[Record]:
        """The lines of ``keys``: one readByQuery per share of the keys whose lines should fit
        a page at the lines-per-document seen so far, all in one request (a page that
        overflows anyway is followed with readMore). Lines of other documents a range also
        covers are dropped here.

        The shares are sized by that estimate, not cut into a fixed count: a chunk's last few
        headers, or a lookup of three references, is one function, not five small ones."""
        if not keys:
            return []
        functions_needed = -(-len(keys) // self._chunk_size(kind))
        size = -(-len(keys) // functions_needed)  # the same share for each, none left tiny
        functions = [
            reads.read_by_query(
                item_object,
                lines_condition(keys[i : i + size]),
                f"lines:{item_object}:{i}",
                fields=("*",),
                pagesize=LINES_PER_PAGE,
            )
            for i in range(0, len(keys), size)
        ]
        reply = self._client.execute(functions, entity=entity)
        out: list[Record] = []
        for function in functions:
            result = reply.result_for(function.controlid)
            if result is None or result.status is not ResultStatus.SUCCESS:
                # Read it alone: read_one raises ReadFailed with Intacct's own words.
                result = self._client.read_one(function, entity=entity)
            data = result.data
            page = 0
            while data is not None:
                out.extend(data.records)
                if not data.numremaining or not data.result_id:
                    break
                page += 1
                more = reads.read_more(data.result_id, f"{function.controlid}:more:{page}")
                data = self._client.read_one(more, entity=entity).data
        wanted = set(keys)
        return [r for r in out if parse.text(r, "RECORDKEY") in wanted]

    def _hydrate(self, source: _Source) -> Callable[[list[Record]], list[ActualDocument]]:
        def hydrate(headers: list[Record]) -> list[ActualDocument]:
            if not headers:
                return []
            entity = self._session_for(headers[0])
            if source.sales:
                documents = self._sales_documents(source, headers, entity)
            else:
                documents = self._ar_documents(source, headers, entity)
            self._docs_seen[source.kind] += len(headers)
            self._lines_seen[source.kind] += sum(len(d.lines) for d in documents)
            return documents

        return hydrate

    def _ar_documents(
        self, source: _Source, headers: list[Record], entity: str | None
    ) -> list[ActualDocument]:
        keys = [parse.text(h, "RECORDNO") or "" for h in headers]
        item_object = "ARINVOICEITEM" if source.kind == "ar_invoice" else "ARADJUSTMENTITEM"
        grouped = _group(self._lines(item_object, keys, entity, source.kind), "RECORDKEY")
        object_name: parse.ArObject = "ARINVOICE" if source.kind == "ar_invoice" else "ARADJUSTMENT"
        out = []
        for header, key in zip(headers, keys, strict=True):
            document = parse.ar_document(
                header, grouped.get(key, ()), object_name, default_entity=self._default_entity
            )
            if document is not None:
                out.append(document)
        return out

    def _sales_documents(
        self, source: _Source, headers: list[Record], entity: str | None
    ) -> list[ActualDocument]:
        keys = [parse.text(h, "RECORDNO") or "" for h in headers]
        lines = _group(
            self._client.query_in(
                "SODOCUMENTENTRY", "DOCHDRNO", keys, parse.SO_LINE_FIELDS, show_private=True
            ),
            "DOCHDRNO",
        )
        posted_keys = [k for h in headers if (k := parse.text(h, "PRRECORDKEY"))]
        ar_object = "ARADJUSTMENT" if source.credit else "ARINVOICE"
        posted: dict[str, Record] = {}
        posted_lines: dict[str, list[Record]] = {}
        if posted_keys:
            for record in self._client.query_in(
                ar_object, "RECORDNO", posted_keys, parse.AR_HEADER_FIELDS, show_private=True
            ):
                posted[parse.text(record, "RECORDNO") or ""] = record
            posted_lines = _group(
                self._lines(ar_object + "ITEM", posted_keys, entity, source.kind), "RECORDKEY"
            )
        out = []
        for header, key in zip(headers, keys, strict=True):
            ar_key = parse.text(header, "PRRECORDKEY") or ""
            out.append(
                parse.so_document(
                    header,
                    lines.get(key, ()),
                    source.credit,
                    posted.get(ar_key),
                    posted_lines.get(ar_key, ()),
                    default_entity=self._default_entity,
                )
            )
        return out


# A chunk of headers read in RECORDNO order is usually a dense run of record numbers; a range
# then selects its lines with two comparisons instead of a list of hundreds of values (cheaper
# for the gateway, and the simulator's ``IN`` costs rows x values). Sparse chunks (a customer
# filter, follow-ups) keep the list, so a range never drags in many lines of other documents.
RANGE_DENSITY = 0.5


def lines_condition(keys: Sequence[str]) -> str:
    """The readByQuery condition selecting the lines of the documents ``keys``."""
    numbers = sorted(int(k) for k in keys if k.isdigit())
    if len(numbers) == len(keys) and len(numbers) > 2:
        low, high = numbers[0], numbers[-1]
        if len(numbers) / (high - low + 1) >= RANGE_DENSITY:
            return f"RECORDKEY >= {low} AND RECORDKEY <= {high}"
    return "RECORDKEY IN (" + ",".join(reads.quote_literal(k) for k in keys) + ")"


def _reference_filter(source: _Source, chunk: list[str]) -> reads.Filter:
    if source.sales:
        return reads.in_(parse.SALES_REFERENCE_FIELD, chunk)
    if source.credit:
        return reads.any_of(*(reads.in_(f, chunk) for f in parse.ADJUSTMENT_LOOKUP_FIELDS))
    return reads.in_(parse.INVOICE_REFERENCE_FIELD, chunk)


def _group(records: Iterable[Record], key_field: str) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        grouped[parse.text(record, key_field) or ""].append(record)
    return grouped


MERGED_QUEUE = 256  # documents waiting for the consumer, over all the merged reads


def _merged(reads: Sequence[Callable[[], Iterator[T]]]) -> Iterator[T]:
    """The items of several reads run at once, in no set order between reads (each read's own
    order is kept); a read's error is raised here, and stopping early stops every read."""
    if len(reads) < 2:
        for read in reads:
            yield from read()
        return

    def feed(read: Callable[[], Iterator[T]]) -> Callable[[FanIn[T]], None]:
        def produce(fan: FanIn[T]) -> None:
            items = read()
            try:
                for item in items:
                    if not fan.offer(item):
                        return
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()

        return produce

    yield from FanIn[T](MERGED_QUEUE).consume([feed(r) for r in reads], name="intacct-kind")


def _ordered(
    pool: ThreadPoolExecutor, work: Callable[[T], R], items: Iterator[T], window: int
) -> Iterator[R]:
    """``map(work, items)`` on the pool with at most ``window`` calls pending; in input order.

    ``items`` is pulled lazily (it may itself wait on the pool), so memory holds one window.
    """
    pending: list[Future[R]] = []
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= window:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        for future in pending:
            future.cancel()
