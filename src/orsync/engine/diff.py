"""Field-level comparison of an expected posting with the Intacct document found for it.

Amounts compare to the cent after the one rounding rule (so "100", "100.0" and "100.00" are
equal); lines compare as a multiset first, so Intacct returning them in another order is not a
difference, and position by position only when they really differ. Descriptions and memos are
not compared (people annotate them in Intacct; they carry no accounting meaning).
"""

from __future__ import annotations

from collections.abc import Sequence

from orsync.engine.model import ActualDocument, Posting, PostingLine
from orsync.engine.options import EngineOptions
from orsync.engine.report import FieldDiff
from orsync.engine.rounding import to_cents


def diff_document(
    expected: Posting, actual: ActualDocument, options: EngineOptions
) -> tuple[FieldDiff, ...]:
    """Field-level differences (OfficeRnD-implied value, Intacct value); amounts to the cent."""
    diffs: list[FieldDiff] = []

    def check(name: str, want: object, got: object) -> None:
        if want != got:
            diffs.append(FieldDiff(name, text(want), text(got)))

    if actual.state == "draft":  # orsync submits what it posts: a draft is not in the books
        diffs.append(FieldDiff("state", "posted", "draft"))
    check("kind", expected.kind, actual.kind)
    check("customer_id", expected.customer_id, actual.customer_id)
    check("currency", expected.currency, actual.currency)
    check("entity_id", expected.entity_id, actual.entity_id)
    expected_due = expected.date_due
    if _accepted_shift(expected, actual, options):
        if expected_due is not None:
            expected_due = max(expected_due, actual.date_created)
    else:
        check("date_created", expected.date_created, actual.date_created)
    if expected_due is not None:
        check("date_due", expected_due, actual.date_due)
    if expected.invoice_number is not None:
        check("invoice_number", expected.invoice_number, actual.invoice_number)
    diffs.extend(_diff_lines(expected.lines, actual.lines))
    check("total", to_cents(expected.total), to_cents(actual.total))
    if expected.exchange_rate is not None and actual.base_total is not None:
        # At OfficeRnD's rate the base amounts are OfficeRnD's too (build checked them).
        check("base_total", to_cents(expected.base_total), to_cents(actual.base_total))
    return tuple(diffs)


# What an update of a posted document can change (sync's ``update_invoice`` and
# ``update_sotransaction``): its lines, due date, numbers and description. These header facts
# stay as the document was created, so a difference in them is never fixed by an update.
FIXED_ONCE_POSTED: dict[str, str] = {
    "kind": "document type",
    "customer_id": "customer",
    "currency": "currency",
    "entity_id": "entity",
    "date_created": "date",
    # The legacy update functions send no rate: a document booked at another rate stays so.
    "base_total": "exchange rate",
}


def update_blocker(posting: Posting, line_count: int) -> str | None:
    """Why sync cannot apply ``posting`` in place to an Intacct document of ``line_count``
    lines (None when it can): the one rule for sync's updates and reconcile's safe fixes.
    AR credit memos are edited with ``update_aradjustment``, invoices with ``update_invoice``,
    Sales documents with ``update_sotransaction``."""
    if len(posting.lines) < line_count:
        return (
            f"the edit removes lines (Intacct has {line_count}, OfficeRnD now {len(posting.lines)})"
            " and Intacct cannot delete lines of a posted document"
        )
    return None


# How a document voided in OfficeRnD is taken out of Intacct's books, per posting kind: the
# API reverses AR invoices (``reverse_invoice``) and deletes an unapplied AR credit memo
# (``delete_aradjustment``; there is no reverse of adjustments). UNVERIFIED: whether a company's
# Global Transaction Security lets the API delete a posted adjustment (Intacct's refusal is then
# reported with the manual fix). Sales documents stay manual: ``delete_sotransaction`` exists,
# but whether Intacct deletes a posted Sales invoice (rather than asking for a conversion to a
# credit) is unverified, and the simulator's soak tests model finance reversing it by hand.
VOID_FUNCTIONS: dict[str, str] = {
    "ar_invoice": "reverse_invoice",
    "ar_credit_memo": "delete_aradjustment",
}


def can_reverse(kind: str) -> bool:
    """Whether sync takes a voided document of this posting kind out of Intacct itself."""
    return kind in VOID_FUNCTIONS


def fixed_once_posted(diffs: Sequence[FieldDiff]) -> list[str]:
    """The differences no update can remove, in the user's words (empty when it can)."""
    return [FIXED_ONCE_POSTED[d.field] for d in diffs if d.field in FIXED_ONCE_POSTED]


_LINE_FIELDS = ("account", "location_id", "department_id", "class_id", "tax_detail_id")


def _line_facts(line: PostingLine) -> tuple[object, ...]:
    return (
        *(getattr(line, name) for name in _LINE_FIELDS),
        to_cents(line.net_amount),
        to_cents(line.tax_amount),
    )


def _diff_lines(want: Sequence[PostingLine], got: Sequence[PostingLine]) -> list[FieldDiff]:
    if want == got:
        return []  # identical dataclasses: the common case, decided without rounding anything
    wanted = [_line_facts(x) for x in want]
    found = [_line_facts(x) for x in got]
    if wanted == found or sorted(wanted, key=repr) == sorted(found, key=repr):
        return []  # same lines, perhaps in another order: not a difference
    diffs: list[FieldDiff] = []
    if len(wanted) != len(found):
        diffs.append(FieldDiff("lines.count", str(len(wanted)), str(len(found))))
    names = (*_LINE_FIELDS, "net_amount", "tax_amount")
    for index, (a, b) in enumerate(zip(wanted, found, strict=False), start=1):
        for name, x, y in zip(names, a, b, strict=True):
            if x != y:
                diffs.append(FieldDiff(f"lines[{index}].{name}", text(x), text(y)))
    return diffs


def _accepted_shift(expected: Posting, actual: ActualDocument, options: EngineOptions) -> bool:
    """A document whose date itself was moved because its period was closed: how policy shift
    posted before it moved only the GL posting date (issue 17); such documents stay in step."""
    return (
        options.closed_period_policy == "shift"
        and options.is_closed(expected.date_created)
        and expected.date_created < actual.date_created
        and (
            options.books_closed_before is None
            or actual.date_created <= options.books_closed_before
        )
    )


def text(value: object) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
