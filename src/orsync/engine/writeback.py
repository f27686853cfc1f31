"""Intacct's answer written back to the OfficeRnD document: the pure decisions.

When Intacct numbers the documents (``numbering: intacct``), OfficeRnD learns where each one
lives in Intacct through the document's ``accounting`` block: ``providerId`` = the Intacct key
(RECORDNO, or the Sales document id), ``externalOrgId`` = the company (and entity); a document
Intacct refused carries the reason in ``accounting.error`` until it posts, which clears it.

One ledger row per OfficeRnD document (kind ``writeback``), its version the block's content
(never its ``lastSync``), so a write-back already done is never repeated and a document whose
state in Intacct changed (refused, then posted) is written again once.

The Intacct number itself is not written into OfficeRnD's ``number``: orsync finds its
documents in Intacct by their OfficeRnD number, so renaming the source would turn every
written-back document into an edit; the block's documented fields carry no number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orsync.engine.canonical import version_hash
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView

WRITEBACK_KIND = "writeback"
WRITEBACK_PROVIDER = "orsync"  # accounting.provider on every block orsync writes
DOCUMENT_KINDS = ("invoice", "credit_note")

WritebackDecision = Literal["write", "skip"]


@dataclass(frozen=True)
class Writeback:
    """What OfficeRnD should show for one document: its Intacct key, or why Intacct refused it."""

    document_id: str
    provider_id: str | None
    error: str | None

    @property
    def version(self) -> str:
        return version_hash({"providerId": self.provider_id, "error": self.error})


def writeback_for(document_id: str, row: LedgerView) -> Writeback | None:
    """What a document's ledger row says OfficeRnD should show (None: nothing to say yet).

    Posted (confirmed, not reversed): its Intacct key, no error. Refused (failed, never
    posted): the reason. Anything else (in flight, unknown, reversed) writes nothing."""
    if row.status == "confirmed" and row.target_key and row.confirmed_version != REVERSAL_VERSION:
        return Writeback(document_id, row.target_key, None)
    if row.status == "failed" and row.confirmed_version is None and row.last_error:
        return Writeback(document_id, None, row.last_error[:500])
    return None


def plan_writeback(wanted: Writeback, row: LedgerView | None) -> WritebackDecision:
    """Write unless OfficeRnD already shows exactly this (a write-back is never repeated)."""
    if row is not None and row.confirmed_version == wanted.version:
        return "skip"
    return "write"


def settle_writeback(
    wanted: Writeback, provider_id: str | None, error: str | None
) -> Literal["confirm", "resend"]:
    """A write-back whose answer was lost, settled by reading the document back: OfficeRnD
    shows what was sent (confirm) or not (send again: the PATCH sets fixed values)."""
    if provider_id == wanted.provider_id and (error or None) == wanted.error:
        return "confirm"
    return "resend"
