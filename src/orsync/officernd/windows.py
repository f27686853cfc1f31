"""Fast full reads: disjoint key windows read concurrently, streamed through a bounded queue.

Cursor paging is sequential by nature (each cursor comes from the previous page), so a large
read is latency-bound: 200 pages at 50 ms each take 10 s however fast the machine. Splitting the
key range into disjoint half-open windows ``[lo, hi)`` — each read with its own cursor — lets
several pages be in flight at once, still under the shared rate budget.

Why ``createdAt`` by default: it never changes after a record exists, so a record belongs to
exactly one window for the whole read, even while OfficeRnD edits it (a charge bumps its
invoice's ``modifiedAt``). Windows on ``modifiedAt`` would let a record edited mid-read move
from an unread window to a read one (seen twice) or the reverse (missed). An incremental read
keeps its ``modifiedAt[$gte]`` filter in the query and is windowed on ``createdAt`` on top.
The first window has no lower bound and the last no upper bound, so records created outside
``[start, end)`` are still read: the bounds only shape the split, never the result.

Memory: workers put parsed pages into a queue of ``queue_pages`` slots and block when it is
full, so at most ``workers + queue_pages`` pages are held however long the history.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from orsync.fanin import FanIn
from orsync.officernd.query import Query, format_value

if TYPE_CHECKING:
    from orsync.officernd.client import OfficeRndClient
    from orsync.officernd.collections import Collection, R

_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Window:
    lower: datetime | None  # inclusive ($gte); None = unbounded
    upper: datetime | None  # exclusive ($lt); None = unbounded

    def apply(self, query: Query, field: str) -> Query | None:
        """``query`` narrowed to this window, or None when the two do not overlap.

        A bound the caller already put on ``field`` is intersected with the window's rather
        than sent twice (the API refuses a repeated filter key).
        """
        lower_key, upper_key = f"{field}[$gte]", f"{field}[$lt]"
        own = dict(query.filters)
        lower = _tighter(own.get(lower_key), self.lower, max)
        upper = _tighter(own.get(upper_key), self.upper, min)
        if lower is not None and upper is not None and lower >= upper:
            return None
        kept = tuple(f for f in query.filters if f[0] not in (lower_key, upper_key))
        narrowed = replace(query, filters=kept)
        if lower is not None:
            narrowed = narrowed.with_param(lower_key, lower)
        if upper is not None:
            narrowed = narrowed.with_param(upper_key, upper)
        return narrowed


def _tighter(
    existing: str | None, bound: datetime | None, pick: Callable[[str, str], str]
) -> str | None:
    # Both are format_value() strings (fixed-width UTC ISO), so text order is time order.
    mine = None if bound is None else format_value(bound)
    if existing is None or mine is None:
        return existing if mine is None else mine
    return pick(existing, mine)


def split_windows(start: datetime, end: datetime, parts: int) -> list[Window]:
    """``parts`` disjoint windows covering all time, cut evenly between ``start`` and ``end``."""
    if start.tzinfo is None or end.tzinfo is None:
        msg = "window bounds must carry a time zone"
        raise ValueError(msg)
    if parts < 1 or end <= start:
        return [Window(None, None)]
    step = (end - start) / parts
    # Millisecond cuts: the API's instants have millisecond precision.
    cuts = [_to_millis(start + step * i) for i in range(1, parts)]
    cuts = sorted(set(cuts))
    bounds: list[datetime | None] = [None, *cuts, None]
    return [Window(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _to_millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def read_windowed(
    client: OfficeRndClient,
    collection: Collection[R],
    query: Query,
    *,
    start: datetime,
    end: datetime,
    field: str = "createdAt",
    windows: int | None = None,
    workers: int = 8,
    queue_pages: int = 16,
) -> Generator[R, None, None]:
    """Yield every record matching ``query`` exactly once, reading windows concurrently."""
    if workers < 1:
        msg = "workers must be at least 1"
        raise ValueError(msg)
    # Two windows per worker: enough to even out windows of unequal size, few enough that the
    # one short last page every window ends with stays a small share of the requests.
    plan = split_windows(start, end, windows if windows is not None else workers * 2)
    return _stream(client, collection, query, field, plan, workers, queue_pages, end)


# A window whose first page is full is split into smaller ones (read concurrently) instead of
# being paged through alone: a history whose documents sit in one of the planned windows (a
# long period, or a burst of activity such as a monthly invoice run) would otherwise be read
# one page at a time. The cuts start at the earliest instant the first page shows (pages come
# in ``_id`` order, which follows creation) and end at the plan's end for an open last window.
# Splits stop at a day on date fields (their instants are midnights: a narrower window cannot
# separate them) and at a second on instants, and below the first level only happen while some
# worker has no window to read (otherwise the split only adds requests). A plan of one window
# (``windows=1``) finds where the records are from its first page before cutting.
MIN_SPLIT_SPAN = timedelta(days=1)
MIN_INSTANT_SPLIT_SPAN = timedelta(seconds=1)
DATE_FIELDS = frozenset({"date", "dueDate", "startDate", "endDate", "issueDate"})
MAX_SPLIT_DEPTH = 4
# Each window a split makes costs a request the walk alone would not make (its last page is
# short, and the first part reads its parent's first page again to skip it): a window is cut
# into as many parts as it holds about this many pages, by the density its first page shows,
# at most one per worker. The plan's windows (their size unknown until their first page) go
# first, then the larger estimated, so that the read ends on small ones.
PAGES_PER_PART = 3


@dataclass(frozen=True, order=True)
class _Task:
    order: tuple[float, int]  # (minus the pages it is estimated to hold, creation order)
    window: Window = field(compare=False)
    depth: int = field(default=0, compare=False)
    # ids an enclosing window's first page already gave
    skip: frozenset[str] = field(default=frozenset(), compare=False)


def estimated_pages(
    window: Window, first: datetime, last: datetime | None, span: timedelta
) -> float:
    """Pages ``window`` holds if records fill it from ``first`` as densely as a first page
    spanning ``span`` (``last``: where an open upper edge ends). Infinite when the page spans
    no time (a burst: split as finely as allowed)."""
    upper = window.upper if window.upper is not None else last
    if upper is None or upper <= first:
        return 1.0
    if span <= timedelta(0):
        return float("inf")
    return (upper - first) / span


def split_window(
    window: Window,
    parts: int,
    *,
    min_span: timedelta = MIN_SPLIT_SPAN,
    first: datetime | None = None,
    last: datetime | None = None,
    first_page_span: timedelta | None = None,
) -> list[Window]:
    """``window`` cut into up to ``parts`` disjoint windows of at least ``min_span``, which
    still cover exactly what ``window`` covers (itself when too narrow to cut).

    The cuts fall between ``first`` (where records are known to start) and ``last`` (where they
    must end) when those are inside the window; an open edge needs one of them to be cut. When
    the first page's records span far less than one even part (a burst, such as a monthly
    invoice run created within minutes), the first part is cut again at doubling widths of that
    span, so the burst is spread over several windows too.
    """
    low = window.lower if first is None or (window.lower and first < window.lower) else first
    high = window.upper if last is None or (window.upper and last > window.upper) else last
    if low is None or high is None:
        return [window]
    parts = min(parts, int((high - low) / min_span))
    if parts < 2:
        return [window]
    inner = split_windows(low, high, parts)
    cuts = [w.lower for w in inner[1:] if w.lower is not None]
    width = max(first_page_span or timedelta(0), min_span) * 2
    burst: list[datetime] = []
    while cuts and first_page_span is not None and low + width < cuts[0]:
        burst.append(_to_millis(low + width))
        width *= 2
    bounds = [window.lower, *burst, *cuts, window.upper]
    return [Window(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _extent(records: list[dict[str, Any]], field: str) -> tuple[datetime, datetime] | None:
    """The earliest and latest ``field`` instants among ``records``."""
    instants = []
    for record in records:
        value = record.get(field)
        if isinstance(value, str):
            try:
                instants.append(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                continue
    aware = [i for i in instants if i.tzinfo is not None]
    return (min(aware), max(aware)) if aware else None


def _stream(
    client: OfficeRndClient,
    collection: Collection[R],
    query: Query,
    field: str,
    plan: list[Window],
    workers: int,
    queue_pages: int,
    end: datetime,
) -> Generator[R, None, None]:
    min_span = MIN_SPLIT_SPAN if field in DATE_FIELDS else MIN_INSTANT_SPLIT_SPAN
    todo: queue.PriorityQueue[_Task] = queue.PriorityQueue()
    created = itertools.count()
    for window in plan:
        todo.put(_Task((-math.inf, next(created)), window))
    unfinished = [len(plan)]  # tasks queued or being read; guarded by ``count_lock``
    count_lock = threading.Lock()
    pages: FanIn[list[R]] = FanIn(queue_pages)

    def read(task: _Task) -> bool:
        narrowed = task.window.apply(query, field)
        if narrowed is None:
            return True
        for number, page in enumerate(client.pages(collection, narrowed)):
            raw = [r for r in page.records if str(r.get("_id")) not in task.skip]
            if not pages.offer([collection.parse(r) for r in raw]):
                return False
            if number == 0 and page.cursor_next is not None and _split(task, page.records):
                return True  # the smaller windows read the rest (skipping this page's ids)
        return True

    def _split(task: _Task, first_page: list[dict[str, Any]]) -> bool:
        with count_lock:
            busy = unfinished[0]  # this window included
        if task.depth >= MAX_SPLIT_DEPTH or (task.depth > 0 and busy >= workers):
            return False
        extent = _extent(first_page, field)
        wanted = workers
        if extent is not None:
            last = end if task.window.upper is None else None
            pages = estimated_pages(task.window, extent[0], last, extent[1] - extent[0])
            wanted = int(min(workers, pages // PAGES_PER_PART))
        else:
            pages = float(workers * PAGES_PER_PART)
        if wanted < 2:
            return False
        parts = split_window(
            task.window,
            wanted,
            min_span=min_span,
            first=extent[0] if extent else None,
            last=end if task.window.upper is None else None,
            first_page_span=extent[1] - extent[0] if extent else None,
        )
        if len(parts) < 2:
            return False
        skip = task.skip | {str(r.get("_id")) for r in first_page}
        with count_lock:
            unfinished[0] += len(parts)
        each = min(pages / len(parts), 1e12)
        for window in parts:
            todo.put(_Task((-each, next(created)), window, task.depth + 1, skip))
        return True

    def work(fan: FanIn[list[R]]) -> None:
        while not fan.stopped:
            with count_lock:
                if unfinished[0] == 0:
                    return
            try:
                task = todo.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue  # another worker may still split its window
            try:
                if not read(task):
                    return
            finally:
                with count_lock:
                    unfinished[0] -= 1

    stream = pages.consume([work] * workers, name="officernd-window")
    try:
        for page in stream:
            yield from page
    finally:
        stream.close()  # a consumer that stops early releases the workers at once
