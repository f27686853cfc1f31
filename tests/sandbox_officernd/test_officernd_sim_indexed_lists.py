"""List answers found from indexes and kept JSON are byte for byte what a plain scan gives,
before and after every kind of change to the records."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from orsync.sandbox.officernd import OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.officernd.query import (
    OMIT_NULL_CURSORS,
    ListQuery,
    decode_cursor,
    encode_cursor,
    parse_list_query,
)
from orsync.sandbox.officernd.responses import encode_json
from orsync.sandbox.officernd.store import Collection, Record
from orsync.sandbox.server import in_process_transport
from tests.sandbox_officernd.bulk import bulk_seed
from tests.sandbox_officernd.conftest import BASE


def _take(
    records: Iterator[Record], accept: Callable[[Record], bool], limit: int
) -> tuple[list[Record], bool]:
    taken: list[Record] = []
    for record in records:
        if not accept(record):
            continue
        if len(taken) == limit:
            return taken, True
        taken.append(record)
    return taken, False


def scanned_page(collection: Collection, query: ListQuery) -> bytes:
    """The answer as the simulator wrote it before indexes: a keyset scan testing every record
    after the cursor (kept here as the oracle)."""
    if query.cursor_prev is not None:
        position, first_id = decode_cursor(query.cursor_prev)
        backwards, more_before = _take(collection.before(first_id), query.matches, query.limit)
        results = list(reversed(backwards))
        range_end = max(position - 1, 0)
        range_start = max(range_end - len(results) + 1, 1)
        has_prev, has_next = more_before, True
    else:
        position, last_id = (
            (0, None) if query.cursor_next is None else decode_cursor(query.cursor_next)
        )
        results, has_next = _take(collection.after(last_id), query.matches, query.limit)
        range_start, range_end = position + 1, position + len(results)
        has_prev = query.cursor_next is not None and bool(results)
    envelope: dict[str, Any] = {
        "rangeStart": range_start if results else 0,
        "rangeEnd": range_end if results else 0,
    }
    nxt = encode_cursor("_id", range_end, str(results[-1]["_id"])) if has_next and results else None
    prv = (
        encode_cursor("_id", range_start, str(results[0]["_id"])) if has_prev and results else None
    )
    for key, cursor in (("cursorNext", nxt), ("cursorPrev", prv)):
        if cursor is not None or not OMIT_NULL_CURSORS:
            envelope[key] = cursor
    wanted = None if query.select is None else set(query.select) | {"_id"}
    envelope["results"] = [
        r if wanted is None else {k: v for k, v in r.items() if k in wanted} for r in results
    ]
    return encode_json(envelope)


@pytest.fixture
def org(config: OfficeRndSimConfig) -> OfficeRndSimulator:
    config.read_requests_per_minute = None
    config.write_requests_per_minute = None
    sim = OfficeRndSimulator(bulk_seed(180), config)
    location = sim.records("locations")[0]["_id"]
    for n in range(12):  # credit notes among the invoices, and a few documents without a date
        sim.create_invoice(
            company=None,
            location=location,
            lines=[{"description": "refund", "unitPrice": 3 + n}],
            document_type="creditNote",
            date=f"2026-02-{1 + 2 * n:02d}T00:00:00.000Z",
        )
    return sim


def _client(sim: OfficeRndSimulator) -> httpx.Client:
    client = httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test")
    client.headers["Authorization"] = f"Bearer {sim.mint_token()}"
    return client


QUERIES: list[dict[str, str]] = [
    {},
    {"$limit": "7"},
    {"documentType": "invoice", "$limit": "13"},
    {
        "documentType[$in]": "invoice,creditNote",
        "date[$gte]": "2026-02-05",
        "date[$lt]": "2026-02-11",
    },
    {"documentType[$in]": "creditNote", "date[$gte]": "2026-02-05T00:00:00.000Z", "$limit": "2"},
    {"date[$gt]": "2026-02-27T00:00:00.000Z"},
    {"date[$lte]": "2026-02-03", "$limit": "4"},
    {"date[$lt]": "2000-01-01"},
    {"status[$ne]": "paid", "$limit": "9"},
    {"status[$nin]": "paid,voided", "date[$gte]": "2026-02-20"},
    {"number": "BULK-00042"},
    {"number[$gte]": "BULK-00100", "number[$lt]": "BULK-00110", "$select": "number,date"},
    {"modifiedAt[$gte]": "2026-01-01T00:00:00.000Z", "$limit": "25"},
    {"status": "paid", "status[$in]": "paid,awaiting_payment"},
]


def _walk_both_ways(sim: OfficeRndSimulator, collection: str, params: dict[str, str]) -> None:
    """Every page forwards, then backwards from the last, equals the scan's bytes."""
    client = _client(sim)
    store = sim.org.store[collection]
    cursor: tuple[str, str] | None = None
    last_body: dict[str, Any] = {}
    for _ in range(400):
        query = dict(params) | (dict([cursor]) if cursor else {})
        answer = client.get(f"{BASE}/{collection}", params=query)
        assert answer.status_code == 200, answer.text
        with sim._lock:
            expected = scanned_page(store, parse_list_query(collection, urlencode(query)))
        assert answer.content == expected, query
        body = answer.json()
        if cursor is not None and cursor[0] == "$cursorPrev":
            if "cursorPrev" not in body:
                return
            cursor = ("$cursorPrev", body["cursorPrev"])
        elif "cursorNext" in body:
            cursor, last_body = ("$cursorNext", body["cursorNext"]), body
        elif "cursorPrev" in body or "cursorPrev" in last_body:
            cursor = ("$cursorPrev", body.get("cursorPrev") or last_body["cursorPrev"])
        else:
            return
    pytest.fail("the walk did not end")


