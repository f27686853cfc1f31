"""Debug logging of gateway traffic (``-vv``), with every sensitive element masked."""

from __future__ import annotations

import logging
import re

from orsync.redact import MASK, redact

logger = logging.getLogger("orsync.intacct.wire")

# The official SDKs' MessageFormatter list (intacct-api.md section 11), beyond the password and
# session id that orsync.redact already masks. Case-insensitive, so CUSTOMER TAXID is hidden too.
_SENSITIVE = "accountnumber|cardnum|ssn|achaccountnumber|wireaccountnumber|taxid"
_ELEMENT = re.compile(rf"(<({_SENSITIVE})\b[^>]*>)(.*?)(</\2\s*>)", re.S | re.I)


def redact_xml(text: str) -> str:
    return redact(_ELEMENT.sub(rf"\1{MASK}\4", text))


def log_exchange(direction: str, url: str, body: bytes, status: int | None = None) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    text = body.decode("utf-8", errors="replace")
    suffix = f" HTTP {status}" if status is not None else ""
    logger.debug("%s %s%s\n%s", direction, redact(url), suffix, redact_xml(text))
