"""Reconcile results as plain data: findings, fixes, totals, and their JSON/CSV forms.

JSON schema ``orsync.reconcile/1`` (``ReconcileReport.to_dict()``), stable; amounts are strings
with 2 decimals, dates ISO-8601::

    {
      "schema": "orsync.reconcile/1",
      "agree": true | false,            # no finding of any category
      "counts": {"<category>": n, ...}, # every category, 0 when absent; plus "relink"
      "findings": [{
          "category": "missing" | "duplicated" | "different" | "orphan" | "not_orsync"
                      | "unmappable" | "ambiguous" | "customer_missing" | "customer_different"
                      | "balance_different" | "payment_missing" | "payment_orphan"
                      | "payment_unrecorded" | "payment_different",
          "kind": "invoice" | "credit_note" | "customer" | "payment",
          "number": "INV-1" | null,     # OfficeRnD number (customer id for customers;
                                        # "INV-1 charge <id>" or "INV-1 Intacct payment <key>")
          "source_id": "..." | null,    # OfficeRnD id
          "target_keys": ["..."],       # Intacct record keys involved
          "ledger_link": "..." | null,  # what the ledger said, when it disagrees
          "diffs": [{"field": "lines[1].net_amount", "officernd": "100.00", "intacct": "90.00"}],
          "fix": {"action": "post" | "update" | "reverse" | "relink" | "record" | "follows"
                            | "manual",
                  "safe": bool, "text": "...", "target_key": "..." | null}
      }],
      "relinks": [{"kind", "number", "source_id", "target_key", "ledger_link", "version"}],
      "totals": [{"entity", "currency", "account", "officernd", "intacct", "variance"}],
      "fixes": {"safe": [fix + kind/number/source_id], "manual": [same]}
    }

``variance`` is Intacct minus OfficeRnD. ``account`` is the Intacct GL account (AR) or item
(Sales); "(tax)" holds tax, "(unmapped)" OfficeRnD documents that cannot be mapped (their total).
Findings are sorted by category order, kind, number; totals by entity, currency, account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from orsync.engine.canonical import version_hash
from orsync.engine.model import Posting

Category = Literal[
    "missing",
    "duplicated",
    "different",
    "orphan",
    "not_orsync",
    "unmappable",
    "ambiguous",
    "customer_missing",
    "customer_different",
    "balance_different",
    "payment_missing",
    "payment_orphan",
    "payment_unrecorded",
    "payment_different",
]
# Also the order findings are reported in.
CATEGORIES: tuple[Category, ...] = (
    "missing",
    "duplicated",
    "different",
    "unmappable",
    "ambiguous",
    "orphan",
    "not_orsync",
    "customer_missing",
    "customer_different",
    "balance_different",
    "payment_missing",
    "payment_orphan",
    "payment_unrecorded",
    "payment_different",
)
# "record": a payment keyed in Intacct, recorded in OfficeRnD by sync; "follows": settled by
# the fixes of other findings (an invoice's balance by its payments').
FixAction = Literal["post", "update", "reverse", "relink", "record", "follows", "manual"]

RECONCILE_SCHEMA = "orsync.reconcile/1"
# A cell a spreadsheet would evaluate (=HYPERLINK(...), +cmd|..., @SUM, a leading tab or CR):
# names and memos come from OfficeRnD, where members edit their own, so such text is written
# behind a ' (OWASP's CSV-injection advice). Plain numbers such as -115.58 stay numbers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as a spreadsheet shows it, never as a formula it runs."""
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


CSV_COLUMNS = (
    "category",
    "kind",
    "number",
    "source_id",
    "target_keys",
    "field",
    "officernd",
    "intacct",
    "fix_action",
    "fix_safe",
    "fix",
)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    officernd: str | None
    intacct: str | None


@dataclass(frozen=True)
class Fix:
    action: FixAction
    safe: bool
    text: str
    target_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "safe": self.safe,
            "text": self.text,
            "target_key": self.target_key,
        }


@dataclass(frozen=True)
class Finding:
    category: Category
    kind: str
    number: str | None
    source_id: str | None
    fix: Fix
    target_keys: tuple[str, ...] = ()
    diffs: tuple[FieldDiff, ...] = ()
    ledger_link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "kind": self.kind,
            "number": self.number,
            "source_id": self.source_id,
            "target_keys": list(self.target_keys),
            "ledger_link": self.ledger_link,
            "diffs": [
                {"field": d.field, "officernd": d.officernd, "intacct": d.intacct}
                for d in self.diffs
            ],
            "fix": self.fix.to_dict(),
        }


