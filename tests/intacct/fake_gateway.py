"""A scripted gateway for httpx.MockTransport: sessions plus a queue of canned answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from lxml import etree

from orsync.sandbox.intacct.schema import load_schema, resolve_xsd_path, validation_errors

ENDPOINT = "https://api.intacct.test/ia/xml/xmlgw.phtml"
SESSION_ENDPOINT = "https://na99.intacct.test/ia/xml/xmlgw.phtml"

Script = Callable[[etree._Element], httpx.Response]


def response_xml(results: str, *, auth_status: str = "success", timeout: str = "") -> bytes:
    timeout_el = f"<sessiontimeout>{timeout}</sessiontimeout>" if timeout else ""
    return (
        "<?xml version='1.0' encoding='UTF-8'?><response><control><status>success</status>"
        "<senderid>s</senderid><controlid>c</controlid><uniqueid>false</uniqueid>"
        "<dtdversion>3.0</dtdversion></control><operation><authentication>"
        f"<status>{auth_status}</status><userid>u</userid><companyid>c</companyid>{timeout_el}"
        f"</authentication>{results}</operation></response>"
    ).encode()


def result_xml(function: str, controlid: str, *, status: str = "success", inner: str = "") -> str:
    status_el = f"<status>{status}</status>" if status else ""
    return (
        f"<result>{status_el}<function>{function}</function><controlid>{controlid}</controlid>"
        f"{inner}</result>"
    )


def error_xml(errorno: str, text: str = "", correction: str = "") -> str:
    return (
        f"<errormessage><error><errorno>{errorno}</errorno><description></description>"
        f"<description2>{text}</description2><correction>{correction}</correction></error>"
        "</errormessage>"
    )


AUTH_FAILED = response_xml(error_xml("XL03000006", "Invalid session"), auth_status="failure")


def functions_of(request: etree._Element) -> list[tuple[str, str]]:
    return [
        (str(f[0].tag), f.get("controlid") or "")
        for f in request.iterfind("operation/content/function")
    ]


def success_for(request: etree._Element) -> httpx.Response:
    results = "".join(
        result_xml(name, cid, inner=f"<key>{cid}-key</key>") for name, cid in functions_of(request)
    )
    return httpx.Response(200, content=response_xml(results))


def _assert_schema_valid(root: etree._Element) -> None:
    """Every request the client sends in these tests must satisfy api.xsd (when available)."""
    path = resolve_xsd_path(None)
    if not path:
        return
    problems = validation_errors(load_schema(path), etree.ElementTree(root))
    assert not problems, f"request rejected by api.xsd: {problems}"


@dataclass
class FakeGateway:
    """Answers getAPISession itself; every other request takes the next script (or succeeds)."""

    scripts: list[Script] = field(default_factory=list)
    requests: list[etree._Element] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    headers: list[httpx.Headers] = field(default_factory=list)
    sessions_opened: int = 0
    session_timeout: str = "2026-11-27T10:00:00+00:00"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        root = etree.fromstring(request.content)
        _assert_schema_valid(root)
        self.requests.append(root)
        self.urls.append(str(request.url))
        self.headers.append(request.headers)
        if root.find("operation/content/function/getAPISession") is not None:
            self.sessions_opened += 1
            location = root.findtext("operation/authentication/login/locationid") or ""
            api = (
                f"<data><api><sessionid>sess-{self.sessions_opened}-{location}</sessionid>"
                f"<endpoint>{SESSION_ENDPOINT}</endpoint><locationid>{location}</locationid>"
                "</api></data>"
            )
            cid = root.find("operation/content/function").get("controlid") or ""
            return httpx.Response(
                200,
                content=response_xml(
                    result_xml("getAPISession", cid, inner=api), timeout=self.session_timeout
                ),
            )
        if self.scripts:
            return self.scripts.pop(0)(root)
        return success_for(root)

    def work_requests(self) -> list[etree._Element]:
        return [r for r in self.requests if r.find(".//getAPISession") is None]
