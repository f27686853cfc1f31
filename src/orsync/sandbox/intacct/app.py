"""The simulated XML gateway as a WSGI application.

Order of checks for one POST, as the real gateway's layers would apply them: front end (rate
limit and injected HTTP faults), XML parse, schema, sender credentials, the company's
concurrency cap, authentication, then the functions one after another.

Faults (``IntacctSimConfig.faults``; names in ``FAULT_NAMES``):
- ``rate-limit``: HTTP 429 with a GW-0010 body; nothing runs.
- ``http-5xx``: HTTP 503 with an HTML body; nothing runs.
- ``session-expired``: a request authenticated by session finds it gone (drawn once per such
  request, fresh sessions included, so rate 1.0 means no session ever works); nothing runs.
- ``lost-response``: everything runs and commits, then the connection drops with no answer.
- ``http-524``: everything runs and commits, then the CDN answers 524 instead of the result.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from lxml import etree

from orsync.sandbox.faults import FaultPlan
from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.config import (
    FAULT_HTTP_5XX,
    FAULT_HTTP_524,
    FAULT_LOST_RESPONSE,
    FAULT_NAMES,
    FAULT_RATE_LIMIT,
    FAULT_SESSION_EXPIRED,
    IntacctCredentials,
    IntacctSimConfig,
)
from orsync.sandbox.intacct.context import Context, Cursors, FunctionFailed
from orsync.sandbox.intacct.functions import HANDLERS
from orsync.sandbox.intacct.limits import ConcurrencyGate, ControlIds, RateLimiter
from orsync.sandbox.intacct.protocol import (
    XML_CONTENT_TYPE,
    AuthEcho,
    FunctionResult,
    auth_failure,
    bare_failure,
    control_failure,
    success_response,
)
from orsync.sandbox.intacct.request import (
    FieldError,
    Function,
    MalformedRequest,
    Request,
    parse_document,
    read_request,
    text,
)
from orsync.sandbox.intacct.schema import load_schema, resolve_xsd_path, validation_errors
from orsync.sandbox.intacct.seed import default_company_seed
from orsync.sandbox.intacct.sessions import Session, Sessions
from orsync.sandbox.intacct.store import IntacctStore, Journal
from orsync.sandbox.server import DropConnection
from orsync.sandbox.world import IntacctCompanySeed

_HTML_503 = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
_HTML_524 = b"<html><body><h1>Error 524: A timeout occurred</h1></body></html>"


@dataclass
class GatewayStats:
    """Counters for benchmarks and scenario tests (API transactions are ``functions``)."""

    requests: int = 0
    functions: int = 0
    by_function: Counter[str] = field(default_factory=Counter)
    refused_busy: int = 0
    rate_limited: int = 0
    faults: Counter[str] = field(default_factory=Counter)


@dataclass
class GatewayReply:
    """An HTTP answer: status line, body, content type, extra headers."""

    status: str
    body: bytes
    content_type: str = XML_CONTENT_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Auth:
    user_id: str
    entity_id: str
    session: Session | None
    echo: AuthEcho


class IntacctSimulator:
    """A Sage Intacct XML gateway holding one company in memory (a WSGI callable)."""

    def __init__(
        self, seed: IntacctCompanySeed | None = None, config: IntacctSimConfig | None = None
    ) -> None:
        self.config = config or IntacctSimConfig()
        self.config.faults.validate(FAULT_NAMES)
        self.credentials: IntacctCredentials = self.config.credentials
        company = seed or default_company_seed()
        self.store = IntacctStore(company, self.config.clock(), self.config.invoice_number_format)
        self.sessions = Sessions(self.config.session_duration, self.config.seed)
        self.cursors = Cursors(self.config.seed)
        self.gate = ConcurrencyGate(
            self.config.max_concurrent_requests, self.config.concurrency_wait_seconds
        )
        self.rate_limiter = RateLimiter(self.config.rate_limit, self.config.clock)
        self.controlids = ControlIds()
        self.stats = GatewayStats()
        self._stats_lock = threading.Lock()
        xsd = resolve_xsd_path(self.config.xsd_path)
        self.schema: Any = load_schema(xsd) if xsd else None

    @property
    def company_id(self) -> str:
        return self.credentials.company_id

    @property
    def faults(self) -> FaultPlan:
        return self.config.faults

    def set_fault_rate(self, name: str, rate: float) -> None:
        """Change one fault's rate at run time, refusing names this simulator does not know."""
        FaultPlan({name: rate}).validate(FAULT_NAMES)
        self.config.faults.set_rate(name, rate)

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.stats = GatewayStats()

    # --- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != self.config.gateway_path:
            return self._send(start_response, GatewayReply("404 Not Found", b"", "text/plain"))
        if environ.get("REQUEST_METHOD") != "POST":
            # GET has been blocked since 2023-01-15.
            return self._send(
                start_response, GatewayReply("405 Method Not Allowed", b"", "text/plain")
            )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            body = parse_qs(body.decode("utf-8", "replace")).get("xmlrequest", [""])[0].encode()
        reply = self.handle(body, self._endpoint(environ))
        return self._send(start_response, reply)

    def _endpoint(self, environ: dict[str, Any]) -> str:
        host = environ.get("HTTP_HOST") or (
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{self.config.gateway_path}"

    @staticmethod
    def _send(start_response: Any, reply: GatewayReply) -> list[bytes]:
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
        start_response(reply.status, headers + reply.headers)
        return [reply.body]

    # --- one request -----------------------------------------------------------------------
    def _count(self, **changes: int) -> None:
        with self._stats_lock:
            for name, value in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + value)

    def _fault(self, name: str) -> bool:
        fired = self.config.faults.fires(name)
        if fired:
            with self._stats_lock:
                self.stats.faults[name] += 1
        return fired

    def handle(self, body: bytes, endpoint: str) -> GatewayReply:
        """Answer one request body (what the WSGI entry point calls after reading it)."""
        self._count(requests=1)
        if self._fault(FAULT_RATE_LIMIT) or not self.rate_limiter.allow():
            self._count(rate_limited=1)
            retry_after = (
                self.config.rate_limit.retry_after_seconds if self.config.rate_limit else 1
            )
            return GatewayReply(
                "429 Too Many Requests",
                bare_failure(messages.RATE_LIMITED),
                headers=[("Retry-After", str(retry_after))],
            )
        if self._fault(FAULT_HTTP_5XX):
            return GatewayReply("503 Service Unavailable", _HTML_503, "text/html")
        try:
            tree = parse_document(body)
        except MalformedRequest as exc:
            errors = [
                messages.GatewayError(
                    messages.PARSE_ERROR_CODE, description2=messages.PARSE_ERROR_PREFIX + m
                )
                for m in exc.messages
            ]
            return GatewayReply("200 OK", control_failure(exc.echo, errors))
        request = read_request(tree)
        if self.schema is not None:
            problems = validation_errors(self.schema, tree)
            if problems:
                errors = [
                    messages.GatewayError(
                        messages.PARSE_ERROR_CODE, description2=messages.PARSE_ERROR_PREFIX + p
                    )
                    for p in problems
                ]
                return GatewayReply("200 OK", control_failure(request.echo, errors))
        if (
            request.echo.senderid != self.credentials.sender_id
            or request.sender_password != self.credentials.sender_password
        ):
            return GatewayReply("200 OK", control_failure(request.echo, [messages.INVALID_SENDER]))
        if not self.gate.enter():
            self._count(refused_busy=1)
            return GatewayReply(
                "200 OK", control_failure(request.echo, [messages.TOO_MANY_OPERATIONS])
            )
        try:
            self.config.latency.wait(0, self.config.sleep)
            reply, commit_faults = self._operate(request, endpoint)
        finally:
            self.gate.leave()
        if commit_faults and self._fault(FAULT_LOST_RESPONSE):
            raise DropConnection("lost-response fault after commit")
        if commit_faults and self._fault(FAULT_HTTP_524):
            return GatewayReply("524 A Timeout Occurred", _HTML_524, "text/html")
        return reply

    def _authenticate(self, request: Request, now: datetime) -> _Auth | bytes | GatewayReply:
        creds = self.credentials
        if request.login is not None:
            login = request.login
            if (
                login.userid != creds.user_id
                or login.companyid != creds.company_id
                or login.password != creds.user_password
            ):
                if self.config.login_failure_http_401:
                    body = bare_failure(messages.SIGN_IN_INCORRECT_401)
                    return GatewayReply("401 Unauthorized", body)
                echo = AuthEcho("failure", login.userid, login.companyid, login.locationid)
                return auth_failure(request.echo, echo, [messages.SIGN_IN_INCORRECT])
            entity = login.locationid
            if entity and entity not in self.store.entities:
                echo = AuthEcho("failure", login.userid, login.companyid, entity)
                return auth_failure(request.echo, echo, [messages.invalid_entity(entity)])
            echo = AuthEcho(
                "success", login.userid, login.companyid, entity, now, now + self.sessions.duration
            )
            return _Auth(login.userid, entity, None, echo)
        session_id = request.sessionid or ""
        if session_id and self._fault(FAULT_SESSION_EXPIRED):
            self.sessions.expire(session_id)
        session = self.sessions.use(session_id, now) if session_id else None
        if session is None:
            echo = AuthEcho("failure", "", "", None)
            return auth_failure(request.echo, echo, [messages.INVALID_SESSION])
        echo = AuthEcho(
            "success",
            session.user_id,
            creds.company_id,
            session.entity_id,
            session.created,
            session.expires,
        )
        return _Auth(session.user_id, session.entity_id, session, echo)

    def _operate(self, request: Request, endpoint: str) -> tuple[GatewayReply, bool]:
        """Authenticate and run the functions; the flag says whether work was committed
        (the only case where lost-response and 524 faults apply)."""
        now = self.config.clock()
        auth = self._authenticate(request, now)
        if isinstance(auth, bytes):
            return GatewayReply("200 OK", auth), False
        if isinstance(auth, GatewayReply):
            return auth, False
        results: list[FunctionResult] = []
        journal = Journal()
        failed = False
        claimed: list[tuple[str, bool]] = []
        for function in request.functions:
            if request.transaction and failed:
                results.append(FunctionResult(function.name, function.controlid, "aborted"))
                continue
            result = self._run_one(request, function, auth, endpoint, journal, claimed)
            results.append(result)
            failed = failed or result.status == "failure"
        if request.transaction and failed:
            journal.rollback()
            for result in results:
                if result.status == "success":
                    result.status = "aborted"
                    result.payload = []
                result.errors.append(messages.ROLLED_BACK)
                if result.status == "aborted":
                    result.errors = [messages.ROLLED_BACK]
        for controlid, ok in claimed:
            self.controlids.finish(controlid, ok and not (request.transaction and failed))
        if len(results) == 1 and results[0].raw is not None and results[0].status == "success":
            content_type, raw = results[0].raw
            return GatewayReply("200 OK", raw, content_type), True
        body = success_response(request.echo, auth.echo, results)
        return GatewayReply("200 OK", body), True

    def _run_one(
        self,
        request: Request,
        function: Function,
        auth: _Auth,
        endpoint: str,
        journal: Journal,
        claimed: list[tuple[str, bool]],
    ) -> FunctionResult:
        if request.uniqueid:
            state = self.controlids.claim(function.controlid)
            if state == ControlIds.DONE:
                error = messages.duplicate_controlid(function.controlid)
                return FunctionResult(function.name, function.controlid, "failure", errors=[error])
            if state == ControlIds.RUNNING:
                error = messages.controlid_in_process(function.controlid)
                return FunctionResult(function.name, function.controlid, "failure", errors=[error])
        with self._stats_lock:
            self.stats.functions += 1
            self.stats.by_function[function.name] += 1
        ok = False
        try:
            # Functions run one after another, each taking the per-function time; its
            # controlid is "in process" meanwhile.
            per_function = self.config.latency.per_unit_ms / 1000.0
            if per_function > 0:
                self.config.sleep(per_function)
            result = self._dispatch(request, function, auth, endpoint, journal)
            ok = result.status == "success"
            return result
        finally:
            if request.uniqueid:
                claimed.append((function.controlid, ok))

    def _dispatch(
        self, request: Request, function: Function, auth: _Auth, endpoint: str, journal: Journal
    ) -> FunctionResult:
        if function.name == "getAPISession":
            return self._get_api_session(request, function, auth, endpoint)
        handler = HANDLERS.get(function.name)
        if handler is None:
            error = messages.unsupported_function(function.name or "(empty)")
            return FunctionResult(function.name, function.controlid, "failure", errors=[error])
        ctx = Context(
            store=self.store,
            entity_id=auth.entity_id,
            now=self.config.clock(),
            cursors=self.cursors,
            journal=journal if request.transaction else Journal(),
            max_read_keys=self.config.max_read_keys,
        )
        try:
            with self.store.lock:
                return handler(ctx, function)
        except FunctionFailed as failure:
            return FunctionResult(
                function.name, function.controlid, "failure", failure.payload, failure.errors
            )
        except FieldError as exc:
            error = messages.invalid_value(str(exc))
            return FunctionResult(function.name, function.controlid, "failure", errors=[error])

    def _get_api_session(
        self, request: Request, function: Function, auth: _Auth, endpoint: str
    ) -> FunctionResult:
        if len(request.functions) != 1:
            error = messages.business("getAPISession must be the only function in its request.")
            return FunctionResult(function.name, function.controlid, "failure", errors=[error])
        element = function.element.find("locationid")
        entity = auth.entity_id if element is None else text(function.element, "locationid")
        if entity and entity not in self.store.entities:
            error = messages.invalid_entity(entity)
            return FunctionResult(function.name, function.controlid, "failure", errors=[error])
        session = self.sessions.create(auth.user_id, entity, self.config.clock())
        data = etree.Element("data")
        api = etree.SubElement(data, "api")
        etree.SubElement(api, "sessionid").text = session.session_id
        etree.SubElement(api, "endpoint").text = endpoint
        etree.SubElement(api, "locationid").text = entity
        return FunctionResult(function.name, function.controlid, payload=[data])
