"""Whether a change of a posted document can go to Intacct: one rule, one wording.

The plan (:mod:`.plan`) decides from what the ledger knows; sync checks an update or reversal
against the Intacct document itself just before sending it (:func:`change_blocker`). Both say
why with the same words and the same fix (:func:`paid_blocker`, :func:`reversed_blocker`).
A change Intacct can no longer take (paid, reversed, lines it cannot delete, a kind its API
cannot reverse) becomes a conflict with the manual fix, instead of a write that would fail or,
worse, half apply (a new customer, date, currency or entity, which an update does not send).
"""

from __future__ import annotations

from dataclasses import dataclass

from orsync.engine.actions import DocumentAction
from orsync.engine.build import posting_kind
from orsync.engine.diff import can_reverse, diff_document, fixed_once_posted, update_blocker
from orsync.engine.model import ActualDocument, SourceDocument
from orsync.engine.options import EngineOptions


@dataclass(frozen=True)
class Blocker:
    """Why a change cannot go to Intacct now, and what a person does about it."""

    message: str
    fix: str


def paid_blocker(verb: str, state: str) -> Blocker:
    """A document paid (or partly paid) in Intacct cannot be changed or reversed by sync.

    ``verb`` says what happened in OfficeRnD ("changed", "voided"); ``state`` is Intacct's
    (``paid``, ``partially_paid``)."""
    message = f"{verb} in OfficeRnD but already {state.replace('_', ' ')} in Intacct"
    if verb == "voided":
        return Blocker(
            message,
            "Reverse or unapply the payment in Intacct first, then run sync again (orsync "
            "then reverses the document).",
        )
    return Blocker(
        message,
        "Intacct cannot change a paid document: unapply the payment in Intacct, run sync "
        "again, then re-apply it; or issue a credit note in OfficeRnD instead of editing the "
        "invoice.",
    )


def reversed_blocker(verb: str) -> Blocker:
    """A document reversed in Intacct cannot be reopened; ``verb`` says what happened in
    OfficeRnD ("changed", or "live again" when the ledger recorded the reversal)."""
    return Blocker(
        f"{verb} in OfficeRnD but already reversed in Intacct",
        "Issue a new invoice in OfficeRnD (a reversed Intacct document cannot be reopened), "
        "or void this one again.",
    )


def change_blocker(
    action: DocumentAction,
    doc: SourceDocument,
    found: ActualDocument | None,
    options: EngineOptions,
) -> Blocker | None:
    """Why the planned update or reversal ``action`` of ``doc`` cannot go to the Intacct
    document ``found`` for it (None: not found), or None when it can."""
    verb = "voided" if action.action == "reverse" else "changed"
    if found is None:
        return Blocker(
            f"{verb} in OfficeRnD, but the Intacct document {action.target_key} is no longer "
            "found (deleted in Intacct?)",
            "Check the document in Intacct; `orsync reconcile` shows both sides.",
        )
    if found.state == "reversed":
        return reversed_blocker(verb)
    if found.is_paid_at_all:
        return paid_blocker(verb, found.state)
    kind = posting_kind(doc, options)
    if action.action == "reverse" and not can_reverse(kind):
        return Blocker(
            "voided in OfficeRnD; Intacct's API cannot reverse this kind of document (Order "
            "Entry has no reverse function)",
            "In Intacct, convert it to a credit (or delete it while it is unpaid), then run "
            "`orsync sync --retry-failed` (a plain run holds a failure whose input has not "
            "changed).",
        )
    if action.action == "update" and action.posting is not None:
        reason = update_blocker(action.posting, len(found.lines))
        if reason is not None:
            return Blocker(
                f"changed in OfficeRnD, but {reason}",
                "Correct the document in Intacct by hand, then run `orsync sync --retry-failed` "
                "(a plain run holds a failure whose input has not changed); or reverse it there "
                "and issue a new one in OfficeRnD.",
            )
        # An update sends lines, due date and numbers only: a new customer, date, currency or
        # entity would be left behind while the ledger said "updated" (reconcile's same rule).
        fixed = fixed_once_posted(diff_document(action.posting, found, options))
        if fixed:
            return Blocker(
                f"changed in OfficeRnD, but Intacct document {found.record_key} keeps the "
                f"{' and '.join(fixed)} it was posted with (an update changes only its lines, "
                "due date and numbers)",
                f"If OfficeRnD is right, void {doc.number} there and issue a corrected one; if "
                f"Intacct is right, correct {doc.number} back in OfficeRnD.",
            )
    return None
