"""A cursor that never ends or that loops is stopped (exit 69) before the page that proves
it is handed on, so nothing OfficeRnD did not issue reaches the sync."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from orsync.errors import ServiceUnavailable
from orsync.officernd.client import MAX_PAGES_PER_WALK
from orsync.officernd.collections import COMPANIES
from tests.officernd.fake_api import FakeOfficeRnd, invoice, make_client

ISSUED = 120  # what the organisation really holds, and what its count says


@dataclass
class EndlessCursor(FakeOfficeRnd):
    """Every page is full of fresh records with a fresh cursor; ``repeat`` sends the same
    records again under new cursors instead (a loop the cursor text does not show)."""

    repeat: bool = False
    count: Any = ISSUED
    pages_sent: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith("/api/"):
            return super().handler(request)
        self.api_requests.append(request)
        if path.endswith("/count"):
            return httpx.Response(200, json={"count": self.count})
        first = 0 if self.repeat else self.pages_sent * 50
        self.pages_sent += 1
        records = [invoice(first + n + 1) for n in range(50)]
        cursor = f"cursor-{self.pages_sent}"
        return httpx.Response(200, json={"results": records, "cursorNext": cursor})


def test_an_endless_cursor_stops_at_the_count_before_a_record_past_it_is_used() -> None:
    fake = EndlessCursor()
    read: list[str] = []
    with pytest.raises(ServiceUnavailable, match="more than the 120 records it counts") as stop:
        read.extend(doc.id for doc in make_client(fake).invoices())
    assert len(read) == 100  # two pages; the third would pass the count (asked again first)
    assert fake.pages_sent == 3
    counts = [r for r in fake.api_requests if r.url.path.endswith("/count")]
    assert len(counts) == 2
    assert stop.value.exit_code == 69 and "profiles show" in stop.value.hint


@dataclass
class GrowingWhileRead(EndlessCursor):
    """A real organisation where records are created during the walk: the count grows."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            self.api_requests.append(request)
            return httpx.Response(200, json={"count": 60 + 50 * self.pages_sent})
        if self.pages_sent == 4 and request.url.path.startswith("/api/"):
            self.api_requests.append(request)
            self.pages_sent += 1
            return httpx.Response(200, json={"results": [invoice(999)]})
        return super().handler(request)


def test_records_created_during_the_walk_are_counted_again_not_taken_for_endless() -> None:
    fake = GrowingWhileRead()
    assert len(list(make_client(fake).invoices())) == 201


def test_records_sent_again_under_new_cursors_stop_the_read_at_the_first_repeat() -> None:
    fake = EndlessCursor(repeat=True)
    read: list[str] = []
    with pytest.raises(ServiceUnavailable, match="twice"):
        read.extend(doc.id for doc in make_client(fake).invoices())
    assert len(read) == 50  # the first page only: the repeat is never handed on


@pytest.mark.parametrize("count", [None, "many", True])
def test_without_a_usable_count_a_walk_stops_at_the_page_limit(count: Any) -> None:
    fake = EndlessCursor(count=count)
    with pytest.raises(ServiceUnavailable, match=f"more than {MAX_PAGES_PER_WALK} pages"):
        for _ in make_client(fake).invoices():
            pass
    assert fake.pages_sent == MAX_PAGES_PER_WALK + 1


def test_collections_without_a_count_are_bounded_by_the_fixed_budget() -> None:
    fake = EndlessCursor()
    with pytest.raises(ServiceUnavailable, match=f"more than {MAX_PAGES_PER_WALK} pages"):
        for _ in make_client(fake).pages(COMPANIES):
            pass
    assert not any(r.url.path.endswith("/count") for r in fake.api_requests)
