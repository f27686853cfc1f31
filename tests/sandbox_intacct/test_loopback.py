"""The simulator served on 127.0.0.1 by the threaded server, as the CLI and benchmarks use it."""

from __future__ import annotations

import socket

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


def _counting_app(environ: dict[str, object], start_response: object) -> list[bytes]:
    body = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [body]


def test_a_client_reuses_one_kept_alive_connection_for_many_requests() -> None:
    peers: set[object] = set()
    with serve(_counting_app) as served, httpx.Client(base_url=served.base_url) as client:
        for number in range(5):
            response = client.post(f"/r{number}", content=b"x" * number)
            peers.add(response.extensions["network_stream"].get_extra_info("client_addr"))
            assert response.text == f"POST /r{number}"
            assert response.http_version == "HTTP/1.1"

    assert len(peers) == 1


def test_a_stopped_server_answers_nothing_even_on_a_kept_alive_connection() -> None:
    served = serve(_counting_app)
    with httpx.Client(base_url=served.base_url, timeout=2) as client:
        assert client.get("/before").text == "GET /before"
        served.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/after")


def test_answers_leave_at_once_without_waiting_for_the_clients_delayed_ack() -> None:
    # Headers and body are two writes: with Nagle on, the body would wait ~40 ms for the
    # client's delayed ACK on every answer, a latency no real front end adds to the model's.
    with serve(_counting_app) as served, httpx.Client(base_url=served.base_url) as client:
        assert client.get("/once").text == "GET /once"
        with served.server._open_lock:  # type: ignore[attr-defined]
            connections = list(served.server._open)  # type: ignore[attr-defined]
        options = {c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in connections}

    assert connections and 0 not in options


def test_a_client_that_goes_away_mid_answer_prints_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # Ctrl-C on `orsync demo` (or a client timing out) resets the connection while the
    # simulator is still answering; the sandbox's stderr is the user's terminal.
    import struct
    import threading

    answering = threading.Event()
    reset = threading.Event()

    def slow_app(environ: dict[str, object], start_response: object) -> list[bytes]:
        answering.set()
        reset.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"x" * 1_000_000]

    with serve(slow_app) as served:
        client = socket.create_connection((served.host, served.port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        assert answering.wait(5)
        # Close with a reset (linger 0), as a killed process's socket does.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        reset.set()
        with httpx.Client(base_url=served.base_url, timeout=5) as other:
            assert other.get("/after").status_code == 200  # served on, once the slow app ends
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