@pytest.mark.parametrize("params", QUERIES, ids=[urlencode(q) or "all" for q in QUERIES])
def test_list_pages_equal_a_full_scan_byte_for_byte(
    org: OfficeRndSimulator, params: dict[str, str]
) -> None:
    _walk_both_ways(org, "payments", params)


def test_companies_by_id_list_equal_a_full_scan(org: OfficeRndSimulator) -> None:
    ids = [c["_id"] for c in org.records("companies")]
    wanted = [*ids[::2], "65" + "0" * 22, ids[0]]  # an unknown id and a repeated one
    _walk_both_ways(org, "companies", {"_id[$in]": ",".join(wanted), "$limit": "1"})
    _walk_both_ways(org, "companies", {"_id": ids[-1]})


def _changes(sim: OfficeRndSimulator) -> Iterator[str]:
    """Each way a record changes (scenario controls and the API); yields what it did."""
    invoices = [r["_id"] for r in sim.records("payments", documentType="invoice")]
    credits = [r["_id"] for r in sim.records("payments", documentType="creditNote")]
    location = sim.records("locations")[0]["_id"]
    sim.edit_invoice(invoices[3], date="2026-02-06T00:00:00.000Z")
    yield "a document moved into a date window"
    sim.edit_invoice(invoices[4], documentType="creditNote")
    yield "a document changed type"
    sim.void_invoice(invoices[5])
    yield "a document voided"
    sim.add_charge(invoices[6], sim.record("payments", invoices[6])["payableAmount"])
    yield "a document paid"
    sim.allocate(credits[-1], invoices[7], 1)
    yield "a credit allocated"
    sim.remove_invoice(invoices[8])
    yield "a document removed"
    sim.create_invoice(
        company=None,
        location=location,
        lines=[{"description": "late", "unitPrice": 9}],
        date="2026-02-07T00:00:00.000Z",
    )
    yield "a document created"
    sim.edit_invoice(invoices[9], lines=[{"description": "Desk", "quantity": 2, "unitPrice": 50}])
    yield "a document's lines rebuilt"
    client = _client(sim)
    patched = client.patch(f"{BASE}/payments/{invoices[10]}", json={"reference": "patched"})
    assert patched.status_code == 200, patched.text
    yield "a document patched through the API"
    charge = client.post(
        f"{BASE}/charges",
        json={
            "payment": invoices[11],
            "amount": 5,
            "date": "2026-02-12T00:00:00.000Z",
            "account": "Bank Transfer",
        },
    )
    assert charge.status_code == 201, charge.text
    yield "a charge created through the API"
    assert client.delete(f"{BASE}/charges/{charge.json()['_id']}").status_code == 200
    yield "a charge deleted through the API"
    company = sim.records("companies")[0]["_id"]
    sim.update_record("companies", company, name="Renamed Ltd")
    yield "a company renamed"


def test_answers_follow_every_change_of_the_records(org: OfficeRndSimulator) -> None:
    client = _client(org)
    watched = [QUERIES[3], QUERIES[2], QUERIES[9], {"$limit": "50"}]
    for params in watched:  # answered once, so indexes and JSON are kept before the changes
        assert client.get(f"{BASE}/payments", params=params).status_code == 200
    for what in _changes(org):
        for params in watched:
            _walk_both_ways(org, "payments", params)
        companies = {"$limit": "50"}
        _walk_both_ways(org, "companies", companies)
        single = org.records("payments")[0]["_id"]
        got = client.get(f"{BASE}/payments/{single}")
        assert got.json() == org.record("payments", single), what


def test_a_window_walk_sees_each_record_once_while_records_change(
    org: OfficeRndSimulator,
) -> None:
    client = _client(org)
    params = {"documentType[$in]": "invoice,creditNote", "date[$gte]": "2026-02-01", "$limit": "5"}
    seen: list[str] = []
    changes = _changes(org)
    answer = client.get(f"{BASE}/payments", params=params).json()
    for _ in itertools.count():
        seen.extend(r["_id"] for r in answer["results"])
        next(changes, None)
        if "cursorNext" not in answer:
            break
        answer = client.get(
            f"{BASE}/payments", params=params | {"$cursorNext": answer["cursorNext"]}
        ).json()
    assert len(seen) == len(set(seen))
