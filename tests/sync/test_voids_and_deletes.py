"""Documents voided or deleted in OfficeRnD, and OfficeRnD rate edits, reach Intacct through the
functions its API has (issue 17): a voided Sales document is deleted (``delete_sotransaction``),
an invoice deleted in OfficeRnD is deleted (``delete_invoice``) while its period is open and
reversed once it is closed, each exactly once through the ledger; an edited exchange rate is
re-sent on update so Intacct's base amounts stay OfficeRnD's."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
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


def sync_ids(name: str, *ids: str) -> Any:
    """What `orsync listen` runs for an ``invoice.removed`` (or any) event: a sync of the
    documents it names."""
    from orsync.config import load_config
    from orsync.env import default_config_path
    from orsync.services.sync import SyncOptions, run_sync

    profile = load_config(default_config_path()).profiles[name]
    return run_sync(name, profile, SyncOptions(document_ids=ids)).summary


def about(problems: list[dict[str, Any]], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's problems with this document (the seed's deliberate refusals aside)."""
    return [p for p in problems if p["source_id"] == doc["_id"]]


def unpaid_posted(sandbox: RunningSandbox) -> dict[str, Any]:
    """An OfficeRnD invoice orsync posted that nothing paid in Intacct."""
    posted = {doc.doc_number: doc for doc in sandbox.intacct.store.invoices()}
    return next(
        d
        for d in issued(sandbox)
        if d["number"] in posted
        and posted[d["number"]].total_paid == 0
        and d["date"][:10] >= "2026-01-01"
    )


