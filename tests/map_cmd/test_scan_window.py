"""The default window of the values in use: documents dated in the last 13 months."""

from __future__ import annotations

import datetime as dt

from orsync.services.mapping import ScanRequest
from orsync.services.mapping.scan import months_before


def test_the_default_window_starts_13_months_before_today() -> None:
    assert ScanRequest().first_day(dt.date(2026, 12, 8)) == dt.date(2025, 11, 8)
    assert ScanRequest(since=dt.date(2026, 1, 1)).first_day(dt.date(2026, 12, 8)) == dt.date(
        2026, 1, 1
    )
    assert ScanRequest(all_history=True).first_day(dt.date(2026, 12, 8)) is None


def test_a_day_the_earlier_month_lacks_becomes_its_last_day() -> None:
    assert months_before(dt.date(2026, 3, 31), 13) == dt.date(2025, 2, 28)
    assert months_before(dt.date(2025, 3, 29), 13) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)
