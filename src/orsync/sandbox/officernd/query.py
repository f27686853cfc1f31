"""List queries: bracket filters, ``$limit``, opaque cursors and ``$select``.

Facts (reference/officernd-api.md §3.1 and officernd-samples/README.md "Observations"):
``$limit`` defaults to 50 and larger values are capped at 50; cursors are opaque; a real
``cursorNext`` is unpadded base64url of ``{"k":"_id","p":50,"v":"<last _id>"}`` with results in
ascending ``_id`` order, so paging is a keyset walk on ``_id``: a record modified during the walk
keeps its place and is seen exactly once. ``rangeStart`` is 1-based. Null cursors are omitted.
Comparison operators use bracket syntax (``modifiedAt[$gte]``); multi-value filters take
``field[$in]=a,b`` and a plain comma list (``status=a,b``) is refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import operator as operator_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from orsync.sandbox.officernd.responses import bad_request
from orsync.sandbox.officernd.store import Record

MAX_LIMIT = 50
DEFAULT_LIMIT = 50
# A ``$limit`` above the maximum is capped, not refused (D-queries: "larger values are capped").
CAP_LARGE_LIMIT = True
# Absent, not null, when there is no next/previous page (both real captures omit the key).
OMIT_NULL_CURSORS = True

OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
LIST_OPERATORS = ("$in", "$nin")


class Kind(Enum):
    """How a filterable field's values are read and compared."""

    ID = "id"  # a 24-hex reference; a comma can never be part of one
    ENUM = "enum"  # a status or type; a comma can never be part of one
    TEXT = "text"  # free text (names, numbers): commas are legitimate, exact match only
    INSTANT = "instant"  # ISO-8601 instant or date
    BOOL = "bool"


_INSTANT_FIELDS = {"createdAt": Kind.INSTANT, "modifiedAt": Kind.INSTANT}

# Filterable fields per collection (R-* reference pages, P-n8n): anything else is refused.
FILTERS: dict[str, dict[str, Kind]] = {
    "payments": {
        "_id": Kind.ID,
        "number": Kind.TEXT,
        "documentType": Kind.ENUM,
        "status": Kind.ENUM,
        "company": Kind.ID,
        "member": Kind.ID,
        "location": Kind.ID,
        "date": Kind.INSTANT,
        "dueDate": Kind.INSTANT,
        **_INSTANT_FIELDS,
    },
    "charges": {
        "_id": Kind.ID,
        "status": Kind.ENUM,
        "payment": Kind.ID,
        "source": Kind.ENUM,
        "date": Kind.INSTANT,
        **_INSTANT_FIELDS,
    },
    "companies": {
        "_id": Kind.ID,
        "name": Kind.TEXT,
        "location": Kind.ID,
        "status": Kind.ENUM,
        **_INSTANT_FIELDS,
    },
    "members": {
        "_id": Kind.ID,
        "name": Kind.TEXT,
        "email": Kind.TEXT,
        "location": Kind.ID,
        "company": Kind.ID,
        "status": Kind.ENUM,
        **_INSTANT_FIELDS,
    },
    "locations": {"_id": Kind.ID, "name": Kind.TEXT, "isOpen": Kind.BOOL, "isPublic": Kind.BOOL},
    "revenue-accounts": {"_id": Kind.ID, "name": Kind.TEXT, "code": Kind.TEXT},
    "tax-rates": {"_id": Kind.ID, "name": Kind.TEXT, "code": Kind.TEXT},
    "plans": {"_id": Kind.ID, "name": Kind.TEXT, "code": Kind.TEXT, **_INSTANT_FIELDS},
    "fees": {
        "_id": Kind.ID,
        "company": Kind.ID,
        "member": Kind.ID,
        "location": Kind.ID,
        "plan": Kind.ID,
        "status": Kind.ENUM,
        "issueDate": Kind.INSTANT,
        **_INSTANT_FIELDS,
    },
    "webhooks": {"_id": Kind.ID, "isEnabled": Kind.BOOL},
}


@functools.lru_cache(maxsize=65536)
def parse_instant(text: str) -> datetime | None:
    """An ISO-8601 date or instant as an aware UTC datetime; None when unparseable."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    values: tuple[Any, ...]
    kind: Kind

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.test(record)

    @functools.cached_property
    def test(self) -> Callable[[Mapping[str, Any]], bool]:
        """This condition as one closure (list requests test it against many records)."""
        name, kind, operator, values = self.field, self.kind, self.operator, self.values

        def actual(record: Mapping[str, Any]) -> Any:
            return comparable(record.get(name), kind)

        if operator == "$in":
            return lambda record: actual(record) in values
        if operator == "$nin":
            return lambda record: actual(record) not in values
        expected = values[0]
        if operator == "$eq":
            return lambda record: bool(actual(record) == expected)
        if operator == "$ne":
            return lambda record: bool(actual(record) != expected)
        compare = _ORDERINGS[operator]

        def ordered(record: Mapping[str, Any]) -> bool:
            value = actual(record)
            # an absent field is neither before nor after anything
            return value is not None and bool(compare(value, expected))

        return ordered


_ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "$gt": operator_module.gt,
    "$gte": operator_module.ge,
    "$lt": operator_module.lt,
    "$lte": operator_module.le,
}


def comparable(value: Any, kind: Kind) -> Any:
    """A record's value as conditions compare it (None when absent)."""
    if value is None:
        return None
    if kind is Kind.INSTANT:
        return parse_instant(str(value))
    if kind is Kind.BOOL:
        return bool(value)
    return str(value)


