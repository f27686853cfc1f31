"""``orsync reconcile``'s comparison: read both systems for a period and compare them.

:func:`reconcile_profile` (and :func:`reconcile_with`, given open clients) reads, compares and
returns a :class:`ReconcileOutcome`, never writing anything. The command's one service call is
``run.run_reconcile``: it applies the safe fixes of an outcome through sync (``fixes``) and
relinks or rebuilds the ledger (``ledger``).

Both systems are read at once: Intacct in a background thread (its readers stream pages into
the engine's :class:`~orsync.engine.Reconciler` as they arrive), OfficeRnD in the calling
thread (windows over the document date, then the billed customers by id). The ledger is read
only for the links it holds, and only when a state file already exists: the verdicts come from
the two systems, so a run on an empty ``ORSYNC_HOME`` reaches the same findings.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from typing import Any

from orsync.bulk import bulk_run
from orsync.config import Profile
from orsync.engine import (
    EngineOptions,
    Posting,
    Reconciler,
    ReconcileReport,
    SourceDocument,
)
from orsync.engine.customers import customer_version, name_key
from orsync.engine.ledger import LedgerKey
from orsync.engine.model import ActualCustomer, ActualDocument
from orsync.engine.writeback import WRITEBACK_KIND, identity_number
from orsync.errors import RecordError, UsageError
from orsync.intacct import IntacctClient, ReadFailed
from orsync.mapping import Mapping as MappingFile
from orsync.officernd import OfficeRndClient
from orsync.services.common import Connections, check_day, open_connections
from orsync.services.convert import IntacctDocuments, load_reference_data
from orsync.services.mapping import (
    MappingResolver,
    engine_options,
    load_profile_mapping,
    states_books_closed,
)
from orsync.services.reconcile.payments import PaymentComparison, compare_payments
from orsync.services.reconcile.scope import Scope, ScopeRequest, intacct_location
from orsync.services.reconcile.scope import entity_of_location as scope_entities
from orsync.services.reconcile.sources import (
    READ_WORKERS,
    Built,
    CustomerFetcher,
    OfficeRndSide,
    ReadProgress,
    build_all,
    convert,
    documents_by_number,
    logged_progress,
    period_count,
    period_documents,
)

logger = logging.getLogger("orsync.reconcile")


@dataclass(frozen=True)
class ReconcileRequest:
    """What to compare. ``location`` is an Intacct location id (or an OfficeRnD location id,
    code or name, which the mapping turns into one); ``customer`` an Intacct CUSTOMERID."""

    start: dt.date
    end: dt.date
    entity: str | None = None
    location: str | None = None
    customer: str | None = None

    def __post_init__(self) -> None:
        check_day("--from", self.start)
        check_day("--to", self.end)
        if self.end < self.start:
            raise UsageError(
                f"--to {self.end.isoformat()} is before --from {self.start.isoformat()}",
                hint="Give the period's first day with --from and its last day with --to.",
            )
        for flag, value in (
            ("--entity", self.entity),
            ("--location", self.location),
            ("--customer", self.customer),
        ):
            # A blank filter would narrow one system's read and not the other's.
            if value is not None and not value.strip():
                raise UsageError(f"{flag} is empty", hint=f"Give {flag} a value, or leave it out.")

    @property
    def filtered(self) -> bool:
        return any((self.entity, self.location, self.customer))

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "entity": self.entity,
            "location": self.location,
            "customer": self.customer,
        }


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The default period: the whole previous calendar month."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


@dataclass
class ReconcileOutcome:
    """A finished comparison, and what a fix run needs to act on it."""

    request: ReconcileRequest
    report: ReconcileReport
    options: EngineOptions
    officernd_documents: int = 0
    intacct_documents: int = 0
    lines_read: int = 0  # Intacct lines (for the benchmark's bound)
    skipped: dict[str, str] = field(default_factory=dict)  # OfficeRnD number -> why
    unreadable: list[RecordError] = field(default_factory=list)
    ledger_links: int = 0
    # Enough of each side to act on the report (ledger relinks): the Intacct entity of each
    # entity-owned document, and each billed customer's OfficeRnD ref, version and record key.
    target_entities: dict[str, str | None] = field(default_factory=dict, repr=False)
    # Intacct documents not simply posted-and-unpaid: key -> "paid" or "reversed" (or "draft").
    target_states: dict[str, str] = field(default_factory=dict, repr=False)
    customer_refs: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    customer_versions: dict[str, str] = field(default_factory=dict, repr=False)
    customer_keys: dict[str, str] = field(default_factory=dict, repr=False)
    # Payments and open balances (None: payments do not flow, the mapping has no
    # payment_methods), and the entity of the invoice each Intacct payment found pays.
    payments: PaymentComparison | None = None

    @property
    def agree(self) -> bool:
        return self.report.agree and not self.unreadable

    @property
    def books_closed_through(self) -> dt.date | None:
        """The last closed Intacct day the comparison assumed (the mapping's), None if unstated."""
        first_open = self.options.books_closed_before
        return None if first_open is None else first_open - dt.timedelta(days=1)

    def to_dict(self) -> dict[str, Any]:
        """The engine's ``orsync.reconcile/1`` document plus the run's own facts."""
        document = self.report.to_dict()
        document["agree"] = self.agree
        document["period"] = {
            "from": self.request.start.isoformat(),
            "to": self.request.end.isoformat(),
        }
        closed = self.books_closed_through
        document["books_closed_through"] = None if closed is None else closed.isoformat()
        document["filters"] = {
            k: v for k, v in self.request.to_dict().items() if k not in ("from", "to")
        }
        document["read"] = {
            "officernd_documents": self.officernd_documents,
            "intacct_documents": self.intacct_documents,
            "ledger_links": self.ledger_links,
        }
        if self.payments is not None:
            document["read"]["payments"] = self.payments.to_dict()
        document["skipped"] = [
            {"number": number, "reason": reason} for number, reason in sorted(self.skipped.items())
        ]
        document["unreadable"] = [
            {"number": e.record, "field": e.field, "message": e.message, "fix": e.hint or None}
            for e in self.unreadable
        ]
        return document


# --- the run ---------------------------------------------------------------------------------


def reconcile_profile(
    profile_name: str,
    profile: Profile,
    request: ReconcileRequest,
    *,
    ledger_links: Mapping[LedgerKey, str] | None = None,
    ledger_reader: LedgerLinkReader | None = None,
    connections: Connections | None = None,
    progress: ReadProgress | None = None,
) -> ReconcileOutcome:
    """Read both systems of ``profile`` for ``request`` and compare them (writes nothing)."""
    mapping = load_profile_mapping(profile)
    with ExitStack() as stack:
        if connections is None:
            connections = stack.enter_context(open_connections(profile_name, profile))
        return reconcile_with(
            connections.intacct,
            connections.officernd,
            engine_options(
                profile,
                mapping,
                intacct_closed_through=_intacct_closed_books(connections.intacct, mapping),
            ),
            mapping,
            request,
            default_entity=profile.intacct.entity,
            ledger_links=ledger_links,
            ledger_reader=ledger_reader,
            progress=progress,
        )
    raise AssertionError("unreachable")


def _intacct_closed_books(intacct: IntacctClient, mapping: MappingFile) -> dt.date | None:
    """Intacct's GL closed books date, which decides whether a fix is safe (a closed-period
    document is a manual fix): read when the mapping states no ``books_closed_through`` (the
    override). A company whose role may not read it is judged as before: by the mapping, or
    by Intacct refusing a write."""
    if states_books_closed(mapping):
        return None
    try:
        return intacct.closed_books_date()
    except ReadFailed as error:
        logger.warning("Intacct's closed books date could not be read: %s", error.message)
        return None


class LedgerLinkReader:
    """Reads the ledger's links for the documents compared (a hint, never the truth)."""

    def __init__(
        self, get_many: Any, get_by_target_keys: Any = None, source_numbers: Any = None
    ) -> None:
        self._get_many = get_many
        self._get_by_target_keys = get_by_target_keys
        self._source_numbers = source_numbers

    def known_as(self, docs: Iterable[SourceDocument]) -> Iterator[SourceDocument]:
        """``docs``, those renamed to the Intacct number orsync wrote back under the number
        they were sent under: Intacct's reference holds that one (engine.identity_number)."""
        remaining = iter(docs)
        while page := list(islice(remaining, 500)):
            if self._source_numbers is None:
                yield from page
                continue
            written = self._get_many(WRITEBACK_KIND, [d.id for d in page])
            sent = self._get_many("invoice", [d.id for d in page if d.id in written])
            sent |= self._get_many("credit_note", [d.id for d in page if d.id in written])
            numbers = self._source_numbers([*written.values(), *sent.values()]) if written else {}
            for doc in page:
                number = identity_number(
                    doc.number,
                    numbers.get((doc.kind, doc.id)),
                    numbers.get((WRITEBACK_KIND, doc.id)),
                )
                yield doc if number == doc.number else replace(doc, number=number)

    def links_of_targets(self, targets: Iterable[tuple[str, str]]) -> dict[LedgerKey, str]:
        """The ledger's links of these (kind, Intacct key): orphans orsync posted."""
        by_kind: dict[str, list[str]] = {}
        for kind, key in targets:
            by_kind.setdefault(kind, []).append(key)
        out: dict[LedgerKey, str] = {}
        if self._get_by_target_keys is None:
            return out
        for kind, keys in by_kind.items():
            for key, row in self._get_by_target_keys(kind, keys).items():
                out[(kind, row.source_id)] = key
        return out

    def links(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, str]:
        by_kind: dict[str, list[str]] = {}
        for kind, source_id in keys:
            by_kind.setdefault(kind, []).append(source_id)
        out: dict[LedgerKey, str] = {}
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), 500):
                rows = self._get_many(kind, ids[start : start + 500])
                for source_id, row in rows.items():
                    if row.target.key:
                        out[(kind, source_id)] = row.target.key
        return out


