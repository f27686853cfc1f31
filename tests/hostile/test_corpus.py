"""The hostile-input corpus: orsync's files (config and mapping YAML, state) and the answers of
both services, each bad in one way, each run through the real CLI.

Every case must end in its documented exit code, print `error:` and `hint:` and no traceback
(no --debug here), leave nothing in Intacct that OfficeRnD did not issue, and stay within:

- time: 60 s wall per case. This is a hang detector, not a speed claim (the failures this
  corpus was built from took 26 to 420 s, or never ended); the cases finish in about a
  second each on an idle machine. Service calls get a 2 s deadline here instead of 180 s.
- memory: 64 MB of Python allocations per file case (tracemalloc's peak; the alias bombs asked
  for 1.8 GB and more), and answers capped at 256 kB here (16 and 64 MB by default) with the
  gzip bomb expanding to 64 MB, so a case that read a body whole would show as a peak.
"""

from __future__ import annotations

import functools
import gzip
import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from orsync.bounded import Limits
from orsync.errors import ExitCode, OrsyncError, RecordError
from tests.conftest import CliResult, CliRunner
from tests.hostile.test_yaml_limits import alias_bomb
from tests.sync.conftest import Configure, mapped_profile
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

__all__ = ["mapped_profile"]

CASE_SECONDS = 60.0
FILE_CASE_BYTES = 64 * 1024 * 1024
ANSWER_CAP = 256 * 1024


