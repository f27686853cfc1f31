"""Producer threads feeding one consuming generator through a bounded queue.

Used where several reads run at once and one caller consumes what they find (OfficeRnD's
windowed reads, Intacct's document kinds): the consumer sees items as they arrive, memory holds
at most ``maxsize`` items, a producer's error is raised in the consumer, and a consumer that
stops early (or fails) releases every producer and waits for them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

T = TypeVar("T")

_POLL_SECONDS = 0.05  # how often a blocked producer checks whether the consumer has stopped


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_FINISHED = object()


class FanIn(Generic[T]):
    """One run: producers ``offer`` items; :meth:`consume` starts them and yields the items."""

    def __init__(self, maxsize: int) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def offer(self, item: T) -> bool:
        """Hand ``item`` to the consumer; False once the consumer has stopped (give up then)."""
        return self._put(item)

    def _put(self, item: object) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def consume(
        self, producers: Sequence[Callable[[FanIn[T]], None]], *, name: str
    ) -> Generator[T, None, None]:
        """Run each producer on its own thread and yield what they offer, in arrival order."""

        def run(producer: Callable[[FanIn[T]], None]) -> None:
            try:
                producer(self)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
                self._put(_Failed(exc))
                return
            self._put(_FINISHED)

        threads = [
            threading.Thread(target=run, args=(producer,), name=f"{name}-{i}", daemon=True)
            for i, producer in enumerate(producers)
        ]
        for thread in threads:
            thread.start()
        finished = 0
        try:
            while finished < len(threads):
                item = self._queue.get()
                if item is _FINISHED:
                    finished += 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    yield cast(T, item)
        finally:
            self._stopped.set()  # a consumer that stops early (or an error) releases them all
            for thread in threads:
                thread.join(timeout=5)
