"""Records at rest in a compact form: JSON dicts and lists packed into tuples.

A 100,000-invoice organization is about a million JSON objects. As dicts they cost 300-800
bytes each (a document line has 24 keys); packed, a dict is a tuple of its values behind a
:class:`Shape` (the key names, shared by every dict with the same keys), and equal sub-records
packed in one load (the six null ``accounting`` fields, the month's membership line, ``{}``)
are one tuple. :func:`thaw` gives the dict back, key order and JSON types as they were, so the
wire form of a record never depends on how it was kept.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any


class Shape:
    """What a packed tuple's first item says of the rest: the keys of a dict, in order, with
    each one's position in the tuple, or that they are a list's items."""

    __slots__ = ("index", "is_list", "keys")

    def __init__(self, keys: tuple[str, ...], *, is_list: bool = False) -> None:
        self.keys = keys
        self.is_list = is_list
        self.index = {key: position for position, key in enumerate(keys, start=1)}


# A packed dict or list: ``(shape, value, value, ...)``, each value a JSON scalar or packed.
# Plain tuples (JSON has none of its own), so a pickle of them is C work only.
Packed = tuple[Any, ...]

LIST_SHAPE = Shape((), is_list=True)


class Packer:
    """Packs records, sharing shapes, equal scalars and equal sub-records among them.

    Scalars are shared by type and value (``1``, ``1.0`` and ``True`` stay apart; other JSON
    values, ``None`` and booleans, are one object already), sub-records by the identity of
    their (shared) values, so two sub-records are one only when their JSON is.
    """

    def __init__(self) -> None:
        self._shapes: dict[tuple[str, ...], Shape] = {}
        self._strings: dict[str, str] = {}
        self._ints: dict[int, int] = {}
        self._floats: dict[float, float] = {}
        self._parts: dict[tuple[int, ...], Packed] = {}

    def pack(self, record: Mapping[str, Any]) -> Packed:
        """``record`` packed (its own top level is never shared: it is one stored record)."""
        return tuple(self._values(record))

    def _values(self, record: Mapping[str, Any]) -> list[Any]:
        keys = tuple(record)
        shape = self._shapes.get(keys)
        if shape is None:
            shape = self._shapes[keys] = Shape(keys)
        return [shape, *self._items(record.values())]

    def _items(self, values: Iterable[Any]) -> list[Any]:
        strings, ints, floats = self._strings, self._ints, self._floats
        out = []
        for value in values:
            kind = type(value)
            if kind is str:
                value = strings.setdefault(value, value)
            elif kind is int:
                value = ints.setdefault(value, value)
            elif kind is float:
                # 0.0 and -0.0 are equal keys but not the same JSON: zeros are not shared.
                value = floats.setdefault(value, value) if value else value
            elif kind is dict:
                value = self._shared(tuple(self._values(value)))
            elif kind is list:
                value = self._shared((LIST_SHAPE, *self._items(value)))
            out.append(value)
        return out

    def _shared(self, packed: Packed) -> Packed:
        # Every value inside is shared already, so equal identities mean equal JSON.
        return self._parts.setdefault(tuple(map(id, packed)), packed)


def thaw(packed: Packed) -> dict[str, Any]:
    """The dict ``packed`` was made from: a new one, with new nested dicts and lists."""
    values = iter(packed)
    shape = next(values)
    return {
        key: (_thaw_value(value) if type(value) is tuple else value)
        for key, value in zip(shape.keys, values, strict=True)
    }


def _thaw_value(value: Packed) -> Any:
    if value[0].is_list:
        return [(_thaw_value(item) if type(item) is tuple else item) for item in value[1:]]
    return thaw(value)


class PackedView(Mapping[str, Any]):
    """A packed record read in place: top-level fields without thawing the others."""

    __slots__ = ("_packed",)

    def __init__(self, packed: Packed) -> None:
        self._packed = packed

    def __getitem__(self, key: str) -> Any:
        value = self._packed[self._packed[0].index[key]]
        return _thaw_value(value) if type(value) is tuple else value

    def get(self, key: str, default: Any = None) -> Any:
        position = self._packed[0].index.get(key)
        if position is None:
            return default
        value = self._packed[position]
        return _thaw_value(value) if type(value) is tuple else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed[0].keys)

    def __len__(self) -> int:
        return len(self._packed) - 1


def _is_private(
    container: dict[str, Any] | list[Any], limit: int, nested: int, seen: list[int] | None
) -> bool:
    references = sys.getrefcount(container)
    if seen is not None:
        seen.append(references)
    if references > limit:
        return False
    items = container.values() if isinstance(container, dict) else container
    for item in items:
        if isinstance(item, dict | list) and not _is_private(item, nested, nested, seen):
            return False
    return True


def _probe(record: dict[str, Any], seen: list[int]) -> bool:
    # The call :func:`private` makes, one frame deep like it.
    return _is_private(record, sys.maxsize, sys.maxsize, seen)


def _calibrated() -> tuple[int, int]:
    # The references a record and a nested value have while _is_private looks at them and
    # no one else holds them (the store's, the caller's local), measured rather than assumed:
    # they depend on the interpreter.
    seen: list[int] = []
    holder: dict[str, dict[str, Any]] = {"record": {"nested": {}}}
    record = holder["record"]
    _probe(record, seen)
    del record
    return seen[0], seen[1]


_LIMITS = _calibrated()


def private(record: dict[str, Any]) -> bool:
    """True when nothing but its store (and the one local the caller reads it through) holds
    ``record`` or any dict or list inside it: packing it then loses no one's change."""
    return _is_private(record, _LIMITS[0], _LIMITS[1], None)
