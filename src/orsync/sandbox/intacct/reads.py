"""read, readByName, readByQuery, readMore, query, lookup."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.catalog import (
    OBJECTS,
    ObjectType,
    field_names,
    listtype_for,
    visible,
)
from orsync.sandbox.intacct.context import Context, Cursor, FunctionFailed
from orsync.sandbox.intacct.filters import (
    QueryError,
    Row,
    filter_predicate,
    key_candidates,
    parse_query_string,
    sort_key,
)
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.records import Fields
from orsync.sandbox.intacct.request import Function, text

READBYQUERY_MAX_PAGE = 1000
READBYQUERY_DEFAULT_PAGE = 100
QUERY_MAX_PAGE = 2000
QUERY_DEFAULT_PAGE = 100


def _object(fn: Function, element: str = "object") -> tuple[str, ObjectType]:
    name = text(fn.element, element).upper()
    found = OBJECTS.get(name)
    if found is None:
        raise FunctionFailed(
            [messages.business(f"Object definition {name or '(empty)'} not found")]
        )
    return name, found


def _rows(ctx: Context, kind: ObjectType, docparid: str, showprivate: bool) -> list[Fields]:
    return [
        fields
        for owner, fields in kind.rows(ctx.store, docparid)
        if visible(owner, ctx.entity_id, showprivate)
    ]


def _query_rows(ctx: Context, kind: ObjectType, fn: Function) -> list[Fields]:
    """The rows a readByQuery must test: of line objects, when the query names its documents
    (a RECORDKEY range or list), only those documents' lines; otherwise every row."""
    if kind.rows_of is not None:
        keys = key_candidates(text(fn.element, "query"), "RECORDKEY")
        if keys is not None:
            return [
                fields
                for owner, fields in kind.rows_of(ctx.store, keys)
                if visible(owner, ctx.entity_id, False)
            ]
    return _rows(ctx, kind, text(fn.element, "docparid"), showprivate=False)


def _project(rows: list[Fields], fields_text: str, object_name: str) -> list[Fields]:
    wanted = [f.strip().upper() for f in fields_text.split(",") if f.strip()]
    if not wanted or wanted == ["*"]:
        return rows
    projected = []
    for row in rows:
        values = dict(row)
        for name in wanted:
            if name not in values:
                raise FunctionFailed(
                    [messages.business(f"Invalid field '{name}' for object {object_name}")]
                )
        projected.append([(name, values[name]) for name in wanted])
    return projected


def _page_size(value: str, default: int, maximum: int) -> int:
    if not value:
        return default
    try:
        size = int(value)
    except ValueError:
        raise FunctionFailed(
            [messages.invalid_value(f"The pagesize '{value}' is invalid")]
        ) from None
    if not 1 <= size <= maximum:
        raise FunctionFailed(
            [messages.invalid_value(f"The pagesize {size} must be between 1 and {maximum}")]
        )
    return size


def _return_format(fn: Function, result: FunctionResult, tag: str, rows: list[Fields]) -> None:
    """returnFormat json/csv: the gateway sends only the data, no XML envelope."""
    fmt = (text(fn.element, "returnFormat") or text(fn.element, "options/returnformat")).lower()
    if fmt in ("", "xml"):
        return
    if fmt == "json":
        body = json.dumps([dict(row) for row in rows]).encode()
        result.raw = ("application/json", body)
    elif fmt == "csv":
        out = io.StringIO()
        if rows:
            writer = csv.writer(out)
            writer.writerow([name for name, _ in rows[0]])
            for row in rows:
                writer.writerow([value for _, value in row])
        result.raw = ("text/csv", out.getvalue().encode())
    else:
        raise FunctionFailed([messages.invalid_value(f"The returnFormat '{fmt}' is invalid")])


def _data(
    result: FunctionResult, attributes: list[tuple[str, str | int]], tag: str, rows: list[Fields]
) -> None:
    data = etree.Element("data")
    for name, value in attributes:
        data.set(name, str(value))
    result.append_rows(data, tag, rows)
    result.payload.append(data)


