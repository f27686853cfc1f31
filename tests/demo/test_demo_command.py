"""`orsync demo`: one command from nothing to posted invoices, touching nothing of the user's."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import keyring
import pytest

from orsync.env import EnvVars
from orsync.sandbox.intacct.config import IntacctCredentials
from orsync.sandbox.seed import generate
from tests.conftest import CliResult, CliRunner, MemoryKeyring

pytestmark = pytest.mark.loopback

INVOICES, COMPANIES, SEED = 30, 6, 42
ARGS = ("demo", "--invoices", str(INVOICES), "--companies", str(COMPANIES))

Run = Callable[..., CliResult]


def _sandbox_secrets() -> list[str]:
    world = generate(SEED, invoices=INVOICES, companies=COMPANIES)
    creds = IntacctCredentials()
    return [
        creds.sender_password,
        creds.user_password,
        *(app.client_secret for app in world.officernd.applications),
    ]


def _officernd_totals_by_currency(
    held: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """What OfficeRnD says should be posted: issued invoices and credit notes per currency,
    except the documents ``held`` (by number)."""
    world = generate(SEED, invoices=INVOICES, companies=COMPANIES)
    kinds = {"invoice": "invoice", "creditNote": "credit_note"}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for record in world.officernd.collections["payments"]:
        kind = kinds.get(record["documentType"])
        if kind is None or record["status"] in ("draft", "voided") or record["number"] in held:
            continue
        key = (kind, record["currency"])
        counts[key] += 1
        # AR credit memos carry negative amounts in Intacct (the engine's sign convention).
        sign = -1 if kind == "credit_note" else 1
        sums[key] += sign * Decimal(str(record["total"]))
    return {key: (counts[key], sums[key]) for key in counts}


@pytest.fixture(autouse=True)
def _sync_service_present() -> None:
    pytest.importorskip("orsync.services.sync.run", reason="the sync service has not landed yet")


def test_the_demo_posts_every_issued_document_and_reports_intacct_totals(run_cli: Run) -> None:
    result = run_cli(*ARGS, "--json")  # after the command: the same as the global --json
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "orsync.demo/1"
    posted: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for row in report["intacct"]["documents"]:
        key = (row["kind"], row["currency"])
        count, total = posted.get(key, (0, Decimal(0)))
        posted[key] = (count + row["count"], total + Decimal(row["total"]))
    # The seeded name-only customer match holds that customer and its documents, on purpose.
    held = report["held_on_purpose"]
    assert [h["stage"] for h in held if h["stage"] == "customers"] == ["customers"]
    assert all("LEGACY-0042" in h["message"] for h in held)
    held_documents = frozenset(h["number"] for h in held if h["stage"] != "customers")
    # Read back from the simulated Intacct, compared with OfficeRnD's own numbers.
    assert posted == _officernd_totals_by_currency(held_documents)
    assert report["sync"]["exit_code"] == 1 and report["exit_code"] == 0
    assert {gap["code"] for gap in report["filled_gaps"]} >= {"BKN", "4500", "4600"}
    assert report["intacct"]["samples"]
    assert report["home"] is None  # a temporary home, removed
    # Payments both ways: the invoice's due, the same in both systems, is nothing afterwards.
    card, cheque = report["payments"]
    assert (card["direction"], card["method"]) == ("officernd_to_intacct", "Credit Card")
    assert (cheque["direction"], cheque["method"]) == ("intacct_to_officernd", "Cheque")
    for payment in (card, cheque):
        amount = payment["amount"]
        assert payment["due_before"] == {"officernd": amount, "intacct": amount}
        assert payment["due_after"] == {"officernd": "0.00", "intacct": "0.00"}
    assert card["reference"].startswith("Intacct payment ")
    assert cheque["reference"].startswith("OfficeRnD charge ")


def test_the_text_summary_names_counts_totals_and_the_filled_gaps(run_cli: Run) -> None:
    result = run_cli(*ARGS)
    assert result.exit_code == 0, result.stderr
    issued = _officernd_totals_by_currency()
    invoices = sum(count for (kind, _), (count, _) in issued.items() if kind == "invoice")
    assert f"{invoices} issued invoices" in result.stdout
    assert "Held on purpose" in result.stdout
    held = frozenset(re.findall(r"^  ([A-Z]{3}-INV-\d+): ", result.stdout, re.MULTILINE))
    assert held
    # A currency may be billed in several entities (euros in Ireland and the UK): its rows add
    # up to the currency's total.
    rows = re.findall(
        r"^\s*(invoices|credit notes)\s+\w+\s+([A-Z]{3})\s+\d+\s+(-?[\d,]+\.\d\d)\s*$",
        result.stdout,
        re.MULTILINE,
    )
    shown: dict[tuple[str, str], Decimal] = {}
    for label, currency, amount in rows:
        key = ("invoice" if label == "invoices" else "credit_note", currency)
        shown[key] = shown.get(key, Decimal(0)) + Decimal(amount.replace(",", ""))
    for (kind, currency), (_count, total) in _officernd_totals_by_currency(held).items():
        assert shown[(kind, currency)] == total, (kind, currency)
    assert "BKN: location -> NYC" in result.stdout
    assert "Starting the sandbox" in result.stderr
    due = (
        r"due before ([\d,.]+) in OfficeRnD, \1 in Intacct; "
        r"after 0.00 in OfficeRnD, 0.00 in Intacct"
    )
    assert re.search(
        r"^Payment taken in OfficeRnD -> Intacct: Credit Card .*" + due, result.stdout, re.M
    )
    assert re.search(
        r"^Payment keyed in Intacct -> OfficeRnD: Cheque .*" + due, result.stdout, re.M
    )


def test_the_demo_leaves_the_users_home_profiles_and_keyring_untouched(
    run_cli: Run, isolated_environment: MemoryKeyring, tmp_path: Path
) -> None:
    home = Path(os.environ[EnvVars.HOME])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.yaml"
    config.write_text("version: 1\ndefault_profile: null\nprofiles: {}\n", encoding="utf-8")
    before = config.read_bytes()
    isolated_environment.set_password("orsync:demo", "intacct_user_password", "the-real-one")
    entries = dict(isolated_environment.entries)
    result = run_cli(*ARGS)
    assert result.exit_code == 0, result.stderr
    assert config.read_bytes() == before
    assert sorted(p.name for p in home.iterdir()) == ["config.yaml"]
    assert isolated_environment.entries == entries
    assert keyring.get_keyring() is isolated_environment
    assert os.environ[EnvVars.HOME] == str(home)
    assert EnvVars.INTACCT_USER_PASSWORD not in os.environ


def test_a_kept_demo_home_holds_profile_mapping_and_ledger_but_no_secret(
    run_cli: Run, tmp_path: Path
) -> None:
    kept = tmp_path / "demo-home"
    result = run_cli(*ARGS, "--home", str(kept))
    assert result.exit_code == 0, result.stderr
    files = [p for p in kept.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"config.yaml", "demo-mapping.yaml"}
    mapping = (kept / "demo-mapping.yaml").read_text(encoding="utf-8")
    assert ": null  # UNRESOLVED" not in mapping
    assert mapping.count("# filled by orsync demo") == 4
    secrets = _sandbox_secrets()
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:3]}... leaked into {path}"
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_a_home_that_is_not_empty_is_refused_before_anything_starts(
    run_cli: Run, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "config.yaml").write_text("version: 1\n", encoding="utf-8")
    result = run_cli(*ARGS, "--home", str(busy))
    assert result.exit_code == 2
    assert "not an empty folder" in result.stderr
    assert (busy / "config.yaml").read_text(encoding="utf-8") == "version: 1\n"


def _interrupt_the_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C once the profile and mapping are written, as the sync starts."""
    import orsync.services.demo.run as demo

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_run_sync", interrupted)


