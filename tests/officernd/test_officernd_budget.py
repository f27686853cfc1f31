"""The client-side request budget: a shared token bucket that waits instead of overrunning."""

from __future__ import annotations

import pytest

from orsync.officernd import RateBudget

from .fake_api import FakeClock, FakeOfficeRnd, invoice, make_client


def test_budget_allows_the_burst_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    budget = RateBudget(60, burst=3, clock=clock, sleep=sleep)
    for _ in range(6):
        budget.acquire()
    assert waits == pytest.approx([1.0, 1.0, 1.0])  # 60/min = one a second after the burst
    clock.now += 10  # idle time refills the bucket, but only up to the burst
    waits.clear()
    for _ in range(4):
        budget.acquire()
    assert waits == pytest.approx([1.0])


def test_no_budget_never_waits() -> None:
    budget = RateBudget(None, sleep=lambda s: pytest.fail("slept"))
    for _ in range(1000):
        budget.acquire()


def test_reads_go_through_the_read_budget() -> None:
    clock = FakeClock()
    waits: list[float] = []
    budget = RateBudget(120, burst=1, clock=clock, sleep=waits.append)
    fake = FakeOfficeRnd(collections={"payments": [invoice(n) for n in range(1, 151)]})
    list(make_client(fake, read_budget=budget).invoices())
    assert len(fake.api_requests) == 4  # three pages and the count that bounds the walk
    assert waits == pytest.approx([0.5, 1.0, 1.5])  # the clock does not move: debt accumulates


def test_budget_rejects_nonsense_rates() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateBudget(0)


def test_concurrent_window_workers_share_one_budget_without_overdrawing_it() -> None:
    from datetime import UTC, datetime

    from orsync.officernd.collections import PAYMENTS

    clock = FakeClock()
    waits: list[float] = []
    budget = RateBudget(600, burst=2, clock=clock, sleep=waits.append)  # 10 a second
    fake = FakeOfficeRnd(collections={"payments": [invoice(n) for n in range(1, 400)]})
    records = list(
        make_client(fake, read_budget=budget).read_windowed(
            PAYMENTS,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            end=datetime(2026, 1, 29, tzinfo=UTC),
            windows=12,
            workers=4,
        )
    )
    assert len(records) == 399
    sent = len(fake.api_requests)
    # Reservations are serialised: the k-th request over the burst waits k tenths of a second,
    # whichever thread made it, so four workers never exceed the rate together.
    assert sorted(waits) == pytest.approx([k / 10 for k in range(1, sent - 1)])
