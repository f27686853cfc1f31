"""Error and response shapes of the simulated API.

No OfficeRnD error body has ever been published (reference/officernd-samples/README.md, "Not
found"). v2 runs on NestJS, so the simulator answers with NestJS's default exception body
``{"statusCode", "message", "error"}``. UNVERIFIED: every error body the simulator writes is
built by :func:`error_body`, so a correction lands in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

# The token endpoint's documented 429 text (D-token-ref); the body is plain text, as an
# express-style rate limiter writes it.
TOKEN_RATE_LIMIT_TEXT = "Too many requests, please try again later"

# NestJS's ThrottlerGuard default message. UNVERIFIED for OfficeRnD's data API.
API_RATE_LIMIT_MESSAGE = "ThrottlerException: Too Many Requests"

# Retry-After on 429 is NOT FOUND in any OfficeRnD source; the simulator sends it (seconds)
# because the brief asks for it and a client must work both with and without it.
SEND_RETRY_AFTER = True


def error_body(status: int, message: str | list[str]) -> dict[str, Any]:
    """NestJS default exception body (UNVERIFIED for OfficeRnD)."""
    return {
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
    }


class ApiError(Exception):
    """An error answer; raised anywhere inside a request handler, rendered by the app."""

    def __init__(
        self,
        status: int,
        message: str | list[str],
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message if isinstance(message, str) else "; ".join(message))
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str | list[str]) -> ApiError:
    return ApiError(400, message)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def encode_json(payload: object) -> bytes:
    """The one wire form of JSON answers: compact, UTF-8, non-ASCII kept as is."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Response:
    """What a handler returns before it is written to the WSGI server."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # How many records the answer carries: the latency model's unit of work.
    units: int = 0

    @classmethod
    def json(cls, status: int, payload: object, *, units: int = 0) -> Response:
        return cls(status=status, body=encode_json(payload), units=units)

    @classmethod
    def text(cls, status: int, text: str, headers: dict[str, str] | None = None) -> Response:
        return cls(
            status=status,
            body=text.encode("utf-8"),
            content_type="text/plain; charset=utf-8",
            headers=dict(headers or {}),
        )

    @classmethod
    def from_error(cls, error: ApiError) -> Response:
        response = cls.json(error.status, error_body(error.status, error.message))
        response.headers.update(error.headers)
        return response

    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"
