"""List queries: bracket filters, ``$in`` lists, ``$select`` and ``$limit`` for v2 GETs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

MAX_PAGE_SIZE = 50  # documented maximum of $limit; larger values are capped by the server

FilterValue = str | int | Decimal | bool | datetime | date


def format_value(value: FilterValue) -> str:
    """A filter value as the API expects it (instants in UTC with milliseconds and ``Z``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            msg = "filter instants must carry a time zone"
            raise ValueError(msg)
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@dataclass(frozen=True)
class Query:
    """An immutable list query; each method returns a new query with one more condition."""

    filters: tuple[tuple[str, str], ...] = ()
    select: tuple[str, ...] = ()
    limit: int = MAX_PAGE_SIZE

    def eq(self, field: str, value: FilterValue) -> Query:
        return self.with_param(field, format_value(value))

    def gte(self, field: str, value: FilterValue) -> Query:
        return self.with_param(f"{field}[$gte]", format_value(value))

    def gt(self, field: str, value: FilterValue) -> Query:
        return self.with_param(f"{field}[$gt]", format_value(value))

    def lt(self, field: str, value: FilterValue) -> Query:
        return self.with_param(f"{field}[$lt]", format_value(value))

    def lte(self, field: str, value: FilterValue) -> Query:
        return self.with_param(f"{field}[$lte]", format_value(value))

    def is_in(self, field: str, values: Iterable[FilterValue]) -> Query:
        """``field[$in]=a,b``: the API refuses a plain comma list for multi-value filters."""
        items = [format_value(v) for v in values]
        if not items:
            msg = f"{field}[$in] needs at least one value"
            raise ValueError(msg)
        if any("," in item for item in items):
            msg = f"{field}[$in] values cannot contain commas"
            raise ValueError(msg)
        return self.with_param(f"{field}[$in]", ",".join(items))

    def fields(self, *names: str) -> Query:
        """``$select``: only these fields (``_id`` is always added so records stay keyed)."""
        wanted = tuple(dict.fromkeys(("_id", *names)))
        return replace(self, select=wanted)

    def page_size(self, limit: int) -> Query:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            msg = f"$limit must be between 1 and {MAX_PAGE_SIZE}"
            raise ValueError(msg)
        return replace(self, limit=limit)

    def params(self, cursor: str | None = None) -> list[tuple[str, str]]:
        result = list(self.filters)
        if self.select:
            result.append(("$select", ",".join(self.select)))
        result.append(("$limit", str(min(self.limit, MAX_PAGE_SIZE))))
        if cursor:
            result.append(("$cursorNext", cursor))
        return result

    def with_param(self, key: str, value: str) -> Query:
        """A raw, already formatted filter parameter (prefer the typed methods above)."""
        return replace(self, filters=(*self.filters, (key, value)))
