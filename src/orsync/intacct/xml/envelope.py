"""The request envelope, in the order api.xsd enforces.

``request`` = ``control`` (senderid, password, controlid, uniqueid, dtdversion,
includewhitespace) then one ``operation`` (``authentication`` = ``login`` | ``sessionid``,
then ``content`` with the functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from orsync.intacct.xml.function import Function
from orsync.intacct.xml.values import boolean, optional, sub

DTD_VERSION = "3.0"
_EMPTY_CONTENT = b"<content/>"
_CLOSING = b"</operation></request>"


@dataclass(frozen=True)
class SenderCredentials:
    """The Web Services sender (partner) ID and its password."""

    sender_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class LoginCredentials:
    """A company user; ``location_id`` logs in to one entity of a multi-entity company."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None


@dataclass(frozen=True)
class SessionCredentials:
    session_id: str = field(repr=False)


Authentication = LoginCredentials | SessionCredentials


def build_request(
    sender: SenderCredentials,
    authentication: Authentication,
    functions: Sequence[Function],
    *,
    request_controlid: str,
    transaction: bool = False,
    unique_id: bool = False,
) -> bytes:
    """Serialise one request: compact UTF-8 XML with its declaration.

    ``unique_id=True`` asks the gateway to refuse any function whose controlid already ran
    (send it for writes); ``transaction=True`` makes the functions land together or not at all.
    """
    if not functions:
        raise ValueError("a request needs at least one function")
    controlids = [f.controlid for f in functions]
    if len(set(controlids)) != len(controlids):
        raise ValueError("function controlids must be unique within a request")
    request = etree.Element("request")
    control = sub(request, "control")
    sub(control, "senderid", sender.sender_id)
    sub(control, "password", sender.password)
    sub(control, "controlid", request_controlid)
    sub(control, "uniqueid", boolean(unique_id))
    sub(control, "dtdversion", DTD_VERSION)
    sub(control, "includewhitespace", boolean(False))
    operation = sub(request, "operation", None)
    operation.set("transaction", boolean(transaction))
    auth = sub(operation, "authentication")
    if isinstance(authentication, LoginCredentials):
        login = sub(auth, "login")
        sub(login, "userid", authentication.user_id)
        sub(login, "companyid", authentication.company_id)
        sub(login, "password", authentication.password)
        optional(login, "locationid", authentication.location_id)
    else:
        sub(auth, "sessionid", authentication.session_id)
    sub(operation, "content")
    # The envelope is serialised with an empty <content/> and each function's bytes (serialised
    # once, by its builder) are spliced in: no function is parsed or serialised again.
    envelope = etree.tostring(request, xml_declaration=True, encoding="UTF-8")
    if not envelope.endswith(_EMPTY_CONTENT + _CLOSING):
        raise AssertionError("the envelope must end with its empty <content/>")
    head = envelope[: -len(_EMPTY_CONTENT + _CLOSING)]
    return b"".join(
        [head, b"<content>", *(f.serialised() for f in functions), b"</content>", _CLOSING]
    )
