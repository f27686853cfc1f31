"""The session endpoint getAPISession names is used only on the configured gateway's host or
another host of its domain (Sage moves companies between *.intacct.com hosts): the session id
and every document would otherwise go wherever a compromised answer pointed."""

from __future__ import annotations

import pytest

from orsync.errors import OrsyncError, ServiceUnavailable
from orsync.intacct.transport import require_session_endpoint
from tests.intacct import fake_gateway
from tests.intacct.fake_gateway import FakeGateway
from tests.intacct.test_intacct_client import invoices, make_client

SAGE = "https://api.intacct.com/ia/xml/xmlgw.phtml"


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://collector.example.net/ia/xml/xmlgw.phtml",
        "https://intacct.com.example.net/ia/xml/xmlgw.phtml",
        "https://evilintacct.com/ia/xml/xmlgw.phtml",
        "http://na12.intacct.com/ia/xml/xmlgw.phtml",
    ],
)
def test_an_endpoint_off_the_gateways_domain_is_refused(endpoint: str) -> None:
    with pytest.raises(OrsyncError) as refused:
        require_session_endpoint(endpoint, SAGE)
    assert refused.value.hint


@pytest.mark.parametrize(
    ("endpoint", "configured"),
    [
        ("https://na12.intacct.com/ia/xml/xmlgw.phtml", SAGE),
        (SAGE, SAGE),
        ("http://127.0.0.1:8080/ia/xml/xmlgw.phtml", "http://127.0.0.1:8080/x"),
    ],
)
def test_the_gateways_host_and_its_siblings_are_followed(endpoint: str, configured: str) -> None:
    assert require_session_endpoint(endpoint, configured) == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://na12.intacct.com/ia/xml/xmlgw.phtml",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://evil.example.net@api.intacct.com/ia/xml/xmlgw.phtml",
    ],
)
def test_an_unusable_session_endpoint_is_the_service_answering_wrongly(endpoint: str) -> None:
    """The endpoint is Intacct's answer, not the user's setting: 69 naming the sign-in, never
    78 with a hint to rewrite a configured URL that is right."""
    with pytest.raises(ServiceUnavailable) as refused:
        require_session_endpoint(endpoint, SAGE)
    assert refused.value.message.startswith("Intacct's sign-in named a session endpoint")
    assert "profiles show" in refused.value.hint


def test_a_loopback_gateway_has_no_siblings() -> None:
    with pytest.raises(ServiceUnavailable):
        require_session_endpoint("http://127.0.0.2:8080/x", "http://127.0.0.1:8080/x")


def test_the_client_sends_nothing_to_a_foreign_session_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        fake_gateway, "SESSION_ENDPOINT", "https://collector.example.net/ia/xml/xmlgw.phtml"
    )
    gateway = FakeGateway()
    with pytest.raises(ServiceUnavailable, match=r"another host \(collector.example.net\)"):
        list(make_client(gateway).write(invoices(2)))
    assert gateway.urls == [fake_gateway.ENDPOINT]  # the sign-in only; no document left
