"""Plan values: the actions sync will take, as plain data with a ``--json`` form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from orsync.engine.canonical import to_jsonable
from orsync.engine.customers import CustomerAction
from orsync.engine.model import Posting, Problem

DocumentActionKind = Literal[
    "create", "update", "reverse", "conflict", "skip", "lookup_first", "failed"
]
PLAN_SCHEMA = "orsync.plan/1"


@dataclass(frozen=True)
class DocumentAction:
    """One planned step for one OfficeRnD document.

    ``idempotency_key`` (kind, source id, version hash) is what the integrator derives the
    Intacct function controlid from; the same change always yields the same key.
    ``posting`` is what to send (for a shifted create, already moved to the open period).
    ``sent_version`` (lookup_first) is the version whose outcome is unknown.
    """

    action: DocumentActionKind
    source_kind: str
    source_id: str
    number: str
    version_hash: str | None
    reason: str
    posting: Posting | None = None
    target_key: str | None = None
    fix: str | None = None
    problems: tuple[Problem, ...] = ()
    sent_version: str | None = None
    shifted_from: dt.date | None = None
    effective_date: dt.date | None = None  # reversal date

    @property
    def idempotency_key(self) -> tuple[str, str, str] | None:
        if self.version_hash is None:
            return None
        return (self.source_kind, self.source_id, self.version_hash)

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update", "reverse")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "kind": self.source_kind,
            "source_id": self.source_id,
            "number": self.number,
            "version": self.version_hash,
            "reason": self.reason,
            "fix": self.fix,
            "target_key": self.target_key,
            "problems": [to_jsonable(p) for p in self.problems],
        }
        if self.posting is not None:
            out["posting"] = posting_to_dict(self.posting)
        if self.sent_version is not None:
            out["sent_version"] = self.sent_version
        if self.shifted_from is not None:
            out["shifted_from"] = self.shifted_from.isoformat()
        if self.effective_date is not None:
            out["effective_date"] = self.effective_date.isoformat()
        return out


def posting_to_dict(posting: Posting) -> dict[str, Any]:
    out: dict[str, Any] = to_jsonable(posting)
    out["total_net"] = to_jsonable(posting.total_net)
    out["total_tax"] = to_jsonable(posting.total_tax)
    out["total"] = to_jsonable(posting.total)
    return out


@dataclass(frozen=True)
class Plan:
    """Plain data: the actions of one page (or of several pages added together).

    ``writebacks``: the OfficeRnD documents whose accounting block (and, with Intacct
    numbering, number) a real run would write (their OfficeRnD ids)."""

    documents: tuple[DocumentAction, ...] = ()
    customers: tuple[CustomerAction, ...] = ()
    writebacks: tuple[str, ...] = ()

    def __add__(self, other: Plan) -> Plan:
        return Plan(
            self.documents + other.documents,
            self.customers + other.customers,
            self.writebacks + other.writebacks,
        )

    def counts(self) -> dict[str, dict[str, int]]:
        return PlanCounts().add(self).as_dict()

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form. Schema ``orsync.plan/1``:

        ``{"schema", "counts": {"documents": {action: n}, "customers": {action: n},
        "writebacks": {"write": n}}, "documents": [DocumentAction.to_dict()],
        "customers": [CustomerAction.to_dict()], "writebacks": [OfficeRnD id]}``;
        every action kind appears in counts, with 0 when absent.
        """
        return {
            "schema": PLAN_SCHEMA,
            "counts": self.counts(),
            "documents": [a.to_dict() for a in self.documents],
            "customers": [a.to_dict() for a in self.customers],
            "writebacks": list(self.writebacks),
        }


DOCUMENT_ACTIONS: tuple[DocumentActionKind, ...] = (
    "create",
    "update",
    "reverse",
    "lookup_first",
    "conflict",
    "failed",
    "skip",
)
CUSTOMER_ACTIONS = (
    "create",
    "update",
    "adopt",
    "lookup_first",
    "conflict",
    "failed",
    "skip",
)


@dataclass
class PlanCounts:
    """Running counts over many pages (what a streaming run keeps instead of every action)."""

    documents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DOCUMENT_ACTIONS, 0))
    customers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CUSTOMER_ACTIONS, 0))
    writebacks: int = 0

    def add(self, plan: Plan) -> PlanCounts:
        for action in plan.documents:
            self.documents[action.action] += 1
        for customer in plan.customers:
            self.customers[customer.action] += 1
        self.writebacks += len(plan.writebacks)
        return self

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "documents": dict(self.documents),
            "customers": dict(self.customers),
            "writebacks": {"write": self.writebacks},
        }
