"""What Intacct holds for documents about to be updated, reversed or looked up.

Sync reads them here; whether a change can still go (``orsync.engine.change_blocker``) and what
a lookup proves (``orsync.engine.settle_document``) are the engine's decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orsync.engine import ActualDocument, DocumentAction, EngineOptions, SourceDocument
from orsync.engine.build import posting_kind
from orsync.engine.model import Posting, PostingKind, Problem
from orsync.services.convert import IntacctDocuments
from orsync.state import LedgerRow

Built = Posting | Sequence[Problem]


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
