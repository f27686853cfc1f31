"""Deterministic ids, instants and money for the seed generator.

Everything here is pure and cheap: the generator calls these hundreds of thousands of times for a
large world, and the same seed must always give the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def line_tax(net: Decimal, percent: Decimal) -> Decimal:
    """THE rounding rule of the seeded data: tax is computed per line, on the line's net amount,
    rounded once to the cent with ROUND_HALF_UP. Document totals are sums of already rounded line
    values, never recomputed from a rate, so that line nets + line taxes == document total exactly.
    """
    return (net * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(amount: Decimal) -> int | float:
    """Money as the JSON number OfficeRnD sends (major units: ``60``, ``25.7``).

    A whole amount becomes an int (JavaScript prints ``60``, not ``60.0``); any other amount is a
    float whose shortest repr is the exact two-place decimal, so ``Decimal(str(x))`` gives it back.
    """
    as_float = float(amount)  # shortest repr of a 2-place amount is that amount
    return int(as_float) if as_float.is_integer() else as_float


def iso_instant(instant: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as in every OfficeRnD sample."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def iso_day(day: date) -> str:
    """A calendar date the way OfficeRnD sends it: midnight UTC (``2025-01-01T00:00:00.000Z``)."""
    return f"{day.isoformat()}T00:00:00.000Z"


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


class ObjectIds:
    """Mongo-style ObjectIds (24 hex): 4-byte creation time, 5 bytes from the seed, a 3-byte
    counter. Ids therefore sort by creation time, like real ones (OfficeRnD's cursors walk ``_id``
    ascending), are unique within a world, and differ between seeds.
    """

    def __init__(self, seed: int) -> None:
        digest = hashlib.sha256(f"orsync-seed-ids:{seed}".encode()).hexdigest()
        self._process = digest[:10]
        # Start low so the 24-bit counter cannot wrap inside one world (at most ~16M ids).
        self._counter = int(digest[10:14], 16)

    def new(self, created: datetime) -> str:
        self._counter += 1
        if self._counter > 0xFFFFFF:
            msg = "seed world too large: more than 16 million object ids"
            raise ValueError(msg)
        return f"{int(created.timestamp()):08x}{self._process}{self._counter:06x}"


def derived_secret(seed: int, purpose: str, length: int = 40) -> str:
    """A deterministic hex string for client ids and secrets of seeded applications."""
    return hashlib.sha256(f"orsync-seed:{seed}:{purpose}".encode()).hexdigest()[:length]
