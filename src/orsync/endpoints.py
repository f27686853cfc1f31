"""A service URL that could not be used, worded so the admin knows whose move it is.

A wrong URL is a configuration mistake (exit 78): the host does not resolve, the server answers
404, or nothing listens at an address this machine has never reached. The same refusal at an
address reached before is an outage (exit 69): try later. Every message names the URL tried.

What was reached is kept by origin (scheme, host, port) in a small file in the cache folder,
noted by an httpx response hook on the clients orsync builds (:func:`note_reached`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from orsync.errors import ConfigError, OrsyncError, ServiceUnavailable

REACHED_FILE = "reached-endpoints"

# getaddrinfo's words for "no such host" (Linux, macOS, Windows). "Temporary failure in name
# resolution" is left out on purpose: the resolver itself is down, an outage.
_NO_SUCH_HOST = (
    "name or service not known",
    "nodename nor servname",
    "no address associated",
    "getaddrinfo failed",
    "[errno -2]",
    "[errno 8]",
    "[errno 11001]",
)
_REFUSED = ("connection refused", "[errno 111]", "[errno 61]", "10061")

_lock = threading.Lock()
_noted: set[str] = set()


@dataclass(frozen=True)
class Setting:
    """Where a URL comes from: the service's name and the command that sets it."""

    service: str
    command: str


INTACCT = Setting("Intacct", "`orsync connect --intacct-url URL`")
OFFICERND_API = Setting("OfficeRnD", "`orsync connect --officernd-api-url URL`")
OFFICERND_TOKEN = Setting(
    "OfficeRnD's token endpoint", "`orsync connect --officernd-token-url URL`"
)


def origin(url: str | httpx.URL) -> str:
    parsed = httpx.URL(str(url))
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.host}:{port}"


def note_reached(response: httpx.Response) -> None:
    """httpx response hook: this origin answered (whatever it said), so it exists."""
    key = origin(response.request.url)
    with _lock:
        if key in _noted:
            return
        _noted.add(key)
    if key not in _read_file():
        from orsync.env import cache_dir, ensure_private_dir

        try:
            folder = ensure_private_dir(cache_dir())
            path = folder / REACHED_FILE
            with path.open("a", encoding="utf-8") as file:
                file.write(key + "\n")
            path.chmod(0o600)
        except OSError:
            pass  # a hint's precision is not worth failing a run for


def reached_before(url: str) -> bool:
    key = origin(url)
    with _lock:
        if key in _noted:
            return True
    return key in _read_file()


def forget_reached() -> None:
    """Forget this process's notes (tests start each from a clean slate)."""
    with _lock:
        _noted.clear()


def _read_file() -> set[str]:
    from orsync.env import cache_dir

    try:
        text = (cache_dir() / REACHED_FILE).read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def unreachable(setting: Setting, url: str, error: Exception, *, attempts: int = 1) -> OrsyncError:
    """The error for a request to ``url`` that never got an answer."""
    text = str(error).lower()
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    fix = f"Check the URL, and correct it with {setting.command}."
    if isinstance(error, httpx.ConnectError) and any(w in text for w in _NO_SUCH_HOST):
        host = httpx.URL(url).host
        return ConfigError(f"{setting.service} URL {url}: the host {host} does not exist", hint=fix)
    if (
        isinstance(error, httpx.ConnectError)
        and any(w in text for w in _REFUSED)
        and not reached_before(url)
    ):
        return ConfigError(
            f"{setting.service} URL {url}: nothing answers there (connection refused), "
            "and this machine has never reached it",
            hint=fix,
        )
    return ServiceUnavailable(
        f"{setting.service} did not answer at {url}{tried}: {_reason(error)}",
        hint="It answered before: the service or the network is down. Run again later; "
        "nothing was lost.",
    )


def not_found(setting: Setting, url: str, status: int = 404) -> ConfigError:
    """The server answered, but there is no such endpoint: a wrong path."""
    return ConfigError(
        f"{setting.service} URL {url}: the server answered HTTP {status} (no such endpoint)",
        hint=f"Check the path, and correct it with {setting.command}.",
    )


def _reason(error: Exception) -> str:
    detail = str(error).strip()
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
