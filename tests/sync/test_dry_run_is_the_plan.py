"""The dry run is the exact plan (issue 17, item 6), and an override adopts a customer as a
match by id does, without rewriting it (item 7)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


def namesake(sandbox: RunningSandbox) -> dict[str, Any]:
    """The seeded company whose name an Intacct customer under a legacy id already has."""
    legacy = sandbox.intacct.store.customer("LEGACY-0042")
    assert legacy is not None
    (company,) = [c for c in sandbox.officernd.records("companies") if c["name"] == legacy.name]
    return company


def test_after_an_override_the_dry_run_plans_what_the_run_then_sends(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    first = json.loads(run_cli("--json", "sync").stdout)
    held = [p for p in first["problems"] if "LEGACY-0042" in p["message"]]
    assert held
    company = namesake(sandbox)
    mapped_profile(customer_overrides={f"id:{company['_id']}": "LEGACY-0042"})

    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    store = sandbox.intacct.store
    sandbox.intacct.reset_stats()
    invoices_before = {d.doc_number for d in store.invoices()}
    credits_before = {d.external_id for d in store.adjustments()}
    legacy_before = store.customer("LEGACY-0042")
    done = json.loads(run_cli("--json", "sync").stdout)

    def planned(action: str, kind: str) -> list[str]:
        return sorted(
            a["number"] for a in plan["documents"] if (a["action"], a["kind"]) == (action, kind)
        )

    refused = {p["number"] for p in done["problems"] if "Intacct refused" in p["message"]}
    created = {d.doc_number for d in store.invoices()} - invoices_before
    credited = {d.external_id for d in store.adjustments()} - credits_before
    sent = sandbox.intacct.stats.by_function
    # Every create the plan names was sent (posted, or refused by Intacct), and nothing else;
    # the invoices held for the customer the override resolves are among them.
    held_numbers = {str(p["number"]) for p in held if p["kind"] == "invoice"}
    assert held_numbers and held_numbers <= created
    assert planned("create", "invoice") == sorted(created | refused)
    assert sent["create_invoice"] == len(planned("create", "invoice"))
    assert planned("create", "credit_note") == sorted(credited)
    assert sent.get("create_aradjustment", 0) == len(planned("create", "credit_note"))
    # The override adopts LEGACY-0042 as it is, as a match by id would: the plan says so, and
    # nothing is written to it (no name, e-mail or address update).
    (customer,) = plan["customers"]
    assert (customer["customer_id"], customer["action"]) == ("LEGACY-0042", "adopt")
    assert done["counts"]["customers"]["adopted"] == 1
    assert sent.get("update", 0) == 0
    assert store.customer("LEGACY-0042") == legacy_before


def test_a_first_dry_run_plans_the_payments_of_the_invoices_the_run_posts(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """A first run posts the invoices, then their charges as payments: the dry run said
    every such payment was held ("its invoice is not in Intacct yet") and the run created
    them all."""
    mapped_profile(payments=True)
    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    done = json.loads(run_cli("--json", "sync").stdout)

    payments = [a for a in plan["documents"] if a["kind"] == "payment"]
    planned = {a["source_id"] for a in payments if a["action"] == "create"}
    held = {a["source_id"] for a in payments if (a["reason"] or "").startswith("held:")}
    # held in the payments stage: charges, and credit allocations (counted with payments)
    allocations = [a for a in plan["documents"] if a["kind"] == "allocation"]
    held_allocations = [a for a in allocations if (a["reason"] or "").startswith("held:")]
    # What only Intacct's answer tells (a closed period the mapping does not state) holds the
    # payments of the invoices it refused: the one thing a dry run cannot know.
    refused = {p["source_id"] for p in done["problems"] if "Intacct refused" in p["message"]}
    on_refused = {s for s in planned if s.split("/")[0] in refused}
    counts = done["counts"]["payments"]
    assert counts["created"] > 0
    assert len(planned - on_refused) == counts["created"]
    assert len(held | on_refused) + len(held_allocations) == counts["held"]


def test_an_invoice_renumbered_in_officernd_is_updated_not_reported_deleted_in_intacct(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """OfficeRnD lets staff renumber a document. The dry run said "update"; the run looked the
    Intacct invoice up by the new number only and reported it a conflict, "no longer found
    (deleted in Intacct?)", although it sat there under the number it was posted with."""
    from tests.sync.test_payments import an_open_invoice

    mapped_profile()
    run_cli("--json", "sync")
    invoice = an_open_invoice(sandbox)
    renamed = f"{invoice['number']}-R"
    sandbox.officernd.edit_invoice(invoice["_id"], number=renamed)

    plan = json.loads(run_cli("--json", "sync", "--dry-run").stdout)
    done = json.loads(run_cli("--json", "sync").stdout)

    [planned] = [a for a in plan["documents"] if a["source_id"] == invoice["_id"]]
    assert planned["action"] == "update"
    assert [p for p in done["problems"] if p["source_id"] == invoice["_id"]] == []
    assert done["counts"]["invoices"]["updated"] == 1
    numbers = {d.record_id for d in sandbox.intacct.store.invoices()}
    assert renamed in numbers and invoice["number"] not in numbers
