"""Month end against the sandbox: after a clean sync both sides agree; every kind of
discrepancy is found exactly once; the safe fixes leave only the manual ones; sync then writes
nothing; the ledger is only a hint and can be rebuilt from both systems."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orsync.env import state_dir
from orsync.intacct.xml import legacy
from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner, sandbox_secrets
from tests.reconcile.helpers import (
    give_profile_mapping,
    intacct_client,
    posting,
    settle_seed_conflicts,
    stated_close,
    sync_profile,
    unnumbered,
    write,
    writes_in,
)

pytestmark = pytest.mark.loopback

PERIOD = ("--from", "2025-01-01", "--to", "2026-11-30")


@pytest.fixture
def synced(sandbox: RunningSandbox, mapped_profile: str) -> str:
    """The seeded world, its planted customer conflicts settled, synced to a steady state."""
    settle_seed_conflicts(sandbox)
    sync_profile(mapped_profile)
    assert writes_in(sync_profile(mapped_profile)) <= 1  # a customer touched by the settling
    assert writes_in(sync_profile(mapped_profile)) == 0
    return mapped_profile


def reconcile_json(run_cli: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("--json", "reconcile", *PERIOD, *args)
    assert result.exit_code in (0, 1, 75), result.stderr
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def found(document: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["category"], f["number"]) for f in document["findings"]}


def invoices_by_reference(sandbox: RunningSandbox) -> dict[str, Any]:
    return {d.doc_number: d for d in sandbox.intacct.store.invoices() if d.doc_number}


def test_after_a_clean_sync_both_sides_agree(synced: str, run_cli: CliRunner) -> None:
    code, document = reconcile_json(run_cli, "--dry-run")

    assert code == 0
    assert document["agree"] is True
    assert document["findings"] == []
    # The seeded mapping states the seed's close (finance does so before go-live).
    assert document["books_closed_through"] == "2025-10-31"
    # Every issued document posted once; the seed's one draft and one voided invoice never are.
    assert document["read"]["intacct_documents"] == document["read"]["officernd_documents"] - 2
    assert all(Decimal(row["variance"]) == 0 for row in document["totals"])
    assert document["totals"], "totals per entity, currency and account are reported"


def test_every_discrepancy_is_found_exactly_and_only_safe_fixes_are_applied(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    store = sandbox.intacct.store
    officernd = sandbox.officernd
    by_reference = invoices_by_reference(sandbox)
    officernd_ids = {
        r["number"]: str(r["_id"]) for r in officernd.records("payments", documentType="invoice")
    }
    (deleted, reversed_, changed, duplicated, voided, edited, *_) = sorted(by_reference)
    client = intacct_client(sandbox)

    store.delete_invoice(by_reference[deleted].recordno)
    list(
        client.write(
            [
                legacy.reverse_invoice(
                    str(by_reference[reversed_].recordno), dt.date(2026, 11, 2), "r1"
                )
            ]
        )
    )
    store.set_line_amount(
        by_reference[changed].recordno, 1, Decimal("1.23"), dt.datetime.now(dt.UTC)
    )
    copy = by_reference[duplicated]
    write(
        client,
        unnumbered(
            posting(
                duplicated,
                customer=copy.customer_id,
                day=copy.when_created,
                lines=(("4000", "10.00", "0.00", None),),
            )
        ),
    )
    unrelated = store.add_invoice(
        "ORD-1001", Decimal("99.00"), dt.date(2026, 10, 9), dt.datetime.now(dt.UTC)
    )
    write(client, posting("NYC-INV-99999", day=dt.date(2026, 10, 9)))  # orphan
    officernd.void_invoice(officernd_ids[voided])
    officernd.edit_invoice(officernd_ids[edited], dueDate="2026-12-31T00:00:00.000Z")

    code, document = reconcile_json(run_cli, "--dry-run")

    assert code == 1
    assert found(document) == {
        ("missing", deleted),
        ("different", reversed_),
        ("different", changed),
        ("duplicated", duplicated),
        ("different", voided),
        ("different", edited),
        ("not_orsync", None),
        ("orphan", "NYC-INV-99999"),
    }
    findings = {(f["category"], f["number"]): f for f in document["findings"]}
    assert findings[("not_orsync", None)]["target_keys"] == [str(unrelated.recordno)]
    fields = {d["field"] for d in findings[("different", changed)]["diffs"]}
    assert {"lines[1].net_amount", "total"} <= fields
    assert findings[("different", edited)]["diffs"] == [
        {
            "field": "date_due",
            "officernd": "2026-12-31",
            "intacct": dt.date.isoformat(by_reference[edited].when_due),
        }
    ]
    safe = {(f["action"], f["number"]) for f in document["fixes"]["safe"]}
    assert safe == {("post", deleted), ("update", changed), ("reverse", voided), ("update", edited)}
    assert all(not f["safe"] for f in document["fixes"]["manual"])
    assert invoices_by_reference(sandbox)[changed].lines[0].amount == Decimal("1.23")  # dry run

    # A run without the ledger reaches the same verdict.
    _without_ledger_same_report(run_cli, document)

    code, applied = reconcile_json(run_cli, "--yes")
    assert applied["applied"]["documents"]["requested"] == {"post": 1, "update": 2, "reverse": 1}

    code, after = reconcile_json(run_cli, "--dry-run")
    assert code == 1
    assert found(after) == {
        ("different", reversed_),
        ("duplicated", duplicated),
        ("not_orsync", None),
        ("orphan", "NYC-INV-99999"),
    }
    assert after["fixes"]["safe"] == []
    assert writes_in(sync_profile(synced)) == 0
    _no_secret_in_home(sandbox)


def test_documents_in_a_stated_closed_period_are_listed_for_a_manual_fix_and_never_touched(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    store = sandbox.intacct.store
    by_date = sorted(invoices_by_reference(sandbox).values(), key=lambda d: d.when_created)
    deleted, changed = by_date[0], by_date[1]
    through = by_date[2].when_created
    store.set_books_closed_before(through + dt.timedelta(days=1))
    give_profile_mapping(
        synced,
        Path(os.environ["ORSYNC_HOME"]) / "mapping.yaml",
        books_closed_through=through.isoformat(),
    )
    store.delete_invoice(deleted.recordno)
    store.set_line_amount(changed.recordno, 1, Decimal("1.23"), dt.datetime.now(dt.UTC))

    code, document = reconcile_json(run_cli, "--dry-run")

    assert code == 1
    assert document["books_closed_through"] == through.isoformat()
    assert found(document) == {("missing", deleted.doc_number), ("different", changed.doc_number)}
    assert document["fixes"]["safe"] == []
    reasons = {f["number"]: f["fix"]["text"] for f in document["findings"]}
    assert "closed Intacct period" in reasons[deleted.doc_number]
    assert "closed period" in reasons[changed.doc_number]

    plain = run_cli("reconcile", "--dry-run", *PERIOD)
    assert f"Intacct books closed through {through.isoformat()}" in plain.stdout

    code, _ = reconcile_json(run_cli, "--yes")
    assert code == 1
    assert store.invoice(changed.recordno).lines[0].amount == Decimal("1.23")
    assert deleted.doc_number not in invoices_by_reference(sandbox)


def _without_ledger_same_report(run_cli: CliRunner, with_ledger: dict[str, Any]) -> None:
    state = state_dir()
    aside = state.with_name(state.name + "-aside")
    shutil.move(state, aside)
    try:
        _, without = reconcile_json(run_cli, "--dry-run")
        assert not state.exists(), "a dry run creates no state"
    finally:
        shutil.move(aside, state)

    def verdicts(document: dict[str, Any]) -> list[dict[str, Any]]:
        # ledger_link only says what the ledger claimed (a stale link): it is not a verdict.
        return [{k: v for k, v in f.items() if k != "ledger_link"} for f in document["findings"]]

    assert verdicts(without) == verdicts(with_ledger)
    assert any(f["ledger_link"] for f in with_ledger["findings"])
    assert without["totals"] == with_ledger["totals"]
    assert with_ledger["relinks"] == []
    # Without links, every document matched by reference is proposed as a relink.
    relinked = {r["number"] for r in without["relinks"]}
    assert len(relinked) >= 30
    assert not relinked & {f["number"] for f in without["findings"] if f["category"] != "different"}


def test_rebuilt_ledger_lets_the_next_sync_write_nothing(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    shutil.rmtree(state_dir())

    result = run_cli("--json", "reconcile", "--rebuild-ledger", "--yes")

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["applied"]["ledger"]["documents"] == document["read"]["intacct_documents"]
    assert writes_in(sync_profile(synced)) == 0


def test_a_customer_sync_would_hold_for_a_name_match_is_manual_with_its_documents(
    mapped_profile: str, run_cli: CliRunner
) -> None:
    # The seeded name-only match is left as it is: Intacct has LEGACY-0042 under the name of a
    # billed company, so sync holds that customer (never merges by name) and its documents.
    sync_profile(mapped_profile)
    _, plan = reconcile_json(run_cli, "--dry-run")
    held = [f for f in plan["findings"] if "LEGACY-0042" in f["fix"]["text"]]
    assert {f["category"] for f in held} == {"customer_missing", "missing"}
    assert all(not f["fix"]["safe"] for f in held)

    code, applied = reconcile_json(run_cli, "--yes")
    assert code == 1
    assert applied["applied"] is None  # no safe fix: sync was not asked to write anything


def test_safe_fixes_that_sync_still_refuses_are_not_called_gone_afterwards(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    # Finance deactivated a customer in Intacct, and one of its invoices went missing there:
    # posting it again is a safe fix, which sync then refuses (it never reactivates anyone).
    store = sandbox.intacct.store
    invoice = next(d for d in store.invoices() if d.customer_id == "ORD-1001" and d.doc_number)
    store.delete_invoice(invoice.recordno)
    store.deactivate_customer("ORD-1001", dt.datetime.now(dt.UTC))

    code, document = reconcile_json(run_cli, "--yes")
    assert code == 1
    assert document["applied"]["documents"]["problems"]  # sync refused a safe fix
    notes = " ".join(document["notes"])
    assert "manual fixes only" not in notes
    assert "could not be applied" in notes


def test_no_input_without_yes_refuses_to_apply(synced: str, run_cli: CliRunner) -> None:
    result = run_cli("--no-input", "reconcile", *PERIOD)
    assert result.exit_code == 2
    assert "--yes" in result.stderr and "--dry-run" in result.stderr
    assert "asks before it applies any fix" in result.stderr


def test_an_unreadable_document_is_counted_in_the_closing_line(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    invoice = sandbox.officernd.records("payments", documentType="invoice")[0]
    line = dict(invoice["lines"][0], quantity=10**16)  # an amount no ledger can hold
    sandbox.officernd.edit_invoice(str(invoice["_id"]), lines=[line])

    result = run_cli("reconcile", "--dry-run", *PERIOD)

    assert result.exit_code == 1
    assert f"unreadable: {invoice['number']}" in result.stdout
    closing = result.stdout.strip().splitlines()[-1]
    assert closing == "Differences: 1 unreadable; 0 safe fixes, 0 manual."
    # Its Intacct document is not an orphan to reverse: OfficeRnD knows it, orsync cannot read it.
    assert "orphan" not in result.stdout


def test_csv_and_plain_output(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner, tmp_path: Path
) -> None:
    by_reference = invoices_by_reference(sandbox)
    number = sorted(by_reference)[0]
    sandbox.intacct.store.set_line_amount(
        by_reference[number].recordno, 1, Decimal("2.00"), dt.datetime.now(dt.UTC)
    )
    reports = tmp_path / "reports"  # a folder finance shares: its mode is not orsync's
    reports.mkdir()
    reports.chmod(0o755)
    target = reports / "month.csv"

    result = run_cli("reconcile", "--dry-run", *PERIOD, "--csv", str(target))

    assert result.exit_code == 1
    assert f"different invoice {number}" in result.stdout
    assert "-> 2.00" in result.stdout
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 as Excel recognises it
    assert (reports / "month-totals.csv").read_bytes().startswith(b"\xef\xbb\xbfentity,")
    rows = target.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("category,kind,number")
    assert any(number in row and "lines[1].net_amount" in row for row in rows[1:])
    assert (reports / "month-totals.csv").exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(reports.stat().st_mode) == 0o755


def _no_secret_in_home(sandbox: RunningSandbox) -> None:
    home = state_dir().parent
    secrets = sandbox_secrets(sandbox)
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path


del dataclasses


def test_filters_narrow_both_sides_alike(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    store = sandbox.intacct.store
    by_reference = invoices_by_reference(sandbox)
    london = next(n for n in sorted(by_reference) if n.startswith("LON-"))
    new_york = next(n for n in sorted(by_reference) if n.startswith("NYC-"))
    for number in (london, new_york):
        store.set_line_amount(
            by_reference[number].recordno, 1, Decimal("3.00"), dt.datetime.now(dt.UTC)
        )
    customer = by_reference[london].customer_id

    _, everything = reconcile_json(run_cli, "--dry-run")
    _, uk = reconcile_json(run_cli, "--dry-run", "--entity", "UK")
    _, lon = reconcile_json(run_cli, "--dry-run", "--location", "LON")
    _, one = reconcile_json(run_cli, "--dry-run", "--customer", customer)

    assert found(everything) == {("different", london), ("different", new_york)}
    assert found(uk) == found(lon) == found(one) == {("different", london)}
    assert {row["entity"] for row in uk["totals"]} == {"UK"}
    assert 0 < lon["read"]["officernd_documents"] < uk["read"]["officernd_documents"]
    assert lon["read"]["officernd_documents"] == lon["read"]["intacct_documents"]
    assert one["read"]["officernd_documents"] == one["read"]["intacct_documents"]


@pytest.mark.parametrize(
    "options",
    [{"invoice_type": "sales"}, {"entity_level": "subsidiary"}],
    ids=["sales", "subsidiary"],
)
def test_other_profile_shapes_agree_after_a_clean_sync(
    sandbox: RunningSandbox, mapped_profile: str, run_cli: CliRunner, options: dict[str, str]
) -> None:
    give_profile_mapping(
        mapped_profile,
        Path(os.environ["ORSYNC_HOME"]) / "m2.yaml",
        **stated_close(sandbox),
        **options,
    )
    settle_seed_conflicts(sandbox)
    sync_profile(mapped_profile)
    sync_profile(mapped_profile)

    code, document = reconcile_json(run_cli, "--dry-run")

    assert document["findings"] == [], document["findings"][:3]
    assert code == 0
    assert document["read"]["intacct_documents"] == document["read"]["officernd_documents"] - 2


def test_a_sales_tax_line_missing_in_intacct_is_a_safe_fix_that_converges(
    synced: str, sandbox: RunningSandbox, run_cli: CliRunner
) -> None:
    # What orsync used to post for a New York invoice: its net only, the sales tax dropped.
    store = sandbox.intacct.store
    taxed = next(
        doc
        for doc in invoices_by_reference(sandbox).values()
        if any(line.gl_account_no == "2210" for line in doc.lines) and doc.total_paid == 0
    )
    from dataclasses import replace

    short = replace(
        taxed, lines=tuple(line for line in taxed.lines if line.gl_account_no != "2210")
    )
    store.put(store.ar_table, short, None)

    code, document = reconcile_json(run_cli, "--dry-run")
    assert code == 1
    assert found(document) == {("different", taxed.doc_number)}
    safe = {(f["action"], f["number"]) for f in document["fixes"]["safe"]}
    assert safe == {("update", taxed.doc_number)}

    reconcile_json(run_cli, "--yes")
    code, after = reconcile_json(run_cli, "--dry-run")
    assert (code, after["findings"]) == (0, [])
    fixed = invoices_by_reference(sandbox)[taxed.doc_number]
    assert fixed.total_entered == taxed.total_entered


def test_the_read_is_counted_against_officernd_s_count_of_the_period(synced: str) -> None:
    """What draws reconcile's bar on a terminal: an end (OfficeRnD's count of the period, so
    an estimate of the time left) and every document read."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.services.reconcile import ReconcileRequest, run_reconcile

    told: dict[str, list[int]] = {"expect": [], "advance": []}

    class Bar:
        def expect(self, stage: str, total: int) -> None:
            assert stage == "reading"
            told["expect"].append(total)

        def advance(self, stage: str, count: int = 1) -> None:
            assert stage == "reading"
            told["advance"].append(count)

    path = default_config_path()
    name, profile = select_profile(load_config(path), synced, path)
    request = ReconcileRequest(dt.date.fromisoformat(PERIOD[1]), dt.date.fromisoformat(PERIOD[3]))
    run = run_reconcile(name, profile, request, dry_run=True, progress=Bar())
    read = run.outcome.officernd_documents
    assert read > 0
    assert told["expect"] == [read]
    assert sum(told["advance"]) == read
