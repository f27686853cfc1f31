"""Cursor paging: every record exactly once, at any page size, even while records change."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import httpx
import pytest

from orsync.sandbox.officernd import OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.server import in_process_transport
from tests.sandbox_officernd.bulk import bulk_seed
from tests.sandbox_officernd.conftest import BASE


def _client(sim: OfficeRndSimulator) -> httpx.Client:
    client = httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test")
    client.headers["Authorization"] = f"Bearer {sim.mint_token()}"
    return client


def walk(
    client: httpx.Client, params: dict[str, Any], between_pages: Any = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """All results of a cursor walk and every page envelope (without results)."""
    results: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        answer = client.get(f"{BASE}/payments", params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        results.extend(body["results"])
        pages.append(
            {k: v for k, v in body.items() if k != "results"} | {"n": len(body["results"])}
        )
        if "cursorNext" not in body:
            return results, pages
        if between_pages is not None:
            between_pages(len(pages))
        query = dict(params) | {"$cursorNext": body["cursorNext"]}


@pytest.fixture
def big(config: OfficeRndSimConfig) -> OfficeRndSimulator:
    config.read_requests_per_minute = None
    return OfficeRndSimulator(bulk_seed(237), config)


@pytest.mark.parametrize("limit", [1, 7, 50, 500])
def test_walk_returns_every_record_exactly_once_in_id_order(
    big: OfficeRndSimulator, limit: int
) -> None:
    expected = [r["_id"] for r in big.records("payments")]
    results, pages = walk(_client(big), {"$limit": limit})
    ids = [r["_id"] for r in results]
    assert ids == expected
    page_size = min(limit, 50)
    assert all(p["n"] == page_size for p in pages[:-1])
    assert pages[0]["rangeStart"] == 1
    assert "cursorPrev" not in pages[0]
    assert pages[-1]["rangeEnd"] == len(expected)
    for before, after in itertools.pairwise(pages):
        assert after["rangeStart"] == before["rangeEnd"] + 1
        assert "cursorPrev" in after


def test_default_page_is_fifty_and_envelope_keys_are_documented(big: OfficeRndSimulator) -> None:
    body = _client(big).get(f"{BASE}/payments").json()
    assert list(body) == ["rangeStart", "rangeEnd", "cursorNext", "results"]
    assert (body["rangeStart"], body["rangeEnd"], len(body["results"])) == (1, 50, 50)


def test_modifications_during_the_walk_neither_skip_nor_repeat_records(
    big: OfficeRndSimulator,
) -> None:
    before = [r["_id"] for r in big.records("payments")]
    unpaid = [
        r["_id"] for r in big.records("payments", documentType="invoice", status="awaiting_payment")
    ]
    created: list[str] = []
    removed: list[str] = []
    location = big.records("locations")[0]["_id"]

    def change(page_number: int) -> None:
        # touch a record already seen and one not seen yet, pay one, remove one already seen
        # (an offset-based cursor would then skip a record) and add a brand new invoice
        big.edit_invoice(before[page_number], reference=f"edited {page_number}")
        big.edit_invoice(before[-page_number], reference=f"edited late {page_number}")
        big.add_charge(unpaid[page_number], 10)
        removed.append(before[page_number - 1])
        big.remove_invoice(before[page_number - 1])
        created.append(
            big.create_invoice(
                company=None, location=location, lines=[{"description": "x", "unitPrice": 5}]
            )["_id"]
        )

    results, _ = walk(_client(big), {"$limit": 20}, between_pages=change)
    seen = Counter(r["_id"] for r in results)
    assert all(count == 1 for count in seen.values())
    assert set(before) - set(removed) <= set(seen)
    # new records get ids above every existing one, so the walk reaches them too
    assert set(created) <= set(seen)


def test_filtered_walk_returns_exactly_the_matching_records(big: OfficeRndSimulator) -> None:
    params = {"$limit": 9, "date[$gte]": "2026-02-10", "date[$lt]": "2026-02-20T00:00:00Z"}
    results, _ = walk(_client(big), params)
    expected = [
        r["_id"] for r in big.records("payments") if "2026-02-10" <= r["date"][:10] < "2026-02-20"
    ]
    assert [r["_id"] for r in results] == expected
    assert len(expected) > 9


def test_cursor_prev_returns_the_previous_page(big: OfficeRndSimulator) -> None:
    client = _client(big)
    first = client.get(f"{BASE}/payments", params={"$limit": 10}).json()
    second = client.get(
        f"{BASE}/payments", params={"$limit": 10, "$cursorNext": first["cursorNext"]}
    ).json()
    back = client.get(
        f"{BASE}/payments", params={"$limit": 10, "$cursorPrev": second["cursorPrev"]}
    ).json()
    assert back["results"] == first["results"]
    assert (back["rangeStart"], back["rangeEnd"]) == (1, 10)
    assert "cursorPrev" not in back


def test_a_cursor_not_issued_by_the_service_is_refused(api: httpx.Client) -> None:
    answer = api.get(f"{BASE}/payments", params={"$cursorNext": "not-a-cursor"})
    assert answer.status_code == 400
    assert answer.json()["statusCode"] == 400


@pytest.mark.parametrize("limit", ["0", "-3", "ten"])
def test_invalid_limit_is_refused(api: httpx.Client, limit: str) -> None:
    assert api.get(f"{BASE}/payments", params={"$limit": limit}).status_code == 400


def test_empty_result_has_no_cursors(api: httpx.Client) -> None:
    body = api.get(f"{BASE}/payments", params={"number": "NOPE"}).json()
    assert body == {"rangeStart": 0, "rangeEnd": 0, "results": []}
