"""A small scriptable OfficeRnD stand-in for MockTransport unit tests (the full simulator lives
in orsync.sandbox.officernd; these tests pin the client's own behaviour)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from orsync.officernd import ClientCredentials, OfficeRndClient, RateBudget
from orsync.officernd.auth import TokenStore
from orsync.retry import RetryPolicy

API = "https://api.test"
TOKEN_URL = "https://identity.test/oauth/token"
ORG = "acme"
SECRET = "s3cr3t-client-secret-value"
BASE = f"{API}/api/v2/organizations/{ORG}"

Hook = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeOfficeRnd:
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    expires_in: int = 3599
    granted: str | None = None  # scope string in the token answer; None = echo request
    token_requests: list[httpx.Request] = field(default_factory=list)
    api_requests: list[httpx.Request] = field(default_factory=list)
    # API hooks and token-endpoint hooks: the first non-None answer wins and is used up.
    hooks: list[Hook] = field(default_factory=list)
    token_hooks: list[Hook] = field(default_factory=list)
    issued: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            self.token_requests.append(request)
        else:
            self.api_requests.append(request)
        hooks = self.token_hooks if str(request.url) == TOKEN_URL else self.hooks
        for hook in list(hooks):
            try:
                answer = hook(request)
            except httpx.TransportError:
                hooks.remove(hook)
                raise
            if answer is not None:
                hooks.remove(hook)
                return answer
        if str(request.url) == TOKEN_URL:
            form = dict(parse_qsl(request.content.decode()))
            self.issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"tok{self.issued:038d}",
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                    "scope": self.granted if self.granted is not None else form["scope"],
                },
            )
        path = request.url.path.removeprefix(f"/api/v2/organizations/{ORG}/")
        if request.method == "GET" and path in self.collections:
            return self._list(path, request)
        if request.method == "GET" and path.removesuffix("/count") in self.collections:
            records = self._list(path.removesuffix("/count"), request, count=True)
            return httpx.Response(200, json={"count": records})
        return httpx.Response(404, json={"statusCode": 404, "message": "Not Found"})

    def _list(self, path: str, request: httpx.Request, *, count: bool = False) -> Any:
        """A list page, or with ``count`` the number of records the filters match."""
        params = list(request.url.params.multi_items())
        records = sorted(self.collections[path], key=lambda r: r["_id"])
        limit = 50
        after = None
        for key, value in params:
            if key == "$limit":
                limit = min(int(value), 50)
            elif key == "$cursorNext":
                after = json.loads(base64.urlsafe_b64decode(value + "=="))["v"]
            elif key == "$select":
                continue
            elif key.endswith("[$gte]"):
                records = [r for r in records if r.get(key[:-6], "") >= value]
            elif key.endswith("[$lt]"):
                records = [r for r in records if r.get(key[:-5], "") < value]
            elif key.endswith("[$in]"):
                records = [r for r in records if r.get(key[:-5]) in value.split(",")]
            else:
                records = [r for r in records if str(r.get(key)) == value]
        if count:
            return len(records)
        if after is not None:
            records = [r for r in records if r["_id"] > after]
        page = records[:limit]
        body: dict[str, Any] = {"rangeStart": 1, "rangeEnd": len(page), "results": page}
        if len(records) > limit:
            cursor = json.dumps({"k": "_id", "p": limit, "v": page[-1]["_id"]}).encode()
            body["cursorNext"] = base64.urlsafe_b64encode(cursor).decode().rstrip("=")
        return httpx.Response(200, content=json.dumps(body).encode())


def make_client(
    fake: FakeOfficeRnd,
    *,
    clock: FakeClock | None = None,
    sleeps: list[float] | None = None,
    scopes: tuple[str, ...] | None = None,
    read_budget: RateBudget | None = None,
    token_rate_limit_wait: float = 0.0,
    token_store: TokenStore | None = None,
) -> OfficeRndClient:
    http = httpx.Client(transport=httpx.MockTransport(fake.handler))
    recorded = sleeps if sleeps is not None else []
    credentials = (
        ClientCredentials("client-1", SECRET, scopes)
        if scopes is not None
        else ClientCredentials("client-1", SECRET)
    )
    return OfficeRndClient(
        http,
        org=ORG,
        credentials=credentials,
        api_url=API,
        token_url=TOKEN_URL,
        read_budget=read_budget or RateBudget(None),
        write_budget=RateBudget(None),
        retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0),
        sleep=recorded.append,
        clock=clock or FakeClock(),
        token_rate_limit_wait=token_rate_limit_wait,
        token_store=token_store,
    )


def oid(n: int) -> str:
    return f"{n:024x}"


def invoice(n: int, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "_id": oid(n),
        "number": f"INV-{n}",
        "documentType": "invoice",
        "status": "awaiting_payment",
        "total": 120,
        "createdAt": f"2026-01-{1 + n % 28:02d}T00:00:{n % 60:02d}.000Z",
        "modifiedAt": "2026-02-01T00:00:00.000Z",
    }
    record.update(extra)
    return record
