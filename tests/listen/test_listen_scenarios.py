"""`orsync listen` over the served sandbox: OfficeRnD's webhooks alone bring new, edited and
voided invoices to Intacct, exactly once, whatever is redelivered, replayed or forged."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import CliRunner
from tests.listen.conftest import Live, wait_for

if TYPE_CHECKING:
    from orsync.services.listen import Listener

pytestmark = pytest.mark.loopback


def settled(listener: Listener) -> None:
    """The start-up catch-up is over and every recorded event is done."""
    wait_for(
        lambda: all(
            p["last_catch_up_at"] and p["backlog"] == 0
            for p in listener.health.to_dict()["profiles"]
        ),
        "the listener to settle",
    )


def test_a_new_an_edited_and_a_voided_invoice_reach_intacct_through_listen_alone(
    live: Live,
) -> None:
    with live.listener().start() as listener:
        settled(listener)
        runs_before = live.sandbox.intacct.stats.requests
        new = live.activity.new_invoice()
        wait_for(lambda: live.posted(new), "the new invoice in Intacct")

        edited = live.activity.new_invoice()
        wait_for(lambda: live.posted(edited), "the second invoice in Intacct")
        changed = live.sandbox.officernd.edit_invoice(
            edited["_id"], lines=live.activity._lines(edited, "111.11", "222.22")
        )
        total = Decimal(str(changed["total"]))
        wait_for(
            lambda: live.in_intacct(edited["number"]).total_entered == total,
            "the edit in Intacct",
        )

        voided = live.activity.new_invoice()
        wait_for(lambda: live.posted(voided), "the third invoice in Intacct")
        live.sandbox.officernd.void_invoice(voided["_id"])
        wait_for(
            lambda: live.in_intacct(voided["number"]).reversed_by is not None,
            "the void reversed in Intacct",
        )
        health = listener.health.to_dict()
    assert live.sandbox.intacct.stats.requests > runs_before
    profile = health["profiles"][0]
    assert profile["events_received"] >= 5  # 3 created, 1 updated, 1 voided
    assert profile["last_write_at"] is not None and profile["last_error"] is None
    assert health["schema"] == "orsync.health/1"


def test_an_invoice_deleted_in_officernd_leaves_intacct_through_its_removed_webhook(
    live: Live,
) -> None:
    """invoice.removed names the document; its read answers 404 and sync deletes the Intacct
    invoice (delete_invoice), once, however often the event is redelivered."""
    with live.listener().start() as listener:
        settled(listener)
        doc = live.activity.new_invoice()
        wait_for(lambda: live.posted(doc), "the new invoice in Intacct")
        settled(listener)
        live.sandbox.officernd.remove_invoice(doc["_id"])
        wait_for(lambda: not live.posted(doc), "the deleted invoice gone from Intacct")
        settled(listener)
        live.sandbox.officernd.redeliver_webhooks()
        settled(listener)
    assert live.sandbox.intacct.stats.by_function["delete_invoice"] == 1


def test_redelivered_and_replayed_events_write_nothing_twice(live: Live) -> None:
    from orsync.officernd.webhooks import signature_header

    with live.listener().start() as listener:
        settled(listener)
        docs = [live.activity.new_invoice() for _ in range(3)]
        wait_for(lambda: all(live.posted(d) for d in docs), "three invoices in Intacct")
        settled(listener)
        live.sandbox.intacct.reset_stats()

        resent = live.sandbox.officernd.redeliver_webhooks()
        assert resent >= 3
        wait_for(
            lambda: listener.health.to_dict()["profiles"][0]["events_duplicate"] >= resent,
            "the redeliveries answered",
        )
        # A captured delivery replayed by anyone inside the window: answered, ignored.
        event = live.sandbox.officernd.webhook_events[-1]
        delivery = next(
            d for d in live.sandbox.officernd.webhook_deliveries if d.event_id == event["event"]
        )
        header = signature_header(live.secret(), delivery.body, int(time.time()))
        answer = httpx.post(
            live.url + "/webhooks/officernd",
            content=delivery.body,
            headers={"officernd-signature": header, "content-type": "application/json"},
        )
        assert answer.status_code == 200 and answer.json()["duplicate"] is True
        time.sleep(0.5)
        settled(listener)
    assert live.sandbox.intacct.stats.functions == 0
    numbers = Counter(
        doc.doc_number
        for doc in live.sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    )
    assert all(numbers[str(d["number"])] == 1 for d in docs)


def test_forged_tampered_stale_and_unsigned_deliveries_are_refused_and_write_nothing(
    live: Live,
) -> None:
    from orsync.env import state_dir
    from orsync.officernd.webhooks import signature_header
    from orsync.state import StateStore, database_path

    with live.listener().start(workers=False):
        body = (
            b'{"event":"65a000000000000000000001","eventType":"invoice.created",'
            b'"data":{"object":{"_id":"65a0000000000000000000aa"}},"createdAt":"2026-01-01"}'
        )
        now = int(time.time())
        secret = live.secret()
        cases = {
            "forged": (body, signature_header("not-the-secret", body, now)),
            "tampered": (body.replace(b"aa", b"bb"), signature_header(secret, body, now)),
            "stale": (body, signature_header(secret, body, now - 3600)),
            "from the future": (body, signature_header(secret, body, now + 3600)),
            "unsigned": (body, None),
            "malformed header": (body, "v1=abc"),
        }
        for case, (content, header) in cases.items():
            headers = {"content-type": "application/json"}
            if header is not None:
                headers["officernd-signature"] = header
            answer = httpx.post(live.url + "/webhooks/officernd", content=content, headers=headers)
            assert answer.status_code == 401, case
        not_json = b"not json at all"
        answer = httpx.post(
            live.url + "/webhooks/officernd",
            content=not_json,
            headers={"officernd-signature": signature_header(secret, not_json, now)},
        )
        assert answer.status_code == 400
        too_big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        answer = httpx.post(
            live.url + "/webhooks/officernd",
            content=too_big,
            headers={"officernd-signature": signature_header(secret, too_big, now)},
        )
        assert answer.status_code == 413
        with StateStore.open(database_path(state_dir(), live.name), profile=live.name) as store:
            assert store.inbox.count_pending() == 0
            assert list(store.inbox.pending()) == []
        # The accepted one, for contrast, is recorded.
        answer = httpx.post(
            live.url + "/webhooks/officernd",
            content=body,
            headers={"officernd-signature": signature_header(secret, body, now)},
        )
        assert answer.status_code == 200


BURST = 1000


def test_a_burst_of_1000_events_is_posted_exactly_once_in_batches(live: Live) -> None:
    from orsync.env import state_dir
    from orsync.state import StateStore, database_path

    with live.listener().start() as listener:
        settled(listener)
        live.sandbox.intacct.reset_stats()
        template = live.activity.template()
        burst = [live.activity.new_invoice(template) for _ in range(BURST)]  # a billing run
        wait_for(
            lambda: all(live.posted(doc) for doc in burst), "the burst in Intacct", timeout=180
        )
        settled(listener)
        batches = listener.health.to_dict()["profiles"][0]["batches"]
    numbers = Counter(
        doc.doc_number
        for doc in live.sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    )
    assert all(numbers[str(doc["number"])] == 1 for doc in burst)
    stats = live.sandbox.intacct.stats
    assert stats.by_function["create_invoice"] == BURST
    # Posted in batches of up to 50 functions, not one request per event.
    assert stats.requests <= BURST // 10, (stats.requests, dict(stats.by_function))
    assert batches <= BURST // 20, batches
    with StateStore.open(database_path(state_dir(), live.name), profile=live.name) as store:
        listen_runs = [run for run in store.runs.last(200) if run.command == "listen"]
        assert store.inbox.count_pending() == 0
    assert 1 <= len(listen_runs) <= BURST // 20


def test_while_intacct_is_down_events_wait_with_the_reason_then_post_once(
    live: Live, run_cli: CliRunner, fast_retries: None
) -> None:
    with live.listener().start() as listener:
        settled(listener)
        live.sandbox.intacct.set_fault_rate("http-5xx", 1.0)
        new = live.activity.new_invoice()
        health = wait_for(
            lambda: (h := listener.health.to_dict())["backlog"] and not h["ok"] and h,
            "the failed attempt shown by /healthz",
        )
        answer = httpx.get(live.url + "/healthz")
        assert answer.status_code == 503
        assert answer.json()["profiles"][0]["last_error"]
        assert health["profiles"][0]["backlog"] >= 1
        status = run_cli("status")
        assert "Webhook events waiting (orsync listen): " in status.stdout
        live.sandbox.intacct.set_fault_rate("http-5xx", 0.0)
        wait_for(lambda: live.posted(new), "the invoice once Intacct is back")
        settled(listener)
        assert httpx.get(live.url + "/healthz").json()["ok"] is True
    numbers = Counter(
        doc.doc_number
        for doc in live.sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    )
    assert numbers[str(new["number"])] == 1


def test_orsync_test_checks_the_registration(live: Live, run_cli: CliRunner) -> None:
    import json

    from orsync.services.listen import check_registration

    result = run_cli("test", "--json")
    (entry,) = json.loads(result.stdout)["profiles"]
    row = {row["id"]: row for row in entry["checks"]}["officernd.webhook"]
    assert row["status"] == "pass", row
    (hook,) = live.sandbox.officernd.records("webhooks")
    live.sandbox.officernd.update_record("webhooks", hook["_id"], isEnabled=False)
    found = check_registration(live.name, live.profile)
    assert not found.ok and "disabled" in found.detail


def test_registering_again_reuses_the_webhook(live: Live) -> None:
    from orsync.services.listen import register_webhook

    again = register_webhook(live.name, live.profile, live.url)
    assert again.created is False
    assert len(live.sandbox.officernd.records("webhooks")) == 1


def test_intacct_is_polled_on_its_interval_and_a_failed_poll_is_reported(live: Live) -> None:
    from orsync.errors import ServiceUnavailable
    from orsync.services.common import Connections
    from orsync.services.listen import Listener, ListenOptions, WorkerSettings

    class Poll:
        calls = 0

        def poll(self, connections: Connections) -> int:
            assert connections.intacct is not None
            Poll.calls += 1
            if Poll.calls == 2:
                raise ServiceUnavailable("Intacct is down for maintenance")
            return 0

    settings = WorkerSettings(catch_up_interval=3600, poll_interval=1)
    options = ListenOptions(port=live.port, worker=settings)
    with Listener({live.name: live.profile}, options, poll=Poll()).start() as listener:
        profile = wait_for(
            lambda: (p := listener.health.to_dict()["profiles"][0])["last_error"] and p,
            "the failed poll reported",
        )
        assert Poll.calls == 2
        wait_for(lambda: Poll.calls >= 3, "a poll after the failure")
    assert profile["last_error"] == "Intacct is down for maintenance"
    assert profile["last_poll_at"] is not None