def _by_keys(ctx: Context, fn: Function, by_name: bool) -> FunctionResult:
    name, kind = _object(fn)
    keys = [k.strip() for k in text(fn.element, "keys").split(",") if k.strip()]
    if len(keys) > ctx.max_read_keys:
        raise FunctionFailed(
            [messages.invalid_value(f"At most {ctx.max_read_keys} keys may be read at once")]
        )
    key_field = kind.id_field if by_name else "RECORDNO"
    rows = _rows(ctx, kind, text(fn.element, "docparid"), showprivate=False)
    if keys:
        wanted = set(keys)
        rows = [r for r in rows if dict(r).get(key_field, "") in wanted]
    rows = _project(rows, text(fn.element, "fields"), name)
    tag = listtype_for(name, fn.name)
    result = FunctionResult(fn.name, fn.controlid)
    _data(result, [("listtype", tag), ("count", len(rows))], tag, rows)
    _return_format(fn, result, tag, rows)
    return result


def read(ctx: Context, fn: Function) -> FunctionResult:
    return _by_keys(ctx, fn, by_name=False)


def read_by_name(ctx: Context, fn: Function) -> FunctionResult:
    return _by_keys(ctx, fn, by_name=True)


def _page(ctx: Context, fn: Function, cursor: Cursor, result_id: str, size: int) -> FunctionResult:
    page = cursor.rows[cursor.position : cursor.position + size]
    cursor.position += len(page)
    remaining = len(cursor.rows) - cursor.position
    tag = listtype_for(cursor.object_name, fn.name)
    attributes: list[tuple[str, str | int]] = [
        ("listtype", tag),
        ("count", len(page)),
        ("totalcount", len(cursor.rows)),
        ("numremaining", remaining),
        ("resultId", result_id),
    ]
    if remaining == 0:
        ctx.cursors.close(result_id)
    result = FunctionResult(fn.name, fn.controlid)
    _data(result, attributes, tag, page)
    _return_format(fn, result, tag, page)
    return result


def read_by_query(ctx: Context, fn: Function) -> FunctionResult:
    name, kind = _object(fn)
    size = _page_size(text(fn.element, "pagesize"), READBYQUERY_DEFAULT_PAGE, READBYQUERY_MAX_PAGE)
    try:
        predicate = parse_query_string(text(fn.element, "query"))
    except QueryError as exc:
        raise FunctionFailed([messages.invalid_value(str(exc))]) from None
    rows = [r for r in _query_rows(ctx, kind, fn) if predicate(dict(r))]
    rows = _project(rows, text(fn.element, "fields"), name)
    # readMore carries no page size: the cursor keeps the first call's.
    cursor = Cursor(name, rows, 0, size)
    result_id = ctx.cursors.open(cursor)
    return _page(ctx, fn, cursor, result_id, size)


def read_more(ctx: Context, fn: Function) -> FunctionResult:
    result_id = text(fn.element, "resultId")
    if not result_id and text(fn.element, "object"):
        result_id = ctx.cursors.latest_for(text(fn.element, "object").upper()) or ""
    cursor = ctx.cursors.get(result_id) if result_id else None
    if cursor is None:
        raise FunctionFailed(
            [
                messages.GatewayError(
                    messages.READMORE_FAILED_CODE,
                    description2=(
                        f"Attempt to readMore with an invalid or expired resultId '{result_id}'"
                    ),
                    correction="Run the readByQuery again.",
                )
            ]
        )
    return _page(ctx, fn, cursor, result_id, cursor.page_size)


_AGGREGATES: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "sum": lambda values: sum(values, Decimal(0)),
    "avg": lambda values: sum(values, Decimal(0)) / len(values) if values else Decimal(0),
    "min": lambda values: min(values) if values else Decimal(0),
    "max": lambda values: max(values) if values else Decimal(0),
}