def test_a_voided_sales_document_is_deleted_once_through_delete_sotransaction(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile(invoice_type="sales")
    sync(run_cli)
    store = sandbox.intacct.store
    posted = {so.reference_no: so for so in store.sales_documents()}
    doc = next(d for d in issued(sandbox) if d["number"] in posted)
    ar_key = posted[doc["number"]].pr_record_key

    sandbox.officernd.void_invoice(doc["_id"])
    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert about(summary["problems"], doc) == [], summary["problems"]
    assert sandbox.intacct.stats.by_function["delete_sotransaction"] == 1
    assert doc["number"] not in {so.reference_no for so in store.sales_documents()}
    assert store.ar_table.get(ar_key) is None  # the AR record it posted went with it
    sandbox.intacct.reset_stats()
    sync(run_cli)
    assert sandbox.intacct.stats.functions == 0


def test_an_invoice_deleted_in_officernd_is_deleted_in_intacct_exactly_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    name = mapped_profile()
    sync(run_cli)
    doc = unpaid_posted(sandbox)
    sandbox.officernd.remove_invoice(doc["_id"])

    # An incremental run does not scan history for deletions: the document is not read.
    sandbox.intacct.reset_stats()
    sync(run_cli)
    assert sandbox.intacct.stats.by_function["delete_invoice"] == 0

    # The invoice.removed webhook names it: its read answers 404, and it leaves Intacct.
    summary = sync_ids(name, doc["_id"])
    assert summary.problems == [], summary.problems
    assert sandbox.intacct.stats.by_function["delete_invoice"] == 1
    assert doc["number"] not in {inv.doc_number for inv in sandbox.intacct.store.invoices()}
    # A redelivered event or a later run writes nothing again.
    sandbox.intacct.reset_stats()
    sync_ids(name, doc["_id"])
    sync(run_cli)
    assert sandbox.intacct.stats.functions == 0


def test_an_invoice_deleted_after_its_period_closed_is_reversed_on_the_first_open_day(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    name = mapped_profile()
    sync(run_cli)
    doc = unpaid_posted(sandbox)
    posted = next(i for i in sandbox.intacct.store.invoices() if i.doc_number == doc["number"])
    first_open = posted.when_created + dt.timedelta(days=1)
    sandbox.intacct.store.set_module_closed_before("AR", first_open)
    mapped_profile(books_closed_through=posted.when_created.isoformat())
    sandbox.officernd.remove_invoice(doc["_id"])

    sandbox.intacct.reset_stats()
    summary = sync_ids(name, doc["_id"])
    assert summary.problems == [], summary.problems
    stats = sandbox.intacct.stats.by_function
    assert (stats["delete_invoice"], stats["reverse_invoice"]) == (0, 1)
    after = {i.recordno: i for i in sandbox.intacct.store.invoices()}
    reversal = after[after[posted.recordno].reversed_by]  # type: ignore[index]
    assert reversal.when_created >= first_open


def test_an_edited_exchange_rate_is_resent_and_intacct_books_officernds_base_total(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    sync(run_cli)
    posted = {doc.doc_number: doc for doc in sandbox.intacct.store.invoices()}
    doc = next(d for d in issued(sandbox) if d["baseTotal"] != d["total"] and d["number"] in posted)
    rate = Decimal(str(doc["currencyConversionRate"])) + Decimal("0.0123")
    edited = sandbox.officernd.edit_invoice(doc["_id"], currencyConversionRate=float(rate))

    sandbox.intacct.reset_stats()
    summary = sync(run_cli)
    assert about(summary["problems"], doc) == [], summary["problems"]
    assert summary["counts"]["invoices"]["updated"] == 1
    after = next(i for i in sandbox.intacct.store.invoices() if i.doc_number == doc["number"])
    assert after.recordno == posted[doc["number"]].recordno  # updated in place
    assert after.exchange_rate == rate
    base = Decimal(str(edited["baseTotal"])).quantize(Decimal("0.01"))
    assert after.base_total == base != posted[doc["number"]].base_total


def test_a_delete_whose_answer_was_lost_is_confirmed_by_its_absence_not_sent_again(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    name = mapped_profile()
    sync(run_cli)
    doc = unpaid_posted(sandbox)
    sandbox.officernd.remove_invoice(doc["_id"])
    sandbox.intacct.reset_stats()
    simulator = sandbox.intacct
    real_handle = simulator.handle

    def lose_the_delete_answer(body: bytes, endpoint: str) -> Any:
        if b"<delete_invoice" not in body:
            return real_handle(body, endpoint)
        simulator.set_fault_rate("lost-response", 1.0)  # it runs and commits, then no answer
        try:
            return real_handle(body, endpoint)
        finally:
            simulator.set_fault_rate("lost-response", 0.0)

    simulator.handle = lose_the_delete_answer  # type: ignore[method-assign]
    try:
        sync_ids(name, doc["_id"])
    finally:
        simulator.handle = real_handle  # type: ignore[method-assign]
    assert doc["number"] not in {inv.doc_number for inv in sandbox.intacct.store.invoices()}
    deletes = sandbox.intacct.stats.by_function["delete_invoice"]
    assert deletes >= 1

    # The next run looks it up by its number: gone is what the delete asked, so confirmed.
    summary = sync_ids(name, doc["_id"])
    assert summary.problems == [], summary.problems
    assert sandbox.intacct.stats.by_function["delete_invoice"] == deletes
    sandbox.intacct.reset_stats()
    sync_ids(name, doc["_id"])
    assert sandbox.intacct.stats.functions == 0


@pytest.mark.parametrize("invoice_type", ["ar", "sales"])
def test_a_rate_edit_reaches_the_base_total_in_ar_and_sales(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner, invoice_type: str
) -> None:
    mapped_profile(invoice_type=invoice_type)
    sync(run_cli)
    store = sandbox.intacct.store
    if invoice_type == "ar":
        base_of = {i.doc_number: i.base_total for i in store.invoices()}
    else:
        base_of = {so.reference_no: so.base_total for so in store.sales_documents()}
    doc = next(
        d for d in issued(sandbox) if d["baseTotal"] != d["total"] and d["number"] in base_of
    )
    rate = Decimal(str(doc["currencyConversionRate"])) - Decimal("0.0211")
    edited = sandbox.officernd.edit_invoice(doc["_id"], currencyConversionRate=float(rate))
    summary = sync(run_cli)
    assert about(summary["problems"], doc) == [], summary["problems"]
    if invoice_type == "ar":
        after = {i.doc_number: i.base_total for i in store.invoices()}
    else:
        after = {so.reference_no: so.base_total for so in store.sales_documents()}
    want = Decimal(str(edited["baseTotal"])).quantize(Decimal("0.01"))
    assert after[doc["number"]] == want != base_of[doc["number"]]


def test_reconcile_finds_a_deleted_invoice_and_its_safe_fix_deletes_it_once(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """Where no webhook told sync, reconcile's orphan (linked by the ledger) is the safe fix
    that lets sync read the id, get 404 and delete the Intacct invoice; it converges."""
    mapped_profile()
    sync(run_cli)
    doc = unpaid_posted(sandbox)
    sandbox.officernd.remove_invoice(doc["_id"])
    period = ("--from", "2025-01-01", "--to", "2026-12-31")

    def orphans() -> list[dict[str, Any]]:
        report = json.loads(run_cli("--json", "reconcile", "--dry-run", *period).stdout)
        return [f for f in report["findings"] if f["category"] == "orphan"]

    [orphan] = orphans()
    assert orphan["source_id"] == doc["_id"]
    assert (orphan["fix"]["action"], orphan["fix"]["safe"]) == ("reverse", True)
    sandbox.intacct.reset_stats()
    run_cli("reconcile", "--yes", *period)
    assert sandbox.intacct.stats.by_function["delete_invoice"] == 1
    assert doc["number"] not in {inv.doc_number for inv in sandbox.intacct.store.invoices()}
    assert orphans() == []
