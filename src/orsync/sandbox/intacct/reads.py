"""read, readByName, readByQuery, readMore, lookup (query is in ``queries``), and the helpers
all reads share."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

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
    Predicate,
    QueryError,
    key_candidates,
    parse_query_string,
)
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.records import Fields
from orsync.sandbox.intacct.request import Function, text

READBYQUERY_MAX_PAGE = 1000
READBYQUERY_DEFAULT_PAGE = 100


def object_type(fn: Function, element: str = "object") -> tuple[str, ObjectType]:
    name = text(fn.element, element).upper()
    found = OBJECTS.get(name)
    if found is None:
        raise FunctionFailed(
            [messages.business(f"Object definition {name or '(empty)'} not found")]
        )
    return name, found


def visible_rows(ctx: Context, kind: ObjectType, docparid: str, showprivate: bool) -> list[Fields]:
    return [
        fields
        for owner, fields in kind.rows(ctx.store, docparid)
        if visible(owner, ctx.entity_id, showprivate)
    ]


def _selected_rows(
    ctx: Context, kind: ObjectType, fn: Function, predicate: Predicate
) -> list[Fields]:
    """The rows a readByQuery selects. Of line objects, when the query names its documents
    (a RECORDKEY range or list), only those documents' lines are read; such a query is about
    RECORDKEY alone (``key_candidates`` answers for no other), which every line of a document
    shares, so it is asked once per document rather than once per line."""
    if kind.rows_of is not None:
        keys = key_candidates(text(fn.element, "query"), "RECORDKEY")
        if keys is not None:
            verdicts: dict[str, bool] = {}
            selected = []
            for owner, fields in kind.rows_of(ctx.store, keys):
                if not visible(owner, ctx.entity_id, False):
                    continue
                key = _value(fields, "RECORDKEY")
                verdict = verdicts.get(key)
                if verdict is None:
                    verdict = verdicts[key] = predicate({"RECORDKEY": key})
                if verdict:
                    selected.append(fields)
            return selected
    rows = visible_rows(ctx, kind, text(fn.element, "docparid"), showprivate=False)
    return [r for r in rows if predicate(dict(r))]


def _value(fields: Fields, name: str) -> str:
    for field, value in fields:
        if field == name:
            return value
    return ""


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


def page_size(value: str, default: int, maximum: int) -> int:
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


def return_format(fn: Function, result: FunctionResult, tag: str, rows: list[Fields]) -> None:
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


def append_data(
    result: FunctionResult, attributes: list[tuple[str, str | int]], tag: str, rows: list[Fields]
) -> None:
    data = etree.Element("data")
    for name, value in attributes:
        data.set(name, str(value))
    result.append_rows(data, tag, rows)
    result.payload.append(data)


def _by_keys(ctx: Context, fn: Function, by_name: bool) -> FunctionResult:
    name, kind = object_type(fn)
    keys = [k.strip() for k in text(fn.element, "keys").split(",") if k.strip()]
    if len(keys) > ctx.max_read_keys:
        raise FunctionFailed(
            [messages.invalid_value(f"At most {ctx.max_read_keys} keys may be read at once")]
        )
    key_field = kind.id_field if by_name else "RECORDNO"
    rows = visible_rows(ctx, kind, text(fn.element, "docparid"), showprivate=False)
    if keys:
        wanted = set(keys)
        rows = [r for r in rows if dict(r).get(key_field, "") in wanted]
    rows = _project(rows, text(fn.element, "fields"), name)
    tag = listtype_for(name, fn.name)
    result = FunctionResult(fn.name, fn.controlid)
    append_data(result, [("listtype", tag), ("count", len(rows))], tag, rows)
    return_format(fn, result, tag, rows)
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
    append_data(result, attributes, tag, page)
    return_format(fn, result, tag, page)
    return result


def read_by_query(ctx: Context, fn: Function) -> FunctionResult:
    name, kind = object_type(fn)
    size = page_size(text(fn.element, "pagesize"), READBYQUERY_DEFAULT_PAGE, READBYQUERY_MAX_PAGE)
    try:
        predicate = parse_query_string(text(fn.element, "query"))
    except QueryError as exc:
        raise FunctionFailed([messages.invalid_value(str(exc))]) from None
    rows = _selected_rows(ctx, kind, fn, predicate)
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


def lookup(ctx: Context, fn: Function) -> FunctionResult:
    """Field list of an object. UNVERIFIED placement: ``data/Type`` (no full sample exists)."""
    name, kind = object_type(fn)
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


def get_closedbooksdate(ctx: Context, fn: Function) -> FunctionResult:
    """``get_closedbooksdate`` (api.xsd; v2.1 GL functions DTD): ``data/closedbooksdate`` with
    year, month and day, the last day of the GL's closed books; no element while nothing is
    closed. UNVERIFIED: the answer's shape beyond the DTD, and that it is the last closed day
    (not the first open one). The subledgers' own closes (AR, OE) are not in it: a posting
    there is refused with the closed-period error."""
    data = etree.Element("data", listtype="closedbooksdate", count="1")
    first_open = ctx.store.books_closed_before
    if first_open is not None:
        closed = first_open - dt.timedelta(days=1)
        element = etree.SubElement(data, "closedbooksdate")
        for tag, value in (("year", closed.year), ("month", closed.month), ("day", closed.day)):
            etree.SubElement(element, tag).text = str(value)
    else:
        data.set("count", "0")
    return FunctionResult(fn.name, fn.controlid, payload=[data])
