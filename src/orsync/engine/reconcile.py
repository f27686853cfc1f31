"""Two-sided comparison of what OfficeRnD billed (as expected postings) and what Intacct holds.

Matching is by the OfficeRnD number carried in the Intacct reference field, per document family
(invoices vs credit notes). The ledger link is a hint that is cross-checked, never trusted alone:
verdicts come from the reference only, so a run with an empty ledger reaches the same verdict, and
where the ledger lacks a link or links another document the report proposes a relink.

Memory: feed it page by page with ``add_expected``/``add_actual`` as both systems are read. A
document waits, as its posting or read-back summary, only until its pair arrives: as soon as a
number has one OfficeRnD document and one live Intacct document, the two are compared (fields,
balances, the version to record) and dropped, leaving a :class:`_Match` of keys and flags. The
period's totals are summed as documents arrive. What stays whole is what has no pair (yet), the
duplicates and the findings. Anything arriving later under a compared number (a duplicate, a
second document with the number) reopens the match from its keys and flags, which is all the
verdicts of such a number need.

Period edges: documents in the period are added with ``in_period=True``. A document dated on the
other side of the period edge would look missing on one side and orphaned on the other;
:meth:`Reconciler.follow_ups` lists the numbers to fetch by reference (from Intacct for
unmatched OfficeRnD documents, from OfficeRnD for unmatched Intacct references), and adding them
with ``in_period=False`` lets them match (and show their date difference) without entering the
period's totals or being reported missing/orphaned themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from orsync.engine.diff import (
    diff_document,
    fixed_once_posted,
    update_blocker,
    void_function,
    void_manual_fix,
)
from orsync.engine.findings import (
    ambiguous,
    customer_findings,
    held_for_name_match,
    mapping_fix,
    not_updatable,
    state_of,
    unknown_to_officernd,
)
from orsync.engine.ledger import REVERSAL_VERSION, LedgerKey
from orsync.engine.model import (
    CREDIT_KINDS,
    ActualCustomer,
    ActualDocument,
    ActualState,
    CustomerPosting,
    Posting,
    PostingKind,
    PostingLine,
    Problem,
    SourceDocument,
)
from orsync.engine.options import EngineOptions
from orsync.engine.origin import ORIGIN_PREFIX
from orsync.engine.reconcile_payments import InvoiceBalance
from orsync.engine.report import (
    CATEGORIES,
    Category,
    FieldDiff,
    Finding,
    Fix,
    ReconcileReport,
    Relink,
    TotalsRow,
)
from orsync.engine.rounding import ZERO, to_cents

Family = Literal["invoice", "credit_note"]
TOP_LEVEL = "(top level)"
TAX_ACCOUNT = "(tax)"
UNMAPPED = "(unmapped)"
_KIND_WORDS = {
    "ar_credit_memo": "an AR adjustment",
    "so_invoice": "an Order Entry invoice",
    "so_credit": "an Order Entry credit",
}


def family_of(kind: PostingKind) -> Family:
    return "credit_note" if kind in CREDIT_KINDS else "invoice"


def revenue_sign(kind: PostingKind) -> Decimal:
    """+1 when amounts already carry their revenue effect; -1 for Sales credits (positive)."""
    return Decimal(-1) if kind == "so_credit" else Decimal(1)


@dataclass(frozen=True)
class _Expected:
    kind: Family
    id: str
    number: str
    state: Literal["issued", "voided", "draft"]
    currency: str
    total: Decimal
    posting: Posting | None
    problems: tuple[Problem, ...]
    in_period: bool
    paid: Decimal | None = None  # OfficeRnD's paid amount (invoices), for the balances


@dataclass(slots=True)
class _Match:
    """A number whose one OfficeRnD document met its one live Intacct document: compared when
    the pair arrived, then both dropped. Keeps what the verdict needs once the ledger's link is
    known, and enough of the Intacct document (``head``) to reopen the number if a duplicate or
    a namesake arrives later."""

    id: str  # the OfficeRnD document
    state: Literal["issued", "voided", "draft"]
    in_period: bool  # the OfficeRnD document's
    seen_in_period: bool  # either side's: the number is reported
    record_key: str  # the live Intacct document
    keys: tuple[str, ...]  # every Intacct document under the number, in arrival order
    head: tuple[PostingKind, ActualState, bool, bool, dt.date]  # kind, state, ours, paid, created
    finding: Finding | None  # without the ledger's link (set in the report)
    version: str | None  # the posting's version when Intacct holds exactly it
    compared: bool  # its balances were compared (an issued invoice of the period)
    balance: InvoiceBalance | None  # kept only when the balances differ (few)
    entity_id: str | None


@dataclass(frozen=True)
class MatchedBalances:
    """The balances of the period's matched invoices: how many were compared, and those that
    differ with the Intacct entity of each (whose payments reconcile then reads)."""

    compared: int
    differing: tuple[InvoiceBalance, ...]
    entity_of: Mapping[str, str | None]  # Intacct invoice key -> entity


@dataclass(frozen=True)
class FollowUps:
    """Numbers to fetch by reference so that period edges do not fake missing/orphans."""

    find_in_intacct: tuple[str, ...]
    find_in_officernd: tuple[str, ...]


@dataclass
class Reconciler:
    options: EngineOptions = field(default_factory=EngineOptions)
    entity_of_location: Mapping[str, str] = field(default_factory=dict)
    _expected: dict[tuple[Family, str], list[_Expected]] = field(default_factory=dict)
    _actual: dict[tuple[Family, str], list[tuple[ActualDocument, bool]]] = field(
        default_factory=dict
    )
    _unreferenced: list[tuple[ActualDocument, bool]] = field(default_factory=list)
    _customers_expected: dict[str, CustomerPosting] = field(default_factory=dict)
    _customers_actual: dict[str, ActualCustomer] = field(default_factory=dict)
    _customer_namesakes: list[ActualCustomer] = field(default_factory=list)
    _unreadable: set[str] = field(default_factory=set)
    _matched: dict[tuple[Family, str], _Match] = field(default_factory=dict)
    _sums: dict[tuple[str, str, str], list[Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO, ZERO])
    )

    def add_expected(
        self,
        doc: SourceDocument,
        built: Posting | Sequence[Problem],
        *,
        in_period: bool = True,
        paid: Decimal | None = None,
    ) -> None:
        """``paid``: what OfficeRnD says is paid on an invoice (with credit allocated), whose
        balance is then compared with Intacct's once the pair is matched."""
        state: Literal["issued", "voided", "draft"] = (
            "draft" if doc.is_draft else "voided" if doc.is_voided else "issued"
        )
        entry = _Expected(
            kind=doc.kind,
            id=doc.id,
            number=doc.number,
            state=state,
            currency=doc.currency,
            total=to_cents(doc.total) * (-1 if doc.kind == "credit_note" else 1),
            posting=built if isinstance(built, Posting) else None,
            problems=() if isinstance(built, Posting) else tuple(built),
            in_period=in_period,
            paid=paid,
        )
        key: tuple[Family, str] = (doc.kind, doc.number)
        match = self._matched.get(key)
        if match is not None:
            if match.id == doc.id:
                return
            self._reopen(key, match)
        bucket = self._expected.setdefault(key, [])
        if any(e.id == doc.id for e in bucket):
            return
        bucket.append(entry)
        self._add_expected_totals(entry)
        self._settle(key)

    def add_actual(self, actual: ActualDocument, *, in_period: bool = True) -> None:
        if not actual.reference:
            self._unreferenced.append((actual, in_period))
            self._add_actual(self._sums, actual, in_period)
            return
        key = (family_of(actual.kind), actual.reference)
        match = self._matched.get(key)
        if match is not None:
            if actual.record_key in match.keys:
                return
            if not actual.is_live:  # beside the live one: only its key is reported
                match.keys += (actual.record_key,)
                match.seen_in_period = match.seen_in_period or in_period
                return
            self._reopen(key, match)
        bucket = self._actual.setdefault(key, [])
        if any(a.record_key == actual.record_key for a, _ in bucket):
            return
        bucket.append((actual, in_period))
        self._add_actual(self._sums, actual, in_period)
        self._settle(key)

    # --- pairs compared as they arrive ------------------------------------------------------

    def _settle(self, key: tuple[Family, str]) -> None:
        """Compare ``key``'s pair and drop both documents, once it has one OfficeRnD document
        and one live Intacct document (anything else waits for the report)."""
        entries = self._expected.get(key)
        candidates = self._actual.get(key)
        if not entries or not candidates or len(entries) != 1:
            return
        live = [a for a, _ in candidates if a.is_live]
        if len(live) != 1:
            return
        expected, actual = entries[0], live[0]
        finding, relink = self._compare(expected, candidates, None, {})
        balance = _balance(expected, actual)
        self._matched[key] = _Match(
            id=expected.id,
            state=expected.state,
            in_period=expected.in_period,
            seen_in_period=expected.in_period or any(p for _, p in candidates),
            record_key=actual.record_key,
            keys=tuple(a.record_key for a, _ in candidates),
            head=(
                actual.kind,
                actual.state,
                actual.created_by_orsync,
                actual.is_paid_at_all,
                actual.date_created,
            ),
            finding=finding,
            version=relink.version_hash if relink is not None else None,
            compared=balance is not None,
            balance=balance if balance is not None and balance.differs else None,
            entity_id=actual.entity_id,
        )
        del self._expected[key], self._actual[key]

    def _reopen(self, key: tuple[Family, str], match: _Match) -> None:
        """Put a compared number back as waiting documents, rebuilt from its keys and flags:
        what arrives next (a duplicate, a namesake) makes a verdict that needs no more."""
        del self._matched[key]
        kind, state, ours, paid, created = match.head
        self._expected[key] = [
            _Expected(
                kind=key[0],
                id=match.id,
                number=key[1],
                state=match.state,
                currency="",
                total=ZERO,
                posting=None,
                problems=(),
                in_period=match.in_period,
            )
        ]
        self._actual[key] = [
            (
                ActualDocument(
                    record_key=record_key,
                    kind=kind,
                    entity_id=match.entity_id,
                    customer_id="",
                    date_created=created,
                    date_due=None,
                    currency="",
                    reference=key[1],
                    invoice_number=None,
                    description=ORIGIN_PREFIX if ours else "",
                    lines=(),
                    state=state if record_key == match.record_key else "reversed",
                    total=ZERO,
                    total_paid=Decimal(1) if paid else ZERO,
                ),
                match.seen_in_period,
            )
            for record_key in match.keys
        ]

    @property
    def waiting(self) -> tuple[int, int]:
        """(OfficeRnD, Intacct) documents held whole: those with no pair yet, and duplicates.
        A matched pair is not among them (it is kept as keys and flags)."""
        return (
            sum(len(entries) for entries in self._expected.values()),
            sum(len(bucket) for bucket in self._actual.values()) + len(self._unreferenced),
        )

    def add_expected_customer(self, posting: CustomerPosting) -> None:
        self._customers_expected[posting.customer_id] = posting

    def add_actual_customer(self, customer: ActualCustomer) -> None:
        self._customers_actual[customer.customer_id] = customer

    def add_unreadable(self, number: str) -> None:
        """An OfficeRnD document read but not understood (reported on its own, with its fix):
        its Intacct documents are neither orphans nor anyone else's, and it is not looked for."""
        self._unreadable.add(number)

    def add_customer_namesake(self, customer: ActualCustomer) -> None:
        """An Intacct customer whose name a billed customer missing in Intacct also has."""
        self._customer_namesakes.append(customer)

    def follow_ups(self) -> FollowUps:
        missing = sorted(
            number
            for key, entries in self._expected.items()
            if key not in self._actual
            for number in {e.number for e in entries if e.state == "issued" and e.in_period}
        )
        unknown = sorted(
            {
                key[1]
                for key, bucket in self._actual.items()
                if key not in self._expected
                and key[1] not in self._unreadable
                and any(a.is_live and p for a, p in bucket)
            }
        )
        return FollowUps(tuple(missing), tuple(unknown))

    def unclaimed(self) -> list[tuple[str, str]]:
        """(kind, Intacct key) of the live documents orsync posted in the period that no
        OfficeRnD document claims: the ledger's links of these name the deleted ones."""
        known = self._expected.keys() | self._matched.keys()
        found: list[tuple[str, str]] = [
            (key[0], actual.record_key)
            for key, bucket in self._actual.items()
            if key not in known and key[1] not in self._unreadable
            for actual, in_period in bucket
            if in_period and actual.is_live and actual.created_by_orsync
        ]
        found += [
            (family_of(actual.kind), actual.record_key)
            for actual, in_period in self._unreferenced
            if in_period and actual.is_live and actual.created_by_orsync
        ]
        return found

    def balances(self) -> MatchedBalances:
        """The balances of the issued OfficeRnD invoices of the period matched to exactly one
        live Intacct AR invoice (``engine.reconcile_payments``), compared as pairs matched."""
        differing = [m for _, m in sorted(self._matched.items()) if m.balance is not None]
        return MatchedBalances(
            sum(m.compared for m in self._matched.values()),
            tuple(m.balance for m in differing if m.balance is not None),
            {m.record_key: m.entity_id for m in differing},
        )

    def report(self, ledger_links: Mapping[LedgerKey, str] | None = None) -> ReconcileReport:
        links = ledger_links or {}
        findings: list[Finding] = []
        relinks: list[Relink] = []
        held = held_for_name_match(
            self._customers_expected,
            self._customers_actual,
            self._customer_namesakes,
            self.options.create_on_name_match,
        )
        for key in sorted(self._expected.keys() | self._matched.keys()):
            match = self._matched.get(key)
            if match is not None:
                finding, relink = _verdict(key, match, links.get((key[0], match.id)))
                if finding is not None:
                    findings.append(finding)
                if relink is not None:
                    relinks.append(relink)
                continue
            entries = self._expected[key]
            candidates = self._actual.get(key, [])
            if not any(e.in_period for e in entries) and not any(p for _, p in candidates):
                continue
            if len(entries) > 1:
                findings.append(ambiguous(entries, candidates))
                continue
            expected = entries[0]
            link = links.get((key[0], expected.id))
            finding, relink = self._compare(expected, candidates, link, held)
            if finding is not None:
                findings.append(finding)
            if relink is not None:
                relinks.append(relink)
        known = self._expected.keys() | self._matched.keys()
        unknown = (k for k in self._actual if k not in known and k[1] not in self._unreadable)
        # The ledger's links the other way: an orphan orsync posted names its OfficeRnD id.
        linked = {(kind, target): source for (kind, source), target in links.items()}
        for key in sorted(unknown):
            for actual, in_period in self._actual[key]:
                if in_period and actual.is_live:
                    source = linked.get((key[0], actual.record_key))
                    findings.append(unknown_to_officernd(key[0], actual, source))
        for actual, in_period in sorted(self._unreferenced, key=lambda x: x[0].record_key):
            if in_period and actual.is_live:
                family = family_of(actual.kind)
                source = linked.get((family, actual.record_key))
                findings.append(unknown_to_officernd(family, actual, source))
        findings.extend(customer_findings(self._customers_expected, self._customers_actual, held))
        order = {c: i for i, c in enumerate(CATEGORIES)}
        findings.sort(key=lambda f: (order[f.category], f.kind, f.number or "", f.source_id or ""))
        return ReconcileReport(tuple(findings), tuple(relinks), self._totals())

    # --- one OfficeRnD document against its Intacct candidates --------------------------------

    def _compare(
        self,
        expected: _Expected,
        candidates: list[tuple[ActualDocument, bool]],
        ledger_link: str | None,
        held: Mapping[str, tuple[str, ...]],
    ) -> tuple[Finding | None, Relink | None]:
        live = [a for a, _ in candidates if a.is_live]
        keys = tuple(a.record_key for a, _ in candidates)
        stale = ledger_link if ledger_link is not None and ledger_link not in keys else None

        def finding(category: Category, fix: Fix, diffs: Sequence[FieldDiff] = ()) -> Finding:
            return Finding(
                category=category,
                kind=expected.kind,
                number=expected.number,
                source_id=expected.id,
                fix=fix,
                target_keys=keys,
                diffs=tuple(diffs),
                ledger_link=stale,
            )

        if expected.state in ("draft", "voided"):
            if not live:
                reversed_docs = sorted(a.record_key for a, _ in candidates)
                if (
                    expected.state == "voided"
                    and reversed_docs
                    and ledger_link not in reversed_docs
                ):
                    return None, Relink(
                        expected.kind,
                        expected.number,
                        expected.id,
                        reversed_docs[0],
                        ledger_link,
                        REVERSAL_VERSION,
                    )
                return None, None
            word = "a draft" if expected.state == "draft" else "voided"
            diff = FieldDiff("state", expected.state, state_of(live))
            doc = live[0]
            if expected.state == "voided" and len(live) == 1 and self._changeable(doc):
                posted = doc.date_posted or doc.date_created
                function = void_function(doc.kind, period_open=not self.options.is_closed(posted))
                fix = (
                    Fix(
                        "reverse",
                        True,
                        f"{'Reverse' if function == 'reverse_invoice' else 'Delete'} Intacct "
                        f"document {doc.record_key} ({function}).",
                        doc.record_key,
                    )
                    if function is not None
                    else Fix(
                        "manual",
                        False,
                        f"Voided in OfficeRnD but live in Intacct: {doc.record_key} "
                        f"({_KIND_WORDS.get(doc.kind, doc.kind)}) is in a closed period, where "
                        "Intacct deletes nothing. " + void_manual_fix(doc.kind),
                    )
                )
            else:
                fix = Fix(
                    "manual",
                    False,
                    f"{word.capitalize()} in OfficeRnD but live in Intacct: "
                    + self._why_manual(live)
                    + (
                        " Reverse it in Intacct by hand once any payment is unapplied."
                        if doc.kind == "ar_invoice"
                        else " " + void_manual_fix(doc.kind)
                    ),
                )
            return finding("different", fix, [diff]), None

        if not live:
            if not expected.in_period:
                return None, None
            if candidates:
                diff = FieldDiff("state", "issued", "reversed")
                return finding(
                    "different",
                    Fix(
                        "manual",
                        False,
                        "Live in OfficeRnD but reversed in Intacct: void it in OfficeRnD if the "
                        "reversal was right, otherwise post it again by hand.",
                    ),
                    [diff],
                ), None
            if expected.posting is None:
                return finding("missing", mapping_fix(expected.problems)), None
            if self.options.is_closed(expected.posting.date_created) and (
                self.options.closed_period_policy != "shift"
            ):
                return finding(
                    "missing",
                    Fix(
                        "manual",
                        False,
                        "Dated in a closed Intacct period: reopen it and run reconcile again, "
                        "or set options.closed_period: shift in the mapping file.",
                    ),
                ), None
            customer = expected.posting.customer_id
            if customer in held:
                return finding(
                    "missing",
                    Fix(
                        "manual",
                        False,
                        f"Waits for its customer {customer}, which sync holds (Intacct has "
                        f"{', '.join(held[customer])} under the same name): resolve the customer "
                        "(see its finding), then run reconcile again.",
                    ),
                ), None
            return finding(
                "missing", Fix("post", True, "Post it through sync's exactly-once path.")
            ), None

        if len(live) > 1:
            # The one to keep must not depend on the ledger (same report without it): a paid
            # one first (payments are the hard part to move), then the oldest record.
            keep = min(live, key=_keep_order).record_key
            others = ", ".join(a.record_key for a in live if a.record_key != keep)
            return finding(
                "duplicated",
                Fix(
                    "manual",
                    False,
                    f"{len(live)} live Intacct documents for one OfficeRnD document: keep "
                    f"{keep}, move any payment to it, then reverse {others}.",
                ),
            ), None

        actual = live[0]
        diffs = (
            ()
            if expected.posting is None
            else diff_document(expected.posting, actual, self.options)
        )
        relink = None
        if ledger_link != actual.record_key:
            agreed = expected.posting is not None and not diffs
            relink = Relink(
                expected.kind,
                expected.number,
                expected.id,
                actual.record_key,
                ledger_link,
                agreed=expected.posting if agreed else None,
            )
        if expected.posting is None:
            return finding("unmappable", mapping_fix(expected.problems)), relink
        if not diffs:
            return None, relink
        fixed = fixed_once_posted(diffs)
        draft = any(d.field == "state" for d in diffs)
        if not self._changeable(actual):
            fix = Fix("manual", False, self._why_manual([actual]) + " Correct it by hand.")
        elif fixed or draft:
            fix = not_updatable(expected.number, actual.record_key, actual.kind, fixed, draft)
        elif (blocked := update_blocker(expected.posting, len(actual.lines))) is not None:
            fix = Fix(
                "manual",
                False,
                f"Intacct document {actual.record_key} cannot be updated: {blocked}. Correct it "
                "in Intacct by hand (or reverse it there and issue a new one in OfficeRnD).",
            )
        else:
            fix = Fix(
                "update", True, f"Update Intacct document {actual.record_key}.", actual.record_key
            )
        return finding("different", fix, diffs), relink

    def _changeable(self, actual: ActualDocument) -> bool:
        return (
            actual.created_by_orsync
            and not actual.is_paid_at_all
            and not self.options.is_closed(actual.date_created)
        )

    def _why_manual(self, docs: Iterable[ActualDocument]) -> str:
        reasons: list[str] = []
        for doc in docs:
            if not doc.created_by_orsync:
                reasons.append(f"{doc.record_key} was not created by orsync.")
            if doc.is_paid_at_all:
                reasons.append(f"{doc.record_key} is {doc.state.replace('_', ' ')}.")
            if self.options.is_closed(doc.date_created):
                reasons.append(f"{doc.record_key} is in a closed period.")
        return (
            " ".join(reasons) or "orsync changes only what it created, unpaid, in an open period."
        )

    # --- totals -----------------------------------------------------------------

    def _add_expected_totals(self, e: _Expected) -> None:
        if not e.in_period or e.state != "issued":
            return
        if e.posting is None:
            self._sums[(UNMAPPED, e.currency, UNMAPPED)][0] += e.total
            return
        p = e.posting
        self._add_lines(self._sums, 0, p.kind, p.entity_id, p.currency, p.lines)

    def _totals(self) -> tuple[TotalsRow, ...]:
        return tuple(
            TotalsRow(entity, currency, account, values[0], values[1])
            for (entity, currency, account), values in sorted(self._sums.items())
        )

    def _add_actual(
        self, sums: dict[tuple[str, str, str], list[Decimal]], a: ActualDocument, in_period: bool
    ) -> None:
        if in_period and a.is_live and a.state != "draft":
            self._add_lines(sums, 1, a.kind, a.entity_id, a.currency, a.lines)

    def _add_lines(
        self,
        sums: dict[tuple[str, str, str], list[Decimal]],
        side: int,
        kind: PostingKind,
        entity_id: str | None,
        currency: str,
        lines: Iterable[PostingLine],
    ) -> None:
        sign = revenue_sign(kind)
        for line in lines:
            entity = entity_id or self.entity_of_location.get(line.location_id or "", TOP_LEVEL)
            sums[(entity, currency, line.account)][side] += sign * to_cents(line.net_amount)
            sums[(entity, currency, TAX_ACCOUNT)][side] += sign * to_cents(line.tax_amount)


