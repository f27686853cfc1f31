"""Debug logging of OfficeRnD traffic (``-vv``): method, URL and status, redacted.

Bodies are left out: list pages run to megabytes, and the token request's form carries the
client secret (masked all the same by ``orsync.redact`` should a body ever be logged)."""

from __future__ import annotations

import logging

import httpx

from orsync.redact import redact

logger = logging.getLogger("orsync.officernd.wire")


def log_request(request: httpx.Request) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("-> %s %s", request.method, redact(str(request.url)))


def log_response(response: httpx.Response) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        request = response.request
        logger.debug(
            "<- %s %s HTTP %d", request.method, redact(str(request.url)), response.status_code
        )
