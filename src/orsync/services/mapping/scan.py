"""The OfficeRnD values in use, for ``map init`` and ``map check``: a bounded window of recent
documents read concurrently, and the result kept in the profile's state.

What "in use" means: every value referenced by an issued (non-draft) invoice or credit note
dated on or after the window's first day (:data:`DEFAULT_MONTHS` before today unless the
command says ``--since`` or ``--all-history``). The documents are read over concurrent
``createdAt`` windows (the reader ``sync`` uses), as the wire's dicts with only the fields the
tally reads, and counted by :class:`~orsync.mapping.usage.UsageTally`, never kept.

The tally, its window and a cursor are kept in the profile's state (``RunSettings.usage_scan``):
the next scan of the same window (or one starting up to a month later; any, after an
all-history scan) reads only the documents modified since the cursor (minus the cursor
overlap) and adds them. Values are only ever added: one a document no
longer uses, or one used only before the window moved on, stays listed until ``--refresh``
rescans. Payment methods are read each time from the window's charges (names only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from orsync.mapping import OfficeRndValue, ValuesInUse, usual_intacct_method
from orsync.mapping.usage import UsageTally
from orsync.officernd import OfficeRndClient, Query
from orsync.officernd.collections import RAW_CHARGES, RAW_PAYMENTS
from orsync.services.convert import SYNCED_DOCUMENT_TYPES, ReferenceData
from orsync.state import DEFAULT_OVERLAP

DEFAULT_MONTHS = 13
# Only what the tally reads (lines whole: their references and description).
SCAN_FIELDS = (
    "_id",
    "documentType",
    "status",
    "location",
    "date",
    "createdAt",
    "company",
    "member",
    "lines",
)
# Where an all-history scan plans its createdAt windows (records created earlier are still
# read: the first window is open); a window's scan plans them from its first day.
ALL_HISTORY_PLAN = dt.timedelta(days=3 * 365)
CREATED_BEFORE_DATE = dt.timedelta(days=31)  # documents are created shortly before their date
SCAN_WORKERS = 8  # the session's cap on one client's reads in flight
SCAN_WINDOWS = 16
PROGRESS_EVERY = 50  # documents: one page
SAVED_FORMAT = 2  # 2: the payment methods of the window's charges are kept too
REUSE_SLACK = dt.timedelta(days=31)


class ScanProgress(Protocol):
    """Where a scan reports how far it got (the CLI draws a bar or writes log lines)."""

    def start(self, what: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class NoScanProgress:
    def start(self, what: str, total: int | None) -> None:
        del what, total

    def advance(self, count: int) -> None:
        del count


@dataclass(frozen=True)
class ScanRequest:
    """Which documents count: dated on or after ``since`` (default: :data:`DEFAULT_MONTHS`
    before today), every one with ``all_history``; ``refresh`` ignores the kept scan."""

    since: dt.date | None = None
    all_history: bool = False
    refresh: bool = False

    def first_day(self, today: dt.date) -> dt.date | None:
        if self.all_history:
            return None
        return self.since or months_before(today, DEFAULT_MONTHS)


def utc_now() -> dt.datetime:
    """The scan's clock: the window's last day and the cursor (tests pin it to a world's)."""
    return dt.datetime.now(dt.UTC)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


@dataclass(frozen=True)
class Usage:
    """The values in use and where they come from.

    ``documents``: the documents the values come from (every scan kept so far); ``read``: the
    documents this command read; ``since``: the window's first day (None: all history);
    ``incremental``: only changes since the kept scan were read; ``personal_members``: the
    members billed personally (no company) in the window, when asked for and the whole window
    was read (None otherwise)."""

    used: ValuesInUse
    documents: int
    read: int
    since: dt.date | None
    incremental: bool
    personal_members: frozenset[str] | None = None


@dataclass(frozen=True)
class _Saved:
    since: dt.date | None
    cursor: dt.datetime
    tally: UsageTally
    methods: frozenset[str] = frozenset()  # the payment methods of the window's charges

    def to_text(self) -> str:
        return json.dumps(
            {
                "format": SAVED_FORMAT,
                "since": self.since.isoformat() if self.since else None,
                "cursor": self.cursor.isoformat(),
                "tally": self.tally.to_json(),
                "methods": sorted(self.methods),
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_text(cls, text: str | None) -> _Saved | None:
        """The kept scan, or None when there is none or it cannot be read (then rescan)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            if data.get("format") != SAVED_FORMAT:
                return None
            since = dt.date.fromisoformat(data["since"]) if data["since"] else None
            cursor = dt.datetime.fromisoformat(data["cursor"])
            if cursor.tzinfo is None:
                return None
            methods = frozenset(str(name) for name in data["methods"])
            return cls(since, cursor, UsageTally.from_json(data["tally"]), methods)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def serves(self, since: dt.date | None) -> bool:
        """Whether this scan answers for the window asked: all history answers for every one;
        a window from a day answers for one starting at most :data:`REUSE_SLACK` later (the
        default window moves a day each day; a window chosen months narrower is read anew)."""
        if self.since is None:
            return True
        return since is not None and self.since <= since <= self.since + REUSE_SLACK


def scan_usage(
    client: OfficeRndClient,
    reference: ReferenceData,
    request: ScanRequest,
    *,
    saved: str | None,
    now: dt.datetime | None = None,
    progress: ScanProgress | None = None,
    personal_members: bool = False,
) -> tuple[Usage, str]:
    """The values in use for ``request``, and the text to keep for the next scan.

    ``saved`` is the text the previous scan returned (None: none kept). ``personal_members``:
    also note who is billed personally (``map init``'s customer ids), when the window is read."""
    started = now or utc_now()
    wanted = request.first_day(started.date())
    progress = progress or NoScanProgress()
    kept = _Saved.from_text(saved)
    members: set[str] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="map-charges") as pool:
        if kept is not None and not request.refresh and kept.serves(wanted):
            since, tally = kept.since, kept.tally
            changed_from = kept.cursor - DEFAULT_OVERLAP
            methods = pool.submit(_methods_changed, client, since, changed_from, kept.methods)
            query = _query(since).gte("modifiedAt", changed_from)
            progress.start("changed documents", None)
            read = _count(tally, client.iterate(RAW_PAYMENTS, query), progress, changed_from)
            incremental = True
        else:
            since, tally = wanted, UsageTally()
            plan_from = (
                _day_start(since) - CREATED_BEFORE_DATE if since else started - ALL_HISTORY_PLAN
            )
            plan_from = min(plan_from, started - dt.timedelta(days=1))
            # The window's charges (their payment methods) are read beside its documents.
            methods = pool.submit(_methods_in_window, client, since, plan_from, started)
            documents = client.read_windowed(
                RAW_PAYMENTS,
                _query(since),
                start=plan_from,
                end=started,
                field="createdAt",
                windows=SCAN_WINDOWS,
                workers=SCAN_WORKERS,
            )
            total = kept.tally.documents if kept is not None and kept.since == since else None
            progress.start("documents", total)
            members = set[str]() if personal_members else None
            read = _count(tally, documents, progress, members=members)
            incremental = False
        _classify_fees(client, tally)
        names = methods.result()
    used = _values(tally, reference)
    used = dataclasses.replace(
        used, payment_methods=_payment_methods(client, names, new=tally.documents == 0)
    )
    text = _Saved(since, started, tally, names).to_text()
    billed = frozenset(members) if members is not None else None
    return Usage(used, tally.documents, read, since, incremental, billed), text


CHEQUE_METHOD = "Printed Check"


def _payment_methods(
    client: OfficeRndClient, names: frozenset[str], *, new: bool
) -> tuple[OfficeRndValue, ...]:
    """The payment methods of the window's charges, or, for a new organization, every method
    OfficeRnD lists. Intacct -> OfficeRnD needs a method received as Intacct's "Printed Check"
    (cheques keyed in Intacct): when no charge of the window used one, the methods OfficeRnD
    lists that are (a "Check" or "Cheque" method) are drafted too."""
    if new and not names:
        names = frozenset(client.payment_methods())
    if not any(usual_intacct_method(name) == CHEQUE_METHOD for name in names):
        listed = client.payment_methods() if names else ()
        names |= {m for m in listed if usual_intacct_method(m) == CHEQUE_METHOD}
    return tuple(OfficeRndValue(name=name) for name in sorted(names))


def _charges_query(since: dt.date | None) -> Query:
    query = Query().fields("_id", "account", "createdAt")
    return query if since is None else query.gte("date", _day_start(since))


def _methods_in_window(
    client: OfficeRndClient, since: dt.date | None, start: dt.datetime, end: dt.datetime
) -> frozenset[str]:
    """The payment methods of the window's charges: every charge read once (names only), over
    concurrent createdAt windows as the documents are."""
    charges = client.read_windowed(
        RAW_CHARGES,
        _charges_query(since),
        start=start,
        end=end,
        field="createdAt",
        windows=SCAN_WINDOWS,
        workers=SCAN_WORKERS,
    )
    return frozenset(str(c["account"]) for c in charges if c.get("account"))


def _methods_changed(
    client: OfficeRndClient, since: dt.date | None, changed_from: dt.datetime, kept: frozenset[str]
) -> frozenset[str]:
    """The kept scan's payment methods and those of the charges changed since it."""
    query = _charges_query(since).gte("modifiedAt", changed_from)
    return kept | {
        str(c["account"]) for c in client.iterate(RAW_CHARGES, query) if c.get("account")
    }


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _query(since: dt.date | None) -> Query:
    query = Query().is_in("documentType", list(SYNCED_DOCUMENT_TYPES)).fields(*SCAN_FIELDS)
    return query if since is None else query.gte("date", _day_start(since))


def _count(
    tally: UsageTally,
    documents: Iterable[dict[str, Any]],
    progress: ScanProgress,
    created_from: dt.datetime | None = None,
    *,
    members: set[str] | None = None,
) -> int:
    """Add ``documents`` to the tally; the issued ones read. With ``created_from`` (a read of
    changes), one created earlier was counted by the kept scan: its values count, it does not."""
    read = pending = 0
    for document in documents:
        if document.get("documentType") not in SYNCED_DOCUMENT_TYPES:
            continue
        new = created_from is None or _created(document) >= created_from
        counted = tally.add(document, new=new)
        read += counted
        member = document.get("member")
        if members is not None and counted and member and not document.get("company"):
            members.add(str(member))
        pending += 1
        if pending == PROGRESS_EVERY:
            progress.advance(pending)
            pending = 0
    if pending:
        progress.advance(pending)
    return read


_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


def _created(document: dict[str, Any]) -> dt.datetime:
    """When OfficeRnD created ``document`` (unknown: counted as new, the safe side of a count)."""
    text = document.get("createdAt")
    try:
        created = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return _FUTURE
    return created if created.tzinfo is not None else created.replace(tzinfo=dt.UTC)


def _classify_fees(client: OfficeRndClient, tally: UsageTally) -> None:
    """Ask OfficeRnD the planType of one fee per new fee group (a few fees, one page)."""
    wanted = tally.fees_to_classify()
    if not wanted:
        return
    kinds: dict[str, str | None] = {}
    for start in range(0, len(wanted), 50):
        chunk = wanted[start : start + 50]
        query = Query().is_in("_id", chunk).fields("_id", "planType")
        kinds.update((fee.id, fee.plan_type) for fee in client.fees(query))
    tally.classify_fees(kinds)


def _values(tally: UsageTally, reference: ReferenceData) -> ValuesInUse:
    lists = _reference_dicts(reference)
    # A new organization (nothing issued yet): offer every value of the reference lists.
    return tally.values(**lists, include_unused=tally.documents == 0)


def _reference_dicts(reference: ReferenceData) -> dict[str, list[dict[str, object]]]:
    def rows(records: Mapping[str, Any], *, rate: bool = False) -> list[dict[str, object]]:
        return [
            {"_id": r.id, "code": getattr(r, "code", None), "name": r.name}
            | ({"rate": r.rate} if rate else {})
            for r in records.values()
        ]

    return {
        "revenue_accounts": rows(reference.revenue_accounts),
        "locations": rows(reference.locations),
        "tax_rates": rows(reference.tax_rates, rate=True),
        "plans": _plans(reference),
    }


def _plans(reference: ReferenceData) -> list[dict[str, object]]:
    # A plan's type names the resource type of the bookings billed through it.
    return [
        {"_id": p.id, "code": p.code, "name": p.name, "type": p.type}
        for p in reference.plans.values()
    ]
