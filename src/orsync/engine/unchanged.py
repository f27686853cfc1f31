"""Records a read sees again unchanged: settled from the ledger without building them.

An incremental read starts one overlap window before the cursor, so it reads again records
that earlier runs already handled. Building such a record needs OfficeRnD's reference lists (a
handful of requests on a run with nothing to do), so :func:`reread_verdict` decides first,
from the ledger row alone, whether the record can only come out as it did before.

The test compares OfficeRnD's ``modifiedAt`` with the START of the run that recorded the row,
never with when its write was confirmed or failed: a long run reads a document, the operator
edits it, and the write of the version read is confirmed minutes later; measured against the
confirmation, that edit would pass for "unchanged" on every later run and never reach Intacct.
A row whose run is unknown is rebuilt (the version hash then decides). ``margin`` absorbs clock
skew between OfficeRnD and this machine.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from orsync.engine.ledger import LedgerStatus

RereadVerdict = Literal["unchanged", "failed_before"]


def unchanged_since_read(
    modified_at: dt.datetime | None, run_started: dt.datetime | None, margin: dt.timedelta
) -> bool:
    """OfficeRnD last changed the record (``modified_at``) before the run that recorded its
    ledger row began (``run_started``): that run read it afterwards, so the row has the change."""
    if modified_at is None or run_started is None:
        return False
    return modified_at < run_started - margin


def reread_verdict(
    status: LedgerStatus,
    *,
    confirmed_at: dt.datetime | None,
    modified_at: dt.datetime | None,
    run_started: dt.datetime | None,
    retry_failed: bool,
    margin: dt.timedelta,
) -> RereadVerdict | None:
    """What a record read again comes to without building it, or None to build and plan it.

    ``unchanged``: confirmed in Intacct and not changed since. ``failed_before``: it failed and
    has not changed since, so the run reports the same failure (unless ``retry_failed``)."""
    if not unchanged_since_read(modified_at, run_started, margin):
        return None
    if status == "confirmed" and confirmed_at is not None:
        return "unchanged"
    if status == "failed" and not retry_failed:
        return "failed_before"
    return None
