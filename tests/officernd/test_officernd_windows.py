"""Windowed concurrent reads return exactly the records of a sequential read, as a stream."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orsync.errors import ServiceUnavailable
from orsync.officernd import Query
from orsync.officernd.collections import PAYMENTS
from orsync.officernd.windows import Window, estimated_pages, split_window, split_windows

from .fake_api import FakeOfficeRnd, invoice, make_client

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 29, tzinfo=UTC)


def test_windows_cover_all_time_without_overlap() -> None:
    windows = split_windows(START, END, 4)
    assert windows[0].lower is None and windows[-1].upper is None
    for before, after in itertools.pairwise(windows):
        assert before.upper == after.lower
    assert split_windows(END, START, 4) == split_windows(START, START, 1)


@pytest.mark.parametrize(("windows", "workers"), [(1, 1), (4, 2), (13, 8), (60, 8)])
def test_windowed_read_yields_the_same_records_as_sequential_each_once(
    windows: int, workers: int
) -> None:
    records = [invoice(n) for n in range(1, 400)]
    records.append(invoice(500, createdAt="2019-05-01T00:00:00.000Z"))  # before the range
    records.append(invoice(501, createdAt="2030-05-01T00:00:00.000Z"))  # after the range
    fake = FakeOfficeRnd(collections={"payments": records})
    client = make_client(fake)
    sequential = [d.id for d in client.invoices()]
    windowed = [
        d.id
        for d in client.read_windowed(
            PAYMENTS,
            Query().eq("documentType", "invoice"),
            start=START,
            end=END,
            windows=windows,
            workers=workers,
        )
    ]
    assert len(windowed) == len(set(windowed)) == len(sequential) == 401
    assert set(windowed) == set(sequential)


def test_windowed_read_keeps_the_callers_filters() -> None:
    records = [invoice(n, status="paid" if n % 2 else "voided") for n in range(1, 120)]
    fake = FakeOfficeRnd(collections={"payments": records})
    got = list(
        make_client(fake).read_windowed(
            PAYMENTS, Query().is_in("status", ["paid"]), start=START, end=END, workers=3
        )
    )
    assert len(got) == 60 and {d.status for d in got} == {"paid"}


def test_a_consumer_that_stops_early_releases_the_workers() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(n) for n in range(1, 2000)]})
    before = threading.active_count()
    stream = make_client(fake).read_windowed(PAYMENTS, start=START, end=END, workers=4)
    next(stream)
    stream.close()
    assert threading.active_count() == before
    assert len(fake.api_requests) < 40  # bounded queue: workers did not read everything


def test_an_error_in_one_window_reaches_the_consumer() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(n) for n in range(1, 200)]})
    for _ in range(20):
        fake.hooks.append(lambda r: httpx.Response(503) if "payments" in r.url.path else None)
    with pytest.raises(ServiceUnavailable):
        list(make_client(fake).read_windowed(PAYMENTS, start=START, end=END, workers=2))


def test_a_bound_the_caller_put_on_the_window_field_is_intersected_not_repeated() -> None:
    records = [invoice(n) for n in range(1, 300)]
    fake = FakeOfficeRnd(collections={"payments": records})
    cut = datetime(2026, 1, 10, tzinfo=UTC)
    query = Query().lt("createdAt", cut)
    client = make_client(fake)
    expected = {d.id for d in client.payments(query)}
    got = [d.id for d in client.read_windowed(PAYMENTS, query, start=START, end=END, workers=3)]
    assert sorted(got) == sorted(expected) and len(got) == len(set(got))
    for request in fake.api_requests[1:]:
        keys = [k for k, _ in request.url.params.multi_items()]
        assert len(keys) == len(set(keys))


def test_a_window_holding_the_whole_history_is_split_and_read_concurrently() -> None:
    # 399 records over 28 days, planned as 3 windows over 2020..2030: all of them fall in
    # the middle window, which paged alone would take 8 sequential requests.
    records = [invoice(n) for n in range(1, 400)]
    fake = FakeOfficeRnd(collections={"payments": records})
    client = make_client(fake)
    got = [
        d.id
        for d in client.read_windowed(
            PAYMENTS,
            start=datetime(2020, 1, 1, tzinfo=UTC),
            end=datetime(2030, 1, 1, tzinfo=UTC),
            windows=3,
            workers=4,
        )
    ]
    assert len(got) == len(set(got)) == 399
    lower_bounds = {
        value
        for request in fake.api_requests
        for key, value in request.url.params.multi_items()
        if key == "createdAt[$gte]"
    }
    assert len(lower_bounds) > 3  # the middle window was cut into narrower ones


def test_split_window_keeps_its_bounds_and_never_cuts_below_a_day() -> None:
    window = Window(START, END)
    parts = split_window(window, 8)
    assert len(parts) == 8
    assert parts[0].lower == START and parts[-1].upper == END
    for before, after in itertools.pairwise(parts):
        assert before.upper == after.lower
    narrow = Window(START, START + timedelta(hours=36))
    assert split_window(narrow, 8) == [narrow]
    assert split_window(Window(None, END), 8) == [Window(None, END)]


def test_an_open_window_is_cut_between_its_first_record_and_the_plans_end() -> None:
    first, end = START + timedelta(hours=2), START + timedelta(days=2)
    parts = split_window(Window(None, None), 4, min_span=timedelta(hours=1), first=first, last=end)
    assert parts[0].lower is None and parts[-1].upper is None  # still covers all time
    assert [p.lower for p in parts[1:]] == [first + (end - first) * i / 4 for i in (1, 2, 3)]
    instants = split_window(
        Window(START, START + timedelta(hours=1)), 8, min_span=timedelta(seconds=1)
    )
    assert len(instants) == 8  # instants split finer than a day


def test_a_burst_of_records_created_within_minutes_is_still_read_concurrently() -> None:
    # A monthly invoice run: 400 invoices created 7 s apart, all dated the same day, read over
    # two months. Each level of splitting narrows to where the records are.
    burst = START + timedelta(days=20, hours=2)
    records = [
        invoice(
            n,
            date="2026-02-01T00:00:00.000Z",
            createdAt=(burst + timedelta(seconds=7 * n)).isoformat().replace("+00:00", "Z"),
        )
        for n in range(1, 401)
    ]
    fake = FakeOfficeRnd(collections={"payments": records})
    got = [
        d.id
        for d in make_client(fake).read_windowed(
            PAYMENTS,
            start=START - timedelta(days=31),
            end=START + timedelta(days=31),
            windows=1,  # as reconcile plans: the first page shows where the records start
            workers=8,
        )
    ]
    assert sorted(got) == sorted(r["_id"] for r in records)
    assert len(got) == len(set(got))
    lower_bounds = {
        value
        for request in fake.api_requests
        for key, value in request.url.params.multi_items()
        if key == "createdAt[$gte]" and value.startswith("2026-01-21")
    }
    assert len(lower_bounds) >= 4  # the 47 minutes of the run were cut into several windows


def test_a_window_its_first_page_shows_to_hold_few_pages_is_walked_not_cut() -> None:
    # 150 records spread evenly over the plan: its first page spans a third of it, so the
    # window holds about 3 pages; cut in 8, it would cost a request per part and more.
    step = (END - START) / 150
    records = [
        invoice(n, createdAt=(START + step * n).isoformat().replace("+00:00", "Z"))
        for n in range(150)
    ]
    fake = FakeOfficeRnd(collections={"payments": records})
    got = list(
        make_client(fake).read_windowed(PAYMENTS, start=START, end=END, windows=1, workers=8)
    )
    assert len(got) == len({d.id for d in got}) == 150
    pages = [r for r in fake.api_requests if r.url.path.endswith("/payments")]
    assert len(pages) == 3


def test_estimated_pages_follow_the_first_page_s_density() -> None:
    window = Window(START, END)
    assert estimated_pages(window, START, None, (END - START) / 10) == pytest.approx(10)
    assert estimated_pages(Window(START, None), START, END, END - START) == pytest.approx(1)
    assert estimated_pages(window, START, None, timedelta(0)) == float("inf")
