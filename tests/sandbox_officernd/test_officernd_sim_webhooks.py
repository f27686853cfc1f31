"""Webhook registration, signed delivery, failures and redelivery."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from orsync.sandbox.faults import FaultPlan
from orsync.sandbox.officernd import OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.server import in_process_transport
from tests.sandbox_officernd.conftest import BASE, FakeClock

ALL_EVENTS = [
    "invoice.created",
    "invoice.updated",
    "invoice.removed",
    "invoice.charge.created",
    "invoice.allocation.created",
    "company.updated",
    "member.created",
]


class Receiver:
    """A subscriber endpoint that answers with the next queued status (200 when none)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def hooked(config: OfficeRndSimConfig, receiver: Receiver) -> OfficeRndSimulator:
    config.webhook_http = httpx.Client(transport=httpx.MockTransport(receiver))
    config.webhook_max_attempts = 3
    return OfficeRndSimulator(config=config)


def register(sim: OfficeRndSimulator, events: list[str] = ALL_EVENTS) -> dict[str, Any]:
    client = httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test")
    client.headers["Authorization"] = f"Bearer {sim.mint_token()}"
    answer = client.post(
        f"{BASE}/webhooks",
        json={"url": "https://hooks.example.com/ornd", "eventTypes": events, "description": "t"},
    )
    assert answer.status_code == 201
    subscription: dict[str, Any] = answer.json()
    return subscription


def verify(secret: str, request: httpx.Request) -> dict[str, Any]:
    """An independent check of the documented construction: HMAC-SHA256(secret, body.t)."""
    header = request.headers["officernd-signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    message = request.content + b"." + parts["t"].encode()
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["signature"])
    body: dict[str, Any] = json.loads(request.content)
    return body


def test_registration_answers_the_secret_and_lists_it(hooked: OfficeRndSimulator) -> None:
    subscription = register(hooked)
    assert set(subscription) >= {"_id", "url", "description", "eventTypes", "secret", "isEnabled"}
    assert subscription["secret"]
    assert subscription["isEnabled"] is True
    assert hooked.records("webhooks")[0]["secret"] == subscription["secret"]


def test_delivery_is_signed_and_verifiable(
    hooked: OfficeRndSimulator, receiver: Receiver, clock: FakeClock
) -> None:
    subscription = register(hooked)
    company = hooked.records("companies")[0]
    invoice = hooked.create_invoice(
        company=company["_id"],
        location=company["location"],
        lines=[{"description": "Desk", "unitPrice": 100}],
    )
    hooked.add_charge(invoice["_id"], 40)
    hooked.update_record("companies", company["_id"], name="Renamed & Co")
    clock.advance(30)
    results = hooked.deliver_pending()
    assert [r.ok for r in results] == [True, True, True]
    bodies = [verify(subscription["secret"], request) for request in receiver.requests]
    assert [b["eventType"] for b in bodies] == [
        "invoice.created",
        "invoice.charge.created",
        "company.updated",
    ]
    assert bodies[0]["data"]["object"]["_id"] == invoice["_id"]
    assert bodies[1]["data"]["payment"] == invoice["_id"]
    assert bodies[2]["data"]["previousAttributes"] == {"name": company["name"]}
    assert all(len(b["event"]) == 24 for b in bodies)
    header = receiver.requests[0].headers["officernd-signature"]
    assert header.startswith(f"t={int(clock.now.timestamp())},signature=")
    # a tampered body no longer verifies
    tampered = httpx.Request(
        "POST",
        "https://x",
        content=receiver.requests[0].content + b" ",
        headers={"officernd-signature": header},
    )
    with pytest.raises(AssertionError):
        verify(subscription["secret"], tampered)


def test_only_subscribed_event_types_are_delivered(
    hooked: OfficeRndSimulator, receiver: Receiver
) -> None:
    register(hooked, ["member.created"])
    company = hooked.records("companies")[0]
    hooked.update_record("companies", company["_id"], email="x@example.com")
    hooked.create_record("members", {"name": "Zoë", "email": "z@example.com"})
    hooked.deliver_pending()
    assert [json.loads(r.content)["eventType"] for r in receiver.requests] == ["member.created"]


