"""JSON in and out without floats: amounts stay ``Decimal`` on both directions of the wire."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from orsync.officernd.query import format_value


def loads(content: bytes | str) -> Any:
    """Parse a response body; every JSON number with a fraction becomes a ``Decimal``."""
    return json.loads(content, parse_float=Decimal)


def dumps(value: Any) -> bytes:
    """Serialise a request body; ``Decimal`` is written as a plain JSON number (no exponent)."""
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        if not value.is_finite():
            msg = f"cannot send a non-finite amount: {value}"
            raise ValueError(msg)
        return format(value, "f")
    if isinstance(value, float):
        msg = "refusing to serialise a float; use Decimal for amounts"
        raise TypeError(msg)
    if isinstance(value, datetime):
        return json.dumps(format_value(value))
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    msg = f"cannot serialise {type(value).__name__} to JSON"
    raise TypeError(msg)
