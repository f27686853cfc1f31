"""Reconcile starts reading both systems' documents before OfficeRnD's reference lists are in:
each costs a round trip before its first page, and they do not depend on each other."""

from __future__ import annotations

import datetime as dt
import threading

import httpx

from orsync.engine.options import EngineOptions
from orsync.mapping import parse_mapping
from orsync.sandbox.launch import RunningSandbox
from orsync.services.reconcile import ReconcileRequest, reconcile_with
from tests.officernd.fake_api import FakeOfficeRnd, make_client
from tests.reconcile.helpers import intacct_client

MAPPING = """
version: 1
customers:
  company: "ORD-{company.id}"
  member: "ORDM-{member.id}"
revenue_accounts:
  values:
    "4000": {gl_account: "4000"}
locations:
  unmapped: skip
  values:
    "New York": {location: "NYC"}
tax_rates:
  values:
    "No tax": {no_tax: true}
"""


def test_both_period_reads_start_while_the_reference_lists_are_read(
    sandbox: RunningSandbox,
) -> None:
    period_read = threading.Event()
    intacct_read = threading.Event()
    seen_before_lists_answered: list[bool] = []

    def hold_the_reference_lists(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.endswith("/payments"):
            period_read.set()
        elif path.endswith("/locations"):
            # Held until both period reads have started, or 5 s: a reconcile that waited for
            # the lists before reading documents would only start them after this answers.
            started = period_read.wait(5) and intacct_read.wait(5)
            seen_before_lists_answered.append(started)
        return None

    fake = FakeOfficeRnd(
        collections={
            name: [] for name in ("locations", "revenue-accounts", "tax-rates", "plans", "payments")
        },
        hooks=[hold_the_reference_lists],
    )
    fake.collections["payments/methods"] = []
    intacct = intacct_client(
        sandbox, http=httpx.Client(event_hooks={"request": [lambda _: intacct_read.set()]})
    )

    outcome = reconcile_with(
        intacct,
        make_client(fake),
        EngineOptions(),
        parse_mapping(MAPPING),
        ReconcileRequest(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    )

    assert seen_before_lists_answered == [True]
    assert outcome.officernd_documents == 0
