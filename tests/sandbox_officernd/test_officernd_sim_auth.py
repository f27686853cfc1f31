"""Token endpoint and per-call authorization of the OfficeRnD simulator."""

from __future__ import annotations

import httpx

from orsync.sandbox.officernd import (
    READ_ONLY_CLIENT_ID,
    READ_ONLY_CLIENT_SECRET,
    OfficeRndSimulator,
)
from tests.sandbox_officernd.conftest import BASE, FakeClock, token_form


def test_token_answer_has_the_documented_shape(http: httpx.Client) -> None:
    answer = http.post("/oauth/token", data=token_form(("flex.billing.payments.read",)))
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["scope"] == "flex.billing.payments.read"
    assert len(body["access_token"]) == 40


def test_issued_token_opens_the_api_until_it_expires(http: httpx.Client, clock: FakeClock) -> None:
    token = http.post("/oauth/token", data=token_form()).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert http.get(f"{BASE}/companies", headers=headers).status_code == 200
    clock.advance(3599)
    assert http.get(f"{BASE}/companies", headers=headers).status_code == 200
    clock.advance(1)
    expired = http.get(f"{BASE}/companies", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}


def test_wrong_secret_is_refused(http: httpx.Client) -> None:
    answer = http.post("/oauth/token", data=token_form(client_secret="guess"))
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "guess" not in answer.text


def test_unknown_client_and_missing_scope_and_grant_are_refused(http: httpx.Client) -> None:
    assert http.post("/oauth/token", data=token_form(client_id="nobody")).status_code == 401
    assert http.post("/oauth/token", data=token_form(scope="")).json()["error"] == "invalid_scope"
    refused = http.post("/oauth/token", data=token_form(grant_type="password"))
    assert refused.json()["error"] == "unsupported_grant_type"


def test_a_scope_the_application_lacks_fails_the_whole_token_request(http: httpx.Client) -> None:
    form = token_form(
        ("flex.billing.payments.read", "flex.billing.charges.create"),
        client_id=READ_ONLY_CLIENT_ID,
        client_secret=READ_ONLY_CLIENT_SECRET,
    )
    answer = http.post("/oauth/token", data=form)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert "flex.billing.charges.create" in answer.json()["error_description"]


def test_sixth_token_request_in_a_minute_gets_429_counting_failures(
    http: httpx.Client, clock: FakeClock
) -> None:
    statuses = [http.post("/oauth/token", data=token_form()).status_code for _ in range(3)]
    statuses += [
        http.post("/oauth/token", data=token_form(client_secret="bad")).status_code
        for _ in range(2)
    ]
    assert statuses == [200, 200, 200, 401, 401]
    limited = http.post("/oauth/token", data=token_form())
    assert limited.status_code == 429
    assert limited.text == "Too many requests, please try again later"
    assert limited.headers["Retry-After"] == "60"
    clock.advance(59)
    assert http.post("/oauth/token", data=token_form()).status_code == 429
    clock.advance(1)
    assert http.post("/oauth/token", data=token_form()).status_code == 200


def test_missing_scope_is_403_naming_the_scope(sim: OfficeRndSimulator, http: httpx.Client) -> None:
    token = sim.mint_token(scopes=["flex.billing.payments.read"])
    answer = http.get(f"{BASE}/charges", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    body = answer.json()
    assert body["statusCode"] == 403
    assert body["error"] == "Forbidden"
    assert "flex.billing.charges.read" in body["message"]


def test_read_only_application_cannot_write(sim: OfficeRndSimulator, http: httpx.Client) -> None:
    token = sim.mint_token(READ_ONLY_CLIENT_ID)
    invoice = sim.records("payments", documentType="invoice", status="awaiting_payment")[0]
    answer = http.post(
        f"{BASE}/charges",
        json={"payment": invoice["_id"], "amount": 1, "account": "Cash"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    assert sim.records("charges", payment=invoice["_id"]) == []


def test_missing_malformed_or_unknown_bearer_is_401(http: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer " + "0" * 40}):
        assert http.get(f"{BASE}/payments", headers=headers).status_code == 401


def test_other_organization_is_not_found(http: httpx.Client, sim: OfficeRndSimulator) -> None:
    headers = {"Authorization": f"Bearer {sim.mint_token()}"}
    answer = http.get("/api/v2/organizations/someone-else/payments", headers=headers)
    assert answer.status_code == 404


def test_every_request_is_counted_by_endpoint(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    api.get(f"{BASE}/payments")
    api.get(f"{BASE}/payments")
    first = sim.records("payments")[0]["_id"]
    api.get(f"{BASE}/payments/{first}")
    api.post("/oauth/token", data=token_form())
    assert sim.request_counts["GET /payments"] == 2
    assert sim.request_counts["GET /payments/{id}"] == 1
    assert sim.request_counts["POST /oauth/token"] == 1
    assert sim.total_requests() == 4
