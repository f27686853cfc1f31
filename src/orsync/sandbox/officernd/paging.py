"""One page of a list answer: the documented envelope over a keyset walk in ascending ``_id``.

The records come from :func:`matching.matching_ids` (the ids meeting the query's conditions),
so a page costs a bisect and its own records, whatever the collection's size. Without
``$select`` the body is written from each record's JSON kept by its collection (encoded once
per change of the record), byte for byte what encoding the whole envelope would give.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orsync.sandbox.officernd.matching import matching_ids
from orsync.sandbox.officernd.query import (
    OMIT_NULL_CURSORS,
    ListQuery,
    decode_cursor,
    encode_cursor,
)
from orsync.sandbox.officernd.responses import encode_json
from orsync.sandbox.officernd.store import Collection, Record


def select_fields(record: Record, select: Iterable[str] | None) -> Record:
    """``$select``: the named top-level fields plus ``_id`` (always returned, as in MongoDB)."""
    if select is None:
        return record
    wanted = set(select) | {"_id"}
    return {key: value for key, value in record.items() if key in wanted}


@dataclass(frozen=True)
class Page:
    """The envelope's paging fields (in wire order) and the page's stored records."""

    envelope: dict[str, Any]
    records: list[Record]
    select: tuple[str, ...] | None

    def body(self, collection: Collection) -> bytes:
        """The answer: the envelope with ``results`` last, as ``encode_json`` writes it."""
        if self.select is not None:
            results = [select_fields(record, self.select) for record in self.records]
            return encode_json({**self.envelope, "results": results})
        head = encode_json(self.envelope)  # b'{...}': its fields, then "results" is appended
        parts = [head[:-1], b"," if len(head) > 2 else b"", b'"results":[']
        parts.append(b",".join(collection.wire(record) for record in self.records))
        parts.append(b"]}")
        return b"".join(parts)


def page(collection: Collection, query: ListQuery) -> Page:
    """One page of ``query``'s records. The caller holds the simulator lock."""
    ids = matching_ids(collection, query.conditions)
    if query.cursor_prev is not None:
        position, first_id = decode_cursor(query.cursor_prev)
        end = bisect.bisect_left(ids, first_id)
        start = max(end - query.limit, 0)
        chosen = ids[start:end]
        range_end = max(position - 1, 0)
        range_start = max(range_end - len(chosen) + 1, 1)
        has_prev = start > 0
        has_next = True
    else:
        position, last_id = (
            (0, None) if query.cursor_next is None else (decode_cursor(query.cursor_next))
        )
        start = 0 if last_id is None else bisect.bisect_right(ids, last_id)
        chosen = ids[start : start + query.limit]
        range_start = position + 1
        range_end = position + len(chosen)
        has_next = start + query.limit < len(ids)
        has_prev = query.cursor_next is not None and bool(chosen)
    envelope: dict[str, Any] = {
        "rangeStart": range_start if chosen else 0,
        "rangeEnd": range_end if chosen else 0,
    }
    next_cursor = encode_cursor("_id", range_end, chosen[-1]) if has_next and chosen else None
    prev_cursor = encode_cursor("_id", range_start, chosen[0]) if has_prev and chosen else None
    for key, cursor in (("cursorNext", next_cursor), ("cursorPrev", prev_cursor)):
        if cursor is not None or not OMIT_NULL_CURSORS:
            envelope[key] = cursor
    records = [record for record in map(collection.read, chosen) if record is not None]
    return Page(envelope, records, query.select)
