"""Secret redaction: the one filter every log line and rendered request passes through.

Resolved secrets are registered here as they are resolved; anything between the sensitive
markers of DESIGN.md section 7 is masked even when its value was never registered.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"

_lock = threading.Lock()
_secrets: set[str] = set()

# Element content of sensitive XML elements, and header/form values that carry credentials.
_SENSITIVE_ELEMENTS = "password|sessionid|senderpassword|userpassword"
_SENSITIVE_KEYS = "client_secret|access_token|refresh_token|password|sender_password|user_password"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"(<({_SENSITIVE_ELEMENTS})\b[^>]*>)(.*?)(</\2\s*>)", re.S | re.I),
        rf"\1{MASK}\4",
    ),
    (
        re.compile(r"(Authorization\s*[:=]\s*)(\"?)(?:Bearer\s+|Basic\s+)?[^\s\"',}]+", re.I),
        rf"\1\2{MASK}",
    ),
    (re.compile(rf"((?:{_SENSITIVE_KEYS})=)[^&\s\"']+", re.I), rf"\1{MASK}"),
    (re.compile(rf"(\"(?:{_SENSITIVE_KEYS})\"\s*:\s*\")[^\"]*(\")", re.I), rf"\1{MASK}\2"),
)


_SENSITIVE_KEY = re.compile(rf"(?:{_SENSITIVE_KEYS}|{_SENSITIVE_ELEMENTS})", re.I)


def is_sensitive_key(name: str) -> bool:
    """Whether a field called ``name`` holds a credential (its value is masked whole)."""
    return _SENSITIVE_KEY.fullmatch(name) is not None


def register_secret(value: str | None) -> None:
    """Remember a resolved secret so that it is masked wherever it appears later."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (tests use this between cases)."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and every marked value masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Logging filter that renders the record's message once and masks it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Pre-render the traceback so the handler prints the redacted text, not the original.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True
