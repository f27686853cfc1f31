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
}
# ``base_total`` is not fixed: update_invoice, update_aradjustment and update_sotransaction all
# take ``currency`` + ``exchrate`` (api.xsd), and sync's updates re-send OfficeRnD's rate
# (``convert.postings``), so an edited ``currencyConversionRate`` is an ordinary update.


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


# How a document voided or deleted in OfficeRnD leaves Intacct's books, per posting kind: the
# one place these choices live (sync's plan, its check against the Intacct document, and
# reconcile's fixes all ask :func:`void_function`).
#
# - An AR invoice VOIDED in OfficeRnD is reversed (``reverse_invoice``, dated in an open period):
#   OfficeRnD keeps a voided invoice, and a reversal keeps the audit trail. One DELETED in
#   OfficeRnD is deleted (``delete_invoice``) while its posting period is open; in a closed
#   period Intacct refuses deletes, so it is reversed on the first open day instead.
# - An AR credit memo is deleted (``delete_aradjustment``); the API has no reverse of
#   adjustments, so in a closed period it is a manual fix.
# - A Sales document is deleted (``delete_sotransaction``, which removes the AR record it
#   posted). UNVERIFIED: whether Intacct deletes a posted Sales invoice or asks for a
#   conversion to a credit; when it refuses, sync records Intacct's refusal with the manual
#   fix (:data:`SALES_VOID_FIX`). Order Entry has no reverse function, so a Sales document in a
#   closed period is a manual fix.
# Payments or credits applied block every one of them (Intacct's rule): a conflict first.
VOID_FUNCTIONS: dict[str, str] = {
    "ar_invoice": "reverse_invoice",
    "ar_credit_memo": "delete_aradjustment",
    "so_invoice": "delete_sotransaction",
    "so_credit": "delete_sotransaction",
}
DELETE_FUNCTIONS: dict[str, str] = {
    "ar_invoice": "delete_invoice",
    "ar_credit_memo": "delete_aradjustment",
    "so_invoice": "delete_sotransaction",
    "so_credit": "delete_sotransaction",
}
# What still works once the document's period is closed (deletes are refused there).
CLOSED_PERIOD_FUNCTIONS: dict[str, str] = {"ar_invoice": "reverse_invoice"}

SALES_VOID_FIX = (
    "Intacct's API has no reverse_sotransaction: in Intacct, convert the sales document to a "
    "credit with your return transaction definition (Order Entry > convert, dated in an open "
    "period), or delete it there while it is unpaid; then run `orsync sync --retry-failed`."
)
ADJUSTMENT_VOID_FIX = (
    "Intacct's API has no reverse_aradjustment and deletes nothing in a closed period: in "
    "Intacct, enter an opposite adjustment dated in an open period (or reopen the period and "
    "delete it); then run `orsync sync --retry-failed`."
)


def void_function(kind: str, *, deleted: bool = False, period_open: bool = True) -> str | None:
    """The Intacct function that takes a document of posting ``kind`` out of the books when
    OfficeRnD voided (or ``deleted``) it, its posting period open or not; None when the API has
    no function for it (a manual fix: :func:`void_manual_fix`)."""
    if not period_open:
        return CLOSED_PERIOD_FUNCTIONS.get(kind)
    return (DELETE_FUNCTIONS if deleted else VOID_FUNCTIONS).get(kind)


def void_manual_fix(kind: str) -> str:
    """The steps a person takes where :func:`void_function` has none."""
    return SALES_VOID_FIX if kind in ("so_invoice", "so_credit") else ADJUSTMENT_VOID_FIX


def can_reverse(kind: str) -> bool:
    """Whether sync takes a voided document of this posting kind out of Intacct itself (while
    its period is open)."""
    return void_function(kind) is not None


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
