from decimal import Decimal

import pytest

from orsync.engine.build import build_posting
from orsync.engine.model import Posting
from orsync.engine.options import EngineOptions
from orsync.engine.rounding import check_total, line_tax, to_cents

from .factories import FakeResolver, TaxRateRef, invoice, line

D = Decimal


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),  # banker's rounding would give 0.02 here too ...
        ("0.025", "0.03"),  # ... but 0.02 here: the case that makes invoices disagree
        ("-0.005", "-0.01"),  # credits mirror invoices exactly
        ("-0.025", "-0.03"),
        ("0.30000000000000004", "0.30"),  # float noise from JSON
        ("1.004999", "1.00"),
        ("12", "12.00"),
    ],
)
def test_half_cents_round_away_from_zero(amount: str, cents: str) -> None:
    assert to_cents(D(amount)) == D(cents)
    assert str(to_cents(D(amount))) == cents


def test_line_tax_is_rounded_once_per_line() -> None:
    # 0.625 -> 0.63 (half-up); half-even would say 0.62
    assert line_tax(D("3.125"), D("20")) == D("0.63")
    assert line_tax(D("-3.125"), D("20")) == D("-0.63")
    assert line_tax(D("10.00"), D("0")) == D("0.00")


def test_computed_tax_uses_the_rule_when_officernd_gives_none() -> None:
    doc = invoice(
        "INV-7", line("3.13", None, rate=TaxRateRef("tax-vat20", "VAT", D("20"))), total="3.76"
    )
    posting = build_posting(doc, "C-co-1", EngineOptions(), FakeResolver())
    assert isinstance(posting, Posting)
    assert posting.lines[0].tax_amount == D("0.63")  # 0.626 -> 0.63
    assert posting.total == D("3.76")


def test_many_lines_with_half_cent_tax_add_up_to_officernd_total_by_construction() -> None:
    # 99 lines of 0.125 tax each: OfficeRnD rounds per line (0.13 x 99 = 12.87); rounding the sum
    # instead would give 12.38. The posting must equal the stated total to the cent.
    lines = [
        line("0.63", None, rate=TaxRateRef("tax-vat20", "VAT", D("19.84126984"))) for _ in range(99)
    ]
    per_line_tax = line_tax(D("0.63"), D("19.84126984"))
    total = (D("0.63") + per_line_tax) * 99
    posting = build_posting(
        invoice("INV-8", *lines, total=str(total)), "C", EngineOptions(), FakeResolver()
    )
    assert isinstance(posting, Posting)
    assert posting.total == total
    assert posting.total_tax == per_line_tax * 99


def test_a_total_that_disagrees_with_its_lines_is_reported_not_fixed() -> None:
    doc = invoice("INV-9", line("10.00", "2.00"), line("5.00", "1.00"), total="18.01")
    problems = build_posting(doc, "C", EngineOptions(), FakeResolver())
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["total"]
    assert "18.01" in problems[0].message and "18.00" in problems[0].message
    assert problems[0].number == "INV-9"


def test_float_noise_in_the_stated_total_is_not_a_mismatch() -> None:
    doc = invoice("INV-10", line("0.10", "0.00"), line("0.20", "0.00"), total="0.30000000000000004")
    assert isinstance(build_posting(doc, "C", EngineOptions(), FakeResolver()), Posting)


@pytest.mark.parametrize("currency", ["GBP", "EUR", "USD", "JPY", "CHF"])
def test_each_currency_posts_in_its_own_currency_to_the_cent(currency: str) -> None:
    doc = invoice("INV-11", line("1000.005", "200.001"), total="1200.01", currency=currency)
    posting = build_posting(doc, "C", EngineOptions(), FakeResolver())
    assert isinstance(posting, Posting)
    assert posting.currency == currency
    assert posting.total == D("1200.01")


def test_check_total_reports_the_difference() -> None:
    mismatch = check_total([(D("1.00"), D("0.20"))], D("1.21"))
    assert mismatch is not None and mismatch.difference == D("0.01")
    assert check_total([(D("1.00"), D("0.20"))], D("1.2")) is None
