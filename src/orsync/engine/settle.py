"""Settle a write whose outcome is unknown, from what Intacct holds now (DESIGN.md section 4).

A write left ``sending`` or ``unconfirmed`` (a lost answer, a timeout, a dead process) is never
resent blind: sync looks the record up in Intacct by its stable key first, then asks these
functions what the lookup proves. They decide; sync only reads before and applies after.

Documents (:func:`settle_document`), with the lookup by OfficeRnD number:

- ``confirm``: Intacct holds the write (or a version the next plan compares with OfficeRnD):
  the ledger confirms it, then the document is planned again;
- ``resend``: Intacct proves the write did not land and OfficeRnD still says the same: send the
  same write again with the same controlid (dated as the plan dates it: a posting shifted to
  the first open day, a reversal on the day of the void);
- ``absent``: the write did not land and the document changed since: the ledger forgets the
  attempt and the document is planned again (a new version, a new controlid);
- ``lost``: the Intacct document the ledger linked (a confirmed create, or a reversal's target)
  is gone: a conflict for a person, never a second create.

Customers (:func:`settle_customer`), with the lookup by CUSTOMERID the plan already made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from orsync.engine.actions import DocumentAction
from orsync.engine.build import posting_kind
from orsync.engine.canonical import version_hash
from orsync.engine.changes import Blocker
from orsync.engine.diff import diff_document, update_blocker, void_function
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import ActualCustomer, ActualDocument, Posting, Problem, SourceDocument
from orsync.engine.options import EngineOptions
from orsync.engine.plan import reversal_date, shift_to_open_period

SettleOutcome = Literal["confirm", "resend", "absent", "lost"]


@dataclass(frozen=True)
class Settlement:
    """What one unknown document write came to.

    ``resend`` (outcome resend): the write to send again, same controlid, with ``line_count``
    (Intacct's lines) for an update. ``adopt`` (outcome confirm): the Intacct document whose
    keys the ledger takes; None keeps the row's keys (a reversal). ``blocker`` (outcome lost):
    the conflict reported.
    """

    outcome: SettleOutcome
    resend: DocumentAction | None = None
    line_count: int | None = None
    adopt: ActualDocument | None = None
    blocker: Blocker | None = None

    @property
    def replan(self) -> bool:
        """Whether the document is planned again afterwards (against the settled row)."""
        return self.outcome in ("confirm", "absent")


def settle_document(
    doc: SourceDocument,
    built: Posting | Sequence[Problem],
    row: LedgerView,
    found: ActualDocument | None,
    options: EngineOptions,
) -> Settlement:
    """Decide the unknown outcome of the last write of ``doc`` (``row``: sending or
    unconfirmed) from ``found``, the Intacct document with its number (None: not there).

    ``built`` is what OfficeRnD implies now; the write sent was ``row.version_hash``, an
    update when the row has a confirmed version, a reversal when it is
    :data:`REVERSAL_VERSION`."""
    sent = row.version_hash
    was_update = row.confirmed_version is not None
    posting = built if isinstance(built, Posting) else None
    same_input = posting is not None and version_hash(posting) == sent
    if sent == REVERSAL_VERSION:
        if found is not None and found.state == "reversed":
            return Settlement("confirm")
        if found is None:
            # After a delete (delete_invoice, delete_aradjustment, delete_sotransaction) a
            # document no longer found is the delete landed; a reversal keeps the original.
            function = void_function(posting_kind(doc, options), deleted=doc.is_removed)
            if function is not None and function.startswith("delete"):
                return Settlement("confirm")
            return _lost(row)
        reverse = _again(doc, "reverse", sent, "voided: resent")
        reverse = dataclasses.replace(reverse, effective_date=reversal_date(doc, options))
        return Settlement("resend", resend=reverse)
    if found is None:
        if was_update:
            return _lost(row)
        if same_input and posting is not None:
            create = _again(doc, "create", sent, "resent", shift_to_open_period(posting, options))
            return Settlement("resend", resend=create)
        return Settlement("absent")
    if was_update and same_input and posting is not None:
        holds_sent = not diff_document(posting, found, options)
        lines = len(found.lines)
        if not holds_sent and update_blocker(posting, lines) is None and not found.is_paid_at_all:
            # The update did not land and Intacct can still take it: send it again.
            update = _again(doc, "update", sent, "resent", shift_to_open_period(posting, options))
            return Settlement("resend", resend=update, line_count=lines)
    return Settlement("confirm", adopt=found)


def _again(
    doc: SourceDocument,
    action: Literal["create", "update", "reverse"],
    version: str | None,
    reason: str,
    posting: Posting | None = None,
) -> DocumentAction:
    return DocumentAction(action, doc.kind, doc.id, doc.number, version, reason, posting=posting)


def _lost(row: LedgerView) -> Settlement:
    return Settlement(
        "lost",
        blocker=Blocker(
            f"the Intacct document {row.target_key} it was linked to is no longer found",
            "Check the document in Intacct (deleted?); `orsync reconcile` compares both sides.",
        ),
    )


CustomerSettleOutcome = Literal["send", "confirm", "absent"]


def settle_customer(row: LedgerView | None, found: ActualCustomer | None) -> CustomerSettleOutcome:
    """How to write a customer the plan says to create or update, given its ledger row and
    ``found``, what Intacct holds under its CUSTOMERID (None: nothing).

    ``send``: no unknown outcome, write as planned. An unconfirmed earlier write: ``confirm``
    (its create landed: record it, then send the planned update) or ``absent`` (forget the
    attempt and send a create under a new controlid). Never a resend under the same controlid:
    that would have to be the first request byte for byte, and a customer's version leaves out
    the currency its create carried, which the stream planning the resend may not know. Should
    the first create still land, Intacct refuses the second as a duplicate CUSTOMERID, and sync
    adopts the customer."""
    if row is None or row.status != "unconfirmed":
        return "send"
    if found is not None:
        return "confirm"
    return "absent"
