"""The OfficeRnD Flex simulator as a WSGI application.

Order of checks on a data API request: route (404/405), bearer token (401), scope (403),
organization (404), injected ``rate-limit``/``http-5xx`` faults, read/write rate limit (429),
the handler (4xx on a business error), then the ``lost-response`` fault, which drops the
connection after the work is committed. Latency is slept outside the simulator's lock so
concurrent requests overlap as they would against the real service.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from orsync.sandbox.officernd import api
from orsync.sandbox.officernd.auth import (
    TokenIssuer,
    TokenRequestError,
    default_application,
    token_answer,
)
from orsync.sandbox.officernd.config import OfficeRndSimConfig
from orsync.sandbox.officernd.inspection import ScenarioControls
from orsync.sandbox.officernd.limits import (
    FAULT_HTTP_5XX,
    FAULT_LOST_RESPONSE,
    FAULT_NAMES,
    FAULT_RATE_LIMIT,
    FAULT_RETRY_AFTER_SECONDS,
    SlidingWindowLimit,
)
from orsync.sandbox.officernd.org import Organization
from orsync.sandbox.officernd.responses import (
    API_RATE_LIMIT_MESSAGE,
    SEND_RETRY_AFTER,
    TOKEN_RATE_LIMIT_TEXT,
    ApiError,
    Response,
)
from orsync.sandbox.officernd.seed import small_org_seed
from orsync.sandbox.officernd.store import COLLECTIONS, Store
from orsync.sandbox.officernd.webhooks import WebhookDispatcher
from orsync.sandbox.server import DropConnection
from orsync.sandbox.world import OfficeRndOrgSeed

# The token endpoint lives on identity.officernd.com/oauth/token in production; the simulator
# serves the same path on its own host.
TOKEN_PATH = "/oauth/token"
API_PREFIX = re.compile(r"^/api/v2/organizations/([^/]+)(/.*)$")

StartResponse = Callable[..., Any]


def _retry_after(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)} if SEND_RETRY_AFTER else {}


class OfficeRndSimulator(ScenarioControls):
    """A WSGI callable answering like OfficeRnD's identity endpoint and v2 data API.

    ``seed`` None loads :func:`small_org_seed`. Without seeded applications the simulator
    registers the default sandbox application (``auth.DEFAULT_CLIENT_ID`` /
    ``auth.DEFAULT_CLIENT_SECRET`` granted ``auth.ORSYNC_SCOPES``).
    """

    def __init__(
        self,
        seed: OfficeRndOrgSeed | None = None,
        config: OfficeRndSimConfig | None = None,
        *,
        take_seed: bool = False,
    ) -> None:
        """``take_seed``: the seed's records become the store's, uncopied, and the seed's
        collections are emptied (a large world is then held once, not twice)."""
        self.config = config or OfficeRndSimConfig()
        self.config.faults.validate(FAULT_NAMES)
        seed = seed if seed is not None else small_org_seed()
        unknown = sorted(set(seed.collections) - set(COLLECTIONS))
        if unknown:
            msg = f"seed has collections the simulator does not serve: {', '.join(unknown)}"
            raise ValueError(msg)
        self._lock = threading.RLock()
        store = Store(self.config.clock, self.config.id_seed)
        for name, records in seed.collections.items():
            store.load(name, records, copy=not take_seed)
            if take_seed:
                seed.collections[name] = []
        if take_seed:
            store.compact()
        dispatcher = WebhookDispatcher(
            self.config.clock,
            self.config.faults,
            self.config.webhook_max_attempts,
            self.config.webhook_http,
        )
        self.org = Organization(
            seed.org_slug,
            store,
            dispatcher,
            seed.billing_lock_date,
            number_writable=self.config.number_writable,
        )
        self.tokens = TokenIssuer(
            seed.applications or [default_application()], self.config.token_lifetime
        )
        self._token_limit = SlidingWindowLimit(self.config.token_requests_per_minute)
        self._read_limit = SlidingWindowLimit(self.config.read_requests_per_minute)
        self._write_limit = SlidingWindowLimit(self.config.write_requests_per_minute)
        self.request_counts: Counter[str] = Counter()

    @property
    def org_slug(self) -> str:
        return self.org.slug

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", "/"))
        body = _read_body(environ)
        if path == TOKEN_PATH:
            response, drop = self._token(method, body), False
        else:
            response, drop = self._api(method, path, environ, body)
        self.config.latency.wait(response.units, sleep=self.config.sleep)
        if drop:
            raise DropConnection
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
        ]
        headers.extend(response.headers.items())
        start_response(response.status_line(), headers)
        return [response.body]

    def _token(self, method: str, body: bytes) -> Response:
        with self._lock:
            self.request_counts[f"{method} {TOKEN_PATH}"] += 1
            if method != "POST":
                return Response.from_error(ApiError(405, f"Cannot {method} {TOKEN_PATH}"))
            wait = self._token_limit.admit(self.config.clock())
            if wait is not None:
                return Response.text(429, TOKEN_RATE_LIMIT_TEXT, _retry_after(wait))
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            now = self.config.clock()
            try:
                token = self.tokens.issue(form, now)
            except TokenRequestError as refused:
                return Response.json(refused.status, refused.body())
            answer = Response.json(200, token_answer(token, now))
            answer.headers["Cache-Control"] = "no-store"
            return answer

    def _api(
        self, method: str, path: str, environ: dict[str, Any], body: bytes
    ) -> tuple[Response, bool]:
        found = API_PREFIX.match(path)
        try:
            if found is None:
                raise ApiError(404, f"Cannot {method} {path}")
            slug, rest = found.groups()
            route, params = api.match(method, rest)
        except ApiError as error:
            with self._lock:
                self.request_counts[f"{method} (unrouted)"] += 1
            return Response.from_error(error), False
        request = api.Request(method, params, str(environ.get("QUERY_STRING", "")), body)
        with self._lock:
            self.request_counts[f"{method} {route.template}"] += 1
            try:
                self._authorize(environ, route.scope, slug)
                self._admit(route.is_write)
                response = route.handler(self.org, request)
            except ApiError as error:
                return Response.from_error(error), False
            drop = self.config.faults.fires(FAULT_LOST_RESPONSE)
            return response, drop

    def _authorize(self, environ: dict[str, Any], scope: str, slug: str) -> None:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, value = header.partition(" ")
        token = (
            self.tokens.lookup(value.strip(), self.config.clock())
            if scheme.lower() == "bearer"
            else None
        )
        if token is None:
            raise ApiError(401, "Unauthorized", headers={"WWW-Authenticate": "Bearer"})
        if scope not in token.scopes:
            # UNVERIFIED message; it names the missing scope so a client can report it.
            raise ApiError(403, f"Missing required scope: {scope}")
        if slug != self.org.slug:
            raise ApiError(404, "Organization not found")

    def _admit(self, is_write: bool) -> None:
        faults = self.config.faults
        if faults.fires(FAULT_RATE_LIMIT):
            raise ApiError(
                429, API_RATE_LIMIT_MESSAGE, headers=_retry_after(FAULT_RETRY_AFTER_SECONDS)
            )
        if faults.fires(FAULT_HTTP_5XX):
            raise ApiError(503, "Service Unavailable")
        limit = self._write_limit if is_write else self._read_limit
        wait = limit.admit(self.config.clock())
        if wait is not None:
            raise ApiError(429, API_RATE_LIMIT_MESSAGE, headers=_retry_after(wait))


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    stream = environ["wsgi.input"]
    data: bytes = stream.read(length)
    return data
