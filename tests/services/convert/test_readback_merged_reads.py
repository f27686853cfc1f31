"""Intacct's document kinds are read at once: every item arrives, errors and early stops too."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from orsync.errors import ServiceUnavailable
from orsync.services.convert.readback import _merged


def test_every_item_of_every_read_arrives_once_with_each_reads_order_kept() -> None:
    def read(prefix: str, count: int) -> Iterator[str]:
        return iter([f"{prefix}{n:04d}" for n in range(count)])

    got = list(_merged([lambda: read("a", 700), lambda: read("b", 5), lambda: read("c", 0)]))
    assert sorted(got) == sorted(
        [f"a{n:04d}" for n in range(700)] + [f"b{n:04d}" for n in range(5)]
    )
    assert [g for g in got if g.startswith("a")] == [f"a{n:04d}" for n in range(700)]


def test_a_failed_read_raises_its_own_error_to_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ServiceUnavailable("Intacct went away")

    with pytest.raises(ServiceUnavailable, match="went away"):
        list(_merged([lambda: iter(range(10_000)), failing]))


def test_stopping_early_closes_every_read() -> None:
    closed: list[str] = []

    def endless(name: str) -> Iterator[int]:
        try:
            while True:
                yield 1
        finally:
            closed.append(name)

    stream = _merged([lambda: endless("invoices"), lambda: endless("credit memos")])
    assert next(stream) == 1
    stream.close()
    assert sorted(closed) == ["credit memos", "invoices"]
    assert not [t for t in threading.enumerate() if t.name.startswith("intacct-kind")]
