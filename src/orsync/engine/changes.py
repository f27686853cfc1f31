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
from orsync.engine.diff import (
    diff_document,
    fixed_once_posted,
    update_blocker,
    void_function,
    void_manual_fix,
)
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
    verb = ("deleted" if doc.is_removed else "voided") if action.action == "reverse" else "changed"
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
    if action.action == "reverse" and removal_function(doc, found, options) is None:
        return Blocker(
            f"{verb} in OfficeRnD, but Intacct document {found.record_key} is in a closed "
            "period and Intacct's API has no function that takes it out there (deletes are "
            "refused in closed periods)",
            void_manual_fix(kind),
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


def removal_function(
    doc: SourceDocument, found: ActualDocument, options: EngineOptions
) -> str | None:
    """The function that takes ``found`` out of Intacct's books now that OfficeRnD voided or
    deleted ``doc`` (``diff.void_function``: deletes only while its GL posting date is in an
    open period); None: the API has none (a manual fix)."""
    posted = found.date_posted or found.date_created
    period_open = options.books_closed_before is None or posted >= options.books_closed_before
    return void_function(
        posting_kind(doc, options), deleted=doc.is_removed, period_open=period_open
    )
