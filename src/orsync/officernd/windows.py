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

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

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


class _Done:
    pass


_DONE = _Done()


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
) -> Iterator[R]:
    """Yield every record matching ``query`` exactly once, reading windows concurrently."""
    if workers < 1:
        msg = "workers must be at least 1"
        raise ValueError(msg)
    # Two windows per worker: enough to even out windows of unequal size, few enough that the
    # one short last page every window ends with stays a small share of the requests.
    plan = split_windows(start, end, windows if windows is not None else workers * 2)
    return _stream(client, collection, query, field, plan, min(workers, len(plan)), queue_pages)


def _stream(
    client: OfficeRndClient,
    collection: Collection[R],
    query: Query,
    field: str,
    plan: list[Window],
    workers: int,
    queue_pages: int,
) -> Iterator[R]:
    todo: queue.Queue[Window] = queue.Queue()
    for window in plan:
        todo.put(window)
    out: queue.Queue[Any] = queue.Queue(maxsize=queue_pages)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    window = todo.get_nowait()
                except queue.Empty:
                    break
                narrowed = window.apply(query, field)
                if narrowed is None:
                    continue
                for page in client.pages(collection, narrowed):
                    records = [collection.parse(raw) for raw in page.records]
                    if not offer(records):
                        return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            offer(exc)
            return
        offer(_DONE)

    threads = [
        threading.Thread(target=work, name=f"officernd-window-{i}", daemon=True)
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield from item
    finally:
        stop.set()  # a consumer that stops early (or an error) releases every worker
        for thread in threads:
            thread.join(timeout=5)
