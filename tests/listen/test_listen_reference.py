"""Listen keeps OfficeRnD's reference lists across its batches (three reads are most of an
edit's latency) and reads them again when a record names a value they lack: reference data
has no webhooks, so a new revenue account is learnt from the first invoice that uses it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.listen.conftest import Live, wait_for
from tests.listen.test_listen_scenarios import settled

pytestmark = pytest.mark.loopback

LISTS = ("GET /locations", "GET /revenue-accounts", "GET /tax-rates")


def test_batches_share_the_reference_lists_and_a_new_account_is_read_when_used(
    live: Live,
) -> None:
    officernd = live.sandbox.officernd
    with live.listener().start() as listener:
        settled(listener)
        officernd.reset_request_counts()
        batches = listener.health.to_dict()["profiles"][0]["batches"]
        for _ in range(3):
            new = live.activity.new_invoice()
            wait_for(lambda new=new: live.posted(new), "the invoice in Intacct")
            settled(listener)
        assert listener.health.to_dict()["profiles"][0]["batches"] >= batches + 3
        assert all(officernd.request_counts[route] <= 1 for route in LISTS), {
            route: officernd.request_counts[route] for route in LISTS
        }
        officernd.reset_request_counts()

        # A revenue account added in OfficeRnD (no event), booked like the one it copies.
        edited = live.activity.new_invoice()
        wait_for(lambda: live.posted(edited), "the invoice to edit in Intacct")
        old_account = officernd.record("revenue-accounts", edited["lines"][0]["account"])
        account = officernd.create_record(
            "revenue-accounts",
            {**{k: v for k, v in old_account.items() if k != "_id"}, "name": "Room hire (new)"},
        )
        lines = live.activity._lines(edited, "321.09")
        lines[0]["account"] = account["_id"]
        changed = officernd.edit_invoice(edited["_id"], lines=lines)
        total = Decimal(str(changed["total"]))
        wait_for(
            lambda: live.in_intacct(edited["number"]).total_entered == total,
            "the edit on the new account in Intacct",
        )
        settled(listener)
        profile = listener.health.to_dict()["profiles"][0]
    assert profile["last_error"] is None
    assert officernd.request_counts["GET /revenue-accounts"] == 1, "read again for the edit"
