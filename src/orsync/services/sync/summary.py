"""What one ``sync`` run did, as counts and a bounded list of problems (``--json`` schema).

Schema ``orsync.sync/1`` (:meth:`SyncSummary.to_dict`)::

    {
      "schema": "orsync.sync/1",
      "profile": "main",
      "run_id": 12,                      # null for a run that never opened the state
      "started_at": "...Z", "finished_at": "...Z", "duration_s": 1.234,
      "exit_code": 0,                    # 0 ok, 1 records failed/conflicts, 75 unconfirmed left
      "options": {"full": false, "since": null, "only": [...], "retry_failed": false},
      "mapping_changed": false,          # true: the mapping changed since the last complete
                                         # sync, so failed records were tried again
      "read": {"invoices": 40, "credit_notes": 3, "companies": 8, "members": 0, "payments": 9},
      "counts": {                        # every stage and outcome present, 0 when none;
                                         # each record counted once, in its last outcome
        "customers":    {"created", "updated", "adopted", "unchanged", "skipped",
                         "failed", "conflict", "unconfirmed"},
        "invoices":     {"created", "updated", "reversed", "adopted", "unchanged", "skipped",
                         "failed", "conflict", "unconfirmed"},
        "credit_notes": {... as invoices ...},
        "payments":     {"created", "reversed", "recorded" (charges recorded in OfficeRnD
                         from Intacct), "removed" (their charges removed once Intacct
                         reversed the payment), "applied" (credit allocations), "received"
                         (overpayments posted as advances), "unchanged", "skipped", "held",
                         "failed", "conflict", "unconfirmed"}
      },
      "writeback": {"written", "failed", "unconfirmed"},  # Intacct numbering: accounting
                                         # blocks (and numbers) written into OfficeRnD
      "totals": [                        # what this run wrote, per entity and currency
        {"entity", "currency", "kind", "action", "count", "amount"}   # amount: "1234.50"
      ],
      "unconfirmed_left": 0,             # ledger rows whose outcome is still unknown
      "problems": [                      # failed / conflict / unconfirmed records, at most 500
        {"stage", "status", "kind", "source_id", "number", "field", "message", "fix"}
      ],
      "problems_not_listed": 0           # beyond the 500 listed
    }
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

SUMMARY_SCHEMA = "orsync.sync/1"
Stage = Literal["customers", "invoices", "credit_notes", "payments"]
STAGES: tuple[Stage, ...] = ("customers", "invoices", "credit_notes", "payments")
OUTCOMES: dict[Stage, tuple[str, ...]] = {
    "customers": (
        "created",
        "updated",
        "adopted",
        "unchanged",
        "skipped",
        "failed",
        "conflict",
        "unconfirmed",
    ),
    "invoices": (
        "created",
        "updated",
        "reversed",
        "adopted",
        "unchanged",
        "skipped",
        "failed",
        "conflict",
        "unconfirmed",
    ),
    "credit_notes": (
        "created",
        "updated",
        "reversed",
        "adopted",
        "unchanged",
        "skipped",
        "failed",
        "conflict",
        "unconfirmed",
    ),
    "payments": (
        "created",
        "reversed",
        "recorded",
        "applied",
        "received",
        "removed",
        "unchanged",
        "skipped",
        "held",
        "failed",
        "conflict",
        "unconfirmed",
    ),
}
READ_STREAMS = ("invoices", "credit_notes", "companies", "members", "payments")
MAX_PROBLEMS = 500  # the ledger keeps every one; `orsync status` lists them all
ProblemStatus = Literal["failed", "conflict", "unconfirmed"]
# Outcomes that say nothing happened: a record already counted in another outcome in this run
# (adopted, then found unchanged on the replan) keeps that one.
QUIET_OUTCOMES = frozenset({"unchanged", "skipped"})
# Outcomes a record ends in: a write is confirmed once per run, so nothing later replaces
# them and the record need not be remembered (a first sync writes the whole history).
WRITEBACK_OUTCOMES = ("written", "failed", "unconfirmed")
WRITTEN_OUTCOMES = frozenset({"created", "updated", "reversed", "applied", "received"})
Record = tuple[str, str]  # (ledger kind, source id)
TotalKey = tuple[str, str, str, str]  # (entity, currency, kind, action)


def stage_of(kind: str) -> Stage:
    """The stage of a ledger kind: company/member -> customers, invoice, credit_note, payment."""
    if kind in ("company", "member", "customer"):
        return "customers"
    if kind in ("payment", "receipt", "allocation", "overpayment"):
        return "payments"
    return "credit_notes" if kind == "credit_note" else "invoices"


@dataclass(frozen=True)
class RecordProblem:
    stage: Stage
    status: ProblemStatus
    kind: str
    source_id: str
    number: str
    message: str
    field: str | None = None
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "status": self.status,
            "kind": self.kind,
            "source_id": self.source_id,
            "number": self.number,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class SyncSummary:
    profile: str
    options: dict[str, Any]
    started_at: dt.datetime
    run_id: int | None = None
    finished_at: dt.datetime | None = None
    exit_code: int = 0
    unconfirmed_left: int = 0
    failed_left: int = 0  # failed records in the ledger after the run (this run's or earlier)
    read: dict[str, int] = field(default_factory=lambda: dict.fromkeys(READ_STREAMS, 0))
    counts: dict[Stage, dict[str, int]] = field(
        default_factory=lambda: {stage: dict.fromkeys(OUTCOMES[stage], 0) for stage in STAGES}
    )
    problems: list[RecordProblem] = field(default_factory=list)
    problems_not_listed: int = 0
    # The mapping changed since the last complete sync, so records that failed before were
    # tried again (as with --retry-failed).
    mapping_changed: bool = False
    # Intacct numbering: the write-backs into OfficeRnD documents, by outcome.
    writebacks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WRITEBACK_OUTCOMES, 0))
    # Per entity, currency, kind and action: [count, amount] of the documents written.
    totals: dict[TotalKey, list[Any]] = field(default_factory=dict)
    # The outcome each record in trouble or adopted was counted in, as a later outcome may
    # replace it. Quiet and written outcomes are final and not kept: a first run would
    # otherwise hold every record of the history.
    _counted: dict[Record, tuple[Stage, str]] = field(default_factory=dict, repr=False)
    _listed: dict[Record, int] = field(default_factory=dict, repr=False)

    def count(
        self, stage: Stage, outcome: str, n: int = 1, *, record: Record | None = None
    ) -> None:
        """Count ``n`` records in ``outcome``; a ``record`` is counted once in the run: a later
        outcome replaces its earlier one, unless the later says nothing happened."""
        if record is not None:
            earlier = self._counted.get(record)
            if earlier is not None:
                if outcome in QUIET_OUTCOMES or earlier == (stage, outcome):
                    return
                self.counts[earlier[0]][earlier[1]] -= 1
            if outcome in WRITTEN_OUTCOMES:
                self._counted.pop(record, None)
            elif outcome not in QUIET_OUTCOMES:
                self._counted[record] = (stage, outcome)
        self.counts[stage][outcome] = self.counts[stage].get(outcome, 0) + n

    @property
    def remembered(self) -> int:
        """How many records the summary keeps to count them once (not the written ones)."""
        return len(self._counted)

    def problem(self, problem: RecordProblem) -> None:
        record = (problem.kind, problem.source_id)
        if self._counted.get(record) == (problem.stage, problem.status):
            return  # already reported (an unconfirmed write is found again at the end)
        self.count(problem.stage, problem.status, record=record)
        listed = self._listed.get(record)
        if listed is not None:
            self.problems[listed] = problem
        elif len(self.problems) < MAX_PROBLEMS:
            self._listed[record] = len(self.problems)
            self.problems.append(problem)
        else:
            self.problems_not_listed += 1

    def add_total(
        self, entity: str | None, currency: str, kind: str, action: str, amount: Decimal
    ) -> None:
        entry = self.totals.setdefault((entity or "", currency, kind, action), [0, Decimal(0)])
        entry[0] += 1
        entry[1] += amount

    def totals_list(self) -> list[dict[str, Any]]:
        return [
            {
                "entity": entity or None,
                "currency": currency,
                "kind": kind,
                "action": action,
                "count": count,
                "amount": f"{amount:.2f}",
            }
            for (entity, currency, kind, action), (count, amount) in sorted(self.totals.items())
        ]

    def total(self, outcome: str) -> int:
        return sum(stage.get(outcome, 0) for stage in self.counts.values())

    @property
    def written(self) -> int:
        return sum(self.total(o) for o in ("created", "updated", "reversed"))

    @property
    def written_or_adopted(self) -> int:
        return self.written + self.total("adopted")

    def written_text(self) -> str:
        """``3 customers created, 12 invoices created, 1 credit note updated``, or nothing."""
        labels = {
            "customers": "customer(s)",
            "invoices": "invoice(s)",
            "credit_notes": "credit note(s)",
            "payments": "payment(s)",
        }
        parts = [
            f"{self.counts[stage][outcome]} {labels[stage]} {outcome}"
            for stage in STAGES
            for outcome in ("created", "updated", "reversed", "adopted")
            if self.counts[stage].get(outcome)
        ]
        if self.writebacks["written"]:
            parts.append(f"{self.writebacks['written']} written back to OfficeRnD")
        return ", ".join(parts) or "nothing"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    def flat_counts(self) -> dict[str, int]:
        """``stage.outcome`` -> n for the non-zero counts (what the run row stores)."""
        flat = {
            f"{stage}.{outcome}": n
            for stage, outcomes in self.counts.items()
            for outcome, n in outcomes.items()
            if n
        }
        flat.update({f"writeback.{outcome}": n for outcome, n in self.writebacks.items() if n})
        return flat

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SUMMARY_SCHEMA,
            "profile": self.profile,
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "duration_s": self.duration_s,
            "exit_code": self.exit_code,
            "options": self.options,
            "mapping_changed": self.mapping_changed,
            "read": dict(self.read),
            "counts": {stage: dict(outcomes) for stage, outcomes in self.counts.items()},
            "writeback": dict(self.writebacks),
            "totals": self.totals_list(),
            "unconfirmed_left": self.unconfirmed_left,
            "failed_left": self.failed_left,
            "problems": [p.to_dict() for p in self.problems],
            "problems_not_listed": self.problems_not_listed,
        }
