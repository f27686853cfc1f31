"""What a run did, for finance: each write recorded with its amount, listed by `orsync status
--run N`, totals per entity and currency in the summary, each record counted once, and a run
stopped part-way saying what it wrote and what is left."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from orsync.env import state_dir
from orsync.errors import ExitCode, ServiceUnavailable
from orsync.sandbox.launch import RunningSandbox
from orsync.state import database_path
from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.test_exactly_once import lose_the_answer
from tests.sync.worlds import issued


def sync_json(run_cli: CliRunner, profile: str, *args: str) -> dict[str, Any]:
    result = run_cli("--profile", profile, "sync", "--json", *args)
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_status_run_lists_every_write_with_its_amount_and_the_totals(
    run_cli: CliRunner, mapped_profile: Configure, sandbox: RunningSandbox
) -> None:
    profile = mapped_profile()
    summary = sync_json(run_cli, profile)

    result = run_cli("--profile", profile, "status", "--run", str(summary["run_id"]), "--json")
    assert result.exit_code == 0, result.stderr
    detail = json.loads(result.stdout)
    assert detail["schema"] == "orsync.run/1" and detail["run"]["id"] == summary["run_id"]
    invoices = {w["number"]: w for w in detail["writes"] if w["kind"] == "invoice"}
    assert len(invoices) == summary["counts"]["invoices"]["created"] > 0
    source = {d["number"]: d for d in issued(sandbox)}
    for number, write in invoices.items():
        assert write["action"] == "created" and write["target_key"]
        assert Decimal(write["amount"]) == Decimal(str(source[number]["amount"]))
        assert write["currency"] == source[number]["currency"]
    customers = [w for w in detail["writes"] if w["kind"] in ("company", "member")]
    made = summary["counts"]["customers"]
    assert len(customers) == made["created"] + made["adopted"]
    # The summary's totals are the run's, per entity and currency.
    assert summary["totals"] == detail["totals"]
    by_currency: dict[str, Decimal] = {}
    for write in invoices.values():
        by_currency[write["currency"]] = by_currency.get(write["currency"], 0) + Decimal(
            write["amount"]
        )
    for currency, amount in by_currency.items():
        rows = [
            t for t in summary["totals"] if t["currency"] == currency and t["kind"] == "invoice"
        ]
        assert sum(Decimal(t["amount"]) for t in rows) == amount

    text = run_cli("--profile", profile, "status", "--run", str(summary["run_id"]))
    first = next(iter(invoices.values()))
    assert f"created  invoice {first['number']} -> Intacct {first['target_key']}" in text.stdout
    assert "Totals:" in text.stdout
    plain = run_cli("--profile", profile, "sync")
    assert "(each document: `orsync status --run" not in plain.stdout  # nothing written


def test_the_sync_summary_says_how_much_was_posted(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    profile = mapped_profile()
    result = run_cli("--profile", profile, "sync")
    assert " created " in result.stdout and " invoices in " in result.stdout
    assert "(each document: `orsync status --run 1`)" in result.stdout


def test_an_adopted_write_is_counted_once(run_cli: CliRunner, mapped_profile: Configure) -> None:
    profile = mapped_profile()
    sync_json(run_cli, profile)
    lose_the_answer(profile)
    settling = sync_json(run_cli, profile, "--full")
    quiet = sync_json(run_cli, profile, "--full")

    invoices = settling["counts"]["invoices"]
    assert invoices["adopted"] == 1
    # The adopted invoice is not counted "unchanged" as well: every record once.
    assert sum(invoices.values()) == sum(quiet["counts"]["invoices"].values())


def test_status_names_a_write_in_doubt_by_its_number(
    run_cli: CliRunner, mapped_profile: Configure, sandbox: RunningSandbox
) -> None:
    profile = mapped_profile()
    sync_json(run_cli, profile)
    source_id, _key, _controlid = lose_the_answer(profile)
    number = next(d["number"] for d in issued(sandbox) if d["_id"] == source_id)
    # As a run killed mid-write leaves it: sending, no Intacct number yet.
    with sqlite3.connect(database_path(state_dir(), profile)) as conn:
        conn.execute(
            "UPDATE ledger SET status = 'sending', target_number = NULL WHERE source_id = ?",
            (source_id,),
        )

    result = run_cli("--profile", profile, "status")
    assert f"invoice {number}: the run stopped while sending it" in result.stdout
    assert source_id not in result.stdout
    listed = json.loads(run_cli("--profile", profile, "status", "--json").stdout)
    assert [r["number"] for r in listed["unresolved"] if r["source_id"] == source_id] == [number]


def test_a_run_ended_by_its_mapping_is_recorded(
    run_cli: CliRunner, mapped_profile: Configure, tmp_path: Any
) -> None:
    profile = mapped_profile()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("accounts: [\n", encoding="utf-8")
    result = run_cli("--profile", profile, "sync")
    assert result.exit_code == ExitCode.CONFIG

    status = json.loads(run_cli("--profile", profile, "status", "--json").stdout)
    last = status["runs"][0]
    assert (last["command"], last["exit_code"], last["outcome"]) == ("sync", 78, "error")


@pytest.mark.parametrize(
    ("stop", "code"),
    [
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (ServiceUnavailable("OfficeRnD did not answer"), ExitCode.UNAVAILABLE),
    ],
)
def test_a_run_stopped_part_way_says_what_it_wrote_and_what_is_left(
    run_cli: CliRunner,
    mapped_profile: Configure,
    monkeypatch: pytest.MonkeyPatch,
    stop: BaseException,
    code: int,
) -> None:
    from orsync.services.sync.context import RunContext

    profile = mapped_profile()
    wrote = RunContext.wrote
    calls: list[str] = []

    def stop_after_three(self: RunContext, kind: str, *args: Any, **kwargs: Any) -> None:
        if len(calls) == 3:
            raise stop
        calls.append(kind)
        wrote(self, kind, *args, **kwargs)

    monkeypatch.setattr(RunContext, "wrote", stop_after_three)
    result = run_cli("--profile", profile, "sync")

    assert result.exit_code == code, result.stderr
    lines = result.stderr.splitlines()
    written = [line for line in lines if "written before the stop: " in line]
    assert len(written) == 1
    said = written[0].split("written before the stop: ", 1)[1]  # "2 customer(s) created, ..."
    assert sum(int(part.split()[0]) for part in said.split(", ")) == len(calls) == 3
    left = [line for line in lines if " left: " in line]
    assert len(left) == 1 and "the next `orsync sync` carries on from there" in left[0]
    assert "  " not in left[0].split(" left:", 1)[1]  # no gap where the in-doubt count goes
