"""Customers orsync created stay as they are until OfficeRnD really changes them, whichever
stream reads them, although Intacct's read-back of a customer carries only some fields."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import customer_ids

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


def writes(sandbox: RunningSandbox) -> Counter[str]:
    return Counter(
        {
            name: count
            for name, count in sandbox.intacct.stats.by_function.items()
            if name.startswith(("create", "update", "delete", "reverse"))
        }
    )


def created_by_orsync(sandbox: RunningSandbox) -> list[tuple[dict[str, Any], str]]:
    """Billed companies whose Intacct customer orsync created (not the seeded ones)."""
    seeded = {c.id for c in sandbox.world.intacct.customers}
    ids = customer_ids(sandbox)
    return [
        (company, ids[company["_id"]])
        for company in sandbox.officernd.records("companies")
        if ids[company["_id"]] not in seeded
        and sandbox.intacct.store.customer(ids[company["_id"]]) is not None
    ]


def test_a_full_rescan_after_a_sync_updates_no_customer(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    assert run_cli("sync").exit_code in (0, 1)
    assert created_by_orsync(sandbox)  # the scenario needs customers orsync wrote itself
    sandbox.intacct.reset_stats()

    result = run_cli("--json", "sync", "--full")

    assert result.exit_code in (0, 1), result.stderr
    customers = json.loads(result.stdout)["counts"]["customers"]
    assert customers["created"] == customers["updated"] == 0, customers
    assert writes(sandbox) == Counter()


def test_an_address_changed_in_officernd_reaches_intacct_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    assert run_cli("sync").exit_code in (0, 1)
    company, customer_id = created_by_orsync(sandbox)[0]
    billing = dict(company["billingDetails"])
    billing["billingAddress"] = {**billing["billingAddress"], "street": "9 Moved Lane"}
    sandbox.officernd.update_record("companies", company["_id"], billingDetails=billing)
    sandbox.intacct.reset_stats()

    result = run_cli("--json", "sync")

    assert result.exit_code in (0, 1), result.stderr
    assert writes(sandbox) == Counter({"update": 1})  # the customer, nothing else
    stored = dict(sandbox.intacct.store.customer(customer_id).extra)  # type: ignore[union-attr]
    assert "9 Moved Lane" in stored.values()
    # Sent once: neither the next sync nor a full re-scan sends it again.
    sandbox.intacct.reset_stats()
    assert run_cli("sync").exit_code in (0, 1)
    assert run_cli("sync", "--full").exit_code in (0, 1)
    assert writes(sandbox) == Counter()
