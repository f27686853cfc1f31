"""Bracket filters, $in lists, the comma-list refusal and $select."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orsync.sandbox.officernd import OfficeRndSimulator
from tests.sandbox_officernd.conftest import BASE, FakeClock


def ids(api: httpx.Client, path: str, params: dict[str, Any]) -> list[str]:
    answer = api.get(f"{BASE}/{path}", params=params)
    assert answer.status_code == 200, answer.text
    return [record["_id"] for record in answer.json()["results"]]


def expected(sim: OfficeRndSimulator, collection: str, keep: Any) -> list[str]:
    return [r["_id"] for r in sim.records(collection) if keep(r)]


@pytest.mark.parametrize(
    ("operator", "keep"),
    [
        ("$gt", lambda d: d > "2026-03-01"),
        ("$gte", lambda d: d >= "2026-03-01"),
        ("$lt", lambda d: d < "2026-03-01"),
        ("$lte", lambda d: d <= "2026-03-01"),
        ("$eq", lambda d: d == "2026-03-01"),
        ("$ne", lambda d: d != "2026-03-01"),
    ],
)
def test_comparison_operators_on_dates(
    sim: OfficeRndSimulator, api: httpx.Client, operator: str, keep: Any
) -> None:
    got = ids(api, "payments", {f"date[{operator}]": "2026-03-01T00:00:00.000Z"})
    want = expected(sim, "payments", lambda r: keep(r["date"][:10]))
    assert got == want
    assert got  # the seed has records on both sides of the boundary


def test_in_and_nin_take_comma_lists(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    wanted = ("paid", "voided")
    got_in = ids(api, "payments", {"status[$in]": ",".join(wanted)})
    got_nin = ids(api, "payments", {"status[$nin]": ",".join(wanted)})
    assert got_in == expected(sim, "payments", lambda r: r["status"] in wanted)
    assert got_nin == expected(sim, "payments", lambda r: r["status"] not in wanted)
    assert got_in and got_nin
    some = expected(sim, "payments", lambda r: True)[:2]
    assert ids(api, "payments", {"_id[$in]": ",".join(some)}) == some


def test_plain_value_is_an_exact_match(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    got = ids(api, "payments", {"documentType": "creditNote"})
    assert got == expected(sim, "payments", lambda r: r["documentType"] == "creditNote")
    assert len(got) == 1


@pytest.mark.parametrize("param", ["status", "_id", "documentType", "company"])
def test_plain_comma_list_on_a_multi_value_filter_is_refused(api: httpx.Client, param: str) -> None:
    answer = api.get(f"{BASE}/payments", params={param: "a,b"})
    assert answer.status_code == 400
    assert "[$in]" in answer.json()["message"]


def test_a_comma_inside_a_free_text_filter_is_just_text(
    sim: OfficeRndSimulator, api: httpx.Client
) -> None:
    company = sim.create_record("companies", {"name": "Smith, Jones & Co", "status": "active"})
    assert ids(api, "companies", {"name": "Smith, Jones & Co"}) == [company["_id"]]


def test_unknown_filter_operator_or_parameter_is_refused(api: httpx.Client) -> None:
    for params in ({"status[$regex]": "p"}, {"colour": "red"}, {"$populate": "company"}):
        assert api.get(f"{BASE}/payments", params=params).status_code == 400


def test_modified_at_filter_sees_changes(
    sim: OfficeRndSimulator, api: httpx.Client, clock: FakeClock
) -> None:
    clock.advance(60)
    watermark = "2026-03-20T12:01:00.000Z"
    assert ids(api, "companies", {"modifiedAt[$gte]": watermark}) == []
    company = sim.records("companies")[1]
    sim.update_record("companies", company["_id"], email="new@example.com")
    assert ids(api, "companies", {"modifiedAt[$gte]": watermark}) == [company["_id"]]


def test_boolean_filter(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    assert ids(api, "locations", {"isPublic": "false"}) == expected(
        sim, "locations", lambda r: r["isPublic"] is False
    )
    assert api.get(f"{BASE}/locations", params={"isPublic": "no"}).status_code == 400


def test_select_keeps_the_named_fields_and_the_id(api: httpx.Client) -> None:
    body = api.get(f"{BASE}/payments", params={"$select": "number,status"}).json()
    assert body["results"]
    assert all(set(r) == {"_id", "number", "status"} for r in body["results"])
    one = body["results"][0]["_id"]
    single = api.get(f"{BASE}/payments/{one}", params={"$select": "total"}).json()
    assert set(single) == {"_id", "total"}


def test_get_by_id_and_not_found(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    invoice = sim.records("payments")[0]
    assert api.get(f"{BASE}/payments/{invoice['_id']}").json() == invoice
    missing = api.get(f"{BASE}/payments/{'f' * 24}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Not Found"


@pytest.mark.parametrize(
    ("path", "collection"),
    [
        ("companies", "companies"),
        ("members", "members"),
        ("locations", "locations"),
        ("revenue-accounts", "revenue-accounts"),
        ("tax-rates", "tax-rates"),
        ("plans", "plans"),
        ("fees", "fees"),
        ("charges", "charges"),
    ],
)
def test_every_collection_lists_its_records(
    sim: OfficeRndSimulator, api: httpx.Client, path: str, collection: str
) -> None:
    body = api.get(f"{BASE}/{path}").json()
    assert body["results"] == sim.records(collection)


def test_payment_methods_answer_their_own_shape(api: httpx.Client) -> None:
    assert api.get(f"{BASE}/payments/methods").json() == {
        "paymentMethods": ["Cash", "Bank Transfer", "Credit Card"]
    }
