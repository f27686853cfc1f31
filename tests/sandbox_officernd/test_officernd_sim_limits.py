"""Rate limits with Retry-After, latency, and deterministic injected faults."""

from __future__ import annotations

import httpx
import pytest

from orsync.sandbox.faults import FaultPlan, Latency, UnknownFault
from orsync.sandbox.officernd import FAULT_NAMES, OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.server import in_process_transport
from tests.sandbox_officernd.conftest import BASE, FakeClock


def client_for(sim: OfficeRndSimulator) -> httpx.Client:
    client = httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test")
    client.headers["Authorization"] = f"Bearer {sim.mint_token()}"
    return client


def test_reads_over_the_limit_get_429_with_retry_after(
    config: OfficeRndSimConfig, clock: FakeClock
) -> None:
    config.read_requests_per_minute = 3
    api = client_for(OfficeRndSimulator(config=config))
    assert [api.get(f"{BASE}/companies").status_code for _ in range(3)] == [200, 200, 200]
    clock.advance(20)
    limited = api.get(f"{BASE}/companies")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "40"
    assert limited.json()["statusCode"] == 429
    clock.advance(40)
    assert api.get(f"{BASE}/companies").status_code == 200


def test_reads_and_writes_are_limited_independently(config: OfficeRndSimConfig) -> None:
    config.read_requests_per_minute = 1
    config.write_requests_per_minute = 1
    sim = OfficeRndSimulator(config=config)
    api = client_for(sim)
    hook = {"url": "https://example.com/hook", "eventTypes": ["invoice.created"]}
    assert api.get(f"{BASE}/companies").status_code == 200
    assert api.get(f"{BASE}/companies").status_code == 429
    assert api.post(f"{BASE}/webhooks", json=hook).status_code == 201
    assert api.post(f"{BASE}/webhooks", json=hook).status_code == 429
    assert len(sim.records("webhooks")) == 1


def test_latency_is_charged_per_request_and_per_record(config: OfficeRndSimConfig) -> None:
    slept: list[float] = []
    config.latency = Latency(per_request_ms=50, per_unit_ms=2)
    config.sleep = slept.append
    sim = OfficeRndSimulator(config=config)
    api = client_for(sim)
    count = len(api.get(f"{BASE}/payments").json()["results"])
    assert slept == [pytest.approx(0.05 + 0.002 * count)]


def test_unknown_fault_names_are_refused(config: OfficeRndSimConfig) -> None:
    config.faults = FaultPlan(rates={"http-500": 0.5})
    with pytest.raises(UnknownFault, match="http-5xx"):
        OfficeRndSimulator(config=config)
    assert set(FAULT_NAMES) == {"http-5xx", "rate-limit", "lost-response", "webhook-failure"}


def outcomes(fault: str, seed: int, clock: FakeClock, requests: int = 40) -> list[str]:
    config = OfficeRndSimConfig(
        clock=clock,
        sleep=lambda _s: None,
        read_requests_per_minute=None,
        faults=FaultPlan(rates={fault: 0.3}, seed=seed),
    )
    api = client_for(OfficeRndSimulator(config=config))
    seen = []
    for _ in range(requests):
        try:
            answer = api.get(f"{BASE}/companies")
            seen.append(f"{answer.status_code}:{answer.headers.get('Retry-After', '')}")
        except httpx.RemoteProtocolError:
            seen.append("dropped")
    return seen


@pytest.mark.parametrize(
    ("fault", "signature"),
    [("http-5xx", "503:"), ("rate-limit", "429:1"), ("lost-response", "dropped")],
)
def test_each_fault_fires_deterministically_for_a_seed(
    clock: FakeClock, fault: str, signature: str
) -> None:
    first = outcomes(fault, seed=7, clock=clock)
    assert first == outcomes(fault, seed=7, clock=clock)
    assert signature in first
    assert set(first) == {"200:", signature}
    assert first != outcomes(fault, seed=8, clock=clock)


def test_lost_response_commits_the_write_before_dropping(
    sim: OfficeRndSimulator, api: httpx.Client
) -> None:
    invoice = sim.records("payments", documentType="invoice", status="awaiting_payment")[0]
    sim.config.faults.set_rate("lost-response", 1.0)
    body = {"payment": invoice["_id"], "amount": 10, "account": "Cash", "reference": "R-1"}
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(f"{BASE}/charges", json=body)
    sim.config.faults.set_rate("lost-response", 0.0)
    charges = sim.records("charges", payment=invoice["_id"], reference="R-1")
    assert len(charges) == 1
    listed = api.get(f"{BASE}/charges", params={"payment": invoice["_id"]}).json()["results"]
    assert [c["_id"] for c in listed] == [charges[0]["_id"]]


def test_http_5xx_fault_does_no_work(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    invoice = sim.records("payments", documentType="invoice", status="awaiting_payment")[0]
    sim.config.faults.set_rate("http-5xx", 1.0)
    answer = api.post(
        f"{BASE}/charges", json={"payment": invoice["_id"], "amount": 10, "account": "Cash"}
    )
    assert answer.status_code == 503
    assert sim.records("charges", payment=invoice["_id"]) == []


def test_latency_is_served_concurrently_not_under_the_lock(config: OfficeRndSimConfig) -> None:
    import threading

    concurrent = 4
    sleeping = 0
    peak = 0
    guard = threading.Condition()

    def sleep(_seconds: float) -> None:
        # every request waits here until all of them sleep at once; were latency slept under
        # the simulator's lock, only one could ever get here and the peak would stay at 1
        nonlocal sleeping, peak
        with guard:
            sleeping += 1
            peak = max(peak, sleeping)
            guard.notify_all()
            guard.wait_for(lambda: sleeping >= concurrent, timeout=2)

    config.latency = Latency(per_request_ms=10)
    config.sleep = sleep
    sim = OfficeRndSimulator(config=config)
    api = client_for(sim)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(api.get(f"{BASE}/companies").status_code))
        for _ in range(concurrent)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * concurrent
    assert peak == concurrent
