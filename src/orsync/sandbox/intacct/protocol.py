"""Response documents in the exact shapes of the captured gateway answers (pure lxml)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from orsync.sandbox.intacct.messages import GatewayError
from orsync.sandbox.intacct.rows import row_bytes

XML_CONTENT_TYPE = 'text/xml; encoding="UTF-8"'


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def errormessage(parent: etree._Element, errors: Iterable[GatewayError]) -> etree._Element:
    block = sub(parent, "errormessage")
    for error in errors:
        item = sub(block, "error")
        sub(item, "errorno", error.errorno)
        sub(item, "description", error.description)
        sub(item, "description2", error.description2)
        sub(item, "correction", error.correction)
    return block


@dataclass(frozen=True)
class ControlEcho:
    """What the response's control block echoes from the request (empty when unparseable)."""

    senderid: str = ""
    controlid: str = ""
    uniqueid: str = "false"
    dtdversion: str = "3.0"
    complete: bool = True


def _control(root: etree._Element, status: str, echo: ControlEcho) -> None:
    control = sub(root, "control")
    sub(control, "status", status)
    sub(control, "senderid", echo.senderid)
    sub(control, "controlid", echo.controlid)
    if echo.complete:
        sub(control, "uniqueid", echo.uniqueid)
        sub(control, "dtdversion", echo.dtdversion)


def serialize(root: etree._Element) -> bytes:
    # The gateway's declaration uses double quotes (lxml's own would use single ones).
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def control_failure(echo: ControlEcho, errors: Sequence[GatewayError]) -> bytes:
    """Nothing ran: control says failure and ``errormessage`` is a child of ``response``."""
    root = etree.Element("response")
    _control(root, "failure", echo)
    errormessage(root, errors)
    return serialize(root)


def bare_failure(error: GatewayError) -> bytes:
    """The front end's terse body (HTTP 401/429): control has only a status, error two fields."""
    root = etree.Element("response")
    control = sub(root, "control")
    sub(control, "status", "failure")
    item = sub(sub(root, "errormessage"), "error")
    sub(item, "errorno", error.errorno)
    sub(item, "description", error.description)
    return serialize(root)


@dataclass(frozen=True)
class AuthEcho:
    """The authentication block of a response."""

    status: str
    userid: str
    companyid: str
    locationid: str | None = ""
    sessiontimestamp: datetime | None = None
    sessiontimeout: datetime | None = None


def _auth(operation: etree._Element, auth: AuthEcho) -> None:
    block = sub(operation, "authentication")
    sub(block, "status", auth.status)
    sub(block, "userid", auth.userid)
    sub(block, "companyid", auth.companyid)
    if auth.locationid is not None:
        sub(block, "locationid", auth.locationid)
    if auth.sessiontimestamp is not None:
        sub(block, "sessiontimestamp", auth.sessiontimestamp.isoformat(timespec="seconds"))
    if auth.sessiontimeout is not None:
        sub(block, "sessiontimeout", auth.sessiontimeout.isoformat(timespec="seconds"))


def auth_failure(echo: ControlEcho, auth: AuthEcho, errors: Sequence[GatewayError]) -> bytes:
    root = etree.Element("response")
    _control(root, "success", echo)
    operation = sub(root, "operation")
    _auth(operation, auth)
    errormessage(operation, errors)
    return serialize(root)


# Numbers the markers of spliced rows apart (unique within the process, so within an answer).
_MARKERS = itertools.count(1)


@dataclass
class FunctionResult:
    """One ``result``: status, the function's name and controlid, payload, errors."""

    function: str
    controlid: str
    status: str = "success"
    payload: list[etree._Element] = field(default_factory=list)
    errors: list[GatewayError] = field(default_factory=list)
    # For returnFormat json/csv: the body that replaces the whole XML envelope.
    raw: tuple[str, bytes] | None = None
    # Serialised rows by the marker comment that stands for them in a payload element.
    rows: dict[bytes, bytes] = field(default_factory=dict)

    def append_rows(
        self, parent: etree._Element, tag: str, rows: Sequence[Sequence[tuple[str, str]]]
    ) -> None:
        """``rows`` as ``tag`` elements under ``parent`` (a payload element), as if appended
        one by one, but written by :func:`rows.row_bytes` and spliced in when serialised."""
        if not rows:
            return  # an element without children serialises as <data .../>: keep it so
        marker = f"rows {next(_MARKERS)}"
        parent.append(etree.Comment(marker))
        self.rows[f"<!--{marker}-->".encode()] = b"".join(row_bytes(tag, row) for row in rows)

    def render(self, operation: etree._Element) -> None:
        result = sub(operation, "result")
        sub(result, "status", self.status)
        sub(result, "function", self.function)
        sub(result, "controlid", self.controlid)
        for element in self.payload:
            result.append(element)
        if self.errors:
            errormessage(result, self.errors)


def success_response(echo: ControlEcho, auth: AuthEcho, results: Sequence[FunctionResult]) -> bytes:
    root = etree.Element("response")
    _control(root, "success", echo)
    operation = sub(root, "operation")
    _auth(operation, auth)
    for result in results:
        result.render(operation)
    body = serialize(root)
    for result in results:
        for marker, rows in result.rows.items():
            body = body.replace(marker, rows, 1)  # absent when the payload was dropped
    return body


def key_payload(key: str) -> etree._Element:
    """Legacy create result: ``<key>`` (resp-create-legacy-key.xml)."""
    element = etree.Element("key")
    element.text = key
    return element


def data_element(listtype: str, count: int, **attributes: str | int) -> etree._Element:
    data = etree.Element("data")
    data.set("listtype", listtype)
    data.set("count", str(count))
    for name, value in attributes.items():
        data.set(name, str(value))
    return data


def record_element(tag: str, fields: Iterable[tuple[str, str]]) -> etree._Element:
    element = etree.Element(tag)
    subelement = etree.SubElement  # every row of every read passes here: no call per field
    for name, value in fields:
        subelement(element, name).text = value
    return element