def test_failed_delivery_is_redelivered_with_the_same_event(
    hooked: OfficeRndSimulator, receiver: Receiver, clock: FakeClock
) -> None:
    subscription = register(hooked)
    company = hooked.records("companies")[0]
    hooked.update_record("companies", company["_id"], email="a@example.com")
    receiver.statuses = [500]
    first = hooked.deliver_pending()
    assert [(r.ok, r.status, r.attempt) for r in first] == [(False, 500, 1)]
    hooked.fail_next_webhook_deliveries(1)
    second = hooked.deliver_pending()
    assert [(r.ok, r.error, r.attempt) for r in second] == [(False, "injected delivery failure", 2)]
    clock.advance(60)
    third = hooked.deliver_pending()
    assert [(r.ok, r.attempt) for r in third] == [(True, 3)]
    assert hooked.deliver_pending() == []
    original, redelivered = receiver.requests
    assert original.content == redelivered.content
    assert verify(subscription["secret"], redelivered)["eventType"] == "company.updated"
    assert original.headers["officernd-signature"] != redelivered.headers["officernd-signature"]


def test_delivery_gives_up_after_max_attempts(
    hooked: OfficeRndSimulator, receiver: Receiver
) -> None:
    register(hooked)
    hooked.create_record("members", {"name": "Ana", "email": "a@example.com"})
    receiver.statuses = [503, 503, 503]
    for _ in range(4):
        hooked.deliver_pending()
    assert len(receiver.requests) == 3
    assert hooked.webhook_deliveries[0].gave_up


def test_deleted_subscription_receives_nothing(
    hooked: OfficeRndSimulator, receiver: Receiver
) -> None:
    subscription = register(hooked)
    hooked.create_record("members", {"name": "Ana", "email": "a@example.com"})
    client = httpx.Client(transport=in_process_transport(hooked), base_url="http://ornd.test")
    client.headers["Authorization"] = f"Bearer {hooked.mint_token()}"
    assert client.delete(f"{BASE}/webhooks/{subscription['_id']}").status_code == 200
    hooked.create_record("members", {"name": "Bo", "email": "b@example.com"})
    assert hooked.deliver_pending() == []
    assert receiver.requests == []
    assert client.get(f"{BASE}/webhooks").json()["results"] == []


def test_webhook_failure_fault_is_deterministic(clock: FakeClock) -> None:
    def run(seed: int) -> list[bool]:
        config = OfficeRndSimConfig(
            clock=clock,
            sleep=lambda _s: None,
            faults=FaultPlan(rates={"webhook-failure": 0.5}, seed=seed),
            webhook_http=httpx.Client(transport=httpx.MockTransport(Receiver())),
        )
        sim = OfficeRndSimulator(config=config)
        register(sim)
        for n in range(20):
            sim.create_record("members", {"name": f"M{n}", "email": f"m{n}@example.com"})
        return [r.ok for r in sim.deliver_pending()]

    first = run(3)
    assert first == run(3)
    assert True in first and False in first


def test_invalid_registration_is_refused(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    for body in (
        {"url": "ftp://x", "eventTypes": ["invoice.created"]},
        {"url": "https://x", "eventTypes": []},
        {"url": "https://x"},
    ):
        assert api.post(f"{BASE}/webhooks", json=body).status_code == 400
    assert sim.records("webhooks") == []


def test_api_writes_emit_their_events(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    invoice = sim.records("payments", documentType="invoice", status="awaiting_payment")[-1]
    api.post(f"{BASE}/charges", json={"payment": invoice["_id"], "amount": 5, "account": "Cash"})
    api.patch(f"{BASE}/payments/{invoice['_id']}", json={"number": "SI-9"})
    created, updated = sim.webhook_events[-2:]
    assert created["eventType"] == "invoice.charge.created"
    assert created["data"]["payment"] == invoice["_id"]
    assert updated["eventType"] == "invoice.updated"
    assert updated["data"]["previousAttributes"] == {"number": invoice["number"]}
    assert updated["data"]["object"]["number"] == "SI-9"


def test_delivery_thread_delivers_without_being_asked(
    hooked: OfficeRndSimulator, receiver: Receiver
) -> None:
    import time

    register(hooked)
    stop = hooked.start_delivery_thread(interval_seconds=0.005)
    try:
        hooked.create_record("members", {"name": "Ana", "email": "a@example.com"})
        deadline = time.monotonic() + 2
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        stop()
    assert len(receiver.requests) == 1
