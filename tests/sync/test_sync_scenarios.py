"""Scenarios through the real CLI against the loopback sandbox (both simulators, seeded world)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner, sandbox_secrets
from tests.sync.conftest import Configure
from tests.sync.worlds import SALES_TAX, customer_ids, issued, location_codes

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


SALES_TAX_ACCOUNTS = set(SALES_TAX.values())


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def sync_json(run_cli: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("--json", "sync", *args)
    return result.exit_code, json.loads(result.stdout)


def failed_numbers(summary: dict[str, Any]) -> set[str]:
    return {p["number"] for p in summary["problems"] if p["kind"] in ("invoice", "credit_note")}


def test_first_sync_posts_every_issued_invoice_once_as_in_officernd(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    code, summary = sync_json(run_cli)

    assert summary["schema"] == "orsync.sync/1"
    assert code == 1  # the seeded world holds failures on purpose (inactive customer, ...)
    failed = failed_numbers(summary)
    assert failed  # and each one is reported...
    for problem in summary["problems"]:
        assert problem["message"] and problem["number"]
    store = sandbox.intacct.store
    posted = {doc.doc_number: doc for doc in store.invoices() if doc.module_key == "4.AR"}
    ids = customer_ids(sandbox)
    locations = location_codes(sandbox)
    expected = [doc for doc in issued(sandbox) if doc["number"] not in failed]
    assert expected
    # ...while the rest is posted, one Intacct invoice per OfficeRnD invoice.
    assert sorted(posted) == sorted(doc["number"] for doc in expected)
    for doc in expected:
        intacct = posted[doc["number"]]
        assert intacct.record_id == doc["number"]  # OfficeRnD numbering
        if doc["company"] is not None:
            assert intacct.customer_id == ids[doc["company"]]
        else:  # billed to a member personally: the member template (ORDM-...)
            assert intacct.customer_id.startswith("ORDM-")
        assert store.customer(intacct.customer_id) is not None
        # New York sales tax reaches Intacct as its own line on the liability account.
        revenue = [line for line in intacct.lines if line.gl_account_no not in SALES_TAX_ACCOUNTS]
        sales_tax = sum(
            (line.amount for line in intacct.lines if line.gl_account_no in SALES_TAX_ACCOUNTS),
            Decimal(0),
        )
        # A card processing fee posts as one more line (OfficeRnD counts it in the total).
        lines = doc["lines"] + ([doc["processingFeeLine"]] if doc["processingFeeLine"] else [])
        assert len(revenue) == len(lines)
        assert intacct.total_entered == money(doc["total"])
        assert sum(line.tax for line in intacct.lines) + sales_tax == sum(
            money(line["taxAmount"]) for line in lines
        )
        for line, source in zip(revenue, lines, strict=True):
            assert line.amount == money(source["total"]) - money(source["taxAmount"])
            assert line.location_id == locations[source["location"] or doc["location"]]
        assert intacct.description.startswith("orsync:")
    assert summary["counts"]["invoices"]["created"] == len(expected)


def test_second_sync_sends_nothing_to_intacct(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    run_cli("sync")
    before = len(sandbox.intacct.store.invoices())
    sandbox.intacct.reset_stats()
    sandbox.officernd.reset_request_counts()

    code, summary = sync_json(run_cli)

    assert code in (0, 1)
    assert sandbox.intacct.stats.functions == 0
    assert sandbox.intacct.stats.requests == 0
    assert sandbox.officernd.total_requests() <= 12
    assert len(sandbox.intacct.store.invoices()) == before
    for stage in ("customers", "invoices", "credit_notes"):
        counts = summary["counts"][stage]
        assert counts["created"] == counts["updated"] == counts.get("reversed", 0) == 0


def test_an_edit_updates_and_a_void_reverses_the_intacct_invoice(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    _, first = sync_json(run_cli)
    posted = [d for d in issued(sandbox) if d["number"] not in failed_numbers(first)]
    edited, voided = posted[0], posted[1]
    lines = [
        {
            "description": line["description"] + " (corrected)",
            "quantity": 1,
            "unitPrice": float(money(line["total"]) - money(line["taxAmount"]) + 10),
            "account": line["account"],
            "taxRate": line["taxRate"],
            "taxPercent": line["taxPercent"],
            "location": line["location"],
        }
        for line in edited["lines"]
    ]
    sandbox.officernd.edit_invoice(edited["_id"], lines=lines)
    sandbox.officernd.void_invoice(voided["_id"])

    code, summary = sync_json(run_cli)

    assert summary["counts"]["invoices"]["updated"] == 1
    assert summary["counts"]["invoices"]["reversed"] == 1
    store = sandbox.intacct.store
    new_total = money(sandbox.officernd.record("payments", edited["_id"])["total"])
    updated = store.invoice_by_number(edited["number"])
    assert updated is not None and updated.total_entered == new_total
    reversed_doc = store.invoice_by_number(voided["number"])
    assert reversed_doc is not None and reversed_doc.reversed_by is not None
    assert code in (0, 1)
    # Nothing more to do afterwards.
    sandbox.intacct.reset_stats()
    sync_json(run_cli)
    assert sandbox.intacct.stats.functions == 0


def test_a_new_customer_or_date_is_a_conflict_not_an_update_that_leaves_them_behind(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    # An update sends lines, due date and numbers only: counting such an edit "updated" would
    # leave Intacct billing the old customer on the old date while orsync reported success.
    mapped_profile()
    _, first = sync_json(run_cli)
    posted = [d for d in issued(sandbox) if d["number"] not in failed_numbers(first)]
    invoices = [d for d in posted if d["documentType"] == "invoice"]
    moved = next(d for d in invoices if d["company"])
    other = next(d["company"] for d in invoices if d["company"] not in (None, moved["company"]))
    redated = next(d for d in invoices if d["company"] not in (other, moved["company"]))
    store = sandbox.intacct.store
    before = {n: store.invoice_by_number(n) for n in (moved["number"], redated["number"])}
    sandbox.officernd.edit_invoice(moved["_id"], company=other)
    sandbox.officernd.edit_invoice(redated["_id"], date="2025-11-03T00:00:00.000Z")

    _, summary = sync_json(run_cli)

    assert summary["counts"]["invoices"]["updated"] == 0
    conflicts = {p["number"]: p for p in summary["problems"] if p["status"] == "conflict"}
    assert "customer" in conflicts[moved["number"]]["message"]
    assert "date" in conflicts[redated["number"]]["message"]
    for number, document in before.items():
        assert document is not None
        after = store.invoice_by_number(number)
        assert after is not None and after.customer_id == document.customer_id
        assert "void" in conflicts[number]["fix"]
    sync_json(run_cli)
    status = json.loads(run_cli("--json", "status").stdout)  # left over, never taken for done
    left = {row["source_id"]: row for row in status["unresolved"]}
    for document in (moved, redated):
        assert left[document["_id"]]["code"] == "conflict"
        assert "keeps the" in left[document["_id"]]["message"]


def test_sales_mode_posts_sales_documents_with_the_configured_definition(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(invoice_type="sales")
    _, summary = sync_json(run_cli)

    documents = sandbox.intacct.store.sales_documents()
    expected = [d for d in issued(sandbox) if d["number"] not in failed_numbers(summary)]
    invoices = {d.reference_no: d for d in documents if d.definition == "Sales Invoice"}
    assert sorted(invoices) == sorted(d["number"] for d in expected)
    for doc in expected:
        assert invoices[doc["number"]].total == money(doc["total"])
    assert summary["counts"]["invoices"]["created"] == len(expected)


def test_subsidiary_entities_post_each_invoice_in_its_locations_entity(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(entity_level="subsidiary")
    _, summary = sync_json(run_cli)

    entity_of = {loc.id: loc.entity_id for loc in sandbox.world.intacct.locations}
    locations = location_codes(sandbox)
    posted = {d.doc_number: d for d in sandbox.intacct.store.invoices()}
    expected = [d for d in issued(sandbox) if d["number"] not in failed_numbers(summary)]
    assert expected
    for doc in expected:
        assert posted[doc["number"]].entity_id == entity_of[locations[doc["location"]]]


def test_unmapped_values_are_reported_with_the_field_and_the_rest_is_posted(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(unmapped_accounts=("4100",))
    code, summary = sync_json(run_cli)

    assert code == 1
    unmapped = [p for p in summary["problems"] if "not mapped" in p["message"]]
    assert unmapped
    assert all(p["field"].startswith("lines[") and p["fix"] for p in unmapped)
    assert summary["counts"]["invoices"]["created"] > 0
    posted = {d.doc_number for d in sandbox.intacct.store.invoices()}
    assert not posted & {p["number"] for p in unmapped}


def test_closed_periods_and_inactive_customers_fail_only_their_documents(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    latest = max(d["date"][:10] for d in issued(sandbox))
    sandbox.intacct.store.set_books_closed_before(dt.date.fromisoformat(latest))
    # Finance deactivated an existing customer in Intacct: orsync adopts it, never reactivates
    # it, and reports each of its documents with Intacct's own text.
    sandbox.intacct.store.deactivate_customer("ORD-1001", dt.datetime.now(dt.UTC))
    code, summary = sync_json(run_cli)

    assert code == 1
    texts = " ".join(p["message"] for p in summary["problems"]).lower()
    assert "customer 'ord-1001' is inactive" in texts
    closed = [p for p in summary["problems"] if "period that's been closed" in p["message"]]
    assert closed
    # Unstated, the close shows only as Intacct's refusal; the fix names the setting that
    # lets the closed-period policy decide before anything is sent.
    assert all("options.books_closed_through" in p["fix"] for p in closed)
    assert summary["counts"]["invoices"]["created"] > 0


def _sync_with_books_closed_mid_history(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner, policy: str
) -> tuple[dt.date, set[str], dict[str, Any]]:
    """Close Intacct's books through the middle issued invoice's day, state that close in the
    mapping with closed-period ``policy``, and sync: (the first open day, the numbers of the
    closed invoices that did not fail on other grounds, the sync summary)."""
    days = sorted(doc["date"][:10] for doc in issued(sandbox))
    through = days[len(days) // 2]
    first_open = dt.date.fromisoformat(through) + dt.timedelta(days=1)
    sandbox.intacct.store.set_books_closed_before(first_open)
    closed = {doc["number"] for doc in issued(sandbox) if doc["date"][:10] <= through}
    mapped_profile(closed_period=policy, books_closed_through=through)
    _, summary = sync_json(run_cli)
    closed -= failed_numbers(summary)  # the seeded world's own failures (inactive customer...)
    assert closed
    return first_open, closed, summary


def test_a_stated_close_with_policy_skip_leaves_closed_documents_out_as_skipped(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    _, closed, summary = _sync_with_books_closed_mid_history(
        sandbox, mapped_profile, run_cli, "skip"
    )

    # Planned as skipped before any write: Intacct never had to refuse one of them.
    texts = " ".join(p["message"] for p in summary["problems"]).lower()
    assert "closed" not in texts and "period" not in texts
    assert summary["counts"]["invoices"]["skipped"] >= len(closed)
    assert not closed & {doc.doc_number for doc in sandbox.intacct.store.invoices()}
    assert summary["counts"]["invoices"]["created"] > 0


def test_a_stated_close_with_policy_shift_posts_on_the_first_open_day_with_a_note(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    first_open, closed, _ = _sync_with_books_closed_mid_history(
        sandbox, mapped_profile, run_cli, "shift"
    )

    posted = {doc.doc_number: doc for doc in sandbox.intacct.store.invoices()}
    assert closed <= set(posted)
    dated = {str(doc["number"]): doc for doc in issued(sandbox)}
    for number in closed:
        # Posted to the GL on the first open day; invoice and due dates stay OfficeRnD's.
        assert posted[number].when_posted == first_open
        assert posted[number].when_created.isoformat() == str(dated[number]["date"])[:10]
        assert posted[number].when_due is not None
        assert posted[number].when_due.isoformat() == str(dated[number]["dueDate"])[:10]
        assert "posted in the first open period" in posted[number].description
    # A second sync does not take the moved date for an edit to send again.
    sandbox.intacct.reset_stats()
    sync_json(run_cli)
    assert sandbox.intacct.stats.functions == 0


def test_failures_are_kept_in_the_ledger_and_shown_by_status(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    sync_json(run_cli)

    result = run_cli("status", "--json")
    assert result.exit_code == 0
    status = json.loads(result.stdout)
    assert status["schema"] == "orsync.status/1"
    assert status["runs"][0]["exit_code"] == 1
    failed = [r for r in status["unresolved"] if r["status"] == "failed"]
    assert failed and all(r["message"] for r in failed)
    assert status["ledger"]["invoice"]["confirmed"] > 0
    text = run_cli("status")
    assert text.exit_code == 0
    assert "failed" in text.stdout and "fix:" in text.stdout


def test_dry_run_prints_the_plan_and_writes_nothing_anywhere(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    from orsync.env import state_dir

    mapped_profile()
    sandbox.intacct.reset_stats()
    result = run_cli("sync", "--dry-run", "--json")

    plan = json.loads(result.stdout)
    assert plan["schema"] == "orsync.plan/1"
    assert plan["counts"]["documents"]["create"] > 0
    assert all(a["action"] != "create" or a["posting"] for a in plan["documents"])
    assert sandbox.intacct.stats.by_function.get("create_invoice", 0) == 0
    assert not [f for f in sandbox.intacct.stats.by_function if not _is_read(f)]
    assert sandbox.intacct.store.invoices() == [] or all(
        not d.description.startswith("orsync:") for d in sandbox.intacct.store.invoices()
    )
    assert not list(state_dir().glob("*.sqlite3*")) if state_dir().exists() else True
    text = run_cli("sync", "--dry-run")
    assert "nothing was written" in text.stdout


def _is_read(function: str) -> bool:
    return function in {"query", "readByQuery", "readMore", "read", "getAPISession", "lookup"}


def test_a_second_sync_while_one_runs_exits_75_naming_it(
    mapped_profile: Configure, run_cli: CliRunner
) -> None:
    from orsync.env import state_dir
    from orsync.state import ProfileLock, database_path, lock_path_for

    name = mapped_profile()
    lock = ProfileLock(lock_path_for(database_path(state_dir(), name)), profile=name)
    with lock.acquire("orsync sync"):
        result = run_cli("sync")
    assert result.exit_code == 75
    assert "pid" in result.stderr


def test_cron_output_is_a_few_plain_lines_and_no_secret_is_stored(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    from orsync.env import config_dir, state_dir

    mapped_profile()
    result = run_cli("sync")
    assert result.exit_code == 1
    assert result.stdout.startswith("sync demo: customers:")
    assert len(result.stdout.splitlines()) < 40
    quiet_again = run_cli("-q", "sync")
    assert quiet_again.exit_code in (0, 1)
    for folder in (state_dir(), config_dir()):
        for path in folder.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for secret in sandbox_secrets(sandbox):
                    assert secret.encode() not in content, path


def test_a_name_only_match_holds_its_documents_until_mapped_then_retry_failed_posts_them(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    _, first = sync_json(run_cli)
    conflict = next(p for p in first["problems"] if p["status"] == "conflict")
    assert conflict["stage"] == "customers" and "same name" in conflict["message"]
    held = {
        p["number"]
        for p in first["problems"]
        if p["kind"] in ("invoice", "credit_note") and p["field"] == "customer"
    }
    assert held

    legacy = next(c for c in sandbox.world.intacct.customers if c.id == "LEGACY-0042")
    mapped_profile(customer_overrides={f"name:{legacy.name}": legacy.id})
    code, summary = sync_json(run_cli, "--retry-failed")

    customers = summary["counts"]["customers"]
    assert customers["adopted"] + customers["updated"] == 1  # linked to LEGACY-0042
    posted = {d.doc_number: d for d in sandbox.intacct.store.invoices()}
    posted.update({d.external_id: d for d in sandbox.intacct.store.adjustments()})
    for number in held:
        assert posted[number].customer_id == "LEGACY-0042"
    assert code in (0, 1)


def _legacy_override(sandbox: RunningSandbox) -> dict[str, str]:
    """The mapping fix the name-only match's problem suggests: map it to LEGACY-0042."""
    legacy = next(c for c in sandbox.world.intacct.customers if c.id == "LEGACY-0042")
    return {f"name:{legacy.name}": legacy.id}


