"""Plan what to write: OfficeRnD documents x built postings x the ledger -> actions.

Pure and incremental: call :func:`plan_documents` once per page of OfficeRnD documents with the
ledger rows of that page; pages combine with ``+`` (or :class:`PlanCounts` when only the numbers
are kept, so memory does not grow with history). Within a page, actions are ordered by kind,
OfficeRnD number and id, whatever order the input came in.

Version hashes: a document's version is the hash of its canonical posting (build output), so an
OfficeRnD edit and a mapping change are both changes. A reversal is recorded with the fixed
version :data:`REVERSAL_VERSION`. A document that cannot be built has the hash of its problems as
version, so a failed record is retried when its problems change.

Closed periods are applied here, not in build, so the version hash does not depend on where the
books happen to be closed today (that date moves every month and would otherwise turn every
shifted document into a spurious update).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orsync.engine.actions import (
    DocumentAction,
    DocumentActionKind,
    Plan,
)
from orsync.engine.canonical import version_hash
from orsync.engine.changes import paid_blocker, reversed_blocker
from orsync.engine.ledger import REVERSAL_VERSION, LedgerKey, LedgerView
from orsync.engine.model import Posting, Problem, SourceDocument
from orsync.engine.options import EngineOptions


def problems_version(problems: Sequence[Problem]) -> str:
    return version_hash(sorted(problems, key=lambda p: (p.field, p.message)))


def plan_documents(
    items: Iterable[tuple[SourceDocument, Posting | Sequence[Problem]]],
    ledger: Mapping[LedgerKey, LedgerView],
    options: EngineOptions,
    *,
    held_customers: Mapping[str, str] | None = None,
) -> Plan:
    """Plan one page of documents.

    ``ledger`` holds the rows of (at least) this page's documents, keyed (doc.kind, doc.id).
    ``held_customers`` maps Intacct customer ids that could not be created or adopted (a
    customer conflict or failure) to the reason; their documents wait, reported as failed.
    """
    held = held_customers or {}
    actions = [
        _plan_one(doc, built, ledger.get((doc.kind, doc.id)), options, held) for doc, built in items
    ]
    actions.sort(key=lambda a: (a.source_kind, a.number, a.source_id))
    return Plan(documents=tuple(actions))


def _plan_one(
    doc: SourceDocument,
    built: Posting | Sequence[Problem],
    row: LedgerView | None,
    options: EngineOptions,
    held: Mapping[str, str],
) -> DocumentAction:
    act = _ActionFor(doc)
    target = row.target_key if row else None
    if row is not None and row.status in ("sending", "unconfirmed"):
        return act(
            "lookup_first",
            row.version_hash,
            f"the last write ({row.status}) may have reached Intacct: look the document up by "
            f"reference {doc.number} before anything is sent again",
            sent_version=row.version_hash,
            target_key=target,
            posting=shift_to_open_period(built, options) if isinstance(built, Posting) else None,
        )

    if doc.is_draft:
        return act("skip", None, "draft in OfficeRnD", target_key=target)

    if doc.is_voided:
        return _plan_voided(doc, row, options, act)

    if not isinstance(built, Posting):
        problems = tuple(built)
        return act(
            "failed",
            problems_version(problems),
            "cannot be posted: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
            problems=problems,
            fix=" ".join(dict.fromkeys(p.fix for p in problems)),
            target_key=target,
        )

    version = version_hash(built)
    if built.customer_id in held:
        problem = Problem(
            number=doc.number,
            field="customer",
            message=f"customer {built.customer_id} is on hold: {held[built.customer_id]}",
            fix="Resolve the customer first; the document follows with it (the next sync "
            "tries again after a change to the mapping or in OfficeRnD).",
            source_id=doc.id,
            value=built.customer_id,
        )
        return act("failed", version, problem.message, problems=(problem,), fix=problem.fix)

    if row is not None and row.has_target:
        return _plan_existing(doc, built, version, row, options, act)

    if row is not None and row.status == "failed" and _held_failure(row, version, options):
        return _held(row, version, act)
    return _plan_create(doc, built, version, options, act)


def _plan_voided(
    doc: SourceDocument, row: LedgerView | None, options: EngineOptions, act: _ActionFor
) -> DocumentAction:
    verb = "deleted" if doc.is_removed else "voided"
    if row is None or not row.has_target:
        return act("skip", None, f"{verb} in OfficeRnD and never posted")
    if row.live_version == REVERSAL_VERSION:
        return act(
            "skip", REVERSAL_VERSION, "already reversed in Intacct", target_key=row.target_key
        )
    if row.status == "failed" and _held_failure(row, REVERSAL_VERSION, options):
        return _held(row, REVERSAL_VERSION, act)
    if row.payment_state in ("paid", "partially_paid"):
        blocker = paid_blocker(verb, row.payment_state)
        return act(
            "conflict",
            REVERSAL_VERSION,
            blocker.message,
            target_key=row.target_key,
            fix=blocker.fix,
        )
    return act(
        "reverse",
        REVERSAL_VERSION,
        f"{verb} in OfficeRnD",
        target_key=row.target_key,
        effective_date=reversal_date(doc, options),
    )


def reversal_date(doc: SourceDocument, options: EngineOptions) -> dt.date:
    """The day a void is reversed in Intacct: when OfficeRnD voided it (its last change),
    or the first open day when that period is closed."""
    when = doc.modified_at.date() if doc.modified_at is not None else doc.date
    if options.books_closed_before is not None:
        when = max(when, options.books_closed_before)
    return when


def _plan_existing(
    doc: SourceDocument,
    posting: Posting,
    version: str,
    row: LedgerView,
    options: EngineOptions,
    act: _ActionFor,
) -> DocumentAction:
    live = row.live_version
    if live == REVERSAL_VERSION:
        blocker = reversed_blocker("live again")
        return act("conflict", version, blocker.message, target_key=row.target_key, fix=blocker.fix)
    if row.status == "failed" and _held_failure(row, version, options):
        return _held(row, version, act)
    if version == live:
        return act("skip", version, "unchanged", target_key=row.target_key)
    if row.payment_state in ("paid", "partially_paid"):
        blocker = paid_blocker("changed", row.payment_state)
        return act(
            "conflict",
            version,
            blocker.message,
            target_key=row.target_key,
            posting=posting,
            fix=blocker.fix,
        )
    shifting = options.closed_period_policy == "shift"
    if row.closed or (options.is_closed(posting.date_created) and not shifting):
        return act(
            "conflict",
            version,
            f"changed in OfficeRnD but dated {posting.date_created.isoformat()}, in a closed "
            "Intacct period",
            target_key=row.target_key,
            posting=posting,
            fix="Reopen the period in Intacct and run sync again, or correct it with a credit "
            "note in OfficeRnD dated in an open period.",
        )
    return act(
        "update",
        version,
        "changed in OfficeRnD",
        target_key=row.target_key,
        posting=shift_to_open_period(posting, options),
    )


def _plan_create(
    doc: SourceDocument, posting: Posting, version: str, options: EngineOptions, act: _ActionFor
) -> DocumentAction:
    if not options.is_closed(posting.date_created):
        return act("create", version, "new", posting=posting)
    first_open = options.books_closed_before
    assert first_open is not None
    closed = (
        f"dated {posting.date_created.isoformat()}, before the first open Intacct day "
        f"{first_open.isoformat()}"
    )
    if options.closed_period_policy == "skip":
        return act("skip", version, f"{closed} (closed-period policy: skip)")
    if options.closed_period_policy == "fail":
        problem = Problem(
            number=doc.number,
            field="date",
            message=f"{closed} (the period is closed)",
            fix="Reopen the period in Intacct, or set options.closed_period: shift (post on the "
            "first open day with an audit note) or skip.",
            source_id=doc.id,
            value=posting.date_created.isoformat(),
        )
        return act("failed", version, problem.message, problems=(problem,), fix=problem.fix)
    return act(
        "create",
        version,
        f"new; {closed}, so posted on {first_open.isoformat()} (closed-period policy: shift)",
        posting=shift_to_open_period(posting, options),
        shifted_from=posting.date_created,
    )


def first_open_after(refused: dt.date) -> dt.date:
    """The first open day to try after Intacct refused a posting dated ``refused`` as in a
    closed period: the first day of the next month. UNVERIFIED: that the company's periods
    are calendar months (a period refused again moves one month further)."""
    return (refused.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def shift_to_open_period(posting: Posting, options: EngineOptions) -> Posting:
    """The posting as it is sent under closed-period policy ``shift`` (unchanged otherwise):
    posted to the GL on the first open day (``dateposted``), with an audit note; the invoice
    date, due date and tax point stay as OfficeRnD dated them."""
    first_open = options.books_closed_before
    if (
        options.closed_period_policy != "shift"
        or first_open is None
        or not options.is_closed(posting.date_created)
    ):
        return posting
    return dataclasses.replace(
        posting,
        date_posted=first_open,
        description=f"{posting.description} (dated {posting.date_created.isoformat()} in "
        "OfficeRnD; posted in the first open period)",
    )


@dataclass(frozen=True)
class _ActionFor:
    doc: SourceDocument

    def __call__(
        self, action: DocumentActionKind, version: str | None, reason: str, **details: Any
    ) -> DocumentAction:
        return DocumentAction(
            action=action,
            source_kind=self.doc.kind,
            source_id=self.doc.id,
            number=self.doc.number,
            version_hash=version,
            reason=reason,
            **details,
        )


def _held_failure(row: LedgerView, version: str, options: EngineOptions) -> bool:
    return not options.retry_failed and row.version_hash == version


def _held(row: LedgerView, version: str, act: _ActionFor) -> DocumentAction:
    error = row.last_error or "a previous attempt failed"
    return act(
        "failed",
        version,
        f"failed before with the same input: {error}",
        target_key=row.target_key,
        fix="Fix the cause (the message is Intacct's), then run `orsync sync --retry-failed`; "
        "a change to the record in OfficeRnD or to the mapping retries it automatically.",
    )
