"""The ``query`` function: select, filter, order by, offset paging, aggregates.

A client paging with ``offset`` sends the same query again for each page, and a reconcile
sends the same queries run after run. While the document, customer and payment tables are
unchanged (their versions are part of the key), a query's filtered, ordered rows are kept, and
so are the pages' projections of them (:class:`KeptRow`, which keep their serialised bytes):
a page read again costs its bytes, not a projection and a serialisation of every row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.catalog import ObjectType
from orsync.sandbox.intacct.context import Context, FunctionFailed
from orsync.sandbox.intacct.filters import QueryError, Row, filter_predicate, sort_key
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.reads import (
    append_data,
    object_type,
    page_size,
    return_format,
    visible_rows,
)
from orsync.sandbox.intacct.records import Fields
from orsync.sandbox.intacct.request import Function, text
from orsync.sandbox.intacct.rows import KeptRow

QUERY_MAX_PAGE = 2000
QUERY_DEFAULT_PAGE = 100

TABLE_OBJECTS = frozenset(
    {"CUSTOMER", "ARINVOICE", "ARINVOICEITEM", "ARADJUSTMENT", "ARADJUSTMENTITEM"}
    | {"SODOCUMENT", "SODOCUMENTENTRY", "ARPYMT", "ARPYMTDETAIL"}
)
# Distinct queries kept (a reconcile asks four: invoices, adjustments, the customer count and
# every customer); each holds its rows once more, so the number stays small.
QUERY_ROWS_KEPT = 6

_AGGREGATES: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "sum": lambda values: sum(values, Decimal(0)),
    "avg": lambda values: sum(values, Decimal(0)) / len(values) if values else Decimal(0),
    "min": lambda values: min(values) if values else Decimal(0),
    "max": lambda values: max(values) if values else Decimal(0),
}


class KeptQuery:
    """A query's rows, filtered and ordered, and the projections pages made of them."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        # By selected fields: the projection of each row, made when a page first needs it.
        self._projections: dict[tuple[str, ...], list[KeptRow | None]] = {}

    def projected(self, fields: tuple[str, ...], start: int, end: int) -> list[Fields]:
        rows = self.rows
        # setdefault and item assignment are atomic: two threads paging the same query at
        # once at worst both project a row, and either projection is the same.
        made = self._projections.setdefault(fields, [None] * len(rows))
        page: list[Fields] = []
        for position in range(start, min(end, len(rows))):
            row = made[position]
            if row is None:
                source = rows[position]
                row = made[position] = KeptRow([(f, source.get(f, "")) for f in fields])
            page.append(row)
        return page


def query(ctx: Context, fn: Function) -> FunctionResult:
    name, kind = object_type(fn)
    element = fn.element
    casefold = text(element, "options/caseinsensitive").lower() == "true"
    showprivate = text(element, "options/showprivate").lower() == "true"
    size = page_size(text(element, "pagesize"), QUERY_DEFAULT_PAGE, QUERY_MAX_PAGE)
    offset_text = text(element, "offset") or "0"
    if not offset_text.isdigit():
        raise FunctionFailed([messages.invalid_value(f"The offset '{offset_text}' is invalid")])
    offset = int(offset_text)
    kept = _filtered_ordered(ctx, kind, name, element, casefold, showprivate)
    total, page = _select(element, kept, name, offset, size)
    remaining = max(0, total - offset - len(page))
    result = FunctionResult(fn.name, fn.controlid)
    attributes: list[tuple[str, str | int]] = [
        ("listtype", name),
        ("totalcount", total),
        ("offset", offset),
        ("count", len(page)),
        ("numremaining", remaining),
    ]
    append_data(result, attributes, name, page)
    return_format(fn, result, name, page)
    return result


def _filtered_ordered(
    ctx: Context,
    kind: ObjectType,
    name: str,
    element: etree._Element,
    casefold: bool,
    showprivate: bool,
) -> KeptQuery:
    """The rows a query selects from, filtered and ordered (kept: see the module doc)."""
    filter_element = element.find("filter")
    orders = [
        (text(order, "field").upper(), order.find("descending") is not None)
        for order in element.findall("orderby/order")
    ]
    key = None
    if name in TABLE_OBJECTS:
        key = (
            name,
            text(element, "docparid"),
            ctx.entity_id,
            showprivate,
            casefold,
            b"" if filter_element is None else etree.tostring(filter_element),
            tuple(orders),
            ctx.store.versions(),
        )
        with ctx.store.lock:
            cached = ctx.store.query_rows.get(key)
        if isinstance(cached, KeptQuery):
            return cached
    # Each row becomes a dict once: filtering, ordering and selecting all look fields up.
    rows = [dict(r) for r in visible_rows(ctx, kind, text(element, "docparid"), showprivate)]
    if filter_element is not None:
        try:
            predicate = filter_predicate(filter_element, casefold)
        except QueryError as exc:
            raise FunctionFailed([messages.invalid_value(str(exc))]) from None
        rows = [r for r in rows if predicate(r)]
    for field, descending in reversed(orders):
        rows.sort(key=_by_field(field), reverse=descending)
    found = KeptQuery(rows)
    if key is not None:
        with ctx.store.lock:
            kept = ctx.store.query_rows
            kept[key] = found
            while len(kept) > QUERY_ROWS_KEPT:
                del kept[next(iter(kept))]
    return found


def _by_field(field: str) -> Callable[[Row], tuple[int, Any]]:
    def key(row: Row) -> tuple[int, Any]:
        return sort_key(row.get(field, ""))

    return key


def _select(
    element: etree._Element, kept: KeptQuery, name: str, offset: int, size: int
) -> tuple[int, list[Fields]]:
    """(rows selected in all, the page ``offset``..``offset + size`` of them)."""
    rows = kept.rows
    select = element.find("select")
    plain: list[str] = []
    aggregates: list[tuple[str, str]] = []
    for child in select if select is not None else []:
        if not isinstance(child.tag, str):
            continue
        field = (child.text or "").strip().upper()
        if child.tag == "field":
            plain.append(field)
        else:
            aggregates.append((str(child.tag), field))
    if not plain and not aggregates:
        raise FunctionFailed([messages.invalid_value("select needs at least one field")])
    named = plain + [f for _, f in aggregates]
    # A field is known when any row has it; most often the first row already does.
    if rows and any(field not in rows[0] for field in named):
        known = {n for row in rows for n in row}
        for field in named:
            if field not in known:
                raise FunctionFailed(
                    [messages.business(f"Invalid field '{field}' for object {name}")]
                )
    if not aggregates:
        return len(rows), kept.projected(tuple(plain), offset, offset + size)
    # UNVERIFIED: aggregate columns are named FUNCTION.FIELD (e.g. COUNT.RECORDNO), grouped by
    # the plain fields selected beside them.
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(f, "") for f in plain), []).append(row)
    if not plain and not groups:
        groups[()] = []
    out: list[Fields] = []
    for group_key, members in groups.items():
        fields: Fields = list(zip(plain, group_key, strict=True))
        for func, field in aggregates:
            if func == "count":
                value = str(sum(1 for m in members if m.get(field, "") != ""))
            else:
                numbers = [Decimal(m[field]) for m in members if m.get(field, "")]
                value = str(_AGGREGATES[func](numbers))
            fields.append((f"{func.upper()}.{field}", value))
        out.append(fields)
    return len(out), out[offset : offset + size]
