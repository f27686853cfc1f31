"""Canonical JSON of engine values: one serializer for version hashes and for ``--json``.

A version hash covers everything orsync would send, so a mapping change (another GL account,
location or tax detail) changes the hash just like an OfficeRnD edit does. Fields whose value is
None are left out of the hashed form, so adding an optional field to a value type later does not
change the hash of every record already synced (and trigger a mass update).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

HASH_SCHEME = "v1"


def to_jsonable(value: Any, *, for_hash: bool = False) -> Any:
    """Plain JSON data: Decimal -> "12.30", date -> "2026-11-26", dataclasses -> objects.

    ``for_hash`` drops None fields and normalises decimals (the hashed form).
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    names = _field_names(type(value))
    if names is not None:
        out: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            if for_hash and item is None:
                continue
            out[name] = to_jsonable(item, for_hash=for_hash)
        return out
    if isinstance(value, Decimal):
        # 2 == 2.0 == 2.00 for the hash, so an adapter's number formatting cannot fake a change.
        return format(value.normalize() if for_hash else value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, for_hash=for_hash) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [to_jsonable(v, for_hash=for_hash) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, frozenset | set) else items
    return value


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    # Cached per class: this runs for every line of every document on each no-change run.
    if cls not in _FIELD_NAMES:
        is_dc = dataclasses.is_dataclass(cls)
        _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls)) if is_dc else None
    return _FIELD_NAMES[cls]


def canonical_json(value: Any) -> str:
    """``to_jsonable(value, for_hash=True)`` as sorted compact JSON.

    Written as a ``default`` hook of the C encoder rather than a walk in Python first: this runs
    once per document on every sync and reconcile, and the text (hence every stored version
    hash) is byte-for-byte what the walk produces (a test holds the two together).
    """
    return _HASH_ENCODER.encode(value)


def _hashed_form(value: Any) -> Any:
    """One level of :func:`to_jsonable` (``for_hash=True``) for what JSON cannot encode."""
    names = _field_names(type(value))
    if names is not None:
        out: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            if item is not None:
                out[name] = item
        return out
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted((to_jsonable(v, for_hash=True) for v in value), key=json.dumps)
    raise TypeError(f"cannot hash a {type(value).__name__}")


_HASH_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_hashed_form
)


def version_hash(value: Any) -> str:
    """Stable hash of a posting (or customer posting): sha256 of its canonical JSON."""
    digest = hashlib.sha256(f"{HASH_SCHEME}:{canonical_json(value)}".encode()).hexdigest()
    return digest[:32]