@dataclass(frozen=True)
class Relink:
    """A match found by reference that the ledger lacks or links elsewhere (a safe fix).

    ``version_hash`` is what the ledger row should record as confirmed: the expected posting's
    version when Intacct holds exactly it (``agreed``; so the next sync writes nothing),
    REVERSAL_VERSION for a voided document reversed in Intacct, None when Intacct holds something
    else (record the link with an unknown version, so sync updates it). Run reconcile with no
    ledger links to get a relink for every match: that is ``--rebuild-ledger``.

    The agreed posting's hash is computed when asked for: a reconcile without ledger links has
    a relink per document, and only applying them needs the versions.
    """

    kind: str
    number: str
    source_id: str
    target_key: str
    ledger_link: str | None
    known_version: str | None = None
    agreed: Posting | None = field(default=None, repr=False)

    @property
    def version_hash(self) -> str | None:
        if self.agreed is not None:
            return version_hash(self.agreed)
        return self.known_version


@dataclass(frozen=True)
class TotalsRow:
    entity: str
    currency: str
    account: str
    officernd: Decimal
    intacct: Decimal

    @property
    def variance(self) -> Decimal:
        return self.intacct - self.officernd


@dataclass(frozen=True)
class ReconcileReport:
    findings: tuple[Finding, ...]
    relinks: tuple[Relink, ...]
    totals: tuple[TotalsRow, ...]

    @property
    def agree(self) -> bool:
        """Both sides agree (relinks are ledger housekeeping, not differences)."""
        return not self.findings

    def with_findings(self, extra: Iterable[Finding]) -> ReconcileReport:
        """This report with ``extra`` findings (another comparison's), in report order."""
        order = {c: i for i, c in enumerate(CATEGORIES)}
        findings = sorted(
            (*self.findings, *extra),
            key=lambda f: (order[f.category], f.kind, f.number or "", f.source_id or ""),
        )
        return replace(self, findings=tuple(findings))

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        for finding in self.findings:
            counts[finding.category] += 1
        counts["relink"] = len(self.relinks)
        return counts

    def by_category(self, category: Category) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.category == category)

    def safe_fixes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fix.safe)

    def manual_fixes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.fix.safe)

    def variances(self) -> tuple[TotalsRow, ...]:
        return tuple(row for row in self.totals if row.variance != 0)

    def to_dict(self) -> dict[str, Any]:
        def fix_entry(finding: Finding) -> dict[str, Any]:
            entry = finding.fix.to_dict()
            entry.update(kind=finding.kind, number=finding.number, source_id=finding.source_id)
            return entry

        return {
            "schema": RECONCILE_SCHEMA,
            "agree": self.agree,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "relinks": [
                {
                    "kind": r.kind,
                    "number": r.number,
                    "source_id": r.source_id,
                    "target_key": r.target_key,
                    "ledger_link": r.ledger_link,
                    "version": r.version_hash,
                }
                for r in self.relinks
            ],
            "totals": [
                {
                    "entity": t.entity,
                    "currency": t.currency,
                    "account": t.account,
                    "officernd": str(t.officernd),
                    "intacct": str(t.intacct),
                    "variance": str(t.variance),
                }
                for t in self.totals
            ],
            "fixes": {
                "safe": [fix_entry(f) for f in self.safe_fixes()],
                "manual": [fix_entry(f) for f in self.manual_fixes()],
            },
        }

    def csv_rows(self) -> list[dict[str, str]]:
        """One row per field difference (one per finding without diffs), columns CSV_COLUMNS."""
        rows: list[dict[str, str]] = []
        for f in self.findings:
            base = {
                "category": f.category,
                "kind": f.kind,
                "number": f.number or "",
                "source_id": f.source_id or "",
                "target_keys": " ".join(f.target_keys),
                "fix_action": f.fix.action,
                "fix_safe": "yes" if f.fix.safe else "no",
                "fix": f.fix.text,
            }
            for d in f.diffs or (FieldDiff("", None, None),):
                rows.append(
                    {
                        **base,
                        "field": d.field,
                        "officernd": d.officernd or "",
                        "intacct": d.intacct or "",
                    }
                )
        return [{column: spreadsheet_safe(row[column]) for column in CSV_COLUMNS} for row in rows]

    def totals_csv_rows(self) -> list[Mapping[str, str]]:
        return [
            {
                "entity": spreadsheet_safe(t.entity),
                "currency": spreadsheet_safe(t.currency),
                "account": spreadsheet_safe(t.account),
                "officernd": str(t.officernd),
                "intacct": str(t.intacct),
                "variance": str(t.variance),
            }
            for t in self.totals
        ]
