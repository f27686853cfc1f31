"""Row predicates: the readByQuery SQL-like string and the query function's filter tree.

Rows are ``{FIELD: text}``. Comparisons are typed the way the gateway types its fields: two
numbers compare as numbers, two ``mm/dd/yyyy[ HH:MM:SS]`` values as instants, anything else as
text (case-sensitive unless the query asks otherwise).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

Row = dict[str, str]
Predicate = Callable[[Row], bool]


class QueryError(Exception):
    """A query the gateway would refuse (bad syntax, unknown operator)."""


# Parsing is the costly part of a comparison and rows repeat the same values query after
# query: both parsers are pure over strings (and return immutable values), so they memoise.
@functools.lru_cache(maxsize=1 << 18)
def _as_number(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        return None


@functools.lru_cache(maxsize=1 << 18)
def _as_instant(value: str) -> datetime | None:
    for pattern in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern)  # noqa: DTZ007 - gateway-local form
        except ValueError:
            continue
    return None


def sort_key(value: str) -> tuple[int, Any]:
    number = _as_number(value)
    if number is not None:
        return (0, number)
    instant = _as_instant(value)
    if instant is not None:
        return (1, instant)
    return (2, value)


def compare(left: str, right: str, casefold: bool = False) -> int:
    a_num, b_num = _as_number(left), _as_number(right)
    a: Any
    b: Any
    if a_num is not None and b_num is not None:
        a, b = a_num, b_num
    else:
        a_at, b_at = _as_instant(left), _as_instant(right)
        if a_at is not None and b_at is not None:
            a, b = a_at, b_at
        elif casefold:
            a, b = left.casefold(), right.casefold()
        else:
            a, b = left, right
    return int(a > b) - int(a < b)


def membership(values: list[str], casefold: bool = False) -> Callable[[str], bool]:
    """``value IN (values)`` with :func:`compare`'s typing, as set lookups instead of one
    comparison per value (lists of 1000 values against every row otherwise cost rows x values).

    ``compare`` types a pair as numbers when both are numbers, else as instants when both are
    instants, else as text. A value that is a number therefore equals a listed number
    numerically or nothing (a non-number never equals it as text: the text would be a number
    too); an instant likewise; any other value compares as text with every listed value.
    """
    numbers = {n for v in values if (n := _as_number(v)) is not None and not n.is_nan()}
    instants = {i for v in values if (i := _as_instant(v)) is not None}
    texts = {v.casefold() for v in values} if casefold else set(values)

    def member(value: str) -> bool:
        number = _as_number(value)
        if number is not None:
            return number in numbers
        instant = _as_instant(value)
        if instant is not None:
            return instant in instants
        return (value.casefold() if casefold else value) in texts

    return member


def like(value: str, pattern: str, casefold: bool = False) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    flags = re.IGNORECASE if casefold else 0
    return re.fullmatch(regex, value, flags | re.DOTALL) is not None


# --- readByQuery ------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:\\.|[^'\\])*')
     |(?P<op><>|!=|>=|<=|=|<|>)
     |(?P<paren>[(),])
     |(?P<word>[A-Za-z0-9_.:\-+]+)
    )""",
    re.VERBOSE,
)


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise QueryError(f"Invalid query near '{query[position : position + 20]}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek_word(self) -> str:
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "word":
            return self.tokens[self.position][1].upper()
        return ""

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise QueryError("Invalid query: unexpected end")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.take()
        if got_kind != kind or (value is not None and got.upper() != value):
            raise QueryError(f"Invalid query: expected {value or kind}, got '{got}'")
        return got

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.position != len(self.tokens):
            raise QueryError(f"Invalid query near '{self.tokens[self.position][1]}'")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek_word() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.peek_word() == "AND":
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def not_expr(self) -> Predicate:
        if self.peek_word() == "NOT":
            self.take()
            inner = self.not_expr()
            return lambda row: not inner(row)
        if self.position < len(self.tokens) and self.tokens[self.position] == ("paren", "("):
            self.take()
            inner = self.or_expr()
            self.expect("paren")
            return inner
        return self.comparison()

    def value(self) -> str:
        kind, value = self.take()
        if kind not in ("string", "word"):
            raise QueryError(f"Invalid query: expected a value, got '{value}'")
        return value

    def comparison(self) -> Predicate:
        field = self.expect("word").upper()
        kind, token = self.take()
        if kind == "op":
            operand = self.value()
            op = {"!=": "<>"}.get(token, token)
            return _comparison(field, op, operand)
        word = token.upper()
        negate = False
        if word == "NOT":
            negate = True
            word = self.expect("word").upper()
        if word == "IS":
            if self.peek_word() == "NOT":
                self.take()
                negate = not negate
            self.expect("word", "NULL")
            return lambda row: (row.get(field, "") == "") != negate
        if word == "LIKE":
            pattern = self.value()
            return lambda row: like(row.get(field, ""), pattern) != negate
        if word == "IN":
            self.expect("paren")
            values = [self.value()]
            while self.position < len(self.tokens) and self.tokens[self.position] == (
                "paren",
                ",",
            ):
                self.take()
                values.append(self.value())
            self.expect("paren")
            member = membership(values)
            return lambda row: member(row.get(field, "")) != negate
        raise QueryError(f"Invalid query: unknown operator '{token}'")


def _comparison(field: str, op: str, operand: str) -> Predicate:
    tests: dict[str, Callable[[int], bool]] = {
        "=": lambda c: c == 0,
        "<>": lambda c: c != 0,
        "<": lambda c: c < 0,
        ">": lambda c: c > 0,
        "<=": lambda c: c <= 0,
        ">=": lambda c: c >= 0,
    }
    test = tests[op]
    return lambda row: test(compare(row.get(field, ""), operand))


def parse_query_string(query: str) -> Predicate:
    """The readByQuery ``query`` text; an empty string selects every row."""
    if not query.strip():
        return lambda row: True
    return _Parser(_tokens(query)).parse()


KEY_CANDIDATES_MAX = 100_000


def key_candidates(query: str, field: str) -> Collection[int] | None:
    """The whole numbers a readByQuery condition can match on ``field``, when the condition is
    only ``field >= a AND field <= b`` or ``field IN (...)``; None when it cannot tell.

    An index hint (the caller still applies the predicate to every candidate row): a field
    holding whole numbers compares numerically with a number, and never equals a non-number.
    """
    try:
        tokens = _tokens(query)
    except QueryError:
        return None
    words = [(kind, value.upper() if kind == "word" else value) for kind, value in tokens]
    values = {"string", "word"}
    if (
        len(words) == 7
        and words[0] == ("word", field)
        and words[1] == ("op", ">=")
        and words[2][0] in values
        and words[3] == ("word", "AND")
        and words[4] == ("word", field)
        and words[5] == ("op", "<=")
        and words[6][0] in values
    ):
        low, high = _as_number(tokens[2][1]), _as_number(tokens[6][1])
        if low is None or high is None or not (low.is_finite() and high.is_finite()):
            return None
        first, last = math.ceil(low), math.floor(high)
        if last - first + 1 > KEY_CANDIDATES_MAX:
            return None
        return range(first, max(first, last + 1))
    if (
        len(words) >= 5
        and words[0] == ("word", field)
        and words[1] == ("word", "IN")
        and words[2] == ("paren", "(")
        and words[-1] == ("paren", ")")
    ):
        inner = words[3:-1]
        listed = inner[0::2]
        if any(kind not in values for kind, _ in listed) or any(
            token != ("paren", ",") for token in inner[1::2]
        ):
            return None
        if len(inner) % 2 == 0:
            return None
        found: set[int] = set()
        for _, value in listed:
            number = _as_number(value)
            if number is not None and number.is_finite() and number == number.to_integral_value():
                found.add(int(number))
        return found
    return None


# --- query filter tree ----------------------------------------------------------------------
def filter_predicate(element: etree._Element, casefold: bool) -> Predicate:
    """``filter`` children: and/or trees of equalto, between, in, like, isnull …"""
    tag = element.tag
    children = [c for c in element if isinstance(c.tag, str)]
    if tag in ("filter",):
        if len(children) != 1:
            raise QueryError("filter must hold exactly one condition")
        return filter_predicate(children[0], casefold)
    if tag in ("and", "or"):
        parts = [filter_predicate(c, casefold) for c in children]
        if len(parts) < 2:
            raise QueryError(f"'{tag}' needs at least two conditions")
        if tag == "and":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    field = (element.findtext("field") or "").strip().upper()
    values = [(v.text or "").strip() for v in element.findall("value")]

    def cmp(row: Row, value: str) -> int:
        return compare(row.get(field, ""), value, casefold)

    simple: dict[str, Callable[[int], bool]] = {
        "equalto": lambda c: c == 0,
        "notequalto": lambda c: c != 0,
        "lessthan": lambda c: c < 0,
        "lessthanorequalto": lambda c: c <= 0,
        "greaterthan": lambda c: c > 0,
        "greaterthanorequalto": lambda c: c >= 0,
    }
    if tag in simple:
        if len(values) != 1:
            raise QueryError(f"'{tag}' needs exactly one value")
        test, value = simple[str(tag)], values[0]
        return lambda row: test(cmp(row, value))
    if tag == "between":
        if len(values) != 2:
            raise QueryError("'between' needs exactly two values")
        low, high = values
        return lambda row: cmp(row, low) >= 0 and cmp(row, high) <= 0
    if tag in ("in", "notin"):
        wanted = tag == "in"
        member = membership(values, casefold)
        return lambda row: member(row.get(field, "")) == wanted
    if tag in ("like", "notlike"):
        if len(values) != 1:
            raise QueryError(f"'{tag}' needs exactly one value")
        wanted, pattern = tag == "like", values[0]
        return lambda row: like(row.get(field, ""), pattern, casefold) == wanted
    if tag == "isnull":
        return lambda row: row.get(field, "") == ""
    if tag == "isnotnull":
        return lambda row: row.get(field, "") != ""
    raise QueryError(f"Unknown filter operator '{tag}'")