def _verdict(
    key: tuple[Family, str], match: _Match, ledger_link: str | None
) -> tuple[Finding | None, Relink | None]:
    """A compared pair's finding and relink, now that the ledger's link is known (as
    ``Reconciler._compare`` makes them for one live Intacct document)."""
    if not match.seen_in_period:
        return None, None
    stale = ledger_link if ledger_link is not None and ledger_link not in match.keys else None
    finding = (
        None
        if match.finding is None
        else replace(match.finding, target_keys=match.keys, ledger_link=stale)
    )
    relink = None
    if match.state == "issued" and ledger_link != match.record_key:
        relink = Relink(
            key[0], key[1], match.id, match.record_key, ledger_link, known_version=match.version
        )
    return finding, relink


def _balance(expected: _Expected, actual: ActualDocument) -> InvoiceBalance | None:
    """The pair's balances, for an issued invoice of the period that OfficeRnD says how much
    of is paid, posted as an AR invoice."""
    if (
        expected.kind != "invoice"
        or expected.paid is None
        or not expected.in_period
        or expected.state != "issued"
        or actual.kind != "ar_invoice"
        or actual.state == "draft"
    ):
        return None
    return InvoiceBalance(
        source_id=expected.id,
        number=expected.number,
        currency=expected.currency,
        total=expected.total,
        officernd_paid=expected.paid,
        intacct_key=actual.record_key,
        intacct_paid=actual.total_paid,
        intacct_due=actual.total_due,
    )


