"""One profile's worker: drains the inbox through the sync service, runs the catch-up pass and
the Intacct poll on their intervals. One thread per profile; it alone uses the profile's clients.

Every write goes through :func:`orsync.services.sync.run_sync` (``document_ids`` for the
documents of a batch of events, the customer stage for customer events): the same plan, ledger
and exactly-once writes as cron's ``orsync sync``, under the same profile lock. A batch is
marked done only after its sync returned; a service that refuses (down, rate limited, writes
left unconfirmed, the lock held by cron) leaves the events in the inbox with a backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from orsync.config import Profile
from orsync.errors import LockHeld, OrsyncError, Unconfirmed
from orsync.services.common import Connections
from orsync.services.listen.events import Batch, backoff_seconds, most_attempts, plan_batch
from orsync.services.listen.health import Health
from orsync.services.sync import KeptReference, SyncOptions, SyncResult, run_sync
from orsync.state import EventInbox, InboxEvent, utc_now

log = logging.getLogger("orsync.listen")

LISTEN_RUN = "listen"  # the command listen's runs are recorded under (lock: "orsync listen")
EXIT_UNCONFIRMED = 75
WORKER_ERROR_PAUSE = 5.0
# Processed events are forgotten after this: far beyond any redelivery, and a late repeat is
# harmless anyway (the ledger's version hashes make its sync write nothing).
KEEP_PROCESSED = timedelta(days=30)


@dataclass(frozen=True)
class WorkerSettings:
    batch_events: int = 1000  # events per drain; their documents go to one sync run
    debounce: float = 0.1  # a burst is gathered until this long passes without a new event
    max_gather: float = 1.0  # ... but never longer than this after its first event
    catch_up_interval: float = 300.0  # incremental sync: events never delivered still arrive
    poll_interval: float = 60.0  # Intacct -> OfficeRnD
    lock_retry: float = 1.0  # the profile lock held by another run: try again after this
    keep_reference: float = 300.0  # OfficeRnD's reference lists kept across batches this long


class IntacctPoll(Protocol):
    """One incremental look at Intacct for what goes back to OfficeRnD (payments, numbers)."""

    def poll(self, connections: Connections) -> int:
        """Records written back to OfficeRnD."""
        ...


class NothingToPoll:
    """Today's poll: orsync writes nothing back to OfficeRnD yet (payments recorded in Intacct
    and Intacct's invoice numbers wait for the payments issue), so it asks Intacct nothing."""

    def poll(self, connections: Connections) -> int:
        del connections
        return 0


SyncCall = Callable[[SyncOptions], SyncResult]


