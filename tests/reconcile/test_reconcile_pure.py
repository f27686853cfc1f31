"""Pure parts of reconcile: reading Intacct rows, the default period, scopes, ledger records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orsync.engine.report import Finding, Fix, ReconcileReport, Relink
from orsync.errors import UsageError
from orsync.intacct.xml.response import Record
from orsync.services.convert import lines_condition
from orsync.services.convert import readback_parse as parse
from orsync.services.reconcile import (
    UNKNOWN_VERSION,
    ReconcileOutcome,
    ReconcileRequest,
    customer_adoptions,
    previous_month,
    relink_adoptions,
)
from tests.reconcile.helpers import AR


def row(**fields: str) -> Record:
    return Record("r", fields)


def header(**extra: str) -> Record:
    fields = {
        "RECORDNO": "1001",
        "RECORDID": "INV-1",
        "DOCNUMBER": "NYC-INV-00001",
        "STATE": "Posted",
        "CUSTOMERID": "ORD-1001",
        "WHENCREATED": "10/05/2026",
        "WHENDUE": "10/19/2026",
        "DESCRIPTION": "orsync: OfficeRnD invoice NYC-INV-00001",
        "CURRENCY": "USD",
        "TRX_TOTALENTERED": "120.00",
        "TRX_TOTALPAID": "0.00",
        "TRX_TOTALDUE": "120.00",
        "MEGAENTITYID": "",
    }
    fields.update(extra)
    return row(**fields)


def test_an_ar_invoice_reads_back_with_lines_in_order_and_tax_detail() -> None:
    lines = [
        row(RECORDKEY="1001", LINE_NO="1", ACCOUNTNO="4100", TRX_AMOUNT="20.00", TOTALTAX="0.00"),
        row(
            RECORDKEY="1001",
            LINE_NO="0",
            ACCOUNTNO="4000",
            TRX_AMOUNT="80.00",
            TOTALTAX="20.00",
            TAXDETAIL1="UK Output VAT 20%",
            LOCATIONID="LON",
        ),
    ]
    doc = parse.ar_document(header(), lines, "ARINVOICE", default_entity=None)
    assert doc is not None
    assert [line.account for line in doc.lines] == ["4000", "4100"]
    assert doc.lines[0].tax_detail_id == "UK Output VAT 20%"
    assert doc.lines[0].tax_amount == Decimal("20.00")
    assert doc.lines[1].location_id is None  # empty fields are absent, not ""
    assert doc.date_created == dt.date(2026, 10, 5)
    assert doc.reference == "NYC-INV-00001"
    assert doc.created_by_orsync


@pytest.mark.parametrize(
    ("state", "paid", "expected"),
    [
        ("Posted", "0.00", "posted"),
        ("Partially Paid", "40.00", "partially_paid"),
        ("Paid", "120.00", "paid"),
        ("Reversed", "120.00", "reversed"),
        ("Draft", "0.00", "draft"),
        ("Something new", "0.00", "posted"),
    ],
)
def test_ar_states(state: str, paid: str, expected: str) -> None:
    doc = parse.ar_document(
        header(STATE=state, TRX_TOTALPAID=paid), [], "ARINVOICE", default_entity=None
    )
    assert doc is not None and doc.state == expected


def test_a_reversal_counter_entry_is_not_a_document() -> None:
    assert parse.ar_document(header(STATE="Reversal"), [], "ARINVOICE", default_entity=None) is None


def test_credit_memo_reference_falls_back_to_invoiceno() -> None:
    memo = parse.ar_document(
        header(DOCNUMBER="", INVOICENO="MAN-CN-00001", TRX_TOTALENTERED="-50.00"),
        [],
        "ARADJUSTMENT",
        default_entity=None,
    )
    assert memo is not None
    assert memo.kind == "ar_credit_memo"
    assert memo.reference == "MAN-CN-00001"
    assert memo.total == Decimal("-50.00")


def test_a_credit_memo_is_found_by_its_external_id_not_by_the_invoice_it_credits() -> None:
    memo = parse.ar_document(
        header(EXTERNALID="LON-CN-00007", INVOICENO="LON-INV-00042", RECORDID="LON-CN-00007"),
        [],
        "ARADJUSTMENT",
        default_entity=None,
    )
    assert memo is not None
    assert memo.reference == "LON-CN-00007"


def test_the_profiles_own_entity_reads_as_top_level_and_others_keep_theirs() -> None:
    own = parse.ar_document(header(MEGAENTITYID="US"), [], "ARINVOICE", default_entity="US")
    other = parse.ar_document(header(MEGAENTITYID="UK"), [], "ARINVOICE", default_entity="US")
    assert own is not None and own.entity_id is None
    assert other is not None and other.entity_id == "UK"


def test_unreadable_amounts_and_dates_are_refused_loudly() -> None:
    with pytest.raises(parse.UnreadableRecord):
        parse.ar_document(header(WHENCREATED="yesterday"), [], "ARINVOICE", default_entity=None)
    with pytest.raises(parse.UnreadableRecord):
        parse.ar_document(header(TRX_TOTALENTERED="12,3x"), [], "ARINVOICE", default_entity=None)


def test_a_sales_credit_reads_positive_with_tax_from_its_ar_record() -> None:
    so = row(
        RECORDNO="5001",
        DOCID="Sales Credit Memo-SCM00001",
        DOCNO="SCM00001",
        STATE="Pending",
        CUSTOMERID="ORD-1001",
        PONUMBER="LON-CN-00001",
        WHENCREATED="10/05/2026",
        MESSAGE="orsync: OfficeRnD credit note LON-CN-00001",
        CURRENCY="GBP",
        TOTAL="60.00",
        PRRECORDKEY="1500",
    )
    line = row(DOCHDRNO="5001", LINE_NO="0", ITEMID="4000", QUANTITY="1", PRICE="50", TOTAL="50.00")
    posted = row(RECORDNO="1500", STATE="Posted", TRX_TOTALPAID="-60.00", TOTALENTERED="-60.00")
    posted_line = row(RECORDKEY="1500", LINE_NO="0", TOTALTAX="-10.00", TAXDETAIL1="UK VAT")
    doc = parse.so_document(so, [line], True, posted, [posted_line], default_entity=None)
    assert doc.kind == "so_credit"
    assert doc.record_key == "Sales Credit Memo-SCM00001"
    assert doc.lines[0].tax_amount == Decimal("10.00")
    assert doc.state == "paid"
    assert doc.reference == "LON-CN-00001"


def test_dense_line_chunks_use_a_range_and_sparse_ones_a_list() -> None:
    assert lines_condition(["1000", "1001", "1003"]) == "RECORDKEY >= 1000 AND RECORDKEY <= 1003"
    assert lines_condition(["1000", "5000", "9000"]).startswith("RECORDKEY IN (")


def test_the_default_period_is_the_previous_calendar_month() -> None:
    assert previous_month(dt.date(2026, 11, 26)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert previous_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert previous_month(dt.date(2024, 3, 15)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_a_period_that_ends_before_it_starts_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        ReconcileRequest(dt.date(2026, 10, 31), dt.date(2026, 10, 1))


def test_a_period_beyond_any_document_is_a_usage_error_not_an_overflow() -> None:
    with pytest.raises(UsageError, match="--to 9999-12-31 is outside the dates orsync reads"):
        ReconcileRequest(dt.date(2000, 1, 1), dt.date(9999, 12, 31))
    with pytest.raises(UsageError, match="--from 0001-01-01 is outside"):
        ReconcileRequest(dt.date(1, 1, 1), dt.date(2026, 10, 31))


@pytest.mark.parametrize("field", ["entity", "location", "customer"])
def test_a_blank_filter_is_a_usage_error_not_a_one_sided_filter(field: str) -> None:
    with pytest.raises(UsageError, match=f"--{field} is empty"):
        ReconcileRequest(dt.date(2026, 10, 1), dt.date(2026, 10, 31), **{field: " "})


def outcome_with(findings: tuple[Finding, ...], relinks: tuple[Relink, ...]) -> ReconcileOutcome:
    request = ReconcileRequest(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    return ReconcileOutcome(request, ReconcileReport(findings, relinks, ()), AR)


def test_relinks_record_the_version_found_or_the_unknown_one() -> None:
    outcome = outcome_with(
        (),
        (
            Relink("invoice", "A", "a", "1001", None, "v1"),
            Relink("invoice", "B", "b", "1002", "999", None),
        ),
    )
    outcome.target_entities["1002"] = "UK"
    adoptions = relink_adoptions(outcome)
    assert [(a.source_id, a.version_hash, a.target.key, a.target.entity) for a in adoptions] == [
        ("a", "v1", "1001", None),
        ("b", UNKNOWN_VERSION, "1002", "UK"),
    ]


def test_a_rebuild_links_duplicates_to_the_one_to_keep_so_sync_never_posts_a_third() -> None:
    duplicate = Finding(
        "duplicated",
        "invoice",
        "C",
        "c",
        Fix("manual", False, "keep one"),
        target_keys=("1010", "1004", "1007"),
    )
    outcome = outcome_with((duplicate,), ())
    outcome.target_states.update({"1004": "reversed", "1010": "paid"})
    assert relink_adoptions(outcome) == []
    [kept] = relink_adoptions(outcome, duplicates=True)
    assert kept.target.key == "1010"  # paid first, never the reversed one


def test_customers_are_adopted_at_their_version_unless_they_differ() -> None:
    differs = Finding(
        "customer_different", "customer", "ORD-2", None, Fix("manual", False, "decide")
    )
    outcome = outcome_with((differs,), ())
    outcome.customer_keys.update({"ORD-1": "101", "ORD-2": "102", "ORD-3": "103"})
    outcome.customer_refs.update({"ORD-1": ("company", "c1"), "ORD-2": ("member", "m2")})
    outcome.customer_versions.update({"ORD-1": "h1", "ORD-2": "h2"})
    adoptions = {a.source_id: a for a in customer_adoptions(outcome)}
    assert set(adoptions) == {"c1", "m2"}  # ORD-3 is not billed in the period
    assert adoptions["c1"].version_hash == "h1"
    assert adoptions["m2"].kind == "member"
    assert adoptions["m2"].version_hash == UNKNOWN_VERSION
