"""Producer threads feeding one consuming generator through a bounded, first-come queue.

Used where several reads run at once and one caller consumes what they find (OfficeRnD's
windowed reads, Intacct's document kinds): the consumer sees items as they arrive, memory holds
at most ``maxsize`` items, a producer's error is raised in the consumer, and a consumer that
stops early (or fails) releases every producer and waits for them.

Producers blocked on a full queue are admitted in the order they blocked. With a polling
``queue.Queue.put(timeout=...)`` a producer that timed out rejoined at the back, and one of
eight windowed readers could wait a second behind the others while the consumer was busy;
it then paged the rest of its window alone after the others had finished, the run's tail.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_FINISHED = object()


class FanIn(Generic[T]):
    """One run: producers ``offer`` items; :meth:`consume` starts them and yields the items."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            msg = "maxsize must be at least 1"
            raise ValueError(msg)
        self._maxsize = maxsize
        self._items: deque[object] = deque()
        self._waiting: deque[object] = deque()  # tickets of blocked producers, oldest first
        self._changed = threading.Condition(threading.Lock())
        self._stopped = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def offer(self, item: T) -> bool:
        """Hand ``item`` to the consumer; False once the consumer has stopped (give up then).

        Blocks while the queue is full, and behind every producer that blocked earlier."""
        with self._changed:
            if self._stopped:
                return False
            if not self._waiting and len(self._items) < self._maxsize:
                self._append(item)
                return True
            ticket = object()
            self._waiting.append(ticket)
            try:
                while not self._stopped and (
                    self._waiting[0] is not ticket or len(self._items) >= self._maxsize
                ):
                    self._changed.wait()
            finally:
                self._waiting.remove(ticket)
            if self._stopped:
                self._changed.notify_all()
                return False
            self._append(item)  # its wake-up also lets the next producer in line try
            return True

    def _append(self, item: object) -> None:
        self._items.append(item)
        self._changed.notify_all()

    def _signal(self, item: object) -> None:
        """A producer's end or error: never blocked (one per producer, so the bound holds
        within the number of producers) and so never lost behind a full queue."""
        with self._changed:
            self._append(item)

    def _take(self) -> object:
        with self._changed:
            while not self._items:
                self._changed.wait()
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def _stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._items.clear()
            self._changed.notify_all()

    def consume(
        self, producers: Sequence[Callable[[FanIn[T]], None]], *, name: str
    ) -> Generator[T, None, None]:
        """Run each producer on its own thread and yield what they offer, in arrival order."""

        def run(producer: Callable[[FanIn[T]], None]) -> None:
            try:
                producer(self)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
                self._signal(_Failed(exc))
                return
            self._signal(_FINISHED)

        threads = [
            threading.Thread(target=run, args=(producer,), name=f"{name}-{i}", daemon=True)
            for i, producer in enumerate(producers)
        ]
        for thread in threads:
            thread.start()
        finished = 0
        try:
            while finished < len(threads):
                item = self._take()
                if item is _FINISHED:
                    finished += 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    yield cast(T, item)
        finally:
            self._stop()  # a consumer that stops early (or an error) releases them all
            for thread in threads:
                thread.join(timeout=5)
