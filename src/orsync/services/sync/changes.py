"""What Intacct holds for documents about to be updated, reversed or looked up.

An update or reversal is checked against the Intacct document first: a change Intacct can no
longer take (paid, reversed, lines it cannot delete, a kind its API cannot reverse) becomes a
conflict with the manual fix instead of a write that would fail or, worse, half apply (a new
customer, date, currency or entity, which an update does not send).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orsync.engine import ActualDocument, DocumentAction, EngineOptions, SourceDocument
from orsync.engine.build import posting_kind
from orsync.engine.diff import can_reverse, diff_document, fixed_once_posted, update_blocker
from orsync.engine.model import Posting, PostingKind, Problem
from orsync.services.convert import IntacctDocuments
from orsync.state import LedgerRow

Built = Posting | Sequence[Problem]


def change_blocker(
    action: DocumentAction,
    doc: SourceDocument,
    found: ActualDocument | None,
    options: EngineOptions,
) -> tuple[str, str] | None:
    """Why an update or reversal cannot go to Intacct now: (message, fix), or None."""
    verb = "voided" if action.action == "reverse" else "changed"
    if found is None:
        return (
            f"{verb} in OfficeRnD, but the Intacct document {action.target_key} is no longer "
            "found (deleted in Intacct?)",
            "Check the document in Intacct; `orsync reconcile` shows both sides.",
        )
    if found.state == "reversed":
        return (
            f"{verb} in OfficeRnD but already reversed in Intacct",
            "Issue a new invoice in OfficeRnD (a reversed document cannot be reopened).",
        )
    if found.is_paid_at_all:
        return (
            f"{verb} in OfficeRnD but already {found.state.replace('_', ' ')} in Intacct",
            "Intacct cannot change a paid document: unapply the payment in Intacct, run sync "
            "again, then re-apply it; or issue a credit note in OfficeRnD instead.",
        )
    kind = posting_kind(doc, options)
    if action.action == "reverse" and not can_reverse(kind):
        return (
            "voided in OfficeRnD; Intacct's API cannot reverse this kind of document (Order "
            "Entry has no reverse function)",
            "In Intacct, convert it to a credit (or delete it while it is unpaid), then run "
            "`orsync sync --retry-failed` (a plain run holds a failure whose input has not "
            "changed).",
        )
    if action.action == "update" and action.posting is not None:
        reason = update_blocker(action.posting, len(found.lines))
        if reason is not None:
            return (
                f"changed in OfficeRnD, but {reason}",
                "Correct the document in Intacct by hand, then run `orsync sync --retry-failed` "
                "(a plain run holds a failure whose input has not changed); or reverse it there "
                "and issue a new one in OfficeRnD.",
            )
        # An update sends lines, due date and numbers only: a new customer, date, currency or
        # entity would be left behind while the ledger said "updated" (reconcile's same rule).
        fixed = fixed_once_posted(diff_document(action.posting, found, options))
        if fixed:
            return (
                f"changed in OfficeRnD, but Intacct document {found.record_key} keeps the "
                f"{' and '.join(fixed)} it was posted with (an update changes only its lines, "
                "due date and numbers)",
                f"If OfficeRnD is right, void {doc.number} there and issue a corrected one; if "
                f"Intacct is right, correct {doc.number} back in OfficeRnD.",
            )
    return None


def find_actuals(
    reader: IntacctDocuments,
    options: EngineOptions,
    actions: Sequence[DocumentAction],
    built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
    rows: Mapping[tuple[str, str], LedgerRow],
) -> dict[tuple[str, str], ActualDocument]:
    """The Intacct documents of these actions, found by OfficeRnD number and matched to the
    ledger's target key when it has one (the reference also sits on reversal entries)."""
    wanted: dict[PostingKind, dict[str, tuple[str, str]]] = {}
    for action in actions:
        key = (action.source_kind, action.source_id)
        doc = built[key][0]
        wanted.setdefault(posting_kind(doc, options), {})[doc.number] = key
    found: dict[tuple[str, str], ActualDocument] = {}
    for kind, by_number in wanted.items():
        for actual in reader.by_reference(by_number, kinds=(kind,)):
            matched = by_number.get(actual.reference or "")
            if matched is None:
                continue
            key = matched
            row = rows.get(key)
            target = row.target.key if row is not None else None
            current = found.get(key)
            preferred = (
                (target is not None and actual.record_key == target)
                or current is None
                or (current.record_key != target and not current.is_live and actual.is_live)
            )
            if preferred:
                found[key] = actual
    return found
