"""The days a command may ask about: checked before anything is read."""

from __future__ import annotations

import datetime as dt

from orsync.errors import UsageError

# Outside these, date arithmetic overflows (9999-12-31 has no next day), query formats break
# (year 1 is written "1-01-01") and neither service holds documents.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


def check_day(flag: str, day: dt.date) -> None:
    """Refuse ``day`` (given with ``flag``) when it lies outside the days orsync reads."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise UsageError(
            f"{flag} {day.isoformat()} is outside the dates orsync reads "
            f"({EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()})",
            hint="For all of history, 2000-01-01 reaches back far enough.",
        )
