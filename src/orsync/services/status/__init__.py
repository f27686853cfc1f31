"""`orsync status`: a read-only view of runs, ledger counts, cursors and unresolved rows."""

from orsync.services.status.view import (
    profile_status,
)

__all__ = [
    "profile_status",
]