def reconcile_with(
    intacct: IntacctClient,
    officernd: OfficeRndClient,
    options: EngineOptions,
    mapping: MappingFile,
    request: ReconcileRequest,
    *,
    default_entity: str | None = None,
    ledger_links: Mapping[LedgerKey, str] | None = None,
    ledger_reader: LedgerLinkReader | None = None,
    progress: ReadProgress | None = None,
) -> ReconcileOutcome:
    """The comparison on clients already built (the service's core, used by tests)."""
    with bulk_run():
        return _reconcile_with(
            intacct,
            officernd,
            options,
            mapping,
            request,
            default_entity=default_entity,
            ledger_links=ledger_links,
            ledger_reader=ledger_reader,
            progress=progress,
        )


def _reconcile_with(
    intacct: IntacctClient,
    officernd: OfficeRndClient,
    options: EngineOptions,
    mapping: MappingFile,
    request: ReconcileRequest,
    *,
    default_entity: str | None,
    ledger_links: Mapping[LedgerKey, str] | None,
    ledger_reader: LedgerLinkReader | None,
    progress: ReadProgress | None,
) -> ReconcileOutcome:
    started = time.perf_counter()
    outcome = ReconcileOutcome(request=request, report=ReconcileReport((), (), ()), options=options)
    reader = IntacctDocuments(intacct, options, default_entity=default_entity)
    lock = threading.Lock()
    # Both period reads start before the reference lists are in (each costs a round trip
    # before its first page): what reads Intacct's documents waits for the comparison's
    # set-up, below, only when its first document arrives.
    prepared: Future[tuple[Scope, Reconciler]] = Future()

    period_customers: set[str] = set()

    def add_actual(documents: Iterable[ActualDocument], in_period: bool) -> int:
        count = 0
        for doc in documents:
            scope, reconciler = prepared.result()
            if in_period:
                period_customers.add(doc.customer_id)
            if doc.entity_id is not None:
                outcome.target_entities[doc.record_key] = doc.entity_id
            if not doc.is_live or doc.state == "draft":
                outcome.target_states[doc.record_key] = doc.state
            elif doc.is_paid_at_all:
                outcome.target_states[doc.record_key] = "paid"
            if in_period and not scope.actual(doc):
                continue
            with lock:
                reconciler.add_actual(doc, in_period=in_period)
            outcome.lines_read += len(doc.lines)
            count += 1
        return count

    def read_intacct() -> int:
        return add_actual(
            reader.in_period(
                request.start,
                request.end,
                customer_ids=[request.customer] if request.customer else (),
                entity=request.entity if options.entity_level == "subsidiary" else None,
            ),
            True,
        )

    side = OfficeRndSide()
    with ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(2, thread_name_prefix="reconcile-intacct"))
        lookups = stack.enter_context(
            ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="officernd-customers")
        )
        intacct_read = pool.submit(_timed, "intacct period read", read_intacct)
        try:
            reference_read = lookups.submit(
                load_reference_data, officernd, with_fees=mapping.fees is not None
            )
            total = period_count(officernd, request.start, request.end)
            if total is not None:
                logger.info("OfficeRnD counts %s documents in the period", f"{total:,}")
            raw = stack.enter_context(
                closing(
                    logged_progress(
                        period_documents(officernd, request.start, request.end),
                        total,
                        logger,
                        progress=progress,
                    )
                )
            )
            first = list(islice(raw, 1))  # starts the windowed read, which pages on meanwhile
            resolver = MappingResolver(mapping, reference_read.result(), options)
            entity_of_location = scope_entities(resolver)
            scope = Scope(
                ScopeRequest(request.entity, request.location, request.customer),
                intacct_location(request.location, resolver),
                entity_of_location,
            )
            reconciler = Reconciler(options, entity_of_location)
        except BaseException as exc:
            prepared.set_exception(exc)
            raise
        prepared.set_result((scope, reconciler))
        customers = CustomerFetcher(officernd, lookups)

        def scan_customers() -> list[ActualCustomer] | None:
            # As many customers as the period's documents bill may be cheaper read as every
            # Intacct customer: decided on the customers of Intacct's documents for the period,
            # as soon as those are read (OfficeRnD's side is usually still streaming).
            intacct_read.result()
            if not reader.prefers_scan(len(period_customers)):
                return None
            return list(reader.all_customers())

        scan = pool.submit(scan_customers)
        read = convert(chain(first, raw), resolver, side)
        if ledger_reader is not None:
            read = ledger_reader.known_as(read)
        built = build_all(customers, read, resolver, side)
        expected_ids = _add_expected(built, resolver, scope, reconciler, outcome, side, lock, True)
        _log_phase("officernd customers and postings", started)
        # The billed customers are known now: take them from the scan, or read them by id.
        wanted = {
            customer_id: entry
            for customer_id, entry in side.customers.items()
            if customer_id in outcome.customer_refs
        }
        every_customer = scan.result()
        if every_customer is None:
            actual_customers = list(reader.customers(wanted))
        else:
            actual_customers = [c for c in every_customer if c.customer_id in wanted]
        # A billed customer Intacct lacks is held by sync, not created, when Intacct has a
        # customer of the same name under another id: its fixes are then not safe ones.
        missing = wanted.keys() - {c.customer_id for c in actual_customers}
        names = [p.name for cid, (_, p) in wanted.items() if cid in missing and p and p.name]
        if names and every_customer is None:
            namesakes: list[ActualCustomer] = list(reader.customers_named(names))
        else:
            keys = {name_key(name) for name in names}
            namesakes = [c for c in every_customer or () if name_key(c.name) in keys]
        outcome.intacct_documents = intacct_read.result()

    _log_phase("both sides read", started)
    for error in side.unreadable:
        if error.record:
            reconciler.add_unreadable(error.record)
    # Period edges: a document dated across the edge on one side must still find its match.
    follow = reconciler.follow_ups()
    if follow.find_in_intacct:
        add_actual(reader.by_reference(follow.find_in_intacct), False)
    if follow.find_in_officernd:
        extra = convert(documents_by_number(officernd, follow.find_in_officernd), resolver, side)
        with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="officernd-customers") as lookups:
            extra_built = build_all(CustomerFetcher(officernd, lookups), extra, resolver, side)
            _add_expected(extra_built, resolver, scope, reconciler, outcome, side, lock, False)

    _log_phase(
        f"follow-ups ({len(follow.find_in_intacct)} in Intacct, "
        f"{len(follow.find_in_officernd)} in OfficeRnD)",
        started,
    )
    # Customers billed in scope.
    for customer_id, (_, posting) in wanted.items():
        if posting is not None:
            reconciler.add_expected_customer(posting)
            outcome.customer_versions[customer_id] = customer_version(posting)
    for actual in actual_customers:
        reconciler.add_actual_customer(actual)
        outcome.customer_keys[actual.customer_id] = actual.record_key
    for namesake in namesakes:
        reconciler.add_customer_namesake(namesake)

    links = dict(ledger_links or {})
    if ledger_reader is not None:
        links.update(ledger_reader.links(expected_ids))
        links.update(ledger_reader.links_of_targets(reconciler.unclaimed()))
    outcome.ledger_links = len(links)
    outcome.unreadable = side.unreadable
    outcome.report = reconciler.report(links)
    if mapping.payment_methods is not None:
        outcome.payments = compare_payments(intacct, officernd, mapping, reconciler)
        outcome.report = outcome.report.with_findings(outcome.payments.findings)
    _log_phase("customers, ledger links and report", started)
    return outcome


