"""Read side of the ledger: batch lookups, streams and counts (all memory-flat)."""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from orsync.state._db import Database, keyset_scan
from orsync.state.controlid import check_kind
from orsync.state.records import (
    ID_INDEX,
    ROW_COLUMNS,
    STATUS_AT_INDEX,
    UNRESOLVED,
    UPDATED_RUN_INDEX,
    LedgerRow,
    Status,
    parse_status,
    row_from_sql,
)

PAGE_SIZE = 500  # rows per query when streaming; also the chunk of IN (...) lookups


class LedgerReads:
    """Queries over the ledger; ``Ledger`` adds the write protocol."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- lookups -------------------------------------------------------------------------

    def get(self, kind: str, source_id: str) -> LedgerRow | None:
        with self._db.reading() as conn:
            return select_one(conn, kind, source_id)

    def get_many(self, kind: str, source_ids: Iterable[str]) -> dict[str, LedgerRow]:
        """Rows of ``kind`` for these source ids (those without a row are simply absent)."""
        return self._lookup(kind, "source_id", source_ids, lambda row: row.source_id)

    def get_by_target_keys(self, kind: str, target_keys: Iterable[str]) -> dict[str, LedgerRow]:
        """Rows of ``kind`` linked to these target keys (e.g. Intacct RECORDNOs), by key."""
        return self._lookup(kind, "target_key", target_keys, lambda row: row.target.key or "")

    def rows_under(self, kind: str, prefixes: Iterable[str]) -> list[LedgerRow]:
        """Rows of ``kind`` whose source id starts with ``<prefix>/`` for one of ``prefixes``
        (e.g. the payments of some invoices): one range read of the primary key each."""
        found: list[LedgerRow] = []
        sql = (
            f"SELECT {ROW_COLUMNS} FROM ledger WHERE kind = ? AND source_id >= ? AND source_id < ?"  # noqa: S608
        )
        with self._db.reading() as conn:
            for prefix in dict.fromkeys(prefixes):
                low, high = f"{prefix}/", f"{prefix}0"  # "0" is the character after "/"
                found.extend(row_from_sql(v) for v in conn.execute(sql, (kind, low, high)))
        return found

    def _lookup(
        self,
        kind: str,
        column: str,
        values: Iterable[str],
        key: Callable[[LedgerRow], str],
    ) -> dict[str, LedgerRow]:
        found: dict[str, LedgerRow] = {}
        iterator = iter(values)
        while chunk := list(islice(iterator, PAGE_SIZE)):
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {ROW_COLUMNS} FROM ledger WHERE kind = ? AND {column} IN ({marks})"  # noqa: S608
            with self._db.reading() as conn:
                for values_row in conn.execute(sql, (kind, *chunk)):
                    row = row_from_sql(values_row)
                    found[key(row)] = row
        return found

    def source_numbers(self, rows: Iterable[LedgerRow]) -> dict[tuple[str, str], str]:
        """The OfficeRnD number (or customer name) each of these rows was sent under, when
        known (kept since ``mark_sending`` took one; none in a state file from before)."""
        found: dict[tuple[str, str], str] = {}
        with self._db.reading() as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'source_numbers'"
            ).fetchone()
            if exists is None:
                return found
            for row in rows:
                number = conn.execute(
                    "SELECT number FROM source_numbers WHERE kind = ? AND source_id = ?",
                    (row.kind, row.source_id),
                ).fetchone()
                if number is not None:
                    found[(row.kind, row.source_id)] = str(number[0])
        return found

    # -- streaming queries ---------------------------------------------------------------

    def iter_unresolved(
        self,
        statuses: Sequence[Status] = UNRESOLVED,
        *,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[LedgerRow]:
        """Rows in ``statuses``, oldest status change first, streamed page by page.

        Rows that change status while the caller iterates are not revisited (the walk stops at
        the instant it started), so re-marking a row ``unconfirmed`` cannot loop forever.
        """
        kind_list = None if kinds is None else [check_kind(kind) for kind in kinds]
        horizon = self._db.now_text()
        walks = [self._status_walk(Status(status), kind_list, horizon) for status in statuses]
        for _key, row in heapq.merge(*walks, key=lambda pair: pair[0]):
            yield row

    def _status_walk(
        self, status: Status, kinds: list[str] | None, horizon: str
    ) -> Iterator[tuple[tuple[str, int], LedgerRow]]:
        kind_clause = "" if kinds is None else f" AND kind IN ({', '.join('?' * len(kinds))})"
        scan = keyset_scan(
            self._db,
            select=f"SELECT {ROW_COLUMNS} FROM ledger",  # noqa: S608
            where=f"status = ?{kind_clause}",
            params=(status.value, *(kinds or ())),
            order="status_at",
            tie="id",
            positions=(STATUS_AT_INDEX, ID_INDEX),
            upper=horizon,
            page_size=PAGE_SIZE,
        )
        for values in scan:
            yield (str(values[STATUS_AT_INDEX]), int(str(values[ID_INDEX]))), row_from_sql(values)

    def iter_rows(
        self, *, kind: str | None = None, statuses: Iterable[Status] | None = None
    ) -> Iterator[LedgerRow]:
        """Every row (of ``kind``, in ``statuses``), in insertion order, page by page."""
        clauses, params = [], []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(check_kind(kind))
        if statuses is not None:
            chosen = [Status(status).value for status in statuses]
            clauses.append(f"status IN ({', '.join('?' * len(chosen))})")
            params.extend(chosen)
        where = "".join(f" AND {clause}" for clause in clauses)
        sql = f"SELECT {ROW_COLUMNS} FROM ledger WHERE id > ?{where} ORDER BY id LIMIT ?"  # noqa: S608
        last_id = 0
        while True:
            with self._db.reading() as conn:
                page = conn.execute(sql, (last_id, *params, PAGE_SIZE)).fetchall()
            for values in page:
                last_id = int(values[ID_INDEX])
                yield row_from_sql(values)
            if len(page) < PAGE_SIZE:
                return

    def changed_since(self, run_id: int) -> Iterator[LedgerRow]:
        """Rows last touched by run ``run_id`` or a later one, page by page."""
        scan = keyset_scan(
            self._db,
            select=f"SELECT {ROW_COLUMNS} FROM ledger",  # noqa: S608
            where="updated_run >= ?",
            params=(run_id,),
            order="updated_run",
            tie="id",
            positions=(UPDATED_RUN_INDEX, ID_INDEX),
            page_size=PAGE_SIZE,
        )
        for values in scan:
            yield row_from_sql(values)

    def counts(self) -> dict[str, dict[Status, int]]:
        """Number of rows per kind and status."""
        result: dict[str, dict[Status, int]] = {}
        with self._db.reading() as conn:
            query = "SELECT kind, status, count(*) FROM ledger GROUP BY kind, status"
            for kind, status, count in conn.execute(query):
                result.setdefault(str(kind), {})[parse_status(status)] = int(count)
        return result


def select_one(conn: sqlite3.Connection, kind: str, source_id: str) -> LedgerRow | None:
    values = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM ledger WHERE kind = ? AND source_id = ?",  # noqa: S608
        (kind, source_id),
    ).fetchone()
    return None if values is None else row_from_sql(values)