def _linked(summary: dict[str, Any]) -> int:
    customers = summary["counts"]["customers"]
    return int(customers.get("adopted", 0) + customers.get("updated", 0))


def test_after_the_suggested_mapping_fix_the_next_plain_sync_posts_what_was_held(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    _, first = sync_json(run_cli)
    held = [p for p in first["problems"] if p["field"] == "customer" or p["status"] == "conflict"]
    assert held and not first["mapping_changed"]
    numbers = {p["number"] for p in held if p["kind"] in ("invoice", "credit_note")}
    for problem in held:  # the fix no longer needs anyone to type --retry-failed
        assert "next sync" in problem["fix"], problem

    mapped_profile(customer_overrides=_legacy_override(sandbox))
    _, after_fix = sync_json(run_cli)  # cron's next run, no option
    assert after_fix["mapping_changed"] is True
    assert after_fix["options"]["retry_failed"] is False  # what was asked, not what was done
    assert _linked(after_fix) == 1
    posted = {d.doc_number: d for d in sandbox.intacct.store.invoices()}
    posted.update({d.external_id: d for d in sandbox.intacct.store.adjustments()})
    for number in numbers:
        assert posted[number].customer_id == "LEGACY-0042"


def test_an_unchanged_mapping_does_not_retry_failed_records_on_every_run(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    _, first = sync_json(run_cli)
    assert any(p["status"] == "conflict" for p in first["problems"])
    before = sandbox.intacct.stats.requests
    _, second = sync_json(run_cli)
    assert second["mapping_changed"] is False
    assert _linked(second) == 0
    assert sandbox.intacct.stats.requests == before  # failed records were not sent again


def test_a_dry_run_after_a_mapping_change_plans_the_retries_and_remembers_nothing(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    sync_json(run_cli)
    mapped_profile(customer_overrides=_legacy_override(sandbox))
    dry = run_cli("sync", "--dry-run")
    assert dry.exit_code in (0, 1), dry.stderr
    assert "The mapping changed since the last sync" in dry.stdout
    assert "LEGACY-0042" in dry.stdout
    _, real = sync_json(run_cli)  # the dry run did not record the new mapping as seen
    assert real["mapping_changed"] is True and _linked(real) == 1


def _remembered_mapping(profile: str) -> str | None:
    from orsync.env import state_dir
    from orsync.state import StateStore, database_path

    with StateStore.open(database_path(state_dir(), profile), profile=profile) as store:
        return store.settings.mapping_fingerprint()


def test_only_a_sync_of_every_stage_remembers_the_mapping_it_ran_under(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    name = mapped_profile()
    sync_json(run_cli)
    first = _remembered_mapping(name)
    assert first is not None
    mapped_profile(customer_overrides=_legacy_override(sandbox))
    _, invoices_only = sync_json(run_cli, "--only", "invoices")
    assert invoices_only["mapping_changed"] is True  # its own stages are tried again
    assert _remembered_mapping(name) == first  # customers may still fail under the old one
    sync_json(run_cli)
    assert _remembered_mapping(name) not in (None, first)


def test_a_state_from_before_the_mapping_was_remembered_retries_its_failed_records_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    import sqlite3
    from contextlib import closing

    from orsync.env import state_dir
    from orsync.state import database_path

    name = mapped_profile()
    sync_json(run_cli)
    # The state as an orsync from before this change left it.
    with closing(sqlite3.connect(database_path(state_dir(), name))) as conn, conn:
        conn.execute("DELETE FROM meta WHERE key = 'mapping_fingerprint'")
    _, upgraded = sync_json(run_cli)
    assert upgraded["mapping_changed"] is True
    _, next_run = sync_json(run_cli)
    assert next_run["mapping_changed"] is False


def test_intacct_numbering_keeps_the_officernd_number_in_the_reference(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(numbering="intacct")
    sent = {d["number"] for d in issued(sandbox)}  # before Intacct's numbers are written back
    _, summary = sync_json(run_cli)

    expected = sent - failed_numbers(summary)
    posted = [d for d in sandbox.intacct.store.invoices() if d.description.startswith("orsync:")]
    assert {d.doc_number for d in posted} == expected
    assert all(d.record_id not in expected for d in posted)  # Intacct's own numbers


def test_only_credit_notes_leaves_invoices_for_later(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    _, summary = sync_json(run_cli, "--only", "credit-notes")

    assert summary["read"]["invoices"] == 0
    assert sandbox.intacct.store.invoices() == [] or all(
        not d.description.startswith("orsync:") for d in sandbox.intacct.store.invoices()
    )
    _, later = sync_json(run_cli, "--only", "invoices,customers")
    assert later["counts"]["invoices"]["created"] > 0
    assert later["read"]["credit_notes"] == 0