def query(ctx: Context, fn: Function) -> FunctionResult:
    name, kind = _object(fn)
    element = fn.element
    casefold = text(element, "options/caseinsensitive").lower() == "true"
    showprivate = text(element, "options/showprivate").lower() == "true"
    size = _page_size(text(element, "pagesize"), QUERY_DEFAULT_PAGE, QUERY_MAX_PAGE)
    offset_text = text(element, "offset") or "0"
    if not offset_text.isdigit():
        raise FunctionFailed([messages.invalid_value(f"The offset '{offset_text}' is invalid")])
    offset = int(offset_text)
    rows = _filtered_ordered(ctx, kind, name, element, casefold, showprivate)
    total, page = _select(element, rows, name, offset, size)
    remaining = max(0, total - offset - len(page))
    result = FunctionResult(fn.name, fn.controlid)
    attributes: list[tuple[str, str | int]] = [
        ("listtype", name),
        ("totalcount", total),
        ("offset", offset),
        ("count", len(page)),
        ("numremaining", remaining),
    ]
    _data(result, attributes, name, page)
    _return_format(fn, result, name, page)
    return result


TABLE_OBJECTS = frozenset(
    {"CUSTOMER", "ARINVOICE", "ARINVOICEITEM", "ARADJUSTMENT", "ARADJUSTMENTITEM"}
    | {"SODOCUMENT", "SODOCUMENTENTRY", "ARPYMT", "ARPYMTDETAIL"}
)
QUERY_ROWS_KEPT = 4


def _filtered_ordered(
    ctx: Context,
    kind: ObjectType,
    name: str,
    element: etree._Element,
    casefold: bool,
    showprivate: bool,
) -> list[Row]:
    """The rows a query selects from, filtered and ordered. A client paging with ``offset``
    sends the same query again for each page: while the document, customer and payment
    tables are unchanged, the later pages reuse the first one's rows."""
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
        if cached is not None:
            return cast(list[Row], cached)
    # Each row becomes a dict once: filtering, ordering and selecting all look fields up.
    rows = [dict(r) for r in _rows(ctx, kind, text(element, "docparid"), showprivate)]
    if filter_element is not None:
        try:
            predicate = filter_predicate(filter_element, casefold)
        except QueryError as exc:
            raise FunctionFailed([messages.invalid_value(str(exc))]) from None
        rows = [r for r in rows if predicate(r)]
    for field, descending in reversed(orders):
        rows.sort(key=_by_field(field), reverse=descending)
    if key is not None:
        with ctx.store.lock:
            kept = ctx.store.query_rows
            kept[key] = rows
            while len(kept) > QUERY_ROWS_KEPT:
                del kept[next(iter(kept))]
    return rows


def _by_field(field: str) -> Callable[[Row], tuple[int, Any]]:
    def key(row: Row) -> tuple[int, Any]:
        return sort_key(row.get(field, ""))

    return key


def _select(
    element: etree._Element, rows: list[Row], name: str, offset: int, size: int
) -> tuple[int, list[Fields]]:
    """(rows selected in all, the page ``offset``..``offset + size`` of them)."""
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
        page = rows[offset : offset + size]
        return len(rows), [[(f, row.get(f, "")) for f in plain] for row in page]
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


def lookup(ctx: Context, fn: Function) -> FunctionResult:
    """Field list of an object. UNVERIFIED placement: ``data/Type`` (no full sample exists)."""
    name, kind = _object(fn)
    data = etree.Element("data", listtype="All", count="1")
    type_element = etree.SubElement(
        data, "Type", Name=name, DocumentType=text(fn.element, "docparid")
    )
    fields_element = etree.SubElement(type_element, "Fields")
    for field_name in field_names(name, ctx.store):
        field = etree.SubElement(fields_element, "Field")
        for tag, value in (
            ("ID", field_name),
            ("LABEL", field_name.replace("_", " ").title()),
            ("DESCRIPTION", ""),
            ("REQUIRED", "true" if field_name == kind.id_field else "false"),
            ("READONLY", "true" if field_name in ("RECORDNO", "WHENMODIFIED") else "false"),
            ("DATATYPE", "TEXT"),
            ("ISCUSTOM", "false"),
        ):
            etree.SubElement(field, tag).text = value
    etree.SubElement(type_element, "Relationships")
    result = FunctionResult(fn.name, fn.controlid)
    result.payload.append(data)
    return result
