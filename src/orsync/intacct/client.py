"""``IntacctClient``: sessions, batching and bounded concurrency over one company's gateway.

Reads (``execute``, ``query_all``, ``read_by_query_all``) raise on failure. Writes (``write``,
``write_group``) return one :mod:`~orsync.intacct.outcomes` value per function so that the
caller's ledger can record exactly what is known about each record.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from itertools import islice

import httpx

from orsync.errors import AuthError, TemporaryError
from orsync.intacct import codes
from orsync.intacct.outcomes import Aborted, NotConfirmed, Outcome, outcome_for
from orsync.intacct.pipeline import Lane, Queued, WritePipeline
from orsync.intacct.session import DEFAULT_SESSION_LIFETIME, Session, SessionStore
from orsync.intacct.settings import IntacctSettings, ReadFailed
from orsync.intacct.transport import (
    Ambiguous,
    Gateway,
    require_safe_endpoint,
    require_session_endpoint,
)
from orsync.intacct.xml import reads
from orsync.intacct.xml.envelope import (
    LoginCredentials,
    SessionCredentials,
    build_request,
)
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.response import Record, Response, Result, ResultStatus
from orsync.redact import register_secret

# Fresh sessions tried per request before giving up with a temporary error: a session refused
# right after it was issued is Intacct's hiccup (or an expiry storm), not bad credentials.
FRESH_SESSION_ATTEMPTS = 3

SESSION_CONTROLID = "orsync-session"

logger = logging.getLogger("orsync.intacct")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_controlid() -> str:
    return uuid.uuid4().hex


def _take(ready: list[Outcome]) -> list[Outcome]:
    """What ``ready`` holds, leaving it empty."""
    taken = list(ready)
    ready.clear()
    return taken


def _not_yielded(lost: list[tuple[Function, None]], error: BaseException) -> None:
    """``write`` yields no outcome for a function whose request raised (its error is)."""
    del lost, error


class IntacctClient:
    """A thin client over an ``httpx.Client`` handed in (its transport decides where to go)."""

    def __init__(
        self,
        http: httpx.Client,
        settings: IntacctSettings,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if settings.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._settings = settings
        self._endpoint = require_safe_endpoint(settings.endpoint)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._retry = settings.retry
        register_secret(settings.sender.password)
        register_secret(settings.login.password)
        self._gateway = Gateway(
            http,
            max_in_flight=settings.max_in_flight,
            timeout=settings.timeout,
            retry=settings.retry,
            sleep=sleep,
            rng=self._rng,
        )
        self._sessions = SessionStore(self._open_session, clock)
        self._pool: ThreadPoolExecutor | None = None  # the write slots, started on first use
        self._pool_lock = threading.Lock()

    @property
    def batch_size(self) -> int:
        """Functions per write request, unless a caller asks for another size."""
        return self._settings.batch_size

    @property
    def max_in_flight(self) -> int:
        """The company's concurrent requests: the gateway's one cap, and the write slots."""
        return self._settings.max_in_flight

    # -- sessions ---------------------------------------------------------------------------

    def sign_in(self, entity: str | None = None) -> None:
        """Open (or reuse) the API session now: checks the credentials (``connect --verify``)."""
        self._sessions.get(entity)

    def _open_session(self, entity: str | None) -> Session:
        """getAPISession, alone in its request, signed in with the user's credentials."""
        login = self._settings.login
        if entity is not None:
            login = LoginCredentials(login.user_id, login.company_id, login.password, entity)
        body = build_request(
            self._settings.sender,
            login,
            [reads.get_api_session(SESSION_CONTROLID)],
            request_controlid=_new_controlid(),
        )
        reply = self._gateway.roundtrip(self._endpoint, body, write=False)
        assert isinstance(reply, Response)  # reads are never ambiguous
        if reply.authentication_failed:
            raise AuthError(
                "Intacct refused the sign-in: " + codes.summary(reply.authentication_errors),
                hint="Check the user ID, company ID, password"
                + (f" and entity {entity!r}" if entity else "")
                + "; correct them with `orsync connect --user-id ID --company-id ID`"
                + " (the password: ORSYNC_INTACCT_USER_PASSWORD, or its prompt).",
            )
        result = reply.results[0] if reply.results else None
        if result is None or result.api_session is None:
            errors = result.errors if result else ()
            raise AuthError(f"Intacct did not open an API session: {codes.summary(errors)}")
        api = result.api_session
        register_secret(api.session_id)
        timeout = reply.authentication.session_timeout if reply.authentication else None
        return Session(
            session_id=api.session_id,
            endpoint=require_session_endpoint(api.endpoint, self._endpoint)
            if api.endpoint
            else self._endpoint,
            entity=entity,
            expires_at=timeout or self._clock() + DEFAULT_SESSION_LIFETIME,
        )

    def _exchange(
        self, functions: Sequence[Function], *, entity: str | None, transaction: bool, write: bool
    ) -> Response | Ambiguous:
        """Send with the entity's session; on an authentication failure sign in again.

        An authentication failure means no function ran, so resending is safe even for writes.
        The sign-in itself succeeded each time, so a session refused again and again is not a
        credentials problem (that fails at sign-in with AuthError): it is temporary (exit 75).
        """
        for attempt in range(1, FRESH_SESSION_ATTEMPTS + 1):
            session = self._sessions.get(entity)
            body = build_request(
                self._settings.sender,
                SessionCredentials(session.session_id),
                functions,
                request_controlid=_new_controlid(),
                transaction=transaction,
                unique_id=write,
            )
            reply = self._gateway.roundtrip(session.endpoint, body, write=write)
            if isinstance(reply, Ambiguous):
                return reply
            if not reply.authentication_failed:
                auth = reply.authentication
                self._sessions.extend(session, auth.session_timeout if auth else None)
                return reply
            self._sessions.invalidate(session)
            if attempt == FRESH_SESSION_ATTEMPTS:
                raise TemporaryError(
                    f"Intacct refused {attempt} sessions in a row right after issuing them: "
                    + codes.summary(reply.authentication_errors),
                    hint="Signing in works, so run again later; if it persists, check the "
                    "user's Web Services permissions in Intacct.",
                )
        raise AssertionError("unreachable")

    # -- reads ------------------------------------------------------------------------------

    def execute(self, functions: Sequence[Function], *, entity: str | None = None) -> Response:
        """Run read functions in one request (retrying what is safe); results in order."""
        if any(f.is_write for f in functions):
            raise ValueError("use write() or write_group() for write functions")
        attempt = 0
        while True:
            attempt += 1
            reply = self._exchange(functions, entity=entity, transaction=False, write=False)
            assert isinstance(reply, Response)
            limited = [r for r in reply.results if codes.is_rate_limited(r.errors)]
            if not limited or not self._retry.should_retry(attempt):
                return reply
            self._sleep(self._retry.delay(attempt, self._rng))

    def read_one(self, function: Function, *, entity: str | None = None) -> Result:
        """Run one read function; raise ReadFailed unless it succeeded."""
        reply = self.execute([function], entity=entity)
        result = reply.result_for(function.controlid)
        if result is None and len(reply.results) == 1:
            # Some gateway versions echo another controlid on readMore pages; with one function
            # in the request its result is unambiguous (safe for a read, never used for writes).
            result = reply.results[0]
        if result is None or result.status is not ResultStatus.SUCCESS:
            errors = result.errors if result else ()
            raise ReadFailed(
                f"Intacct {function.name} failed: {codes.summary(errors)}",
                errors=errors,
                hint=codes.correction(errors),
            )
        return result

    def closed_books_date(self) -> date | None:
        """The last day of the GL's closed books (``get_closedbooksdate``), None when Intacct
        states none. Subledger closes (AR, Order Entry) are not in it."""
        function = reads.get_closed_books_date("get_closedbooksdate")
        return reads.closed_books_date(self.read_one(function).data)

    def query_all(
        self,
        object_name: str,
        select: Sequence[str],
        *,
        where: reads.Filter | None = None,
        order_by: Sequence[reads.OrderBy] = (reads.OrderBy("RECORDNO"),),
        pagesize: int = reads.MAX_QUERY_PAGE,
        entity: str | None = None,
        docparid: str | None = None,
        show_private: bool = False,
    ) -> Iterator[Record]:
        """Every row of a ``query``, page by page through ``offset`` (streamed).

        From the top level, records owned by an entity are only seen with ``show_private``.
        """
        offset = 0
        while True:
            function = reads.query(
                object_name,
                select,
                f"query:{object_name}:{offset}",
                where=where,
                order_by=order_by,
                pagesize=pagesize,
                offset=offset,
                docparid=docparid,
                show_private=show_private,
            )
            data = self.read_one(function, entity=entity).data
            if data is None:
                return
            yield from data.records
            offset += len(data.records)
            if not data.records or not data.numremaining:
                return

    def query_in(
        self,
        object_name: str,
        field_name: str,
        values: Iterable[str],
        select: Sequence[str],
        *,
        entity: str | None = None,
        show_private: bool = False,
    ) -> Iterator[Record]:
        """Records whose ``field_name`` is one of ``values``, one ``in`` query per 1000 values.

        The cheap way to look up unconfirmed writes by their stable key before resending them.
        """
        iterator = iter(dict.fromkeys(values))
        while chunk := list(islice(iterator, reads.MAX_IN_VALUES)):
            yield from self.query_all(
                object_name,
                select,
                where=reads.in_(field_name, chunk),
                entity=entity,
                show_private=show_private,
            )

    def read_by_query_all(
        self,
        object_name: str,
        query: str,
        *,
        fields: Sequence[str] = ("*",),
        pagesize: int = reads.MAX_READ_BY_QUERY_PAGE,
        entity: str | None = None,
        docparid: str | None = None,
    ) -> Iterator[Record]:
        """Every record of a ``readByQuery``, following ``readMore`` by ``resultId``."""
        function = reads.read_by_query(
            object_name,
            query,
            f"readByQuery:{object_name}",
            fields=fields,
            pagesize=pagesize,
            docparid=docparid,
        )
        page = 0
        while True:
            data = self.read_one(function, entity=entity).data
            if data is None:
                return
            yield from data.records
            if not data.numremaining or not data.result_id:
                return
            page += 1
            function = reads.read_more(data.result_id, f"readMore:{object_name}:{page}")

    # -- writes -----------------------------------------------------------------------------

    def submit(self, task: Callable[[], None]) -> Future[None]:
        """Run ``task`` on the company's one pool of write slots (``max_in_flight`` threads)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._settings.max_in_flight, thread_name_prefix="intacct-write"
                )
            return self._pool.submit(task)

    def close(self) -> None:
        """Wait for writes still running and stop the pool (the HTTP client is the caller's)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def write(
        self,
        functions: Iterable[Function],
        *,
        entity: str | None = None,
        batch_size: int | None = None,
    ) -> Iterator[Outcome]:
        """Send independent write functions in batches, at most ``max_in_flight`` at a time.

        Yields one outcome per function as its batch completes (not in input order). If an
        error is raised (AuthError, RateLimited, ServiceUnavailable), the outcomes of batches
        already in flight are yielded first; functions without an outcome were not sent or
        their fate is unknown: treat them as unconfirmed. A stream that must keep the slots
        full across its own chunks uses a :class:`~orsync.intacct.pipeline.WritePipeline`.
        """
        size = batch_size or self._settings.batch_size
        if size < 1:
            raise ValueError("batch_size must be at least 1")
        pipeline = WritePipeline(self, batch_size=size, window=2 * self._settings.max_in_flight)
        ready: list[Outcome] = []
        lane: Lane[None] = pipeline.lane(
            lambda settled: ready.extend(outcome for outcome, _ in settled), _not_yielded
        )
        try:
            for function in functions:
                lane.send([Queued(function, entity, None)])
                yield from _take(ready)
            lane.flush()
            yield from _take(ready)
        except GeneratorExit:
            pipeline.close(cancel=True)
            raise
        except Exception:
            pipeline.close()
            yield from _take(ready)
            raise

    def write_group(
        self, functions: Sequence[Function], *, entity: str | None = None
    ) -> list[Outcome]:
        """Send functions that must land together (``transaction="true"``), in order."""
        return self._write_batch(list(functions), entity, True)

    def send_batch(self, functions: Sequence[Function], *, entity: str | None) -> list[Outcome]:
        """One request of independent write functions, on the caller's thread; an outcome for
        each, in order. Functions Intacct refused before running them are resent here (the one
        retry of this kind); anything else is the caller's to decide."""
        return self._write_batch(list(functions), entity, False)

    def _write_batch(
        self, functions: list[Function], entity: str | None, transaction: bool
    ) -> list[Outcome]:
        if any(not f.is_write for f in functions):
            raise ValueError("write batches take write functions only")
        outcomes: dict[str, Outcome] = {}
        pending = functions
        attempt = 0
        while pending:
            attempt += 1
            reply = self._exchange(pending, entity=entity, transaction=transaction, write=True)
            if isinstance(reply, Ambiguous):
                for function in pending:
                    outcomes[function.controlid] = NotConfirmed(function, reply.reason)
                break
            retry: list[Function] = []
            for function in pending:
                result = reply.result_for(function.controlid)
                if result is not None and codes.is_rate_limited(result.errors):
                    retry.append(function)  # refused before running: "too many operations"
                else:
                    outcomes[function.controlid] = outcome_for(function, result)
            if retry and transaction:
                retry = list(pending)  # a group is resent whole or not at all
                for function in retry:
                    outcomes.pop(function.controlid, None)
            if retry and not self._retry.should_retry(attempt):
                for function in retry:
                    outcomes[function.controlid] = Aborted(
                        function, "not executed: Intacct had too many operations running"
                    )
                break
            if retry:
                self._sleep(self._retry.delay(attempt, self._rng))
            pending = retry
        return [outcomes[f.controlid] for f in functions]
