"""Findings the reconciler reports, with their fixes in the user's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from orsync.engine.customers import name_key
from orsync.engine.model import ActualCustomer, ActualDocument, CustomerPosting, Problem
from orsync.engine.report import FieldDiff, Finding, Fix

Family = Literal["invoice", "credit_note"]


class ExpectedSummary(Protocol):
    @property
    def kind(self) -> Family: ...
    @property
    def id(self) -> str: ...
    @property
    def number(self) -> str: ...


def held_for_name_match(
    expected_customers: Mapping[str, CustomerPosting],
    actual_customers: Mapping[str, ActualCustomer],
    namesakes: Sequence[ActualCustomer],
    create_on_name_match: bool,
) -> dict[str, tuple[str, ...]]:
    """Customers missing in Intacct that sync would hold rather than create, because Intacct
    has a customer of the same name under another id (``engine.customers``, never merged by
    name): id -> the namesakes' ids. Empty when the mapping says to create them anyway."""
    if create_on_name_match:
        return {}
    by_name: dict[str, set[str]] = {}
    for actual in (*actual_customers.values(), *namesakes):
        if actual.name:
            by_name.setdefault(name_key(actual.name), set()).add(actual.customer_id)
    held: dict[str, tuple[str, ...]] = {}
    for cid, expected in expected_customers.items():
        if cid in actual_customers or not expected.name:
            continue
        others = by_name.get(name_key(expected.name), set()) - {cid}
        if others:
            held[cid] = tuple(sorted(others))
    return held


def customer_findings(
    expected_customers: Mapping[str, CustomerPosting],
    actual_customers: Mapping[str, ActualCustomer],
    held: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Finding]:
    out: list[Finding] = []
    for cid in sorted(expected_customers):
        expected = expected_customers[cid]
        actual = actual_customers.get(cid)
        if actual is None:
            namesakes = (held or {}).get(cid)
            fix = (
                Fix("post", True, "Create it through sync (created when first needed).")
                if not namesakes
                else Fix(
                    "manual",
                    False,
                    f"Intacct has {', '.join(namesakes)} under the same name, and sync never "
                    "merges customers by name: if it is the same customer, map this one to "
                    f"{namesakes[0]} in the mapping's customer overrides; if not, set "
                    "create_on_name_match or rename one of them. Then run reconcile again.",
                )
            )
            out.append(Finding("customer_missing", "customer", cid, None, fix))
            continue
        diffs = [
            FieldDiff(name, str(new), None if old is None else str(old))
            for name, new, old in (
                ("name", expected.name, actual.name),
                ("currency", expected.currency, actual.currency),
                ("status", expected.status, actual.status),
            )
            if new is not None and str(new).casefold() != str(old or "").casefold()
        ]
        if diffs:
            out.append(
                Finding(
                    "customer_different",
                    "customer",
                    cid,
                    None,
                    Fix(
                        "manual",
                        False,
                        "Decide which side is right: correct the customer in Intacct, or "
                        "change it in OfficeRnD so sync updates it.",
                        actual.record_key,
                    ),
                    target_keys=(actual.record_key,),
                    diffs=tuple(diffs),
                )
            )
    return out


def not_updatable(number: str, key: str, kind: str, fixed: Sequence[str], draft: bool) -> Fix:
    """The manual fix for a difference an update of the Intacct document cannot remove."""
    parts: list[str] = []
    if fixed:
        after = (
            f"sync then reverses {key} and posts the new one"
            if kind == "ar_invoice"
            else f"sync then posts the new one; reverse {key} in Intacct by hand"
        )
        parts.append(
            f"Intacct document {key} (OfficeRnD {number}) keeps the {' and '.join(fixed)} it was "
            "posted with: an update changes only its lines, due date and numbers. If OfficeRnD "
            f"is right, void {number} there and issue a corrected one ({after}); if Intacct is "
            f"right, correct {number} in OfficeRnD."
        )
    if draft:
        parts.append(
            f"Intacct document {key} (OfficeRnD {number}) is a draft, which is not in the "
            "books: post it in Intacct (an update does not post a draft)."
        )
    return Fix("manual", False, " ".join(parts))


def state_of(docs: Sequence[ActualDocument]) -> str:
    return ",".join(sorted({d.state for d in docs}))


def mapping_fix(problems: Sequence[Problem]) -> Fix:
    text = "; ".join(f"{p.field}: {p.message}" for p in problems)
    fixes = " ".join(dict.fromkeys(p.fix for p in problems))
    return Fix("manual", False, f"Cannot be compared or posted until mapped ({text}). {fixes}")


def ambiguous(
    entries: Sequence[ExpectedSummary], candidates: list[tuple[ActualDocument, bool]]
) -> Finding:
    return Finding(
        category="ambiguous",
        kind=entries[0].kind,
        number=entries[0].number,
        source_id=",".join(sorted(e.id for e in entries)),
        fix=Fix(
            "manual",
            False,
            f"{len(entries)} OfficeRnD documents share the number {entries[0].number}: make "
            "numbers unique (include the location code in the number template).",
        ),
        target_keys=tuple(a.record_key for a, _ in candidates),
    )


def unknown_to_officernd(
    kind: Family, actual: ActualDocument, linked_source: str | None = None
) -> Finding:
    """An Intacct document no OfficeRnD document of the period claims. ``linked_source``: the
    OfficeRnD id the ledger links it to; then the fix is sync's (it reads that id, and only a
    404 makes it take the document out of Intacct: ``diff.void_function``)."""
    if actual.created_by_orsync and linked_source is not None:
        return Finding(
            category="orphan",
            kind=kind,
            number=actual.reference,
            source_id=linked_source,
            target_keys=(actual.record_key,),
            fix=Fix(
                "reverse",
                True,
                f"Posted by orsync for OfficeRnD document {linked_source}, which OfficeRnD no "
                f"longer has: sync reads it and, once OfficeRnD answers 404, takes Intacct "
                f"document {actual.record_key} out (deleted while its period is open, "
                "reversed once it is closed).",
                actual.record_key,
            ),
        )
    if actual.created_by_orsync:
        reference = actual.reference or "(no reference)"
        return Finding(
            category="orphan",
            kind=kind,
            number=actual.reference,
            source_id=None,
            target_keys=(actual.record_key,),
            fix=Fix(
                "manual",
                False,
                f"Created by orsync for OfficeRnD {reference}, which OfficeRnD does not know: if "
                "the document was deleted there, reverse this one in Intacct.",
                actual.record_key,
            ),
        )
    return Finding(
        category="not_orsync",
        kind=kind,
        number=actual.reference,
        source_id=None,
        target_keys=(actual.record_key,),
        fix=Fix(
            "manual",
            False,
            "Not created by orsync and not billed in OfficeRnD: check whether it belongs in "
            "this ledger.",
            actual.record_key,
        ),
    )
