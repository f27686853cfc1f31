"""`orsync sync`: `run_sync` and `plan_sync` take the lock and the run record, then the `runner`
drives the stages: `reading` streams OfficeRnD, `customers` and `documents` apply the engine's
plans through the run's one write path (`context.RunContext.pipeline`, Intacct's `WritePipeline`),
`outcomes` records what Intacct answered and `summary` counts it."""

from orsync.services.sync.context import (
    SyncOptions,
    SyncProgress,
)
from orsync.services.sync.payments import PAYMENT_HELD
from orsync.services.sync.reference import KeptReference
from orsync.services.sync.run import (
    SyncResult,
    officernd_features,
    plan_sync,
    run_sync,
)
from orsync.services.sync.summary import (
    OUTCOMES,
    STAGES,
    RecordProblem,
    Stage,
    SyncSummary,
)

__all__ = [
    "OUTCOMES",
    "PAYMENT_HELD",
    "STAGES",
    "KeptReference",
    "RecordProblem",
    "Stage",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "SyncSummary",
    "officernd_features",
    "plan_sync",
    "run_sync",
]
