"""Typed builders for the read functions: read, readByName, readByQuery, readMore, query, lookup.

Also ``getAPISession``, which the client sends alone in its own request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from lxml import etree

from orsync.intacct.xml.function import Function, make_function
from orsync.intacct.xml.response import Data
from orsync.intacct.xml.values import boolean, optional, sub

MAX_READ_KEYS = 100  # read/readByName: the official SDKs' MAX_KEY_COUNT
MAX_READ_BY_QUERY_PAGE = 1000
MAX_QUERY_PAGE = 2000  # api.xsd: query/pagesize 1..2000
MAX_IN_VALUES = 1000  # api.xsd: in/notin hold at most 1000 values

Comparison = Literal[
    "equalto",
    "notequalto",
    "lessthan",
    "lessthanorequalto",
    "greaterthan",
    "greaterthanorequalto",
    "like",
    "notlike",
]


@dataclass(frozen=True)
class Compare:
    """``<equalto><field>F</field><value>V</value></equalto>`` and its siblings."""

    op: Comparison
    field: str
    value: str


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[str, ...]
    negate: bool = False  # notin


@dataclass(frozen=True)
class Between:
    field: str
    low: str
    high: str


@dataclass(frozen=True)
class IsNull:
    field: str
    negate: bool = False  # isnotnull


@dataclass(frozen=True)
class And:
    conditions: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    conditions: tuple[Filter, ...]


Filter = Compare | In | Between | IsNull | And | Or


def equalto(field: str, value: str) -> Compare:
    return Compare("equalto", field, value)


def greaterthanorequalto(field: str, value: str) -> Compare:
    return Compare("greaterthanorequalto", field, value)


def in_(field: str, values: Sequence[str]) -> In:
    return In(field, tuple(values))


def all_of(*conditions: Filter) -> Filter:
    """``and`` needs two or more children; a single condition stands alone."""
    return conditions[0] if len(conditions) == 1 else And(tuple(conditions))


def any_of(*conditions: Filter) -> Filter:
    return conditions[0] if len(conditions) == 1 else Or(tuple(conditions))


def _filter_element(parent: etree._Element, condition: Filter) -> None:
    match condition:
        case Compare(op=op, field=field, value=value):
            node = sub(parent, op)
            sub(node, "field", field)
            sub(node, "value", value)
        case In(field=field, values=values, negate=negate):
            if not 0 < len(values) <= MAX_IN_VALUES:
                raise ValueError(f"'in' takes 1 to {MAX_IN_VALUES} values, got {len(values)}")
            node = sub(parent, "notin" if negate else "in")
            sub(node, "field", field)
            for value in values:
                sub(node, "value", value)
        case Between(field=field, low=low, high=high):
            node = sub(parent, "between")
            sub(node, "field", field)
            sub(node, "value", low)
            sub(node, "value", high)
        case IsNull(field=field, negate=negate):
            sub(sub(parent, "isnotnull" if negate else "isnull"), "field", field)
        case And(conditions=children) | Or(conditions=children):
            if len(children) < 2:
                raise ValueError("'and'/'or' need at least two conditions (use all_of/any_of)")
            node = sub(parent, "and" if isinstance(condition, And) else "or")
            for child in children:
                _filter_element(node, child)


def get_api_session(controlid: str, location_id: str | None = None) -> Function:
    """``getAPISession``; ``location_id`` asks for an entity session ("" = back to top level)."""
    body = etree.Element("getAPISession")
    optional(body, "locationid", location_id)
    return make_function(body, controlid, is_write=False)


def _keys(keys: Sequence[str]) -> str:
    if not 0 < len(keys) <= MAX_READ_KEYS:
        raise ValueError(f"read takes 1 to {MAX_READ_KEYS} keys, got {len(keys)}")
    return ",".join(keys)


def read(
    object_name: str,
    keys: Sequence[str],
    controlid: str,
    *,
    fields: Sequence[str] = ("*",),
    docparid: str | None = None,
) -> Function:
    """``read`` by RECORDNO."""
    body = etree.Element("read")
    sub(body, "object", object_name)
    sub(body, "keys", _keys(keys))
    sub(body, "fields", ",".join(fields))
    optional(body, "docparid", docparid)
    return make_function(body, controlid, is_write=False)


def read_by_name(
    object_name: str,
    names: Sequence[str],
    controlid: str,
    *,
    fields: Sequence[str] = ("*",),
    docparid: str | None = None,
) -> Function:
    """``readByName`` by the object's natural ID (e.g. CUSTOMERID)."""
    body = etree.Element("readByName")
    sub(body, "object", object_name)
    sub(body, "keys", _keys(names))
    sub(body, "fields", ",".join(fields))
    optional(body, "docparid", docparid)
    return make_function(body, controlid, is_write=False)


