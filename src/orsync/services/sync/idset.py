"""A set of OfficeRnD ids held compactly, for what one run remembers of every record it read.

A first sync reads the whole history, and a few run-long sets are keyed by every record: the
invoices read (whose removed charges the payments stage looks for) and the charges planned.
As Python ``str`` in a ``set``, one 24-character ObjectId costs about 100 bytes (the string,
its hash slot and the table's spare room): 100,000 invoices and their charges held some 25 MB
at the run's peak. Here an id made of ObjectIds (``"<24 hex>"`` or ``"<24 hex>/<24 hex>"``, a
payment's source id) is packed into 12 bytes per ObjectId, kept in a sorted ``bytes`` run per
width and searched by bisection; the newest ids wait in a small ``set`` until it is merged into
the run. Any other id (not lowercase hex of that length) stays a ``str`` beside them, so
membership is exact whatever OfficeRnD's ids look like.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

OBJECT_ID_HEX = 24  # an ObjectId as OfficeRnD writes it: 24 lowercase hex digits
OBJECT_ID_BYTES = OBJECT_ID_HEX // 2
MERGE_EVERY = 4096  # ids waiting in the set before they are merged into the sorted runs
_HEX = frozenset("0123456789abcdef")


def _pack(value: str) -> bytes | None:
    """``value``'s ObjectIds as bytes, or None when it is not made of them only."""
    parts = value.split("/")
    if not all(len(p) == OBJECT_ID_HEX and _HEX.issuperset(p) for p in parts):
        return None
    return b"".join(bytes.fromhex(p) for p in parts)


def _unpack(packed: bytes) -> str:
    return "/".join(
        packed[i : i + OBJECT_ID_BYTES].hex() for i in range(0, len(packed), OBJECT_ID_BYTES)
    )


class _SortedRun:
    """Packed keys of one width, sorted and unique, in one ``bytes``."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.data = b""

    def __len__(self) -> int:
        return len(self.data) // self.width

    def key(self, index: int) -> bytes:
        return self.data[index * self.width : (index + 1) * self.width]

    def __contains__(self, packed: bytes) -> bool:
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.key(mid) < packed:
                lo = mid + 1
            else:
                hi = mid
        return lo < len(self) and self.key(lo) == packed

    def __iter__(self) -> Iterator[bytes]:
        return (self.key(i) for i in range(len(self)))

    def merge(self, new: Iterable[bytes]) -> None:
        self.data = b"".join(_unique(heapq.merge(iter(self), sorted(new))))

    def remove(self, gone: set[bytes]) -> None:
        if any(k in self for k in gone):
            self.data = b"".join(k for k in self if k not in gone)


def _unique(keys: Iterator[bytes]) -> Iterator[bytes]:
    last: bytes | None = None
    for key in keys:
        if key != last:
            yield key
            last = key


class IdSet:
    """A set of ids with ``add``/``update``/``in``/``difference_update``, iterated sorted."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._runs: dict[int, _SortedRun] = {}
        self._recent: set[bytes] = set()
        self._other: set[str] = set()  # ids that are not ObjectIds, kept as they are
        self.update(ids)

    def add(self, value: str) -> None:
        packed = _pack(value)
        if packed is None:
            self._other.add(value)
            return
        if packed in self._recent or packed in self._run(len(packed)):
            return
        self._recent.add(packed)
        if len(self._recent) >= MERGE_EVERY:
            self._merge()

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add(value)

    def difference_update(self, values: Iterable[str]) -> None:
        gone: dict[int, set[bytes]] = {}
        for value in values:
            packed = _pack(value)
            if packed is None:
                self._other.discard(value)
            else:
                self._recent.discard(packed)
                gone.setdefault(len(packed), set()).add(packed)
        for width, keys in gone.items():
            self._run(width).remove(keys)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        packed = _pack(value)
        if packed is None:
            return value in self._other
        return packed in self._recent or packed in self._run(len(packed))

    def __len__(self) -> int:
        return len(self._other) + len(self._recent) + sum(len(r) for r in self._runs.values())

    def __iter__(self) -> Iterator[str]:
        """Every id, in sorted order (as ``sorted()`` of the strings would give)."""
        self._merge()
        packed = [(_unpack(k) for k in run) for run in self._runs.values()]
        return heapq.merge(sorted(self._other), *packed)

    def _run(self, width: int) -> _SortedRun:
        run = self._runs.get(width)
        if run is None:
            run = self._runs[width] = _SortedRun(width)
        return run

    def _merge(self) -> None:
        by_width: dict[int, list[bytes]] = {}
        for packed in self._recent:
            by_width.setdefault(len(packed), []).append(packed)
        for width, keys in by_width.items():
            self._run(width).merge(keys)
        self._recent.clear()
