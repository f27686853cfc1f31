"""Which records a list query selects: their ids in ascending ``_id`` order, found from indexes.

A list page is a keyset walk in ascending ``_id`` over the records matching every condition.
Testing the records one by one after the cursor costs O(collection) on some pages (a date
window's first page skips every earlier record, its last page reads to the end of the
collection to learn there is no next one), and a windowed read asks that of every window. So
the ids a query's conditions select are worked out once, from a sorted index of the most
selective field, and kept in the collection's ``derived`` data until the collection changes;
each page is then a bisect in that list. The answer is the scan's: the index only proposes
candidates, every candidate is still tested with all the conditions.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from orsync.sandbox.officernd.query import Condition, Kind, comparable
from orsync.sandbox.officernd.store import Collection

# Operators an index answers (the others, $ne and $nin, select almost everything).
_INDEXED = frozenset({"$eq", "$in", "$gt", "$gte", "$lt", "$lte"})
# Plans with fewer candidates than this are not kept: testing them again costs less than the
# memory (an ``_id[$in]`` list of 50 ids is the common case).
KEEP_ABOVE = 200
# Distinct queries whose ids a collection keeps (a windowed read asks one per window).
KEPT_QUERIES = 64

Span = tuple[int, int]


class FieldIndex:
    """One field's comparable values in ascending order, with the ``_id`` of each."""

    def __init__(self, values: list[Any], ids: Sequence[str]) -> None:
        self.values = values
        self.ids = ids

    @classmethod
    def build(cls, collection: Collection, field: str, kind: Kind) -> FieldIndex:
        if field == "_id":
            ids = collection.ids()
            return cls(ids, ids)  # the collection's own order is this field's order
        pairs = []
        for record_id in collection.ids():
            record = collection.view(record_id)
            value = None if record is None else comparable(record.get(field), kind)
            if value is not None:  # no condition an index answers selects an absent value
                pairs.append((value, record_id))
        pairs.sort(key=lambda pair: pair[0])
        return cls([value for value, _ in pairs], [record_id for _, record_id in pairs])

    def spans(self, conditions: Iterable[Condition]) -> list[Span]:
        """Position ranges holding every value the conditions (all on this field) accept."""
        values = self.values
        low, high = 0, len(values)
        points: list[Span] | None = None
        for condition in conditions:
            operator, wanted = condition.operator, condition.values
            if operator in ("$eq", "$in"):
                left, right = bisect.bisect_left, bisect.bisect_right
                found = sorted({(left(values, v), right(values, v)) for v in wanted})
                points = found if points is None else _intersect(points, found)
            elif operator == "$gt":
                low = max(low, bisect.bisect_right(values, wanted[0]))
            elif operator == "$gte":
                low = max(low, bisect.bisect_left(values, wanted[0]))
            elif operator == "$lt":
                high = min(high, bisect.bisect_left(values, wanted[0]))
            elif operator == "$lte":
                high = min(high, bisect.bisect_right(values, wanted[0]))
        spans = [(low, high)] if points is None else _intersect(points, [(low, high)])
        return [(start, end) for start, end in spans if start < end]


def _intersect(left: list[Span], right: list[Span]) -> list[Span]:
    out = []
    for a_start, a_end in left:
        for b_start, b_end in right:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return out


def _field_index(collection: Collection, field: str, kind: Kind) -> FieldIndex:
    key = ("field-index", field, kind)
    index = collection.derived.get(key)
    if index is None:
        index = collection.derived[key] = FieldIndex.build(collection, field, kind)
    assert isinstance(index, FieldIndex)
    return index


def _candidates(collection: Collection, conditions: Sequence[Condition]) -> list[str] | None:
    """Ids of the fewest records some indexed field's conditions allow (None: no such field)."""
    by_field: dict[tuple[str, Kind], list[Condition]] = {}
    for condition in conditions:
        if condition.operator in _INDEXED:
            by_field.setdefault((condition.field, condition.kind), []).append(condition)
    best: tuple[int, FieldIndex, list[Span]] | None = None
    for (field, kind), on_field in by_field.items():
        index = _field_index(collection, field, kind)
        spans = index.spans(on_field)
        size = sum(end - start for start, end in spans)
        if best is None or size < best[0]:
            best = (size, index, spans)
    if best is None:
        return None
    _, index, spans = best
    return [record_id for start, end in spans for record_id in index.ids[start:end]]


def _meets(record: Mapping[str, Any], tests: list[Callable[[Mapping[str, Any]], bool]]) -> bool:
    for test in tests:  # noqa: SIM110 - no generator per record tested
        if not test(record):
            return False
    return True


def matching_ids(collection: Collection, conditions: Sequence[Condition]) -> list[str]:
    """The ids of the records meeting every condition, ascending. Call under the simulator
    lock; the list is shared while the collection is unchanged, so never modify it."""
    key = ("matching", frozenset(conditions))
    kept = collection.derived.get(key)
    if kept is not None:
        assert isinstance(kept, list)
        return kept
    candidates = _candidates(collection, conditions)
    if candidates is None:
        candidates = collection.ids()
    else:
        candidates.sort()
    tests = [condition.test for condition in conditions]
    found = []
    for record_id in candidates:
        record = collection.view(record_id)
        if record is not None and _meets(record, tests):
            found.append(record_id)
    if len(candidates) > KEEP_ABOVE:
        derived = collection.derived
        queries = [k for k in derived if k[0] == "matching"]
        if len(queries) >= KEPT_QUERIES:
            del derived[queries[0]]
        derived[key] = found
    return found
