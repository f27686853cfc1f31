"""What a function handler sees: the store, the session's entity, the time, the journal."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from orsync.sandbox.intacct.messages import GatewayError
from orsync.sandbox.intacct.records import Fields
from orsync.sandbox.intacct.store import IntacctStore, Journal


class FunctionFailed(Exception):
    """A function's definite failure; ``payload`` still goes in the result (e.g. empty data)."""

    def __init__(
        self, errors: Sequence[GatewayError], payload: Sequence[etree._Element] = ()
    ) -> None:
        super().__init__("; ".join(e.description2 for e in errors))
        self.errors = list(errors)
        self.payload = list(payload)


@dataclass
class Cursor:
    """A readByQuery result set waiting for readMore."""

    object_name: str
    rows: list[Fields]
    position: int
    page_size: int


class Cursors:
    """Open readByQuery result sets by resultId (the newest ``capacity`` are kept)."""

    def __init__(self, seed: int, capacity: int = 200) -> None:
        self._seed = seed
        self._capacity = capacity
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._counter = 0

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            self._counter += 1
            digest = hashlib.sha256(f"{self._seed}:result:{self._counter}".encode()).hexdigest()
            result_id = f"{self._counter}{digest[:24]}"
            self._open[result_id] = cursor
            while len(self._open) > self._capacity:
                self._open.popitem(last=False)
            return result_id

    def latest_for(self, object_name: str) -> str | None:
        """The newest open result set of an object (legacy ``readMore`` by ``object``)."""
        with self._lock:
            for result_id in reversed(self._open):
                if self._open[result_id].object_name == object_name:
                    return result_id
            return None

    def get(self, result_id: str) -> Cursor | None:
        with self._lock:
            return self._open.get(result_id)

    def close(self, result_id: str) -> None:
        with self._lock:
            self._open.pop(result_id, None)


@dataclass
class Context:
    store: IntacctStore
    entity_id: str
    now: datetime
    cursors: Cursors
    journal: Journal = field(default_factory=Journal)
    max_read_keys: int = 100
