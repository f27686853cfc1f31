"""How an OfficeRnD value finds its entry in a map.

OfficeRnD ids are opaque 24-hex ObjectIds, revenue accounts and tax rates carry a ``code``
("the natural key to map to an Intacct GL account", reference 5.7), locations are known by name
(their ``code`` is shared by locations that share an invoice sequence, so it is not unique), and
payment methods are bare names. A map key therefore says what it matches:

* ``id:<ObjectId>`` matches only the OfficeRnD ``_id``;
* ``code:<text>`` matches only the ``code``;
* ``name:<text>`` matches only the ``name``;
* a bare key matches the id, then the code, then the name, in that order of precedence.

For one OfficeRnD value the entry is found by id first, then by code, then by name: the most
specific key wins. Codes and names compare case-, accent- and spacing-insensitively ("Café  Bar"
equals "cafe bar"); ids compare exactly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

MatchField = Literal["id", "code", "name"]
MATCH_FIELDS: tuple[MatchField, ...] = ("id", "code", "name")


@dataclass(frozen=True)
class OfficeRndValue:
    """One OfficeRnD value to map (a revenue account, location, tax rate, payment method...).

    ``locations`` (OfficeRnD location ids) says where the value is used, when known: ``map check``
    then tests reachability only from those locations' entities.
    """

    id: str | None = None
    code: str | None = None
    name: str | None = None
    rate: Decimal | None = None  # tax rates only, in percent
    locations: frozenset[str] | None = None

    def label(self) -> str:
        """How a person recognises the value: ``code 4000 "Membership fees"``."""
        parts = []
        if self.code:
            parts.append(f"code {self.code}")
        if self.name:
            parts.append(f'"{self.name}"')
        if not parts and self.id:
            parts.append(f"id {self.id}")
        return " ".join(parts) or "(empty value)"


def normalize(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form used to compare codes and names."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def parse_key(key: str) -> tuple[MatchField | None, str]:
    """Split an ``id:``/``code:``/``name:`` prefix from a map key (``None`` = bare key)."""
    for prefix in MATCH_FIELDS:
        marker = f"{prefix}:"
        if key.startswith(marker):
            return prefix, key[len(marker) :].strip()
    return None, key


def _index_form(field: MatchField, text: str) -> str:
    return text.strip() if field == "id" else normalize(text)


@dataclass(frozen=True)
class KeyConflict:
    """Two keys of one map that would match the same OfficeRnD field value."""

    key: str
    other: str
    field: MatchField


class KeyIndex:
    """Lookup tables from OfficeRnD id/code/name to the map key that matches it."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._tables: dict[MatchField, dict[str, str]] = {name: {} for name in MATCH_FIELDS}
        self.conflicts: list[KeyConflict] = []
        for key in keys:
            explicit, text = parse_key(key)
            for field in (explicit,) if explicit else MATCH_FIELDS:
                form = _index_form(field, text)
                if not form:
                    continue
                table = self._tables[field]
                # A bare key and an explicit key for the same field: the explicit one wins;
                # two keys of the same kind are a conflict the loader reports.
                if form in table and table[form] != key:
                    previous = table[form]
                    if parse_key(previous)[0] == explicit:
                        self.conflicts.append(KeyConflict(key, previous, field))
                        continue
                    if explicit is None:
                        continue
                table[form] = key

    def knows_id(self, record_id: str) -> bool:
        """Whether a key names this OfficeRnD id (then the id, not the name, decides a match)."""
        return _index_form("id", record_id) in self._tables["id"]

    def find(self, value: OfficeRndValue) -> tuple[str, MatchField] | None:
        """The key matching ``value`` and the field it matched on, by id, then code, then name."""
        candidates: tuple[tuple[MatchField, str | None], ...] = (
            ("id", value.id),
            ("code", value.code),
            ("name", value.name),
        )
        for field, text in candidates:
            if not text:
                continue
            key = self._tables[field].get(_index_form(field, text))
            if key is not None:
                return key, field
        return None