@contextmanager
def bounded_case() -> Iterator[dict[str, float]]:
    """Measure one case: wall seconds and tracemalloc's peak, checked on exit."""
    measured: dict[str, float] = {}
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield measured
    finally:
        measured["seconds"] = time.monotonic() - started
        measured["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert measured["seconds"] < CASE_SECONDS, measured


def assert_clean_failure(result: CliResult, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "error: " in result.stderr and "hint: " in result.stderr, result.stderr


# -- the files ------------------------------------------------------------------------------

YAML_CASES: dict[str, str | bytes] = {
    "alias bomb, 7 levels": alias_bomb(7),
    "alias bomb, 10 levels": alias_bomb(10),
    "recursive alias": "profiles: &p\n  main: *p\n",
    "nested 20,000 deep (flow)": "profiles: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "nested 3,000 deep (block)": "".join(f"{' ' * i}k:\n" for i in range(3000)),
    "a python tag": "profiles: !!python/object/apply:os.system ['echo pwned']\n",
    "Latin-1 bytes": "profiles:\n  caf\xe9: {}\n".encode("latin-1"),
    "binary garbage": bytes(range(256)) * 4,
    "NUL in text": "profiles:\n  main\0: {}\n",
    "a 9 MB file": "# " + "x" * (9 * 1024 * 1024) + "\n",
    "tabs and duplicates": "profiles:\n\tmain: {}\nprofiles: {}\n",
    "a list at the top": "- profiles\n- main\n",
}


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("content", YAML_CASES.values(), ids=YAML_CASES.keys())
def test_a_hostile_config_file_is_exit_78_in_bounded_time_and_memory(
    run_cli: CliRunner, tmp_path: Path, content: str | bytes
) -> None:
    config = tmp_path / "config.yaml"
    _write(config, content)
    with bounded_case() as measured:
        result = run_cli("--config", str(config), "profiles", "list")
    assert_clean_failure(result, ExitCode.CONFIG)
    assert measured["peak"] < FILE_CASE_BYTES, measured


@pytest.mark.parametrize("content", YAML_CASES.values(), ids=YAML_CASES.keys())
def test_a_hostile_mapping_file_is_exit_78_in_bounded_time_and_memory(
    run_cli: CliRunner, tmp_path: Path, content: str | bytes
) -> None:
    mapping = tmp_path / "mappings.yaml"
    _write(mapping, content)
    with bounded_case() as measured:
        result = run_cli("map", "check", str(mapping), "--offline")
    assert_clean_failure(result, ExitCode.CONFIG)
    assert measured["peak"] < FILE_CASE_BYTES, measured


STATE_CASES: dict[str, bytes] = {
    "random bytes": bytes(range(256)) * 64,
    "a truncated database": b"SQLite format 3\0" + b"\x10\x00\x01\x01" + b"\0" * 80,
    "a text file": b"profile: main\nledger: []\n",
}


@pytest.mark.parametrize("content", STATE_CASES.values(), ids=STATE_CASES.keys())
def test_a_hostile_state_file_is_exit_78_naming_it(run_cli: CliRunner, content: bytes) -> None:
    from orsync.env import state_dir
    from orsync.state import database_path
    from tests.foundation.profiles_data import write_profiles

    write_profiles("acme")
    path = database_path(state_dir(), "acme")
    _write(path, content)
    with bounded_case() as measured:
        result = run_cli("--profile", "acme", "status")
    assert_clean_failure(result, ExitCode.CONFIG)
    assert str(path) in result.stderr
    assert measured["peak"] < FILE_CASE_BYTES, measured


# -- the services' answers --------------------------------------------------------------------

Rewrite = Callable[[httpx.Request, Callable[[], httpx.Response]], httpx.Response]


class Hostile(httpx.BaseTransport):
    """The real (sandbox) service behind a rewrite of its answers: ``rewrite(request, send)``
    answers itself or calls ``send()`` for the genuine answer and changes it."""

    def __init__(self, rewrite: Rewrite) -> None:
        self.inner = httpx.HTTPTransport()
        self.rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        def send() -> httpx.Response:
            response = self.inner.handle_request(request)
            response.read()
            return response

        return self.rewrite(request, send)

    def close(self) -> None:
        self.inner.close()


def genuine(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    return send()


def _is_list(request: httpx.Request, name: str) -> bool:
    return request.method == "GET" and request.url.path.endswith(f"/{name}")


def endless_cursor(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    """Every payments walk goes on after its last page with pages of invented invoices."""
    cursor = request.url.params.get("$cursorNext", "")
    if cursor.startswith("invented-"):
        page = int(cursor.removeprefix("invented-"))
        template = _TEMPLATE[0]
        records = [
            {**template, "_id": f"{page:012x}{n:012x}", "number": f"FAKE-{page}-{n}"}
            for n in range(50)
        ]
        return httpx.Response(200, json={"results": records, "cursorNext": f"invented-{page + 1}"})
    response = send()
    if not _is_list(request, "payments"):
        return response
    body = json.loads(response.content)
    if body.get("results"):
        _TEMPLATE[:] = [body["results"][0]]
        if not body.get("cursorNext"):
            body["cursorNext"] = "invented-1"
    return httpx.Response(200, json=body)


_TEMPLATE: list[dict[str, Any]] = [{}]


def repeated_records(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    """The first payments page again and again under ever new cursors."""
    cursor = request.url.params.get("$cursorNext", "")
    if cursor.startswith("again-"):
        return httpx.Response(200, json={**_FIRST[0], "cursorNext": cursor + "x"})
    response = send()
    if not _is_list(request, "payments"):
        return response
    body = json.loads(response.content)
    if body.get("results"):
        _FIRST[:] = [body]
        body = {**body, "cursorNext": "again-"}
    return httpx.Response(200, json=body)


_FIRST: list[dict[str, Any]] = [{}]


def always(status: int, **headers: str) -> Rewrite:
    def rewrite(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
        if "/oauth/" in request.url.path:
            return send()
        return httpx.Response(status, headers=headers, content=b"<html>nope</html>")

    return rewrite


def html_page(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    if "/oauth/" in request.url.path:
        return send()
    return httpx.Response(200, content=b"<html><body>Sign in to the Wi-Fi</body></html>")


def gzip_bomb(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    if "/oauth/" in request.url.path:
        return send()
    return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(_BOMB))


_BOMB = gzip.compress(b"[" * (64 * 1024 * 1024), compresslevel=9)


def huge_page(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    if "/oauth/" in request.url.path:
        return send()
    return httpx.Response(200, stream=httpx.ByteStream(b" " * (ANSWER_CAP * 8)))


def foreign_session_endpoint(
    request: httpx.Request, send: Callable[[], httpx.Response]
) -> httpx.Response:
    response = send()
    if b"<endpoint>" not in response.content:
        return response
    content = response.content.replace(b"http://127.0.0.1", b"https://collector.example.net")
    return httpx.Response(response.status_code, content=content)


def garbage_xml(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    response = send()
    if b"getAPISession" in request.read():
        return response
    return httpx.Response(200, content=b"<?xml version='1.0'?><response><oops")


def lines_as_text(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
    response = send()
    if not _is_list(request, "payments"):
        return response
    body = json.loads(response.content)
    for record in body.get("results", [])[:1]:
        record["lines"] = "not a list"
    return httpx.Response(200, json=body)


# (OfficeRnD rewrite, Intacct rewrite, exit code, text the error names)
SERVICE_CASES: dict[str, tuple[Rewrite, Rewrite, int, str]] = {
    "endless OfficeRnD cursor": (endless_cursor, genuine, 69, "never ends"),
    "records repeated under new cursors": (repeated_records, genuine, 69, "never ends"),
    "OfficeRnD always 503": (always(503), genuine, 69, "HTTP 503"),
    "OfficeRnD always 500": (always(500), genuine, 69, "HTTP 500"),
    "OfficeRnD always 429, wait an hour": (
        always(429, **{"Retry-After": "3600"}),
        genuine,
        75,
        "429",
    ),
    "OfficeRnD answers 400": (always(400), genuine, 69, "refused"),
    "OfficeRnD answers an HTML page": (html_page, genuine, 69, "unreadable"),
    "OfficeRnD sends a gzip bomb": (gzip_bomb, genuine, 69, "too large"),
    "OfficeRnD sends a huge page": (huge_page, genuine, 69, "too large"),
    "a malformed document": (lines_as_text, genuine, 1, ""),
    "Intacct names a foreign session host": (genuine, foreign_session_endpoint, 69, "another host"),
    "Intacct answers broken XML": (genuine, garbage_xml, 69, "Intacct"),
    "Intacct always 503": (genuine, always(503), 69, "HTTP 503"),
    "Intacct answers 400 with HTML": (genuine, always(400), 69, "refused the request"),
}


@pytest.mark.loopback
@pytest.mark.parametrize(
    ("officernd", "intacct", "code", "named"), SERVICE_CASES.values(), ids=SERVICE_CASES.keys()
)
def test_a_hostile_service_answer_ends_in_its_exit_code_posting_only_what_was_issued(
    sandbox: RunningSandbox,
    mapped_profile: Configure,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    fast_retries: None,
    officernd: Rewrite,
    intacct: Rewrite,
    code: int,
    named: str,
) -> None:
    from orsync.services.common import open_connections
    from orsync.services.sync import run as sync_run

    mapped_profile()
    monkeypatch.setattr("orsync.intacct.transport.CALL_DEADLINE_SECONDS", 2.0)
    monkeypatch.setattr("orsync.officernd.session.CALL_DEADLINE_SECONDS", 2.0)
    monkeypatch.setattr("orsync.intacct.transport.LIMITS", Limits(ANSWER_CAP, "Intacct"))
    monkeypatch.setattr("orsync.officernd.session.LIMITS", Limits(ANSWER_CAP, "OfficeRnD"))
    monkeypatch.setattr(
        sync_run,
        "open_connections",
        functools.partial(
            open_connections,
            officernd_transport=Hostile(officernd),
            intacct_transport=Hostile(intacct),
        ),
    )
    issued_numbers = {doc["number"] for doc in issued(sandbox)}
    issued_numbers |= {doc["number"] for doc in issued(sandbox, "creditNote")}
    before = {doc.doc_number for doc in sandbox.intacct.store.invoices()}

    with bounded_case() as measured:
        result = run_cli("sync")

    if code == 1:
        assert result.exit_code == 1 and "Traceback" not in result.stderr, result.stderr
    else:
        assert_clean_failure(result, code)
        assert named in result.stderr, result.stderr
    posted = {doc.doc_number for doc in sandbox.intacct.store.invoices()} - before
    assert posted <= issued_numbers, sorted(posted - issued_numbers)[:5]
    assert measured["peak"] < 4 * ANSWER_CAP + 48 * 1024 * 1024, measured


# -- every error the CLI can print has a hint -------------------------------------------------


def _subclasses(cls: type[OrsyncError]) -> Iterator[type[OrsyncError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_class_carries_a_hint_when_raised_without_one() -> None:
    # Load every module whose error classes the CLI can meet.
    import orsync.cli
    import orsync.services.setup
    import orsync.services.sync

    assert orsync.cli and orsync.services.setup and orsync.services.sync
    for cls in {OrsyncError, *_subclasses(OrsyncError)}:
        if issubclass(cls, RecordError):
            continue  # one record's failure: listed with its source's own fix, never alone
        try:
            error = cls("something went wrong")
        except (TypeError, AttributeError):
            continue  # built from structured parts, with its own hint (tested with its module)
        assert error.hint, cls.__name__
