"""The engine's read-only view of a ledger row (``orsync.state`` owns the real table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LedgerStatus = Literal["planned", "sending", "confirmed", "unconfirmed", "failed"]
PaymentState = Literal["unpaid", "partially_paid", "paid"]
LedgerKey = tuple[str, str]  # (kind, source id): ("invoice", id), ("company", id), ...

# The version recorded for a document once its reversal is confirmed in Intacct.
REVERSAL_VERSION = "reversed"


@dataclass(frozen=True)
class LedgerView:
    """What the engine needs to know of one ledger row.

    ``version_hash``: the version of the last attempt (whatever its status);
    ``confirmed_version``: the version Intacct is known to hold (None if never confirmed);
    ``payment_state``/``closed``: what orsync knows of the Intacct document, None/False if unknown.
    """

    status: LedgerStatus
    version_hash: str | None = None
    confirmed_version: str | None = None
    target_key: str | None = None
    payment_state: PaymentState | None = None
    closed: bool = False
    last_error: str | None = None

    @property
    def has_target(self) -> bool:
        return self.target_key is not None or self.confirmed_version is not None

    @property
    def live_version(self) -> str | None:
        """The version Intacct holds, when there is a document there."""
        if self.confirmed_version is not None:
            return self.confirmed_version
        return self.version_hash if self.status == "confirmed" else None
