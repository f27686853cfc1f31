"""The in-memory organization: collections of JSON records kept in ascending ``_id`` order.

Records keep their wire shape (JSON types, instants as ISO-8601 strings ending in ``Z``). The
store hands out copies, so a caller can never change a record without going through a method
that maintains ``modifiedAt``.
"""

from __future__ import annotations

import bisect
import copy
import ctypes
import ctypes.util
import gc
import itertools
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from orsync.sandbox.officernd.packed import Packed, PackedView, Packer, private, thaw
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
# so a seed of 100,000 documents costs at most this many encodings' worth of memory (a page's
# 50 records unpacked and encoded again cost well under the latency model's 50 ms a request).
MAX_WIRE_RECORDS = 10_000

# Records a collection lets callers hold as dicts before it packs again those no one holds.
LIVE_RECORDS = 2_000

# Seed records handed over that are dropped between two returns of free memory to the system.
RELEASE_EVERY = 20_000

# The staff user the API acts as (createdBy/modifiedBy of API writes).
API_USER_ID = "5f0000000000000000000a91"


def iso_instant(moment: datetime) -> str:
    """The wire form of an instant: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Collection:
    """Records of one kind, indexed by ``_id`` with the ids kept sorted for keyset paging.

    A record rests packed (:mod:`packed`, a few times smaller than its dict). :meth:`get` hands
    out the stored dict itself, which callers change in place: it stays a dict while anyone
    holds it, and is packed again, once nothing but the collection does, by a sweep every
    ``LIVE_RECORDS`` records taken out. Reads that change nothing (:meth:`read`, :meth:`view`,
    :meth:`after`, :meth:`before`, :meth:`all`) unpack a copy and leave the record packed.
    """

    def __init__(self, name: str, index_field: str | None = None) -> None:
        self.name = name
        self._by_id: dict[str, Record | Packed] = {}
        self._ids: list[str] = []
        # Ids whose record is a dict right now (taken by ``get`` or inserted).
        self._live: set[str] = set()
        self._settle_at = LIVE_RECORDS
        # An optional secondary index on a field that never changes after creation (a
        # charge's ``payment``), so an invoice's charges are found without a scan.
        self._index_field = index_field
        # Lists, not sets: an invoice has one or two charges (a set of one costs 216 bytes).
        self._index: dict[str, list[str]] = {}
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
        self._add(str(record["_id"]), record, record.get(self._index_field or "_id"))
        self._live.add(str(record["_id"]))

    def insert_packed(self, record_id: str, packed: Packed) -> None:
        """A record packed by the caller (a seed's, loaded): kept as it is."""
        field = None
        if self._index_field is not None:
            field = PackedView(packed).get(self._index_field)
        self._add(record_id, packed, field)

    def _add(self, record_id: str, record: Record | Packed, field: object) -> None:
        if record_id in self._by_id:
            msg = f"duplicate _id {record_id} in {self.name}"
            raise ValueError(msg)
        self._by_id[record_id] = record
        if not self._ids or record_id > self._ids[-1]:
            self._ids.append(record_id)
        else:
            bisect.insort(self._ids, record_id)
        if self._index_field is not None:
            self._index.setdefault(str(field), []).append(record_id)
        self.changed(record_id)

    def changed(self, record_id: str) -> None:
        """Forget what was derived from the records (``record_id`` is the one that changed)."""
        self.derived.clear()
        self._wire.pop(record_id, None)

    def holds(self, record_id: str, record: Record) -> bool:
        """Whether ``record`` is the stored record ``record_id`` (a dict from :meth:`get`)."""
        return self._by_id.get(record_id) is record

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
        """The stored record itself, to change in place (callers inside the simulator only;
        never hand it out). Reading only? :meth:`read` or :meth:`view` leave it packed."""
        record = self._by_id.get(record_id)
        if isinstance(record, tuple):
            if len(self._live) >= self._settle_at:
                self.settle()
            record = self._by_id[record_id] = thaw(record)
            self._live.add(record_id)
        return record

    def read(self, record_id: str) -> Record | None:
        """The record to read: a copy when it rests packed (changes to it are lost)."""
        record = self._by_id.get(record_id)
        return thaw(record) if isinstance(record, tuple) else record

    def view(self, record_id: str) -> Mapping[str, Any] | None:
        """The record to read a few top-level fields of, without unpacking the rest."""
        record = self._by_id.get(record_id)
        return PackedView(record) if isinstance(record, tuple) else record

    def live_ids(self) -> set[str]:
        """Ids whose record is a dict now (taken out by :meth:`get`, or inserted)."""
        return set(self._live)

    def settle(self) -> None:
        """Pack again every record taken out that nothing but the collection holds now."""
        packer = Packer()
        for record_id in list(self._live):
            record = self._by_id.get(record_id)
            if isinstance(record, dict) and private(record):
                self._by_id[record_id] = packer.pack(record)
            if not isinstance(self._by_id.get(record_id), dict):
                self._live.discard(record_id)
        # Records still held are looked at again only once as many more were taken out.
        self._settle_at = max(LIVE_RECORDS, 2 * len(self._live))

    def remove(self, record_id: str) -> Record | None:
        stored = self._by_id.pop(record_id, None)
        record = thaw(stored) if isinstance(stored, tuple) else stored
        self._live.discard(record_id)
        if record is not None:
            index = bisect.bisect_left(self._ids, record_id)
            del self._ids[index]
            if self._index_field is not None:
                indexed = self._index.get(str(record.get(self._index_field)), [])
                if record_id in indexed:
                    indexed.remove(record_id)
            self.changed(record_id)
        return record

    def indexed(self, value: str) -> list[Record]:
        """Records whose index field equals ``value``, ascending ``_id`` (stored, as ``get``)."""
        found = (self.get(i) for i in sorted(self._index.get(value, ())))
        return [record for record in found if record is not None]

    def after(self, record_id: str | None) -> Iterator[Record]:
        """Records with ``_id`` strictly greater than ``record_id`` (all when None), ascending,
        to read (as :meth:`read`).

        Walks by index over a snapshot-free list: the caller holds the simulator lock.
        """
        start = 0 if record_id is None else bisect.bisect_right(self._ids, record_id)
        for index in range(start, len(self._ids)):
            yield self._readable(self._ids[index])

    def before(self, record_id: str) -> Iterator[Record]:
        """Records with ``_id`` strictly less than ``record_id``, descending, to read."""
        end = bisect.bisect_left(self._ids, record_id)
        for index in range(end - 1, -1, -1):
            yield self._readable(self._ids[index])

    def _readable(self, record_id: str) -> Record:
        record = self._by_id[record_id]
        return thaw(record) if isinstance(record, tuple) else record

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
        """Store a seed's records, packed. The seed stays the caller's (it may build several
        simulators: packing copies) unless it hands the records over (``copy=False``): then
        each is dropped from ``records`` once packed, so the two forms never coexist whole
        (see :meth:`compact` for the memory the dropped ones leave)."""
        target = self.collections[name]
        packer = Packer()
        for position, record in enumerate(records):
            if "_id" not in record:
                # Payment methods are bare names on the wire; an id lets them live in a collection.
                record = {**record, "_id": self.new_id()}
            target.insert_packed(str(record["_id"]), packer.pack(record))
            if not copy:
                records[position] = _DROPPED
                if position % RELEASE_EVERY == RELEASE_EVERY - 1:
                    release_free_memory()  # the dropped records' memory, before packing more
        if not copy:
            records.clear()

    def compact(self) -> None:
        """Move the collections to memory of their own, once a seed handed over is gone.

        Packing a seed's records fills the holes its generation left among the seed's own
        objects, so freeing the seed afterwards returns little memory: each block of it still
        holds a few packed records. A pickle round trip of the (few hundred MiB of) packed
        collections, with nothing of them alive in between, lays them out afresh.
        """
        blob = pickle.dumps(self.collections, protocol=pickle.HIGHEST_PROTOCOL)
        self.collections.clear()
        gc.collect()
        release_free_memory()
        self.collections.update(pickle.loads(blob))  # noqa: S301 - our own bytes, just made
        del blob
        release_free_memory()

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
            if collection.holds(record_id, record):
                collection.changed(record_id)

    def snapshot(self, name: str) -> list[Record]:
        collection = self.collections[name]
        return [copy.deepcopy(record) for record in collection.all()]


def release_free_memory() -> bool:
    """Give the memory the C allocator keeps free back to the system (glibc's ``malloc_trim``;
    False where the C library has none): a freed seed is hundreds of MiB."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    return bool(trim(0))


def utc_now() -> datetime:
    return datetime.now(UTC)


# What a handed-over seed record is replaced by once packed.
_DROPPED: Record = {}