class Worker:
    def __init__(
        self,
        profile_name: str,
        profile: Profile,
        connections: Connections,
        inbox: EventInbox,
        health: Health,
        settings: WorkerSettings,
        *,
        state_dir: Path | None = None,
        poll: IntacctPoll | None = None,
        payments: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile_name = profile_name
        self._profile = profile
        self._connections = connections
        self._inbox = inbox
        self._health = health
        self._settings = settings
        self._state_dir = state_dir
        self._poll = poll or NothingToPoll()
        # Payments flow (the mapping has payment_methods): the poll runs sync's payments
        # stage, Intacct's payments to OfficeRnD among them, between catch-ups.
        self._payments = payments and poll is None
        self._monotonic = monotonic
        self._wake = threading.Event()
        connections.on_answer(self._answered)
        self._next_catch_up = 0.0
        self._next_poll = 0.0
        # OfficeRnD's reference lists, kept across this worker's runs (sync re-reads them when
        # a record names a value they lack, and after settings.keep_reference seconds).
        self.reference = KeptReference(settings.keep_reference, monotonic=monotonic)

    def _answered(self, _response: object) -> None:
        self._health.update(self.profile_name, last_answer_at=utc_now())

    def wake(self) -> None:
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Until ``stop``: drain, catch up, poll, sleep until the next of them is due. A batch
        under way when ``stop`` is set is finished (its events are then done), never cut."""
        settings = self._settings
        now = self._monotonic()
        self._next_catch_up = now  # at start: whatever arrived while nobody listened
        self._next_poll = now
        while not stop.is_set():
            try:
                self._turn(stop, settings)
            except Exception as error:  # noqa: BLE001 - the worker must outlive any one failure
                message = error.message if isinstance(error, OrsyncError) else repr(error)
                log.error("profile %s: worker error: %s", self.profile_name, message)
                self._health.update(self.profile_name, last_error=message, last_error_at=utc_now())
                stop.wait(WORKER_ERROR_PAUSE)

    def _turn(self, stop: threading.Event, settings: WorkerSettings) -> None:
        self._wake.clear()
        self.drain(stop)
        now = self._monotonic()
        if not stop.is_set() and now >= self._next_catch_up:
            self.catch_up()
            self._next_catch_up = self._monotonic() + settings.catch_up_interval
        if not stop.is_set() and now >= self._next_poll:
            self.poll()
            self._next_poll = self._monotonic() + settings.poll_interval
        wait = min(self._next_catch_up, self._next_poll) - self._monotonic()
        due = self._inbox.next_due_at()
        if due is not None:
            wait = min(wait, (due - utc_now()).total_seconds())
        if self._wake.wait(max(0.0, wait)) and not stop.is_set():
            self._gather(stop)

    def _gather(self, stop: threading.Event) -> None:
        """A burst (a monthly billing run) arrives over a few seconds: wait until it pauses,
        within ``max_gather``, so that it is synced in large batches, not one run per event."""
        deadline = self._monotonic() + self._settings.max_gather
        while not stop.is_set():
            self._wake.clear()
            left = deadline - self._monotonic()
            if left <= 0 or not self._wake.wait(min(self._settings.debounce, left)):
                return

    # -- the three jobs --------------------------------------------------------------------------

    def drain(self, stop: threading.Event | None = None) -> int:
        """Sync due events batch by batch; returns how many were done."""
        done = 0
        while stop is None or not stop.is_set():
            if done and stop is not None:
                # Events that arrived while a batch ran are a burst still arriving: gather it
                # again, or a fast batch leaves the rest to trickle through in small ones.
                self._gather(stop)
            events = self._inbox.due(self._settings.batch_events)
            if not events:
                break
            if not self._batch(events):
                break
            done += len(events)
        return done

    def _batch(self, events: list[InboxEvent]) -> bool:
        batch = plan_batch(events)
        try:
            wrote = self._sync(batch)
        except LockHeld as held:
            until = utc_now() + timedelta(seconds=self._settings.lock_retry)
            self._inbox.defer(batch.events, until=until, error=None)
            self._health.update(self.profile_name, waiting_for=held.message)
            return False
        except Exception as error:  # noqa: BLE001 - any failure keeps the events for later
            self._failed(events, error)
            return False
        self._inbox.mark_processed(batch.events)
        now = utc_now()
        changes: dict[str, object] = {
            "last_batch_at": now,
            "waiting_for": None,
            "last_error": None,
        }
        if wrote:
            changes["last_write_at"] = now
        self._health.update(self.profile_name, **changes)
        self._health.count(self.profile_name, "batches")
        log.info(
            "profile %s: %d event(s) done (%d document(s)%s)",
            self.profile_name,
            len(events),
            len(batch.document_ids),
            ", customers" if batch.customers else "",
        )
        return True

    def _sync(self, batch: Batch) -> bool:
        """Run the batch through sync; True when it wrote to Intacct."""
        results = []
        if batch.document_ids:
            results.append(
                self._run(
                    SyncOptions(
                        document_ids=batch.document_ids,
                        payments_of=batch.payments_of,
                        command=LISTEN_RUN,
                    )
                )
            )
        if batch.customers:
            results.append(
                self._run(SyncOptions(only=frozenset({"customers"}), command=LISTEN_RUN))
            )
        if any(result.exit_code == EXIT_UNCONFIRMED for result in results):
            raise Unconfirmed("writes were left unconfirmed; they are looked up first next time")
        return any(_wrote(result) for result in results)

    def _run(self, options: SyncOptions) -> SyncResult:
        # /healthz tells a sync that does not end (a service hung) from an idle listener.
        self._health.update(self.profile_name, working_since=utc_now())
        try:
            return run_sync(
                self.profile_name,
                self._profile,
                options,
                connections=self._connections,
                state_dir=self._state_dir,
                kept_reference=self.reference,
            )
        finally:
            self._health.update(self.profile_name, working_since=None)

    def _failed(self, events: list[InboxEvent], error: Exception) -> None:
        if isinstance(error, OrsyncError):
            message = error.message
            log.warning("profile %s: events kept for later: %s", self.profile_name, message)
        else:
            message = f"internal error: {type(error).__name__}"
            log.error("profile %s: events kept for later", self.profile_name, exc_info=True)
        attempts = most_attempts(events) + 1
        until = utc_now() + timedelta(seconds=backoff_seconds(attempts))
        self._inbox.defer([e.event_id for e in events], until=until, error=message)
        self._health.update(
            self.profile_name, last_error=message, last_error_at=utc_now(), waiting_for=None
        )

    def catch_up(self) -> SyncResult | None:
        """An incremental sync, as cron's; skipped while another run holds the lock (it does
        the same work)."""
        try:
            result = self._run(SyncOptions(command=LISTEN_RUN))
        except LockHeld as held:
            log.info("profile %s: catch-up skipped: %s", self.profile_name, held.message)
            return None
        except Exception as error:  # noqa: BLE001 - the listener outlives a failed pass
            message = error.message if isinstance(error, OrsyncError) else type(error).__name__
            log.warning("profile %s: catch-up failed: %s", self.profile_name, message)
            self._health.update(self.profile_name, last_error=message, last_error_at=utc_now())
            return None
        now = utc_now()
        changes: dict[str, object] = {"last_catch_up_at": now, "last_error": None}
        if _wrote(result):
            changes["last_write_at"] = now
        self._health.update(self.profile_name, **changes)
        self._inbox.prune_processed(now - KEEP_PROCESSED)
        return result

    def poll(self) -> int:
        try:
            if self._payments:
                result = self._run(SyncOptions(only=frozenset({"payments"}), command=LISTEN_RUN))
                written = result.summary.written + result.summary.total("recorded")
            else:
                written = self._poll.poll(self._connections)
        except LockHeld as held:
            log.info("profile %s: poll skipped: %s", self.profile_name, held.message)
            return 0
        except Exception as error:  # noqa: BLE001
            message = error.message if isinstance(error, OrsyncError) else type(error).__name__
            log.warning("profile %s: Intacct poll failed: %s", self.profile_name, message)
            self._health.update(self.profile_name, last_error=message, last_error_at=utc_now())
            return 0
        self._health.update(self.profile_name, last_poll_at=utc_now())
        return written


def _wrote(result: SyncResult) -> bool:
    counts = result.summary.flat_counts()
    return any(
        value for key, value in counts.items() if key.endswith(("created", "updated", "reversed"))
    )