def _keep_order(doc: ActualDocument) -> tuple[bool, int, str]:
    key = doc.record_key
    return (not doc.is_paid_at_all, int(key) if key.isdigit() else 2**63, key)


def reconcile(
    expected: Iterable[tuple[SourceDocument, Posting | Sequence[Problem]]],
    actual: Iterable[ActualDocument],
    options: EngineOptions,
    *,
    ledger_links: Mapping[LedgerKey, str] | None = None,
    expected_customers: Iterable[CustomerPosting] = (),
    actual_customers: Iterable[ActualCustomer] = (),
    customer_namesakes: Iterable[ActualCustomer] = (),
    entity_of_location: Mapping[str, str] | None = None,
) -> ReconcileReport:
    """One-shot form of :class:`Reconciler` for data that is already in memory."""
    reconciler = Reconciler(options, dict(entity_of_location or {}))
    for doc, built in expected:
        reconciler.add_expected(doc, built)
    for found_doc in actual:
        reconciler.add_actual(found_doc)
    for customer in expected_customers:
        reconciler.add_expected_customer(customer)
    for found in actual_customers:
        reconciler.add_actual_customer(found)
    for namesake in customer_namesakes:
        reconciler.add_customer_namesake(namesake)
    return reconciler.report(ledger_links)
