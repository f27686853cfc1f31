"""US sales tax without an Intacct tax engine: the tax reaches Intacct as its own line on the
mapped liability account, is booked inside revenue when the mapping says so, and is never
silently dropped (issue 17, item 1)."""

from __future__ import annotations

from decimal import Decimal

from orsync.engine.build import build_posting
from orsync.engine.model import Posting, Problem, TaxRateRef
from orsync.engine.options import EngineOptions

from .factories import ONE_OFF, FakeResolver, credit_note, invoice, line

D = Decimal
NYTAX = TaxRateRef(id="tax-ny", name="NY Sales Tax", rate=D("8.875"))
SALES_TAX = FakeResolver(taxes={}, tax_accounts={"tax-ny": "2210"})


AR = EngineOptions()


def build(doc, options=AR, resolver=SALES_TAX):  # type: ignore[no-untyped-def]
    return build_posting(doc, "C-1", options, resolver)


def test_sales_tax_posts_as_its_own_line_so_the_intacct_total_equals_officernd() -> None:
    posting = build(invoice("NYC-1", line("100.00", "8.88", rate=NYTAX), total="108.88"))
    assert isinstance(posting, Posting)
    assert [(x.account, x.net_amount, x.tax_amount, x.role) for x in posting.lines] == [
        ("40000", D("100.00"), D("0.00"), None),
        ("2210", D("8.88"), D("0.00"), "tax"),
    ]
    assert posting.lines[1].location_id == posting.lines[0].location_id == "LON"
    assert (posting.total_net, posting.total_tax, posting.total) == (
        D("100.00"),
        D("8.88"),
        D("108.88"),
    )


def test_tax_lines_are_one_per_liability_account_and_location_in_first_seen_order() -> None:
    doc = invoice(
        "NYC-2",
        line("100.00", "8.88", rate=NYTAX),
        line("50.00", "4.44", rate=NYTAX, account=ONE_OFF),
        line("-10.00", "-0.89", rate=NYTAX, description="Discount"),
        total="152.43",
    )
    posting = build(doc)
    assert isinstance(posting, Posting)
    assert [(x.account, x.net_amount) for x in posting.lines] == [
        ("40000", D("100.00")),
        ("41000", D("50.00")),
        ("40000", D("-10.00")),
        ("2210", D("12.43")),
    ]
    assert posting.total == D("152.43")


def test_a_credit_memo_carries_its_tax_line_negative_like_its_other_lines() -> None:
    posting = build(credit_note("CN-1", line("100.00", "8.88", rate=NYTAX), total="108.88"))
    assert isinstance(posting, Posting)
    assert [x.net_amount for x in posting.lines] == [D("-100.00"), D("-8.88")]
    assert posting.total_tax == D("-8.88")


def test_sales_documents_carry_the_tax_as_a_one_unit_line_of_the_tax_item() -> None:
    resolver = FakeResolver(taxes={}, tax_accounts={"tax-ny": "SALES-TAX"})
    doc = invoice("NYC-3", line("100.00", "8.88", rate=NYTAX), total="108.88")
    posting = build(doc, EngineOptions(invoice_type="sales"), resolver)
    assert isinstance(posting, Posting)
    tax_line = posting.lines[-1]
    assert (tax_line.account, tax_line.quantity, tax_line.unit_price) == (
        "SALES-TAX",
        D(1),
        D("8.88"),
    )


def test_no_tax_on_a_taxed_line_is_refused_with_the_amount_intacct_would_lose() -> None:
    resolver = FakeResolver(taxes={}, no_tax={"tax-ny": False})
    problems = build(
        invoice("NYC-4", line("100.00", "8.88", rate=NYTAX), total="108.88"), resolver=resolver
    )
    assert isinstance(problems, list)
    (problem,) = problems
    assert isinstance(problem, Problem)
    assert problem.field == "lines[1].tax_rate"
    assert "Intacct would total 100.00 where OfficeRnD says 108.88" in problem.message
    assert "tax_included_in_revenue" in problem.fix


def test_tax_included_in_revenue_books_the_tax_inside_the_revenue_line() -> None:
    resolver = FakeResolver(taxes={}, no_tax={"tax-ny": True})
    posting = build(
        invoice("NYC-5", line("100.00", "8.88", rate=NYTAX), total="108.88"), resolver=resolver
    )
    assert isinstance(posting, Posting)
    assert [(x.account, x.net_amount, x.tax_amount) for x in posting.lines] == [
        ("40000", D("108.88"), D("0.00"))
    ]
    assert posting.total == D("108.88")


def test_a_zero_rate_mapped_to_no_tax_posts_as_before() -> None:
    zero = TaxRateRef(id="tax-zero", name="No Tax", rate=D(0))
    resolver = FakeResolver(taxes={}, no_tax={"tax-zero": False})
    posting = build(invoice("AUS-1", line("100.00", "0.00", rate=zero)), resolver=resolver)
    assert isinstance(posting, Posting) and posting.total == D("100.00")


def test_tax_on_a_line_without_a_tax_rate_is_refused_rather_than_dropped() -> None:
    problems = build(invoice("NYC-6", line("100.00", "8.88", rate=None), total="108.88"))
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["lines[1].tax_rate"]
