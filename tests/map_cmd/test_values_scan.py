"""`map init` and `map check` read the values in use from a recent window, keep what they found
in the profile's state, and the next check reads only the documents changed since."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.conftest import CliRunner

pytestmark = pytest.mark.loopback


def _json(run_cli: CliRunner, *args: str) -> dict[str, object]:
    result = run_cli("--profile", "demo", *args, "--json")
    assert result.exit_code in (0, 78), result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _payment_reads(sandbox: RunningSandbox) -> int:
    counts = sandbox.officernd.request_counts
    return sum(n for path, n in counts.items() if path == "GET /payments")


def _issued(sandbox: RunningSandbox) -> list[dict[str, object]]:
    return [
        doc
        for doc in sandbox.officernd.records("payments")
        if doc["documentType"] in ("invoice", "creditNote") and doc["status"] != "draft"
    ]


def test_a_second_check_reads_only_the_documents_changed_since_the_first_scan(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    path = tmp_path / "mappings.yaml"
    init = _json(run_cli, "map", "init", "--output", str(path))
    issued = len(_issued(sandbox))
    assert init["documents_scanned"] == init["documents_read"] == issued

    sandbox.officernd.reset_request_counts()
    unchanged = _json(run_cli, "map", "check", str(path))
    assert unchanged["incremental"] is True and unchanged["documents_read"] == 0
    assert unchanged["documents_scanned"] == issued
    assert _payment_reads(sandbox) == 1, "one page of changes, none of history"

    # A document edited in OfficeRnD with a revenue account nobody mapped: the next check reads
    # it alone and reports the new value as a gap.
    invoice = _issued(sandbox)[0]
    lines = [dict(line) for line in invoice["lines"]]  # type: ignore[attr-defined]
    new_account = sandbox.officernd.create_record(
        "revenue-accounts", {"name": "Parking", "code": "4999"}
    )
    lines[0]["account"] = new_account["_id"]
    sandbox.officernd.edit_invoice(str(invoice["_id"]), lines=lines)
    changed = _json(run_cli, "map", "check", str(path))
    assert changed["documents_read"] == 1
    assert changed["documents_scanned"] == issued, "a changed document is not counted twice"
    sandbox.officernd.create_invoice(
        company=str(invoice["company"]),
        location=str(invoice["location"]),
        lines=[{"description": "Parking", "quantity": 1, "unitPrice": 10, **lines[0]}],
    )
    created = _json(run_cli, "map", "check", str(path))
    assert created["documents_read"] >= 1 and created["documents_scanned"] == issued + 1
    assert any("4999" in gap["value"] for gap in changed["gaps"])  # type: ignore[attr-defined]

    refreshed = _json(run_cli, "map", "check", str(path), "--refresh")
    assert refreshed["incremental"] is False
    assert refreshed["documents_read"] == refreshed["documents_scanned"] == issued + 1


def test_the_window_is_the_last_13_months_unless_since_or_all_history_says_otherwise(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    path = tmp_path / "mappings.yaml"
    default = _json(run_cli, "map", "init", "--output", str(path))
    assert default["since"] == "2025-10-01"  # the seeded world ends 2026-11-01

    narrow = _json(
        run_cli, "map", "init", "--output", str(path), "--force", "--since", "2026-10-01"
    )
    dated = [doc for doc in _issued(sandbox) if str(doc["date"]) >= "2026-10-01"]
    assert narrow["since"] == "2026-10-01" and narrow["documents_scanned"] == len(dated)
    assert 0 < len(dated) < len(_issued(sandbox))

    # A wider window than the one kept cannot be answered from it: all history is read ...
    everything = _json(run_cli, "map", "check", str(path), "--all-history")
    assert everything["since"] is None and everything["incremental"] is False
    assert everything["documents_read"] == len(_issued(sandbox))
    # ... and then answers for any window: only changes are read.
    again = _json(run_cli, "map", "check", str(path), "--since", "2026-10-01")
    assert again["incremental"] is True and again["documents_read"] == 0
    assert again["since"] is None


def test_since_and_all_history_together_or_a_bad_day_are_usage_errors(
    run_cli: CliRunner, sandbox_profile: str, tmp_path: Path
) -> None:
    both = run_cli("--profile", "demo", "map", "check", "--since", "2026-01-01", "--all-history")
    assert both.exit_code == 2 and "not both" in both.stderr
    bad = run_cli("--profile", "demo", "map", "init", "--since", "01/02/2026")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_fees_are_drafted_by_what_bills_them_with_a_few_example_names(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    path = tmp_path / "mappings.yaml"
    _json(run_cli, "map", "init", "--output", str(path))
    text = path.read_text(encoding="utf-8")
    fees_section = text[text.index("# fees:") :]
    # Bookings bill meeting rooms: one group per room plan, named per booking.
    assert "resource type service" in fees_section
    booking_names = {
        line["description"]
        for doc in _issued(sandbox)
        for line in doc["lines"]  # type: ignore[attr-defined]
        if line.get("fee") and " – " in str(line["description"]) and ":00" in line["description"]
    }
    assert len(booking_names) > 10
    shown = [name for name in booking_names if name in fees_section]
    assert 0 < len(shown) <= 3 * 10, "a few examples per group, never every booking"
    assert "#     #   ... and " in fees_section, "the rest is counted"
    assert not any(f'"{name}": {{department' in fees_section for name in booking_names)


def test_progress_lines_off_a_terminal_at_verbose(
    run_cli: CliRunner,
    sandbox_profile: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("orsync.cli.map.LOG_EVERY_S", 0.0)
    result = run_cli("-v", "--profile", "demo", "map", "init", "--output", str(tmp_path / "m.yaml"))
    assert result.exit_code == 0, result.stderr
    assert "INFO demo reading documents from OfficeRnD" in result.stderr
    assert "documents (" in result.stderr and "/s)" in result.stderr
    # A rescan of the same window knows how many documents to expect.
    again = run_cli(
        "-v", "--profile", "demo", "map", "check", str(tmp_path / "m.yaml"), "--refresh"
    )
    assert "reading documents from OfficeRnD (about " in again.stderr
    assert "last time)" in again.stderr
    quiet = run_cli("--profile", "demo", "map", "check", str(tmp_path / "m.yaml"))
    assert "reading" not in quiet.stderr, "without -v a pipe gets no progress lines"
    logging.getLogger("orsync").handlers.clear()


def test_init_looks_up_only_the_members_billed_personally_that_the_scan_saw(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    personal = {
        str(doc["member"]) for doc in _issued(sandbox) if doc.get("member") and not doc["company"]
    }
    assert personal and len(personal) < len(sandbox.officernd.records("members"))
    sandbox.officernd.reset_request_counts()
    init = _json(run_cli, "map", "init", "--output", str(tmp_path / "m.yaml"))
    # Their "Customer Number" makes the member template, as it does for companies.
    assert init["customer_ids"]["member"] == "ORD-{member.properties.Customer Number}"  # type: ignore[index]
    assert sandbox.officernd.request_counts["GET /members"] == 1, "one look-up by id"
    # A second init reads only changes, which name too few members: every member is read.
    again = _json(run_cli, "map", "init", "--output", str(tmp_path / "m.yaml"), "--force")
    assert again["documents_read"] == 0
    assert again["customer_ids"] == init["customer_ids"]


def _methods(report: dict[str, object]) -> int:
    coverage = {row["map"]: row for row in report["coverage"]}  # type: ignore[attr-defined]
    return int(coverage["payment_methods"]["total"])


def test_the_window_s_payment_methods_are_kept_and_a_check_reads_only_new_charges(
    run_cli: CliRunner, sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path
) -> None:
    path = tmp_path / "mappings.yaml"
    sandbox.officernd.reset_request_counts()
    _json(run_cli, "map", "init", "--output", str(path))
    window_reads = sandbox.officernd.request_counts["GET /charges"]
    first = _json(run_cli, "map", "check", str(path))
    assert _methods(first) > 0

    sandbox.officernd.reset_request_counts()
    again = _json(run_cli, "map", "check", str(path))
    assert _methods(again) == _methods(first)
    assert sandbox.officernd.request_counts["GET /charges"] == 1, "changes only"
    assert window_reads > 1, "init read the window's charges, over several windows"

    invoice = next(
        doc
        for doc in _issued(sandbox)
        if doc["documentType"] == "invoice" and float(str(doc.get("payableAmount") or 0)) >= 1
    )
    sandbox.officernd.add_charge(str(invoice["_id"]), "1.00", account="Gift Voucher")
    changed = _json(run_cli, "map", "check", str(path))
    assert _methods(changed) == _methods(first) + 1
    assert any("Gift Voucher" in gap["value"] for gap in changed["gaps"])  # type: ignore[attr-defined]
