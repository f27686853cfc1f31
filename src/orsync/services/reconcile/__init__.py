"""`orsync reconcile`: both systems read at once (`sources`, `scope`), compared by the engine
(`compare`), the ledger relinked or rebuilt (`ledger`), safe fixes handed to sync (`fixes`), and
the command's run record (`run`)."""

from orsync.services.reconcile.compare import (
    LedgerLinkReader,
    ReconcileOutcome,
    ReconcileRequest,
    previous_month,
    reconcile_with,
)
from orsync.services.reconcile.ledger import (
    UNKNOWN_VERSION,
    customer_adoptions,
    existing_ledger,
    relink_adoptions,
)
from orsync.services.reconcile.run import (
    HISTORY_START,
    ReconcileRun,
    run_reconcile,
)
from orsync.services.reconcile.sources import (
    CustomerFetcher,
    OfficeRndSide,
    ReadProgress,
    build_all,
)

__all__ = [
    "HISTORY_START",
    "UNKNOWN_VERSION",
    "CustomerFetcher",
    "LedgerLinkReader",
    "OfficeRndSide",
    "ReadProgress",
    "ReconcileOutcome",
    "ReconcileRequest",
    "ReconcileRun",
    "build_all",
    "customer_adoptions",
    "existing_ledger",
    "previous_month",
    "reconcile_with",
    "relink_adoptions",
    "run_reconcile",
]
