"""Keep Intacct write batches in flight while the next page is read and planned.

The caller commits each function's ledger row ``sending`` BEFORE handing it to
:meth:`WritePipeline.send`; the pipeline groups functions per entity session into batches of
``batch_size`` and keeps up to ``2 x max_in_flight`` batches queued (the client's gateway caps the
requests actually running at ``max_in_flight``). Outcomes are handed back on the caller's thread
(inside ``send``/``flush``), one completed batch at a time, so the ledger is only ever touched
from one thread and a batch's confirmations commit together.

``Aborted`` outcomes (never executed: Intacct's concurrency limit, or rolled back) are queued
again with the same function and controlid, up to :data:`MAX_ABORTED_RESENDS` times. A batch
whose request raised (authentication, rate limit past retries, service down) reports every
function as lost (the caller marks them unconfirmed: some may have run) and the error is raised
from the next ``send``/``flush``, once every other batch in flight has reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from orsync.intacct import Aborted, IntacctClient, Outcome
from orsync.intacct.xml.function import Function

T = TypeVar("T")
MAX_ABORTED_RESENDS = 3


@dataclass
class Queued(Generic[T]):
    function: Function
    entity: str | None
    tag: T
    attempts: int = 0


OutcomeHandler = Callable[[list[tuple[Outcome, T]]], None]
LostHandler = Callable[[list[tuple[Function, T]], BaseException], None]


class WritePipeline(Generic[T]):
    def __init__(
        self,
        client: IntacctClient,
        *,
        on_outcomes: OutcomeHandler[T],
        on_lost: LostHandler[T],
        batch_size: int,
        max_in_flight: int,
    ) -> None:
        self._client = client
        self._on_outcomes = on_outcomes
        self._on_lost = on_lost
        self._batch_size = max(1, batch_size)
        self._window = 2 * max(1, max_in_flight)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, max_in_flight), thread_name_prefix="orsync-write"
        )
        self._buffers: dict[str | None, list[Queued[T]]] = {}
        self._pending: dict[Future[list[Outcome]], list[Queued[T]]] = {}
        self._error: BaseException | None = None
        self.requests = 0

    def send(self, items: Sequence[Queued[T]]) -> None:
        """Queue functions whose ledger rows are committed ``sending``."""
        self._raise_pending_error()
        for item in items:
            buffer = self._buffers.setdefault(item.entity, [])
            buffer.append(item)
            if len(buffer) >= self._batch_size:
                self._dispatch(item.entity)

    def flush(self) -> None:
        """Send what is buffered and wait for every outcome."""
        while True:
            for entity in [e for e, items in self._buffers.items() if items]:
                if self._error is None:
                    self._dispatch(entity)
                else:
                    self._lose(self._buffers.pop(entity), self._error)
            if not self._pending:
                break
            self._wait(return_when_all=False)
        self._raise_pending_error()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- internals ---------------------------------------------------------------------------

    def _dispatch(self, entity: str | None) -> None:
        batch = self._buffers.pop(entity, [])
        if not batch:
            return
        while len(self._pending) >= self._window:
            self._wait(return_when_all=False)
        if self._error is not None:
            self._lose(batch, self._error)
            return
        functions = [item.function for item in batch]
        future = self._pool.submit(self._write, functions, entity)
        self._pending[future] = batch
        self.requests += 1

    def _write(self, functions: list[Function], entity: str | None) -> list[Outcome]:
        return list(self._client.write(functions, entity=entity, batch_size=len(functions)))

    def _wait(self, *, return_when_all: bool) -> None:
        del return_when_all
        done, _ = wait(list(self._pending), return_when=FIRST_COMPLETED)
        for future in done:
            batch = self._pending.pop(future)
            try:
                outcomes = future.result()
            except Exception as error:  # noqa: BLE001 - reported per function, raised later
                if self._error is None:
                    self._error = error
                self._lose(batch, error)
                continue
            self._handle(batch, outcomes)

    def _handle(self, batch: list[Queued[T]], outcomes: list[Outcome]) -> None:
        by_controlid = {item.function.controlid: item for item in batch}
        settled: list[tuple[Outcome, T]] = []
        again: list[Queued[T]] = []
        for outcome in outcomes:
            item = by_controlid.pop(outcome.function.controlid, None)
            if item is None:
                continue
            if isinstance(outcome, Aborted) and item.attempts < MAX_ABORTED_RESENDS:
                item.attempts += 1
                again.append(item)
            else:
                settled.append((outcome, item.tag))
        if by_controlid:
            self._lose(list(by_controlid.values()), RuntimeError("no outcome for the function"))
        if settled:
            self._on_outcomes(settled)
        for item in again:
            self._buffers.setdefault(item.entity, []).append(item)

    def _lose(self, batch: list[Queued[T]], error: BaseException) -> None:
        if batch:
            self._on_lost([(item.function, item.tag) for item in batch], error)

    def _raise_pending_error(self) -> None:
        if self._error is not None and not self._pending:
            error, self._error = self._error, None
            raise error
