"""The one rounding rule for money, and the check that a document adds up.

Rule: :data:`CENT` (2 places), :data:`ROUNDING` = ``ROUND_HALF_UP`` (Decimal's half-up rounds
halves AWAY from zero, so a credit note mirrors its invoice exactly: 0.005 -> 0.01 and
-0.005 -> -0.01).

Why half-up rather than banker's rounding (half-even): banker's rounding exists to remove the
statistical drift of rounding many values that are then summed; an invoice is the opposite case,
one printed figure per line that the customer checks with a calculator, and commercial invoicing
(and Intacct's own rounding of amounts with more than 2 decimals) rounds halves up. Half-even
would turn a 0.125 tax into 0.12 where the printed invoice says 0.13: a one-cent mismatch that
later breaks payment matching (field-notes pain point 8). That OfficeRnD rounds line tax half-up
is unverified, which is why orsync uses OfficeRnD's own line tax whenever it gives one and only
computes tax (with this rule) when it does not, and why every document is checked against
OfficeRnD's total: a mismatch is reported on that record, never silently absorbed.

Where it is applied (once per amount): :func:`to_cents` when an OfficeRnD amount enters a
posting (JSON numbers arrive as floats such as 0.30000000000000004), and :func:`line_tax` when a
line's tax has to be computed. Postings are sums of those cents, so their totals equal OfficeRnD's
to the cent by construction. All currencies use 2 places: Intacct rounds amounts to 2 dp.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount to cents with the one rule."""
    return amount.quantize(CENT, rounding=ROUNDING)


def line_tax(net_amount: Decimal, rate_percent: Decimal) -> Decimal:
    """Tax on one line, rounded once (per line, not per document)."""
    return to_cents(net_amount * rate_percent / Decimal(100))


def base_amount(amount: Decimal, rate: Decimal) -> Decimal:
    """A transaction amount in base currency at ``rate``, rounded with the one rule.

    Intacct converts each amount it books (line, tax) on its own, so a document's base total is
    the sum of converted amounts, not the converted total. UNVERIFIED (no capture shows a
    foreign-currency document's base amounts); this is the one place that assumption lives.
    """
    return to_cents(amount * rate)


@dataclass(frozen=True)
class TotalMismatch:
    """A document whose lines do not add up to its stated total."""

    lines_total: Decimal
    stated_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.stated_total - self.lines_total

    def describe(self) -> str:
        return (
            f"lines add up to {self.lines_total} (net + tax) but the document total is "
            f"{self.stated_total} (difference {self.difference})"
        )


def check_total(
    amounts: Iterable[tuple[Decimal, Decimal]], stated_total: Decimal
) -> TotalMismatch | None:
    """Compare the sum of (net, tax) pairs, already in cents, with a stated total.

    The stated total is brought to cents first (float noise from JSON), nothing else is adjusted.
    """
    lines_total = sum((net + tax for net, tax in amounts), ZERO)
    stated = to_cents(stated_total)
    if lines_total == stated:
        return None
    return TotalMismatch(lines_total=lines_total, stated_total=stated)
