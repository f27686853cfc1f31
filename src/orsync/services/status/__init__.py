"""`orsync status`: a read-only view of runs, ledger counts, cursors and unresolved rows."""

from orsync.services.status.view import (
    RunDetail,
    profile_status,
    run_detail,
)

__all__ = [
    "RunDetail",
    "profile_status",
    "run_detail",
]
