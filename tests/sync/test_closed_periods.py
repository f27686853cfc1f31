"""Closed periods read from Intacct (issue 17): the gateway has ``get_closedbooksdate`` (api.xsd),
so under a policy that acts on it (``shift``, ``skip``) a run reads the GL's closed books date
once and shifts the GL posting date of a document dated before it, its invoice and due dates
kept; the mapping's ``books_closed_through`` stays the override, and ``fail`` spends no read
(Intacct's own refusal names the closed period)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


def sync(run_cli: CliRunner) -> dict[str, Any]:
    return json.loads(run_cli("--json", "sync").stdout)


def in_closed_books(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    first_open = sandbox.intacct.store.books_closed_before
    assert first_open is not None
    late = [d for d in issued(sandbox) if d["date"][:10] < first_open.isoformat()]
    assert late, "the seed has no invoice dated in Intacct's closed books"
    return late


def test_shift_reads_intaccts_closed_books_date_and_moves_only_the_posting_date(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(closed_period="shift")  # no books_closed_through: Intacct is asked
    late = in_closed_books(sandbox)
    first_open = sandbox.intacct.store.books_closed_before
    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert sandbox.intacct.stats.by_function["get_closedbooksdate"] == 1
    refused = {p["number"] for p in summary["problems"]}
    posted = {i.doc_number: i for i in sandbox.intacct.store.invoices()}
    shifted = [d for d in late if d["number"] not in refused]
    assert shifted
    for doc in shifted:
        invoice = posted[doc["number"]]
        assert invoice.when_posted == first_open
        assert invoice.when_created.isoformat() == doc["date"][:10]
        assert invoice.when_due is not None
        assert invoice.when_due.isoformat() == doc["dueDate"][:10]


def test_books_closed_through_overrides_intacct_and_fail_spends_no_read(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    late = in_closed_books(sandbox)
    first_open = sandbox.intacct.store.books_closed_before
    assert first_open is not None
    mapped_profile()  # closed_period: fail
    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert sandbox.intacct.stats.by_function["get_closedbooksdate"] == 0
    refused = {p["number"]: p["message"] for p in summary["problems"]}
    for doc in late:
        assert "closed" in refused[doc["number"]], refused.get(doc["number"])

    # The override: a later first open day than Intacct's, stated in the mapping, wins.
    later = first_open + dt.timedelta(days=3)
    mapped_profile(
        closed_period="shift", books_closed_through=(later - dt.timedelta(days=1)).isoformat()
    )
    sandbox.intacct.reset_stats()
    run_cli("sync", "--retry-failed")
    assert sandbox.intacct.stats.by_function["get_closedbooksdate"] == 0
    posted = {i.doc_number: i for i in sandbox.intacct.store.invoices()}
    moved = [posted[d["number"]].when_posted for d in late if d["number"] in posted]
    assert moved and set(moved) == {later}


def test_a_subledger_closed_in_intacct_only_is_learned_from_its_refusal_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """AR closed a month beyond the GL: get_closedbooksdate does not say it, Intacct refuses
    the creates, and the run sends each once more on the first day of the next month."""
    store = sandbox.intacct.store
    gl_open = store.books_closed_before
    assert gl_open is not None
    ar_open = (gl_open.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    store.set_module_closed_before("AR", ar_open)
    late = [d for d in issued(sandbox) if d["date"][:10] < ar_open.isoformat()]
    in_gl_open = [d for d in late if d["date"][:10] >= gl_open.isoformat()]
    assert in_gl_open, "no invoice dated in the month only AR has closed"
    mapped_profile(closed_period="shift")

    summary = sync(run_cli)
    problems = {p["number"]: p["message"] for p in summary["problems"]}
    assert not [m for m in problems.values() if "closed" in m], problems
    invoices = store.invoices()
    posted = {i.doc_number: i for i in invoices}
    moved = [d for d in late if d["number"] in posted]
    assert {d["number"] for d in in_gl_open} <= set(posted)
    for doc in moved:
        assert posted[doc["number"]].when_posted == ar_open
        assert posted[doc["number"]].when_created.isoformat() == doc["date"][:10]
    numbers = [i.doc_number for i in invoices]
    assert len(numbers) == len(set(numbers))  # each posted once
    sandbox.intacct.reset_stats()
    sync(run_cli)
    assert sandbox.intacct.stats.by_function["create_invoice"] == 0


def test_reconcile_judges_closed_periods_by_intaccts_date_unless_the_mapping_states_one(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """Reconcile decides which fixes are safe by the closed books: with no
    ``books_closed_through`` it asks Intacct (``get_closedbooksdate``), the mapping's wins."""
    first_open = sandbox.intacct.store.books_closed_before
    assert first_open is not None
    mapped_profile()
    sandbox.intacct.reset_stats()
    result = run_cli("--json", "reconcile", "--dry-run")
    assert result.exit_code in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["books_closed_through"] == (first_open - dt.timedelta(days=1)).isoformat()
    assert sandbox.intacct.stats.by_function["get_closedbooksdate"] == 1

    stated = first_open + dt.timedelta(days=9)
    mapped_profile(books_closed_through=stated.isoformat())
    sandbox.intacct.reset_stats()
    document = json.loads(run_cli("--json", "reconcile", "--dry-run").stdout)
    assert document["books_closed_through"] == stated.isoformat()
    assert sandbox.intacct.stats.by_function["get_closedbooksdate"] == 0