def test_an_interrupted_demo_removes_the_home_it_created_so_a_rerun_works(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "demo-home"
    with monkeypatch.context() as patch:
        _interrupt_the_sync(patch)
        interrupted = run_cli(*ARGS, "--home", str(kept))
    assert interrupted.exit_code == 130
    assert not kept.exists()
    rerun = run_cli(*ARGS, "--home", str(kept))
    assert rerun.exit_code == 0, rerun.stderr
    assert (kept / "config.yaml").is_file()


def test_an_interrupted_demo_leaves_a_given_empty_folder_empty(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _interrupt_the_sync(monkeypatch)
    result = run_cli(*ARGS, "--home", str(empty))
    assert result.exit_code == 130
    assert empty.is_dir() and list(empty.iterdir()) == []


def test_demo_live_shows_listen_keeping_both_systems_in_step(run_cli: CliRunner) -> None:
    result = run_cli(
        "demo",
        *("--invoices", "40", "--companies", "8"),
        *("--live", "--live-seconds", "3", "--activity", "300", "--json"),
    )
    document = json.loads(result.stdout)
    live = document["live"]
    assert live["in_step"] is True, live
    assert live["new_invoices"] >= 1 and live["new_invoices_posted"] == live["new_invoices"]
    assert live["events_received"] >= live["new_invoices"]
    assert live["batches"] >= 1 and live["backlog_left"] == 0
    assert result.exit_code == 0, result.stderr