def _log_phase(what: str, started: float) -> None:
    logger.debug("reconcile: %s done at %.2f s", what, time.perf_counter() - started)


def _timed(what: str, work: Callable[[], int]) -> int:
    started = time.perf_counter()
    try:
        return work()
    finally:
        _log_phase(what, started)


def _add_expected(
    built: Iterable[tuple[SourceDocument, Built]],
    resolver: MappingResolver,
    scope: Scope,
    reconciler: Reconciler,
    outcome: ReconcileOutcome,
    side: OfficeRndSide,
    lock: threading.Lock,
    in_period: bool,
) -> list[LedgerKey]:
    """Hands each built document to the comparison as it comes (with what OfficeRnD says is
    paid on it): the documents are never all held at once."""
    keys: list[LedgerKey] = []
    for doc, result in built:
        paid = side.paid.pop(doc.id, None)
        if in_period and not (request_in_period(outcome.request, doc)):
            continue
        reason = resolver.skip_reason(doc)
        if reason is not None:
            outcome.skipped[doc.number] = reason
            continue
        if in_period and not scope.expected(doc, result, resolver):
            continue
        with lock:
            reconciler.add_expected(doc, result, in_period=in_period, paid=paid)
        if in_period:
            outcome.officernd_documents += 1
        keys.append((doc.kind, doc.id))
        # Customers are expected in Intacct once billed by a document that is not a draft (the
        # rule sync creates them by): a customer only ever sent drafts is not missing.
        if isinstance(result, Posting) and not doc.is_draft:
            outcome.customer_refs[result.customer_id] = (doc.customer.kind, doc.customer.id)
    return keys


def request_in_period(request: ReconcileRequest, doc: SourceDocument) -> bool:
    return request.start <= doc.date <= request.end
