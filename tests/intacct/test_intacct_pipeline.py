"""The one write path: full batches across the caller's chunks, slots kept busy, urgent first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from orsync.errors import ServiceUnavailable
from orsync.intacct import Queued, Succeeded, WritePipeline
from orsync.intacct.outcomes import Outcome
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.response import Result, ResultStatus


def fn(name: str) -> Function:
    return Function("create_invoice", name, b"<create_invoice/>", is_write=True)


def fns(prefix: str, count: int, start: int = 0) -> list[Function]:
    return [fn(f"{prefix}{i}") for i in range(start, start + count)]


class Slots:
    """A client stand-in: a pool of ``max_in_flight`` threads, each request recorded. Request
    ``n`` (from 0) waits until ``n < allowed`` (None: every request answers at once)."""

    def __init__(self, *, max_in_flight: int = 2, batch_size: int = 50) -> None:
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.pool = ThreadPoolExecutor(max_workers=max_in_flight)
        self.lock = threading.Condition()
        self.allowed: int | None = None
        self.running = 0
        self.requests: list[list[str]] = []
        self.submitted = 0
        self.on_submit: Callable[[int], None] = lambda _count: None
        self.fail_request: int | None = None  # 0-based request that raises

    def wait_until(self, condition: Callable[[], bool]) -> bool:
        with self.lock:
            return self.lock.wait_for(condition, timeout=10)

    def allow(self, count: int | None) -> None:
        with self.lock:
            self.allowed = count
            self.lock.notify_all()

    def submit(self, task: Callable[[], None]) -> Future[None]:
        self.submitted += 1
        future = self.pool.submit(task)
        self.on_submit(self.submitted)
        return future

    def send_batch(self, functions: Sequence[Function], *, entity: str | None) -> list[Outcome]:
        del entity
        with self.lock:
            index = len(self.requests)
            self.requests.append([f.controlid for f in functions])
            self.running += 1
            self.lock.notify_all()
        try:
            with self.lock:
                assert self.lock.wait_for(
                    lambda: self.allowed is None or index < self.allowed, timeout=10
                )
            if index == self.fail_request:
                raise ServiceUnavailable("Intacct did not answer")
            return [
                Succeeded(f, Result(ResultStatus.SUCCESS, f.name, f.controlid, "k", None, ()))
                for f in functions
            ]
        finally:
            with self.lock:
                self.running -= 1
                self.lock.notify_all()


class Caller:
    """A lane's handlers: what came back, on which thread."""

    def __init__(self) -> None:
        self.settled: list[str] = []
        self.lost: list[str] = []
        self.threads: set[int] = set()

    def on_outcomes(self, settled: list[tuple[Outcome, str]]) -> None:
        self.threads.add(threading.get_ident())
        self.settled.extend(tag for _, tag in settled)

    def on_lost(self, lost: list[tuple[Function, str]], error: BaseException) -> None:
        del error
        self.threads.add(threading.get_ident())
        self.lost.extend(tag for _, tag in lost)


def queued(functions: list[Function], entity: str | None = None) -> list[Queued[str]]:
    return [Queued(f, entity, f.controlid) for f in functions]


def test_batches_fill_across_the_callers_chunks_and_only_the_last_is_partial() -> None:
    slots, caller = Slots(), Caller()
    lane = WritePipeline(slots).lane(caller.on_outcomes, caller.on_lost)
    for chunk in range(5):  # plan chunks of 130: no multiple of the batch size
        lane.send(queued(fns("d", 130, start=130 * chunk)))
    lane.flush()
    assert [len(r) for r in slots.requests] == [50] * 13
    assert sorted(caller.settled) == sorted(f.controlid for f in fns("d", 650))
    assert caller.threads == {threading.get_ident()}  # outcomes on the caller's thread


def test_each_entity_session_gets_its_own_batches() -> None:
    slots, caller = Slots(batch_size=3), Caller()
    lane = WritePipeline(slots).lane(caller.on_outcomes, caller.on_lost)
    lane.send(queued(fns("top", 4)) + queued(fns("uk", 2), entity="UK"))
    lane.flush()
    assert sorted(slots.requests) == [["top0", "top1", "top2"], ["top3"], ["uk0", "uk1"]]


def test_the_slots_stay_busy_while_the_caller_plans_its_next_chunk() -> None:
    slots, caller = Slots(), Caller()
    slots.allow(0)
    lane = WritePipeline(slots).lane(caller.on_outcomes, caller.on_lost)
    lane.send(queued(fns("d", 200)))  # one plan chunk: four batches, and send returns at once
    assert slots.wait_until(lambda: slots.running == 2)
    # The caller is away planning; the first two requests end and, without any call from the
    # caller, the next two take both slots.
    slots.allow(2)
    assert slots.wait_until(lambda: slots.running == 2 and len(slots.requests) == 4)
    assert caller.settled == []  # outcomes are handed back on the caller's thread only
    slots.allow(None)
    lane.flush()
    assert [len(r) for r in slots.requests] == [50] * 4


def test_an_urgent_write_goes_first_and_carries_buffered_functions_in_its_spare_room() -> None:
    slots, documents = Slots(max_in_flight=1), Caller()
    pipeline = WritePipeline(slots)
    lane = pipeline.lane(documents.on_outcomes, documents.on_lost)
    slots.allow(0)
    lane.send(queued(fns("d", 220)))  # four batches dispatched (one running), 20 buffered
    slots.on_submit = lambda count: slots.allow(None) if count == 5 else None
    outcomes = pipeline.write_now(fns("c", 30))
    assert sorted(o.function.controlid for o in outcomes) == sorted(f"c{i}" for i in range(30))
    lane.flush()
    first, urgent, *rest = slots.requests
    assert first == [f"d{i}" for i in range(50)]
    assert urgent == [f"c{i}" for i in range(30)] + [f"d{i}" for i in range(200, 220)]
    assert [len(r) for r in rest] == [50, 50, 50]
    assert sorted(documents.settled) == sorted(f"d{i}" for i in range(220))


def test_a_request_that_raised_loses_its_functions_and_its_error_follows_the_others() -> None:
    slots, caller = Slots(max_in_flight=1, batch_size=2), Caller()
    slots.fail_request = 1
    lane = WritePipeline(slots).lane(caller.on_outcomes, caller.on_lost)
    with pytest.raises(ServiceUnavailable):
        lane.send(queued(fns("d", 6)))
        lane.flush()
    assert caller.lost[:2] == ["d2", "d3"]
    assert sorted(caller.settled + caller.lost) == sorted(f"d{i}" for i in range(6))
    assert "d0" in caller.settled and "d1" in caller.settled


def test_an_urgent_write_whose_request_raised_raises() -> None:
    slots = Slots()
    slots.fail_request = 0
    with pytest.raises(ServiceUnavailable):
        WritePipeline(slots).write_now(fns("c", 3))