def quote_literal(value: str) -> str:
    """A readByQuery string literal: single quotes, backslash-escaped as the gateway expects."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def read_by_query(
    object_name: str,
    query: str,
    controlid: str,
    *,
    fields: Sequence[str] = ("*",),
    pagesize: int = MAX_READ_BY_QUERY_PAGE,
    docparid: str | None = None,
) -> Function:
    """``readByQuery``: ``query`` is the SQL-like condition ('' = everything)."""
    if not 0 < pagesize <= MAX_READ_BY_QUERY_PAGE:
        raise ValueError(f"readByQuery pagesize must be 1..{MAX_READ_BY_QUERY_PAGE}")
    body = etree.Element("readByQuery")
    sub(body, "object", object_name)
    sub(body, "fields", ",".join(fields))
    sub(body, "query", query)
    sub(body, "pagesize", str(pagesize))
    optional(body, "docparid", docparid)
    return make_function(body, controlid, is_write=False)


def read_more(result_id: str, controlid: str) -> Function:
    """The next page of a readByQuery, tied to it by ``resultId``."""
    body = etree.Element("readMore")
    sub(body, "resultId", result_id)
    return make_function(body, controlid, is_write=False)


@dataclass(frozen=True)
class OrderBy:
    field: str
    descending: bool = False


def query(
    object_name: str,
    select: Sequence[str],
    controlid: str,
    *,
    count: bool = False,
    where: Filter | None = None,
    order_by: Sequence[OrderBy] = (),
    pagesize: int = 100,
    offset: int = 0,
    docparid: str | None = None,
    case_insensitive: bool = False,
    show_private: bool = False,
) -> Function:
    """``query``: ``select`` fields (and ``count`` of rows), a filter tree, order, one page.

    There is no default order; pass ``order_by`` (RECORDNO) whenever pages must line up.
    """
    if not 0 < pagesize <= MAX_QUERY_PAGE:
        raise ValueError(f"query pagesize must be 1..{MAX_QUERY_PAGE}, got {pagesize}")
    if offset < 0:
        raise ValueError("query offset must not be negative")
    if not select and not count:
        raise ValueError("query needs at least one selected field or count")
    body = etree.Element("query")
    selection = sub(body, "select")
    for name in select:
        sub(selection, "field", name)
    if count:
        sub(selection, "count", "RECORDNO")
    sub(body, "object", object_name)
    optional(body, "docparid", docparid)
    if where is not None:
        _filter_element(sub(body, "filter"), where)
    if order_by:
        orders = sub(body, "orderby")
        for order in order_by:
            node = sub(orders, "order")
            sub(node, "field", order.field)
            sub(node, "descending" if order.descending else "ascending")
    if case_insensitive or show_private:
        options = sub(body, "options")
        if case_insensitive:
            sub(options, "caseinsensitive", boolean(True))
        if show_private:
            sub(options, "showprivate", boolean(True))
    sub(body, "pagesize", str(pagesize))
    sub(body, "offset", str(offset))
    return make_function(body, controlid, is_write=False)


def lookup(object_name: str, controlid: str, *, docparid: str | None = None) -> Function:
    """``lookup``: the object's fields and relationships (for a "doctor" check)."""
    body = etree.Element("lookup")
    sub(body, "object", object_name)
    optional(body, "docparid", docparid)
    return make_function(body, controlid, is_write=False)


def get_closed_books_date(controlid: str) -> Function:
    """``get_closedbooksdate`` (api.xsd): the GL's closed books date."""
    return make_function(etree.Element("get_closedbooksdate"), controlid, is_write=False)


def closed_books_date(data: Data | None) -> date | None:
    """The last day of the closed books in a ``get_closedbooksdate`` answer
    (``data/closedbooksdate`` of year, month, day; None when it holds none). UNVERIFIED beyond
    the schema: that the date is the last closed day, not the first open one."""
    if data is None:
        return None
    for record in data.records:
        if record.name == "closedbooksdate":
            try:
                return date(
                    int(record.get("year") or ""),
                    int(record.get("month") or ""),
                    int(record.get("day") or ""),
                )
            except ValueError:
                return None
    return None
