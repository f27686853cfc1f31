"""The simulator served on 127.0.0.1 by the threaded server, as the CLI and benchmarks use it."""

from __future__ import annotations

import httpx
import pytest

from orsync.sandbox.faults import FaultPlan
from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator
from orsync.sandbox.server import serve
from tests.sandbox_intacct.conftest import FakeClock
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    el,
    function,
    parse,
    post,
    read_by_query,
)

pytestmark = pytest.mark.loopback


def test_a_session_endpoint_points_at_the_served_host_and_writes_land(clock: FakeClock) -> None:
    sim = IntacctSimulator(config=IntacctSimConfig(clock=clock))
    with serve(sim) as served, httpx.Client(base_url=served.base_url, timeout=5) as client:
        login = parse(
            post(client, Envelope(sim.credentials).build([function("s", el("getAPISession"))]))
        )
        endpoint = login.findtext("operation/result/data/api/endpoint") or ""
        session = login.findtext("operation/result/data/api/sessionid") or ""
        env = Envelope(sim.credentials, sessionid=session)
        created = parse(client.post(endpoint, content=env.build([function("i", create_invoice())])))
        read = parse(post(client, env.build([function("q", read_by_query("ARINVOICE"))])))

    assert endpoint == f"{served.base_url}/ia/xml/xmlgw.phtml"
    assert created.findtext("operation/result/status") == "success"
    assert read.find("operation/result/data").get("count") == "1"  # type: ignore[union-attr]


def test_a_lost_response_closes_the_socket_after_the_commit(clock: FakeClock) -> None:
    sim = IntacctSimulator(
        config=IntacctSimConfig(clock=clock, faults=FaultPlan({"lost-response": 1.0}))
    )
    with (
        serve(sim) as served,
        httpx.Client(base_url=served.base_url, timeout=5) as client,
        pytest.raises(httpx.TransportError),
    ):
        post(client, Envelope(sim.credentials).build([function("i", create_invoice())]))

    assert len(sim.store.invoices()) == 1
