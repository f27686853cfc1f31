"""Reading a request document: the envelope into plain values, functions as elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from orsync.sandbox.intacct.protocol import ControlEcho

# The requests page says an omitted <uniqueid> means true; every SDK sends it explicitly.
UNIQUEID_DEFAULT = True

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False
)
_RECOVER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


class MalformedRequest(Exception):
    """The body is not well-formed XML (or has no request envelope)."""

    def __init__(self, messages: list[str], echo: ControlEcho) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.echo = echo


class FieldError(Exception):
    """A value inside a function cannot be read (bad date, amount …): PL03000006."""


def text(parent: etree._Element | None, path: str) -> str:
    if parent is None:
        return ""
    found = parent.find(path)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def opt_text(parent: etree._Element, path: str) -> str | None:
    found = parent.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def decimal(value: str, what: str) -> Decimal:
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise FieldError(f"The {what} '{value}' is invalid") from None
    if not result.is_finite():
        raise FieldError(f"The {what} '{value}' is invalid")
    return result


def legacy_date(parent: etree._Element, tag: str) -> date | None:
    """A legacy ``<tag><year/><month/><day/></tag>`` triple (unpadded month/day accepted)."""
    element = parent.find(tag)
    if element is None:
        return None
    try:
        return date(
            int(text(element, "year")), int(text(element, "month")), int(text(element, "day"))
        )
    except ValueError:
        raise FieldError(f"The {tag} date is invalid") from None


def object_date(value: str, what: str) -> date | None:
    """A generic object's ``mm/dd/yyyy`` date."""
    if not value:
        return None
    try:
        month, day, year = (int(part) for part in value.split("/"))
        return date(year, month, day)
    except ValueError:
        raise FieldError(f"The {what} '{value}' is invalid") from None


def custom_fields(parent: etree._Element) -> tuple[tuple[str, str], ...]:
    """Legacy ``customfields/customfield`` pairs, names upper-cased as reads return them."""
    pairs = []
    for item in parent.findall("customfields/customfield"):
        name = text(item, "customfieldname")
        if name:
            pairs.append((name.upper(), text(item, "customfieldvalue")))
    return tuple(pairs)


@dataclass(frozen=True)
class Login:
    userid: str
    companyid: str
    password: str
    locationid: str


@dataclass(frozen=True)
class Function:
    controlid: str
    name: str
    element: etree._Element


@dataclass
class Request:
    echo: ControlEcho
    sender_password: str
    uniqueid: bool
    transaction: bool = False
    login: Login | None = None
    sessionid: str | None = None
    functions: list[Function] = field(default_factory=list)


def _echo(control: etree._Element | None) -> ControlEcho:
    return ControlEcho(
        senderid=text(control, "senderid"),
        controlid=text(control, "controlid"),
        uniqueid=text(control, "uniqueid") or "false",
        dtdversion=text(control, "dtdversion") or "3.0",
    )


def parse_document(body: bytes) -> etree._ElementTree:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        messages = [
            f"Fatal Error {e.type}: {e.message.strip()} Line: {e.line}, column: {e.column}."
            for e in list(exc.error_log)  # type: ignore[call-overload]
        ] or [str(exc)]
        try:
            partial = etree.fromstring(body, _RECOVER)
        except etree.XMLSyntaxError:
            partial = None
        control = partial.find("control") if partial is not None else None
        raise MalformedRequest(messages, _echo(control)) from None
    if root.tag != "request":
        raise MalformedRequest(
            [f"Fatal Error: root element '{root.tag}' is not 'request'."], ControlEcho()
        )
    return etree.ElementTree(root)


def read_request(tree: etree._ElementTree) -> Request:
    root = tree.getroot()
    control = root.find("control")
    echo = _echo(control)
    unique_text = text(control, "uniqueid").lower()
    uniqueid = UNIQUEID_DEFAULT if not unique_text else unique_text in ("true", "1")
    request = Request(echo=echo, sender_password=text(control, "password"), uniqueid=uniqueid)
    # The schema allows several operations; SDKs send one and the simulator serves the first.
    operation = root.find("operation")
    if operation is None:
        return request
    request.transaction = operation.get("transaction", "false") == "true"
    login = operation.find("authentication/login")
    if login is not None:
        request.login = Login(
            userid=text(login, "userid"),
            companyid=text(login, "companyid"),
            password=text(login, "password"),
            locationid=text(login, "locationid"),
        )
    else:
        session = operation.find("authentication/sessionid")
        request.sessionid = (session.text or "").strip() if session is not None else ""
    for content in operation.findall("content"):
        for function in content.findall("function"):
            children = [c for c in function if isinstance(c.tag, str)]
            name = children[0].tag if children else ""
            body = children[0] if children else function
            request.functions.append(Function(function.get("controlid", ""), str(name), body))
    return request
