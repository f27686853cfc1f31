"""A document read keeps no id beyond its chunk, however long the history (plain data)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from orsync.officernd import PaymentDocument
from orsync.services.sync.reading import PLAN_CHUNK, ReadMark, documents


class _History:
    """A client whose windowed read yields ``n`` distinct invoices."""

    def __init__(self, n: int) -> None:
        self.n = n

    def read_windowed(self, *args: Any, **kwargs: Any) -> Iterator[PaymentDocument]:
        for n in range(self.n):
            yield PaymentDocument.model_validate({"_id": f"{n:024x}", "documentType": "invoice"})


def test_a_long_read_keeps_only_its_cursor_mark() -> None:
    mark = ReadMark(read_from=None, started_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    read = 0
    for chunk in documents(_History(5 * PLAN_CHUNK + 7), "invoices", mark):  # type: ignore[arg-type]
        read += len(chunk)
        assert len(chunk) <= PLAN_CHUNK
    assert read == mark.count == 5 * PLAN_CHUNK + 7
    # What advancing the cursor needs, and nothing that grows with the records read.
    assert {f.name for f in dataclasses.fields(mark)} == {
        "read_from",
        "started_at",
        "max_seen",
        "count",
    }


def test_a_first_read_holds_a_few_parsed_pages_not_sixteen() -> None:
    """The planner, not the read, sets the pace: a handful of pages waiting is enough, and
    each page held is about a megabyte of parsed records for the whole run."""
    from orsync.services.sync.reading import WINDOW_QUEUE_PAGES

    asked: dict[str, Any] = {}

    class Client(_History):
        def read_windowed(self, *args: Any, **kwargs: Any) -> Iterator[PaymentDocument]:
            asked.update(kwargs)
            return super().read_windowed(*args, **kwargs)

    mark = ReadMark(read_from=None, started_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert sum(len(c) for c in documents(Client(3), "invoices", mark)) == 3  # type: ignore[arg-type]
    assert asked["queue_pages"] == WINDOW_QUEUE_PAGES
    assert asked["workers"] + asked["queue_pages"] <= 8  # pages held at most, of ~50 records
