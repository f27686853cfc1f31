"""``orsync demo --live``: after the batch sync, `orsync listen` keeps both simulators in step
while an operator's day of changes (`sandbox.activity`) happens in them.

The demo registers the webhook through the OfficeRnD simulator (its secret kept in this
process's environment only, like the demo's other secrets), serves the listener on a free
loopback port, makes changes for ``seconds``, waits for the backlog to drain, and reports what
was received and posted, and the latency from each new invoice to its Intacct document.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orsync.config import Profile
from orsync.env import EnvVars
from orsync.sandbox.activity import Activity, run_activity
from orsync.sandbox.launch import RunningSandbox
from orsync.services.listen import Listener, ListenOptions, WorkerSettings, register_webhook

DRAIN_WAIT_SECONDS = 30.0

Step = Callable[[str], None]


@dataclass
class LiveReport:
    seconds: float
    per_minute: float
    changes: dict[str, int] = field(default_factory=dict)
    events_received: int = 0
    events_duplicate: int = 0
    batches: int = 0
    backlog_left: int = 0
    new_invoices: int = 0
    new_invoices_posted: int = 0
    latencies_s: list[float] = field(default_factory=list)

    @property
    def in_step(self) -> bool:
        return self.backlog_left == 0 and self.new_invoices_posted == self.new_invoices

    def percentile(self, share: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "changes_per_minute": self.per_minute,
            "changes": self.changes,
            "events_received": self.events_received,
            "events_duplicate": self.events_duplicate,
            "batches": self.batches,
            "backlog_left": self.backlog_left,
            "new_invoices": self.new_invoices,
            "new_invoices_posted": self.new_invoices_posted,
            "latency_p50_s": self.percentile(0.5),
            "latency_p95_s": self.percentile(0.95),
            "in_step": self.in_step,
        }


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def run_live(
    sandbox: RunningSandbox,
    profile_name: str,
    profile: Profile,
    *,
    seconds: float,
    per_minute: float,
    step: Step,
) -> LiveReport:
    report = LiveReport(seconds, per_minute)
    port = _free_port("127.0.0.1")
    registration = register_webhook(
        profile_name,
        profile,
        f"http://127.0.0.1:{port}",
        keep_secret=lambda secret: os.environ.__setitem__(EnvVars.OFFICERND_WEBHOOK_SECRET, secret),
    )
    step(f"Webhook registered in OfficeRnD for {registration.url}; listening...")
    store = sandbox.intacct.store
    activity = Activity(
        sandbox.officernd,
        sandbox.intacct,
        seed=1,
        usable=lambda doc: store.invoice_by_number(str(doc["number"])) is not None,
    )
    stop_delivery = sandbox.officernd.start_delivery_thread()
    settings = WorkerSettings(catch_up_interval=3600.0, poll_interval=60.0)
    listener = Listener({profile_name: profile}, ListenOptions(port=port, worker=settings))
    before = {str(d["_id"]) for d in sandbox.officernd.records("payments")}
    watched: dict[str, float] = {}  # new invoice id -> when it appeared in OfficeRnD
    posted: dict[str, float] = {}
    try:
        listener.start()
        stop = threading.Event()
        run_activity(activity, per_minute, stop)
        deadline = time.monotonic() + seconds
        next_line = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            _watch(sandbox, before, watched, posted)
            if time.monotonic() >= next_line:
                health = listener.health.to_dict()["profiles"][0]
                step(
                    f"  {sum(activity.counts.values())} changes, "
                    f"{health['events_received']} events, {health['batches']} batches, "
                    f"{len(posted)}/{len(watched)} new invoices in Intacct"
                )
                next_line += 5.0
            time.sleep(0.05)
        stop.set()
        step("Changes stopped; waiting for the listener to catch up...")
        drain_until = time.monotonic() + DRAIN_WAIT_SECONDS
        while time.monotonic() < drain_until:
            _watch(sandbox, before, watched, posted)
            health = listener.health.to_dict()["profiles"][0]
            if health["backlog"] == 0 and len(posted) == len(watched):
                break
            time.sleep(0.05)
        health = listener.health.to_dict()["profiles"][0]
    finally:
        listener.stop()
        stop_delivery()
        os.environ.pop(EnvVars.OFFICERND_WEBHOOK_SECRET, None)
    report.changes = dict(activity.counts)
    report.events_received = int(health["events_received"])
    report.events_duplicate = int(health["events_duplicate"])
    report.batches = int(health["batches"])
    report.backlog_left = int(health["backlog"])
    report.new_invoices = len(watched)
    report.new_invoices_posted = len(posted)
    report.latencies_s = [posted[i] - watched[i] for i in posted]
    return report


def _watch(
    sandbox: RunningSandbox, before: set[str], watched: dict[str, float], posted: dict[str, float]
) -> None:
    """Note when each new invoice appears in OfficeRnD and when its Intacct document does."""
    now = time.monotonic()
    for doc in sandbox.officernd.records("payments", documentType="invoice"):
        doc_id = str(doc["_id"])
        if doc_id in before or doc_id in posted:
            continue
        if doc.get("status") in ("voided", "draft"):
            before.add(doc_id)  # voided before it was ever posted: nothing to post
            watched.pop(doc_id, None)
            continue
        watched.setdefault(doc_id, now)
        if sandbox.intacct.store.invoice_by_number(str(doc["number"])) is not None:
            posted[doc_id] = now
