"""Intacct's answer written back to the OfficeRnD document: the pure decisions.

When Intacct numbers the documents (``numbering: intacct``), OfficeRnD learns where each one
lives in Intacct through the document's ``accounting`` block: ``providerId`` = the Intacct key
(RECORDNO, or the Sales document id), ``externalOrgId`` = the company (and entity); a document
Intacct refused carries the reason in ``accounting.error`` until it posts, which clears it.

One ledger row per OfficeRnD document (kind ``writeback``), its version the block's content
(never its ``lastSync``), so a write-back already done is never repeated and a document whose
state in Intacct changed (refused, then posted) is written again once.

The Intacct number is written into OfficeRnD's ``number`` too, and the block's ``deepLink``
points at the document in Intacct; both are part of the row's version, so they are written
once. orsync finds its documents in Intacct by the OfficeRnD number they were first sent under
(the reference): a document whose OfficeRnD number is the Intacct number orsync wrote back
keeps that reference (:func:`identity_number`), so the rename is not an edit, and a later real
edit still updates the same Intacct document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    number: str | None = None  # Intacct's document number, written into OfficeRnD's number
    deep_link: str | None = None

    @property
    def version(self) -> str:
        content: dict[str, str | None] = {"providerId": self.provider_id, "error": self.error}
        # Present only when there is one: blocks written before numbers were written back
        # keep their version where nothing more is to be said.
        if self.number is not None:
            content["number"] = self.number
        if self.deep_link is not None:
            content["deepLink"] = self.deep_link
        return version_hash(content)


def writeback_for(
    document_id: str,
    row: LedgerView,
    *,
    number: str | None = None,
    deep_link: str | None = None,
) -> Writeback | None:
    """What a document's ledger row says OfficeRnD should show (None: nothing to say yet).

    Posted (confirmed, not reversed): its Intacct key, no error, and Intacct's ``number`` and
    ``deep_link`` when known. Refused (failed, never posted): the reason. Anything else (in
    flight, unknown, reversed) writes nothing."""
    if row.status == "confirmed" and row.target_key and row.confirmed_version != REVERSAL_VERSION:
        return Writeback(document_id, row.target_key, None, number, deep_link)
    if row.status == "failed" and row.confirmed_version is None and row.last_error:
        return Writeback(document_id, None, row.last_error[:500])
    return None


def plan_writeback(
    wanted: Writeback, row: LedgerView | None, *, number_refused: bool = False
) -> WritebackDecision:
    """Write unless OfficeRnD already shows exactly this (a write-back is never repeated).

    ``number_refused``: OfficeRnD refused this document's number before (its billing lock)
    and took the block alone: that block, if still the one wanted, is the write-back done."""
    if row is None:
        return "write"
    if row.confirmed_version == wanted.version:
        return "skip"
    if number_refused and row.confirmed_version == without_number(wanted).version:
        return "skip"
    return "write"


def without_number(wanted: Writeback) -> Writeback:
    """The same write-back, leaving OfficeRnD's number as it is."""
    return replace(wanted, number=None)


def settle_writeback(
    wanted: Writeback, provider_id: str | None, error: str | None, number: str | None = None
) -> Literal["confirm", "resend"]:
    """A write-back whose answer was lost, settled by reading the document back: OfficeRnD
    shows what was sent (confirm) or not (send again: the PATCH sets fixed values).
    ``number``: the document's number as read back (checked when a number was sent)."""
    if provider_id != wanted.provider_id or (error or None) != wanted.error:
        return "resend"
    if wanted.number is not None and number != wanted.number:
        return "resend"
    return "confirm"


def identity_number(read: str, sent_under: str | None, written_back: str | None) -> str:
    """The number a document is known by in Intacct (its posting's reference).

    ``read``: OfficeRnD's number now; ``sent_under``: the number orsync first sent it under
    (None: never sent); ``written_back``: the Intacct number orsync wrote into OfficeRnD's
    ``number`` (None: none). A document showing the number orsync wrote back is the document
    it posted under ``sent_under``: its reference, and so its version, stay what they were.
    Any other number is OfficeRnD's own (a real rename) and is taken as read."""
    if sent_under and written_back and read == written_back:
        return sent_under
    return read
