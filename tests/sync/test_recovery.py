"""Recovery after Intacct lost what orsync posted: a rebuilt ledger makes the next plain
`sync` post what is missing, and reconcile's safe fix for a missing customer is applied."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from orsync.config import load_config, save_config
from orsync.env import default_config_path
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from tests.conftest import CliRunner
from tests.sync.conftest import Configure

PERIOD = ("--from", "2025-11-01", "--to", "2026-10-31")


@pytest.fixture
def empty_intacct() -> Iterator[RunningSandbox]:
    """The same company, restored without anything orsync posted (same seed, same secrets)."""
    options = SandboxOptions(
        invoices=40, companies=8, officernd_rate_limit=None, intacct_concurrency_wait_s=2.0
    )
    with start_sandbox(options) as running:
        yield running


def point_intacct_at(profile: str, sandbox: RunningSandbox) -> None:
    path = default_config_path()
    config = load_config(path)
    old = config.profiles[profile]
    intacct = old.intacct.model_copy(update={"url": sandbox.details()["intacct"]["url"]})
    save_config(path, config.with_profile(profile, old.model_copy(update={"intacct": intacct})))


def orsync_invoices(sandbox: RunningSandbox) -> set[str]:
    return {
        doc.doc_number
        for doc in sandbox.intacct.store.invoices()
        if doc.reversal_of is None and doc.description.startswith("orsync:")
    }


def sync_counts(run_cli: CliRunner, profile: str) -> dict[str, dict[str, int]]:
    result = run_cli("--profile", profile, "sync", "--json")
    assert result.exit_code in (0, 1), result.stderr
    counts: dict[str, dict[str, int]] = json.loads(result.stdout)["counts"]
    return counts


def test_after_a_rebuild_on_an_empty_intacct_plain_sync_posts_what_is_missing(
    run_cli: CliRunner,
    mapped_profile: Configure,
    sandbox: RunningSandbox,
    empty_intacct: RunningSandbox,
) -> None:
    profile = mapped_profile()
    first = sync_counts(run_cli, profile)
    posted = orsync_invoices(sandbox)
    assert posted and first["invoices"]["created"] == len(posted)

    point_intacct_at(profile, empty_intacct)  # Intacct restored from before orsync
    rebuilt = run_cli("--profile", profile, "reconcile", "--rebuild-ledger", "--yes")
    assert rebuilt.exit_code in (0, 1), rebuilt.stderr

    again = sync_counts(run_cli, profile)  # no --full
    assert again["invoices"]["created"] == len(posted)
    assert orsync_invoices(empty_intacct) == posted


def test_reconcile_applies_its_safe_fix_for_a_missing_customer(
    run_cli: CliRunner,
    mapped_profile: Configure,
    sandbox: RunningSandbox,
    empty_intacct: RunningSandbox,
) -> None:
    profile = mapped_profile()
    sync_counts(run_cli, profile)
    posted = orsync_invoices(sandbox)
    point_intacct_at(profile, empty_intacct)  # the ledger still says everything is there

    found = json.loads(
        run_cli("--profile", profile, "reconcile", "--dry-run", "--json", *PERIOD).stdout
    )
    missing_customers = [
        f
        for f in found["findings"]
        if f["category"] == "customer_missing" and f["fix"]["safe"]  # not the namesake held
    ]
    missing_invoices = {
        f["number"]
        for f in found["findings"]
        if f["category"] == "missing" and f["kind"] == "invoice" and f["fix"]["safe"]
    }
    assert missing_customers and missing_invoices

    fixed = run_cli("--profile", profile, "reconcile", "--yes", "--json", *PERIOD)
    applied = json.loads(fixed.stdout)["applied"]["documents"]
    assert [p for p in applied["problems"] if "Invalid Customer" in p["message"]] == []
    assert applied["sync_counts"]["customers"]["created"] == len(missing_customers)
    assert orsync_invoices(empty_intacct) == missing_invoices
    assert missing_invoices <= posted
