"""Exchange rates (issue 17, item 2): a document in another currency than its base posts at
OfficeRnD's rate so Intacct's base amounts equal OfficeRnD's baseTotal; one that would not is
refused; ``fx_rates: intacct`` leaves the rate to Intacct; reconcile compares base amounts."""

from __future__ import annotations

from decimal import Decimal

from orsync.engine.build import build_posting
from orsync.engine.diff import diff_document, fixed_once_posted
from orsync.engine.model import Posting, Problem
from orsync.engine.options import EngineOptions

from .factories import FakeResolver, credit_note, invoice, line
from .test_reconcile import in_intacct

D = Decimal
AR = EngineOptions()
RATE = D("0.8577")


def eur_invoice(base_total: str, **kw):  # type: ignore[no-untyped-def]
    """100.00 + 20.00 VAT in EUR at 0.8577: 85.77 + 17.15 = 102.92 GBP, each amount converted
    on its own (102.93 would be the converted total, which Intacct does not book)."""
    return invoice(
        "LON-1",
        line("100.00", "20.00"),
        currency="EUR",
        exchange_rate=RATE,
        base_total=D(base_total),
        **kw,
    )


def test_a_foreign_currency_document_carries_officernds_rate_and_its_base_total() -> None:
    posting = build_posting(eur_invoice("102.92"), "C-1", AR, FakeResolver())
    assert isinstance(posting, Posting), posting
    assert posting.exchange_rate == RATE
    assert posting.base_total == D("102.92")  # 85.77 + 17.15
    assert posting.total == D("120.00")


def test_a_base_total_intacct_would_not_book_is_refused_with_both_figures() -> None:
    problems = build_posting(eur_invoice("102.93"), "C-1", AR, FakeResolver())
    assert isinstance(problems, list)
    (problem,) = problems
    assert isinstance(problem, Problem) and problem.field == "base_total"
    assert "102.92" in problem.message and "102.93" in problem.message
    assert "fx_rates" in problem.fix


def test_a_credit_memo_in_a_foreign_currency_books_a_negative_base_total() -> None:
    doc = credit_note(
        "LON-CN-1",
        line("100.00", "20.00"),
        currency="EUR",
        exchange_rate=RATE,
        base_total=D("102.92"),
    )
    posting = build_posting(doc, "C-1", AR, FakeResolver())
    assert isinstance(posting, Posting), posting
    assert posting.base_total == D("-102.92")


def test_a_rate_of_one_is_a_base_currency_document_and_sends_no_rate() -> None:
    doc = invoice("DUB-1", line("100.00", "20.00"), exchange_rate=D(1), base_total=D("120.00"))
    posting = build_posting(doc, "C-1", AR, FakeResolver())
    assert isinstance(posting, Posting) and posting.exchange_rate is None


def test_fx_rates_intacct_leaves_the_rate_to_intacct_and_skips_the_base_check() -> None:
    posting = build_posting(
        eur_invoice("1.00"), "C-1", EngineOptions(fx_rates="intacct"), FakeResolver()
    )
    assert isinstance(posting, Posting) and posting.exchange_rate is None


def test_a_base_total_booked_at_another_rate_is_an_update_that_resends_the_rate() -> None:
    posting = build_posting(eur_invoice("102.92"), "C-1", AR, FakeResolver())
    assert isinstance(posting, Posting)
    same = in_intacct(posting, "1", base_total=D("102.92"))
    other_rate = in_intacct(posting, "2", base_total=D("103.29"))
    assert diff_document(posting, same, AR) == ()
    diffs = diff_document(posting, other_rate, AR)
    assert [(d.field, d.officernd, d.intacct) for d in diffs] == [
        ("base_total", "102.92", "103.29")
    ]
    # update_invoice/update_aradjustment/update_sotransaction all take exchrate (api.xsd).
    assert fixed_once_posted(diffs) == []
