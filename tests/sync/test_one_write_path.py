"""Customers and documents share one write path: the customers a chunk of documents needs go
out in one request, and a kind whose plan depends on what the other writes still waits for it."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import customer_ids, issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback

_CUSTOMER_IDS = re.compile(rb"<create><CUSTOMER><CUSTOMERID>([^<]+)</CUSTOMERID>")


def record_customer_requests(sandbox: RunningSandbox) -> list[list[str]]:
    """Every request that creates customers, as the CUSTOMERIDs it creates, in order."""
    requests: list[list[str]] = []
    sim = sandbox.intacct
    original = sim.handle

    def handle(body: bytes, endpoint: str) -> Any:
        created = [m.decode() for m in _CUSTOMER_IDS.findall(body)]
        if created:
            requests.append(created)
        return original(body, endpoint)

    sim.handle = handle  # type: ignore[method-assign]
    return requests


def personal_invoices(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return [doc for doc in issued(sandbox) if doc["company"] is None and doc.get("member")]


def test_new_companies_and_members_of_a_chunk_are_created_in_one_request(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    assert personal_invoices(sandbox)  # the scenario needs members billed personally
    mapped_profile()
    requests = record_customer_requests(sandbox)

    assert run_cli("sync").exit_code in (0, 1)

    assert len(requests) == 1  # one chunk of documents: one wait for its customers
    (created,) = requests
    assert any(c.startswith("ORDM-") for c in created)  # members...
    assert any(c in customer_ids(sandbox).values() for c in created)  # ...and companies


def test_a_member_named_as_a_new_company_of_its_chunk_is_planned_after_it_and_held(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    seeded = {c.id for c in sandbox.world.intacct.customers}
    ids = customer_ids(sandbox)
    billed = {doc["company"] for doc in issued(sandbox) if doc["company"]}
    company = next(
        c
        for c in sandbox.officernd.records("companies")
        if c["_id"] in billed and ids[c["_id"]] not in seeded
    )
    member_id = personal_invoices(sandbox)[0]["member"]
    member = next(m for m in sandbox.officernd.records("members") if m["_id"] == member_id)
    name = (company.get("billingDetails") or {}).get("billingName") or company["name"]
    billing = {**(member.get("billingDetails") or {}), "billingName": name}
    sandbox.officernd.update_record("members", member_id, name=name, billingDetails=billing)
    mapped_profile()
    requests = record_customer_requests(sandbox)

    result = run_cli("--json", "sync")

    assert result.exit_code in (0, 1), result.stderr
    summary = json.loads(result.stdout)
    # Whichever kind the chunk met first is written first and the other planned after it, as
    # it would be alone: it meets a namesake and is held for a mapping, never duplicated.
    held = {
        p["source_id"]
        for p in summary["problems"]
        if p["stage"] == "customers" and p["status"] == "conflict" and "same name" in p["message"]
    }
    assert len(held & {member_id, company["_id"]}) == 1
    assert len(requests) == 2  # the companies, then the members (or the other way round)
