"""One company's write path: batches kept in flight on the client's one pool of write slots.

Callers hand over functions whose ledger rows are already committed ``sending`` (the caller's
protocol; this module knows no ledger). The pipeline groups them per entity session into
batches of ``batch_size``, a batch filling across the callers' own chunks (a partial batch
leaves only on a flush, or topped up into an urgent request), and keeps up to ``window``
batches dispatched: ``max_in_flight`` of them running on the client's pool, the rest waiting
there so a slot that frees takes the next batch at once, while the caller reads and plans.

Outcomes are handed back on the caller's thread (inside ``send``/``flush``/``write_now``), one
completed request at a time, to the *lane* whose functions they are: the ledger is only ever
touched from one thread and a request's confirmations commit together. Several lanes share
one pipeline (a sync run's customers and documents), so a customer write the documents wait
for goes out ahead of queued document batches and carries buffered documents in its spare
room instead of leaving as a partial request.

No retry happens here: the transport retries what never reached Intacct or was refused whole,
the client resends functions Intacct refused before running them, and every other outcome
(``Aborted`` included) goes to the caller, whose ledger decides about a resend. A request that
raised (authentication, rate limit past retries, service down) reports each of its functions as
lost (some may have run) and its error is raised from the lane's next ``send``/``flush`` once
every other request of the lane in flight has reported; the lane sends nothing more.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from orsync.intacct.outcomes import Outcome
from orsync.intacct.xml.function import Function

T = TypeVar("T")

# Batches dispatched per write slot: one running, the rest waiting on the pool, so the slots
# stay busy while the caller reads and plans its next chunk (and while it waits for an urgent
# write). Every dispatched function's row is `sending`: a process killed now leaves at most
# window x batch size rows to look up on the next run.
BATCHES_PER_SLOT = 4

OutcomeHandler = Callable[[list[tuple[Outcome, T]]], None]
LostHandler = Callable[[list[tuple[Function, T]], BaseException], None]


class WriteSlots(Protocol):
    """What the pipeline needs of the client (``IntacctClient``): its pool and one request."""

    @property
    def batch_size(self) -> int: ...

    @property
    def max_in_flight(self) -> int: ...

    def submit(self, task: Callable[[], None]) -> Future[None]: ...

    def send_batch(self, functions: Sequence[Function], *, entity: str | None) -> list[Outcome]: ...


@dataclass
class Queued(Generic[T]):
    """A function to send for ``entity`` (None: top level), with the caller's ``tag``."""

    function: Function
    entity: str | None
    tag: T


@dataclass
class _Item:
    function: Function
    entity: str | None
    tag: Any
    lane: Lane[Any]


@dataclass
class _Batch:
    entity: str | None
    items: list[_Item]
    outcomes: list[Outcome] | None = None
    error: BaseException | None = None


