"""The in-memory organization: collections of JSON records kept in ascending ``_id`` order.

Records keep their wire shape (JSON types, instants as ISO-8601 strings ending in ``Z``). The
store hands out copies, so a caller can never change a record without going through a method
that maintains ``modifiedAt``.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import pickle
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from orsync.sandbox.officernd.responses import encode_json

Record = dict[str, Any]

# Collections the simulator serves (the seed's keys, see orsync.sandbox.world.OfficeRndOrgSeed).
COLLECTIONS: tuple[str, ...] = (
    "locations",
    "revenue-accounts",
    "tax-rates",
    "plans",
    "fees",
    "payment-methods",
    "companies",
    "members",
    "payments",
    "charges",
    "webhooks",
)

INDEXED_FIELDS = {"charges": "payment"}

# Records whose encoded JSON a collection keeps (about 1-2 KiB each); past this it starts over,
# so a seed of 100,000 documents costs at most this many encodings' worth of memory.
MAX_WIRE_RECORDS = 50_000

# The staff user the API acts as (createdBy/modifiedBy of API writes).
API_USER_ID = "5f0000000000000000000a91"


def iso_instant(moment: datetime) -> str:
    """The wire form of an instant: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Collection:
    """Records of one kind, indexed by ``_id`` with the ids kept sorted for keyset paging."""

    def __init__(self, name: str, index_field: str | None = None) -> None:
        self.name = name
        self._by_id: dict[str, Record] = {}
        self._ids: list[str] = []
        # An optional secondary index on a field that never changes after creation (a
        # charge's ``payment``), so an invoice's charges are found without a scan.
        self._index_field = index_field
        self._index: dict[str, set[str]] = {}
        # Derived data (list queries' matching ids, field indexes, records' wire JSON) is kept
        # until the collection changes: every change is an insert, a remove or a Store.touch,
        # and each of those calls ``changed``.
        self.derived: dict[Any, Any] = {}
        self._wire: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def insert(self, record: Record) -> None:
        record_id = str(record["_id"])
        if record_id in self._by_id:
            msg = f"duplicate _id {record_id} in {self.name}"
            raise ValueError(msg)
        self._by_id[record_id] = record
        if not self._ids or record_id > self._ids[-1]:
            self._ids.append(record_id)
        else:
            bisect.insort(self._ids, record_id)
        if self._index_field is not None:
            key = str(record.get(self._index_field))
            self._index.setdefault(key, set()).add(record_id)
        self.changed(record_id)

    def changed(self, record_id: str) -> None:
        """Forget what was derived from the records (``record_id`` is the one that changed)."""
        self.derived.clear()
        self._wire.pop(record_id, None)

    def wire(self, record: Record) -> bytes:
        """The stored record's JSON as answers carry it, encoded once per change of it."""
        record_id = str(record["_id"])
        body = self._wire.get(record_id)
        if body is None:
            if len(self._wire) >= MAX_WIRE_RECORDS:
                self._wire.clear()
            body = self._wire[record_id] = encode_json(record)
        return body

    def get(self, record_id: str) -> Record | None:
        """The stored record itself (callers inside the simulator only; never hand it out)."""
        return self._by_id.get(record_id)

    def remove(self, record_id: str) -> Record | None:
        record = self._by_id.pop(record_id, None)
        if record is not None:
            index = bisect.bisect_left(self._ids, record_id)
            del self._ids[index]
            if self._index_field is not None:
                self._index.get(str(record.get(self._index_field)), set()).discard(record_id)
            self.changed(record_id)
        return record

    def indexed(self, value: str) -> list[Record]:
        """Records whose index field equals ``value``, ascending ``_id``."""
        return [self._by_id[i] for i in sorted(self._index.get(value, ()))]

    def after(self, record_id: str | None) -> Iterator[Record]:
        """Records with ``_id`` strictly greater than ``record_id`` (all when None), ascending.

        Walks by index over a snapshot-free list: the caller holds the simulator lock.
        """
        start = 0 if record_id is None else bisect.bisect_right(self._ids, record_id)
        for index in range(start, len(self._ids)):
            yield self._by_id[self._ids[index]]

    def before(self, record_id: str) -> Iterator[Record]:
        """Records with ``_id`` strictly less than ``record_id``, descending."""
        end = bisect.bisect_left(self._ids, record_id)
        for index in range(end - 1, -1, -1):
            yield self._by_id[self._ids[index]]

    def all(self) -> Iterator[Record]:
        return self.after(None)

    def ids(self) -> list[str]:
        """Every ``_id`` in ascending order: the live list (read it under the simulator lock)."""
        return self._ids


class Store:
    """All collections, the clock that stamps changes, and the id generator."""

    def __init__(self, clock: Callable[[], datetime], id_seed: int = 0) -> None:
        self.clock = clock
        self.collections = {
            name: Collection(name, INDEXED_FIELDS.get(name)) for name in COLLECTIONS
        }
        self._counter = itertools.count(id_seed * 1_000_000 + 1)

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def now(self) -> str:
        return iso_instant(self.clock())

    def new_id(self) -> str:
        """A 24-hex ObjectId-like id: creation second, then a counter (ascending over time,
        so records created during a cursor walk land after existing ones, as in MongoDB)."""
        seconds = int(self.clock().timestamp()) & 0xFFFFFFFF
        return f"{seconds:08x}{next(self._counter) & 0xFFFFFFFFFFFFFFFF:016x}"

    def load(self, name: str, records: list[Record], *, copy: bool = True) -> None:
        target = self.collections[name]
        # The seed stays the caller's (it may build several simulators) unless it hands the
        # records over (``copy=False``); a pickle round trip of our own in-memory data copies it
        # several times faster than deepcopy, which matters for seeds of 100,000 invoices.
        copied = pickle.loads(pickle.dumps(records, protocol=5)) if copy else records  # noqa: S301
        shared: dict[object, object] = {}
        for stored in copied:
            _share_values(stored, shared)
            if "_id" not in stored:
                # Payment methods are bare names on the wire; an id lets them live in a collection.
                stored["_id"] = self.new_id()
            target.insert(stored)

    def create(self, name: str, record: Record) -> Record:
        """Store a new record, stamping ``_id`` (when missing) and the audit fields."""
        now = self.now()
        record.setdefault("_id", self.new_id())
        record.setdefault("createdAt", now)
        record.setdefault("createdBy", API_USER_ID)
        record["modifiedAt"] = now
        record["modifiedBy"] = API_USER_ID
        self.collections[name].insert(record)
        return record

    def touch(self, record: Record) -> None:
        """Every change goes through here: ``modifiedAt`` must move on each one."""
        record["modifiedAt"] = self.now()
        record["modifiedBy"] = API_USER_ID
        record_id = str(record.get("_id"))
        for collection in self.collections.values():
            if collection.get(record_id) is record:
                collection.changed(record_id)

    def snapshot(self, name: str) -> list[Record]:
        return [copy.deepcopy(record) for record in self.collections[name].all()]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _share_values(value: object, shared: dict[object, object]) -> None:
    """Make equal strings and numbers inside ``value`` one object each (ids, instants, amounts
    and statuses repeat across a world's records: a 100,000-invoice world holds them once)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                _share_values(item, shared)
            elif isinstance(item, str | float | int) and not isinstance(item, bool):
                value[key] = shared.setdefault((type(item), item), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _share_values(item, shared)
            elif isinstance(item, str | float | int) and not isinstance(item, bool):
                value[index] = shared.setdefault((type(item), item), item)
