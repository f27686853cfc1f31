"""Reading OfficeRnD for a sync: streamed, cursor-filtered, nothing fetched twice.

Streams and their cursors: ``officernd.invoices``, ``officernd.credit_notes``,
``officernd.companies``, ``officernd.members``. An incremental read asks for
``modifiedAt >= cursor - overlap`` in OfficeRnD's pages; a first or ``--full`` read of documents
goes through concurrent ``createdAt`` windows (:meth:`OfficeRndClient.read_windowed`). Either
way records arrive in chunks of :data:`CHUNK` so that planning and writing run per chunk and
memory stays flat however long the history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from orsync.officernd import Company, Member, OfficeRndClient, PaymentDocument, Query
from orsync.officernd.collections import PAYMENTS

CHUNK = 50  # one OfficeRnD page
# Documents planned together: their new customers go to Intacct in one write (full batches)
# before the documents; four pages keep memory small and the customer requests few.
PLAN_CHUNK = 200
WINDOW_HISTORY = dt.timedelta(days=3 * 365)  # where full reads cut their createdAt windows
WINDOWS = 8
WINDOW_WORKERS = 4
# Parsed pages waiting for the planner. Sync writes far slower than four windows read, so the
# queue is always full: each page held is ~50 documents of parsed records (about 1 MB) for the
# whole run, and the churn of that many short-lived pages beside the run's long-lived objects is
# what fragments the heap. Four pages keep the planner fed (reads are never what it waits for).
WINDOW_QUEUE_PAGES = 4

DOCUMENT_TYPES = {
    "invoices": "invoice",
    "credit_notes": "creditNote",
    "overpayments": "overpayment",
}
STREAMS = {
    "invoices": "officernd.invoices",
    "credit_notes": "officernd.credit_notes",
    "companies": "officernd.companies",
    "members": "officernd.members",
    "payments": "officernd.charges",
    "overpayments": "officernd.overpayments",
}

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class ReadMark:
    """What advancing a stream's cursor needs: where the read began and the newest record."""

    read_from: dt.datetime | None
    started_at: dt.datetime
    max_seen: dt.datetime | None = None
    count: int = 0

    def saw(self, modified_at: dt.datetime | None) -> None:
        self.count += 1
        if modified_at is not None and (self.max_seen is None or modified_at > self.max_seen):
            self.max_seen = modified_at


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def documents(
    client: OfficeRndClient, stream: str, mark: ReadMark
) -> Iterator[list[PaymentDocument]]:
    """Chunks of one document type modified since ``mark.read_from`` (all when None)."""
    query = Query().eq("documentType", DOCUMENT_TYPES[stream])
    records: Iterable[PaymentDocument]
    if mark.read_from is not None:
        records = client.iterate(PAYMENTS, query.gte("modifiedAt", mark.read_from))
    else:
        records = client.read_windowed(
            PAYMENTS,
            query,
            start=mark.started_at - WINDOW_HISTORY,
            end=mark.started_at,
            field="createdAt",
            windows=WINDOWS,
            workers=WINDOW_WORKERS,
            queue_pages=WINDOW_QUEUE_PAGES,
        )
    for chunk in chunks(records, PLAN_CHUNK):
        fresh: dict[str, PaymentDocument] = {}
        for record in chunk:
            # OfficeRnD sends each record once per read. A second copy (overlapping windows of
            # a misbehaving server) in the same chunk is dropped here; one in a later chunk is
            # dropped by the runner while its first write is in flight, and planned as
            # unchanged once it is settled. No id is kept beyond its chunk: memory stays flat.
            if record.id in fresh:
                log.warning("OfficeRnD sent document %s twice in one read; used once", record.id)
                continue
            mark.saw(record.modified_at)
            fresh[record.id] = record
        yield list(fresh.values())


def document_count(client: OfficeRndClient, stream: str) -> int | None:
    """How many documents of this type OfficeRnD holds (one request; None: it cannot say)."""
    return client.count(PAYMENTS, Query().eq("documentType", DOCUMENT_TYPES[stream]))


def documents_by_id(client: OfficeRndClient, ids: list[str]) -> Iterator[list[PaymentDocument]]:
    """The documents with these ids (one ``$in`` query per page of ids)."""
    for chunk in chunks(ids):
        yield list(client.iterate(PAYMENTS, Query().is_in("_id", chunk)))


def customers(
    client: OfficeRndClient, stream: str, mark: ReadMark
) -> Iterator[list[Company | Member]]:
    """Chunks of companies or members modified since ``mark.read_from``."""
    query = Query() if mark.read_from is None else Query().gte("modifiedAt", mark.read_from)
    for chunk in chunks(_people(client, stream, query)):
        for record in chunk:
            mark.saw(record.modified_at)
        yield chunk


def _people(client: OfficeRndClient, stream: str, query: Query) -> Iterator[Company | Member]:
    if stream == "companies":
        yield from client.companies(query)
    else:
        yield from client.members(query)