class WritePipeline:
    """Streamed batched writes over ``client``'s pool; used from one thread (the caller's)."""

    def __init__(
        self, client: WriteSlots, *, batch_size: int | None = None, window: int | None = None
    ) -> None:
        self._client = client
        self._batch_size = max(1, batch_size or client.batch_size)
        self._window = max(1, window or BATCHES_PER_SLOT * client.max_in_flight)
        self._buffers: dict[str | None, list[_Item]] = {}
        self._urgent: deque[_Batch] = deque()
        self._ready: deque[_Batch] = deque()
        self._lock = threading.Lock()
        self._done: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self._futures: set[Future[None]] = set()
        self._dispatched = 0  # batches handed to the pool whose outcome is not consumed yet

    def lane(self, on_outcomes: OutcomeHandler[T], on_lost: LostHandler[T]) -> Lane[T]:
        """A stream of writes whose outcomes go to these handlers."""
        return Lane(self, on_outcomes, on_lost)

    def write_now(
        self, functions: Sequence[Function], *, entity: str | None = None
    ) -> list[Outcome]:
        """Send ``functions`` ahead of every queued batch and wait for their outcomes only.

        While the slots have a round of batches queued, a partial last batch is filled with
        functions other lanes buffered for the same entity (their outcomes go to their lanes).
        Raises the error of a request that raised.
        """
        collected: list[Outcome] = []
        lane: Lane[None] = self.lane(
            lambda settled: collected.extend(outcome for outcome, _ in settled), _ignore_lost
        )
        items = [_Item(f, entity, None, lane) for f in functions]
        lane.outstanding += len(items)
        with self._lock:
            # Spare room is filled only while the slots have a round of work queued: the
            # caller waits for the whole request, and a slot must not idle meanwhile.
            fill = len(self._ready) >= self._client.max_in_flight
        for start in range(0, len(items), self._batch_size):
            batch = items[start : start + self._batch_size]
            room = self._batch_size - len(batch)
            buffer = self._buffers.get(entity)
            if fill and room and buffer:
                batch.extend(buffer[:room])
                del buffer[:room]
            self._dispatch(_Batch(entity, batch), urgent=True)
        while lane.outstanding:
            self._consume_one()
        if lane.error is not None:
            raise lane.error
        return collected

    def close(self, *, cancel: bool = False) -> None:
        """Wait for the requests dispatched to finish (``cancel``: those not started yet are
        dropped). Outcomes are not handed back: their rows stay ``sending``, which the next run
        settles by looking them up; buffered functions are dropped unsent."""
        self._buffers.clear()
        if cancel:
            with self._lock:
                self._urgent.clear()
                self._ready.clear()
        with self._lock:
            futures = list(self._futures)
        wait(futures)

    # -- internals ---------------------------------------------------------------------------

    def _buffer(self, item: _Item) -> None:
        buffer = self._buffers.setdefault(item.entity, [])
        buffer.append(item)
        if len(buffer) >= self._batch_size:
            del self._buffers[item.entity]
            while self._dispatched >= self._window:
                self._consume_one()
            self._dispatch(_Batch(item.entity, buffer))

    def _flush_lane(self, lane: Lane[Any]) -> None:
        for entity in [
            e for e, items in self._buffers.items() if any(i.lane is lane for i in items)
        ]:
            while self._dispatched >= self._window:
                self._consume_one()
            items = self._buffers.pop(entity, [])
            if items:
                self._dispatch(_Batch(entity, items))
        while lane.outstanding:
            self._consume_one()

    def _dispatch(self, batch: _Batch, *, urgent: bool = False) -> None:
        live = [item for item in batch.items if item.lane.error is None]
        for lane, items in _split([i for i in batch.items if i.lane.error is not None]):
            lane.lose(items, lane.error)  # type: ignore[arg-type]
        if not live:
            return
        batch.items = live
        with self._lock:
            (self._urgent if urgent else self._ready).append(batch)
        self._dispatched += 1
        future = self._client.submit(self._run_next)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def _run_next(self) -> None:
        """On a pool thread: the most urgent batch waiting, whichever task it was queued with."""
        with self._lock:
            if self._urgent:
                batch = self._urgent.popleft()
            elif self._ready:
                batch = self._ready.popleft()
            else:
                return
        try:
            batch.outcomes = self._client.send_batch(
                [item.function for item in batch.items], entity=batch.entity
            )
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            batch.error = error
        self._done.put(batch)

    def _consume_one(self) -> None:
        batch = self._done.get()
        self._dispatched -= 1
        if batch.error is not None:
            for lane, items in _split(batch.items):
                lane.fail(items, batch.error)
            return
        by_controlid = {item.function.controlid: item for item in batch.items}
        settled: dict[int, tuple[Lane[Any], list[tuple[Outcome, Any]]]] = {}
        for outcome in batch.outcomes or []:
            item = by_controlid.pop(outcome.function.controlid, None)
            if item is not None:
                settled.setdefault(id(item.lane), (item.lane, []))[1].append((outcome, item.tag))
        for lane, pairs in settled.values():
            lane.settle(pairs)
        for lane, items in _split(list(by_controlid.values())):
            lane.lose(items, RuntimeError("no outcome for the function"))


def _ignore_lost(lost: list[tuple[Function, None]], error: BaseException) -> None:
    """``write_now`` returns no outcome for a lost function (its request's error is raised)."""
    del lost, error


def _split(items: list[_Item]) -> list[tuple[Lane[Any], list[_Item]]]:
    """``items`` grouped by their lane, in order."""
    lanes: dict[int, tuple[Lane[Any], list[_Item]]] = {}
    for item in items:
        lanes.setdefault(id(item.lane), (item.lane, []))[1].append(item)
    return list(lanes.values())


class Lane(Generic[T]):
    """One caller's stream of writes through a shared :class:`WritePipeline`."""

    def __init__(
        self, pipeline: WritePipeline, on_outcomes: OutcomeHandler[T], on_lost: LostHandler[T]
    ) -> None:
        self._pipeline = pipeline
        self._on_outcomes = on_outcomes
        self._on_lost = on_lost
        self.outstanding = 0  # functions sent and not yet answered or lost
        self.error: BaseException | None = None

    def send(self, items: Sequence[Queued[T]]) -> None:
        """Queue functions whose ledger rows are committed ``sending``."""
        self._raise_pending_error()
        for queued in items:
            item = _Item(queued.function, queued.entity, queued.tag, self)
            if self.error is not None:
                self._on_lost([(item.function, item.tag)], self.error)
                continue
            self.outstanding += 1
            self._pipeline._buffer(item)

    def flush(self) -> None:
        """Send what this lane buffered and wait for each of its outcomes."""
        self._pipeline._flush_lane(self)
        self._raise_pending_error()

    def close(self) -> None:
        self._pipeline.close()

    # -- called by the pipeline, on the caller's thread -------------------------------------

    def settle(self, settled: list[tuple[Outcome, T]]) -> None:
        self.outstanding -= len(settled)
        self._on_outcomes(settled)

    def fail(self, items: list[_Item], error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self.lose(items, error)

    def lose(self, items: list[_Item], error: BaseException) -> None:
        self.outstanding -= len(items)
        if items:
            self._on_lost([(item.function, item.tag) for item in items], error)

    def _raise_pending_error(self) -> None:
        if self.error is not None and not self.outstanding:
            error, self.error = self.error, None
            raise error