def _read_value(name: str, raw: str, kind: Kind) -> Any:
    if kind is Kind.INSTANT:
        moment = parse_instant(raw)
        if moment is None:
            raise bad_request(f"{name} must be an ISO-8601 date")
        return moment
    if kind is Kind.BOOL:
        if raw not in ("true", "false"):
            raise bad_request(f"{name} must be true or false")
        return raw == "true"
    return raw


@dataclass
class ListQuery:
    limit: int = DEFAULT_LIMIT
    cursor_next: str | None = None
    cursor_prev: str | None = None
    select: tuple[str, ...] | None = None
    conditions: list[Condition] = field(default_factory=list)

    def matches(self, record: Record) -> bool:
        for condition in self.conditions:  # noqa: SIM110 - no generator per record tested
            if not condition.test(record):
                return False
        return True


def parse_list_query(collection: str, query_string: str) -> ListQuery:
    """Read a list request's parameters; anything the endpoint does not know is a 400."""
    allowed = FILTERS.get(collection, {"_id": Kind.ID})
    query = ListQuery()
    seen: set[str] = set()
    for key, raw in parse_qsl(query_string, keep_blank_values=True):
        if key in seen:
            raise bad_request(f"{key} given more than once")
        seen.add(key)
        if key == "$limit":
            query.limit = _read_limit(raw)
        elif key == "$cursorNext":
            query.cursor_next = raw
        elif key == "$cursorPrev":
            query.cursor_prev = raw
        elif key == "$select":
            query.select = tuple(part.strip() for part in raw.split(",") if part.strip())
        elif key.startswith("$"):
            raise bad_request(f"{key} is not supported")
        else:
            query.conditions.append(_read_condition(key, raw, allowed))
    if query.cursor_next is not None and query.cursor_prev is not None:
        raise bad_request("$cursorNext and $cursorPrev cannot be combined")
    return query


def parse_select(query_string: str) -> tuple[str, ...] | None:
    """``$select`` on a single-record GET (the only parameter those accept)."""
    select = None
    for key, raw in parse_qsl(query_string, keep_blank_values=True):
        if key != "$select":
            raise bad_request(f"{key} is not supported here")
        select = tuple(part.strip() for part in raw.split(",") if part.strip())
    return select


def _read_limit(raw: str) -> int:
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("$limit must be an integer") from None
    if limit < 1:
        raise bad_request("$limit must be at least 1")
    if limit > MAX_LIMIT:
        if not CAP_LARGE_LIMIT:
            raise bad_request(f"$limit must not be greater than {MAX_LIMIT}")
        return MAX_LIMIT
    return limit


def _read_condition(key: str, raw: str, allowed: dict[str, Kind]) -> Condition:
    name, operator = key, "$eq"
    if key.endswith("]") and "[" in key:
        name, _, rest = key.partition("[")
        operator = rest[:-1]
        if operator not in OPERATORS:
            raise bad_request(f"{key}: unknown operator {operator}")
    kind = allowed.get(name)
    if kind is None:
        raise bad_request(f"{name} is not a filter of this endpoint")
    if operator in LIST_OPERATORS:
        parts = [part for part in raw.split(",") if part != ""]
        if not parts:
            raise bad_request(f"{key} needs at least one value")
        values = tuple(_read_value(name, part, kind) for part in parts)
        return Condition(name, operator, values, kind)
    if "," in raw and kind in (Kind.ID, Kind.ENUM):
        raise bad_request(
            f"{name} takes a single value; use {name}[$in]=a,b for several (plain comma "
            "lists are not allowed)"
        )
    if operator in ("$gt", "$gte", "$lt", "$lte") and kind not in (Kind.INSTANT, Kind.TEXT):
        raise bad_request(f"{key}: {operator} does not apply to {name}")
    return Condition(name, operator, (_read_value(name, raw, kind),), kind)


# --- cursors -------------------------------------------------------------------------------


def encode_cursor(key: str, position: int, value: str) -> str:
    payload = json.dumps({"k": key, "p": position, "v": value}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, str]:
    """(position, last _id) of a cursor this simulator issued; anything else is a 400."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["k"] != "_id" or not isinstance(payload["v"], str):
            raise ValueError(token)
        return int(payload["p"]), payload["v"]
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise bad_request("invalid cursor") from None
