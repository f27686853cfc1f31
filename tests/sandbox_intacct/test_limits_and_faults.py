"""Concurrency cap, rate limit, latency model, uniqueid and injected faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from orsync.sandbox.faults import FaultPlan, Latency, UnknownFault
from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator, RateLimit
from orsync.sandbox.intacct.messages import DUPLICATE_CONTROLID_CODE, IN_PROCESS_CODE
from orsync.sandbox.server import in_process_transport
from tests.sandbox_intacct.conftest import FakeClock
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    descriptions,
    el,
    errornos,
    function,
    parse,
    post,
    results,
)


def make(clock: FakeClock, **options: object) -> IntacctSimulator:
    return IntacctSimulator(config=IntacctSimConfig(clock=clock, sleep=clock.sleep, **options))  # type: ignore[arg-type]


def client_for(sim: IntacctSimulator) -> httpx.Client:
    return httpx.Client(transport=in_process_transport(sim), base_url="https://gw.sandbox.test")


class Blocker:
    """A ``sleep`` that holds every caller until released, so requests overlap for real."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.waiting = 0
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waiting += 1
        self.release.wait(5)


@pytest.fixture
def blocker() -> Iterator[Blocker]:
    b = Blocker()
    yield b
    b.release.set()


def wait_until(predicate: object, timeout: float = 5.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if predicate():  # type: ignore[operator]
            return
        done.wait(0.005)
    raise AssertionError("condition not reached")


def test_a_third_concurrent_request_waits_then_fails_with_200024(
    clock: FakeClock, blocker: Blocker
) -> None:
    sim = IntacctSimulator(
        config=IntacctSimConfig(
            clock=clock,
            sleep=blocker,
            latency=Latency(per_request_ms=1),
            max_concurrent_requests=2,
            concurrency_wait_seconds=0.05,
        )
    )
    body = Envelope(sim.credentials).build([function("f", create_invoice())])
    answers: list[int] = []

    def send() -> None:
        with client_for(sim) as c:
            answers.append(post(c, body).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    wait_until(lambda: sim.gate.running == 2)

    with client_for(sim) as c:
        refused = parse(post(c, body))
    blocker.release.set()
    for t in threads:
        t.join(5)

    assert refused.findtext("control/status") == "failure"
    assert descriptions(refused) == [
        "There are too many operations running for this company (200024)"
    ]
    assert answers == [200, 200]
    assert len(sim.store.invoices()) == 2
    assert (sim.gate.peak, sim.stats.refused_busy) == (2, 1)


def test_the_rate_limit_answers_429_gw_0010_until_the_window_passes(clock: FakeClock) -> None:
    sim = make(clock, rate_limit=RateLimit(requests=2, per_seconds=1.0, retry_after_seconds=3))
    body = Envelope(sim.credentials).build([function("s", el("getAPISession"))])
    with client_for(sim) as c:
        first, second, third = (post(c, body) for _ in range(3))
        clock.advance(seconds=1)
        fourth = post(c, body)

    assert [r.status_code for r in (first, second, third, fourth)] == [200, 200, 429, 200]
    assert third.headers["retry-after"] == "3"
    limited = parse(third)
    assert limited.findtext("errormessage/error/errorno") == "GW-0010"
    assert [e.tag for e in limited.find("control")] == ["status"]  # type: ignore[union-attr]


def test_latency_is_per_request_plus_per_function_one_after_another(clock: FakeClock) -> None:
    sim = make(clock, latency=Latency(per_request_ms=20, per_unit_ms=5))
    body = Envelope(sim.credentials).build([function(f"f{n}", create_invoice()) for n in range(4)])
    with client_for(sim) as c:
        post(c, body)

    assert clock.slept == [0.02, 0.005, 0.005, 0.005, 0.005]


def test_uniqueid_refuses_a_completed_controlid_and_allows_a_failed_one_again(
    clock: FakeClock,
) -> None:
    sim = make(clock)
    with client_for(sim) as c:
        env = Envelope(sim.credentials, uniqueid=True)
        first = parse(post(c, env.build([function("orsync:inv:1", create_invoice())])))
        again = parse(post(c, env.build([function("orsync:inv:1", create_invoice())])))
        bad = parse(
            post(c, env.build([function("orsync:inv:2", create_invoice(customerid="NOPE"))]))
        )
        fixed = parse(post(c, env.build([function("orsync:inv:2", create_invoice())])))
        without = parse(
            post(c, Envelope(sim.credentials).build([function("orsync:inv:1", create_invoice())]))
        )

    assert results(first)[0].findtext("status") == "success"
    assert results(again)[0].findtext("status") == "failure"
    assert errornos(results(again)[0]) == [DUPLICATE_CONTROLID_CODE]
    assert descriptions(results(again)[0]) == [
        "A request's function with the control ID orsync:inv:1 has already been executed"
    ]
    assert results(bad)[0].findtext("status") == "failure"
    assert results(fixed)[0].findtext("status") == "success"
    assert results(without)[0].findtext("status") == "success"  # uniqueid=false: no check
    assert len(sim.store.invoices()) == 3


def test_uniqueid_answers_in_process_while_the_same_controlid_runs(
    clock: FakeClock, blocker: Blocker
) -> None:
    sim = IntacctSimulator(
        config=IntacctSimConfig(clock=clock, sleep=blocker, latency=Latency(per_unit_ms=1))
    )
    body = Envelope(sim.credentials, uniqueid=True).build([function("X", create_invoice())])
    outcome: list[str] = []

    def send() -> None:
        with client_for(sim) as c:
            outcome.append(results(parse(post(c, body)))[0].findtext("status") or "")

    runner = threading.Thread(target=send)
    runner.start()
    wait_until(lambda: blocker.waiting == 1)
    with client_for(sim) as c:
        second = results(parse(post(c, body)))[0]
    blocker.release.set()
    runner.join(5)

    assert errornos(second) == [IN_PROCESS_CODE]
    assert descriptions(second) == ["A request's function with the control ID X is in process"]
    assert outcome == ["success"]
    assert len(sim.store.invoices()) == 1


def test_a_lost_response_commits_the_invoice_then_drops_the_connection(clock: FakeClock) -> None:
    sim = make(clock, faults=FaultPlan({"lost-response": 1.0}, seed=7))
    env = Envelope(sim.credentials, uniqueid=True)
    with client_for(sim) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            post(c, env.build([function("inv-9", create_invoice(invoiceno="ORD-9"))]))
        sim.faults.set_rate("lost-response", 0.0)
        resent = parse(post(c, env.build([function("inv-9", create_invoice(invoiceno="ORD-9"))])))

    assert [i.record_id for i in sim.store.invoices()] == ["ORD-9"]
    assert errornos(results(resent)[0]) == [DUPLICATE_CONTROLID_CODE]


def test_http_524_commits_and_http_5xx_does_not(clock: FakeClock) -> None:
    sim524 = make(clock, faults=FaultPlan({"http-524": 1.0}))
    sim5xx = make(clock, faults=FaultPlan({"http-5xx": 1.0}))
    body = Envelope(sim524.credentials).build([function("f", create_invoice())])
    with client_for(sim524) as c:
        timeout = post(c, body)
    with client_for(sim5xx) as c:
        unavailable = post(c, body)

    assert (timeout.status_code, len(sim524.store.invoices())) == (524, 1)
    assert (unavailable.status_code, len(sim5xx.store.invoices())) == (503, 0)


def test_the_rate_limit_fault_answers_429_without_running_anything(clock: FakeClock) -> None:
    sim = make(clock, faults=FaultPlan({"rate-limit": 1.0}))
    with client_for(sim) as c:
        response = post(c, Envelope(sim.credentials).build([function("f", create_invoice())]))

    assert response.status_code == 429
    assert sim.store.invoices() == []


def test_the_session_expired_fault_kills_sessions_but_not_logins(clock: FakeClock) -> None:
    sim = make(clock)

    def session() -> str:
        doc = parse(post(c, Envelope(sim.credentials).build([function("s", el("getAPISession"))])))
        return doc.findtext("operation/result/data/api/sessionid") or ""

    def status(env: Envelope) -> str:
        doc = parse(post(c, env.build([function("f", create_invoice())])))
        return doc.findtext("operation/authentication/status") or ""

    with client_for(sim) as c:
        first = session()
        sim.faults.set_rate("session-expired", 1.0)
        expired = status(Envelope(sim.credentials, sessionid=first))
        fresh_too = status(Envelope(sim.credentials, sessionid=session()))
        by_login = status(Envelope(sim.credentials))
        sim.faults.set_rate("session-expired", 0.0)
        later = status(Envelope(sim.credentials, sessionid=first))
        replacement = status(Envelope(sim.credentials, sessionid=session()))

    assert (expired, fresh_too, by_login, later, replacement) == (
        "failure",
        "failure",  # rate 1.0: no session ever works
        "success",
        "failure",  # an expired session stays dead
        "success",
    )
    assert len(sim.store.invoices()) == 2


def test_unknown_fault_names_are_refused_listing_the_valid_ones(clock: FakeClock) -> None:
    with pytest.raises(UnknownFault, match="lost-response"):
        make(clock, faults=FaultPlan({"gremlins": 0.5}))


def test_faults_fire_the_same_way_for_the_same_seed(clock: FakeClock) -> None:
    def outcomes(seed: int) -> list[int]:
        sim = make(clock, faults=FaultPlan({"http-5xx": 0.5}, seed=seed))
        body = Envelope(sim.credentials).build([function("s", el("getAPISession"))])
        with client_for(sim) as c:
            return [post(c, body).status_code for _ in range(20)]

    assert outcomes(3) == outcomes(3)
    assert outcomes(3) != outcomes(4)
    assert set(outcomes(3)) == {200, 503}


def test_set_fault_rate_refuses_a_misspelt_name(clock: FakeClock) -> None:
    sim = make(clock)

    sim.set_fault_rate("http-524", 0.25)
    with pytest.raises(UnknownFault):
        sim.set_fault_rate("http-542", 1.0)

    assert sim.faults.rates == {"http-524": 0.25}
