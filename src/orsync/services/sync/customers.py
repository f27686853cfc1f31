"""Customers first: every customer a page of documents bills exists in Intacct before the
documents are sent; OfficeRnD changes to billed customers update only the changed fields.

A customer confirmed in the ledger costs nothing (its CUSTOMERID is the row's target number).
Others are read from OfficeRnD by id (one ``$in`` query per page), planned by the engine against
what Intacct holds under their id and name (one ``in`` query each), and written in one request
batch that completes before the page's documents go out. Customers that cannot be created
(a name-only match, a failure, an unconfirmed create) are *held*: their documents wait, reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from orsync.engine import (
    ActualCustomer,
    CustomerAction,
    CustomerLookup,
    CustomerPosting,
    LedgerView,
    Problem,
    SourceCustomer,
    build_customer,
    customers_to_look_up,
    plan_customers,
    settle_customer,
    version_hash,
)
from orsync.engine.customers import customer_version, name_key
from orsync.engine.model import CustomerRef
from orsync.errors import RecordError
from orsync.intacct import Failed, Outcome, Succeeded
from orsync.intacct.xml.function import Function
from orsync.officernd import Company, Member, Query
from orsync.services.convert import create_customer, record_label, update_customer
from orsync.services.sync.context import RunContext, numbered, view_of
from orsync.services.sync.lookups import CustomerDirectory, look_up_customers
from orsync.services.sync.summary import RecordProblem
from orsync.state import LedgerRow, RecordFailure, Status, TargetKeys

RefKey = tuple[str, str]  # (kind, OfficeRnD id)


@dataclass(frozen=True)
class CustomerState:
    """What the documents of a page need to know about their customers."""

    ids: Mapping[RefKey, str]  # customers ready in Intacct (or planned, in a dry run)
    held: Mapping[str, str]  # CUSTOMERID -> why its documents wait
    unresolvable: Mapping[RefKey, str]  # customers without a usable CUSTOMERID -> why


_Inputs = tuple[list[Company | Member], Mapping[RefKey, str], Mapping[str, LedgerRow]]


@dataclass(frozen=True)
class _Planned:
    """One kind's plan, and the CUSTOMERIDs and names it reads and writes."""

    actions: Sequence[CustomerAction]
    lookup: CustomerLookup
    names: Mapping[str, str]
    keys: set[str]  # of every customer planned
    written: set[str]  # of the creates and updates


class CustomerDesk:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._ids: dict[RefKey, str] = {}
        self._held: dict[str, str] = {}
        self._unresolvable: dict[RefKey, str] = {}
        self._planned: set[RefKey] = set()  # planned once per run, whatever the outcome
        self.resolved = 0  # customers made ready (created, updated, adopted) in this run
        # No customer in the ledger yet: read Intacct's customer list once (CustomerDirectory).
        counts = ctx.lookups.counts()
        self._first_run = not any(kind in counts for kind in ("company", "member"))
        self._directory: CustomerDirectory | None = None

    @property
    def state(self) -> CustomerState:
        return CustomerState(self._ids, self._held, self._unresolvable)

    # -- customers billed by documents ---------------------------------------------------

    def ensure(self, refs: Iterable[CustomerRef], currency: Mapping[RefKey, str]) -> None:
        """Make the customers of these documents ready (or held) before the documents go."""
        unknown: dict[str, list[str]] = {}
        for ref in refs:
            key = (ref.kind, ref.id)
            if key not in self._ids and key not in self._unresolvable and key not in self._planned:
                unknown.setdefault(ref.kind, []).append(ref.id)
        groups: list[_Inputs] = []
        for kind, ids in unknown.items():
            rows = self._ctx.lookups.get_many(kind, ids)
            needed = []
            for source_id in dict.fromkeys(ids):
                row = rows.get(source_id)
                if row is not None and row.status is Status.CONFIRMED and row.target.number:
                    self._ids[(kind, source_id)] = row.target.number
                else:
                    needed.append(source_id)
            if needed:
                records = self._readable(kind, self._fetch(kind, needed))
                for source_id in needed:
                    if source_id not in {r.id for r in records}:
                        self._unresolvable[(kind, source_id)] = (
                            f"the billed {kind} {source_id} was not found in OfficeRnD"
                        )
                groups.append((records, currency, rows))
        self._plan_and_apply_together(groups)

    def _readable(self, kind: str, records: list[Company | Member]) -> list[Company | Member]:
        """The records orsync can read; each other one fails on its own, naming its id, and
        the documents billed to it wait with it (the run goes on with the rest)."""
        readable = []
        for record in records:
            if record.unreadable is None:
                readable.append(record)
                continue
            reason = f"OfficeRnD sent {kind} {record.id} in a shape orsync cannot read"
            self._unresolvable[(kind, record.id)] = reason
            failure = RecordFailure(
                f"{reason}: {record.unreadable}",
                code="unreadable",
                field=kind,
                hint=f"Open {kind} {record.id} in OfficeRnD and save it again; if that does not "
                "help, report its shape to OfficeRnD support. The next sync reads it again.",
            )
            self._ctx.record_failure(
                kind, record.id, record.name or record.id, version_hash(failure.message), failure
            )
        return readable

    def _fetch(self, kind: str, ids: list[str]) -> list[Company | Member]:
        client = self._ctx.officernd
        found: list[Company | Member] = []
        for start in range(0, len(ids), 50):
            query = Query().is_in("_id", ids[start : start + 50])
            found.extend(client.companies(query) if kind == "company" else client.members(query))
        return found

    # -- customers changed in OfficeRnD --------------------------------------------------

    def changed(self, records: list[Company | Member]) -> None:
        """Companies/members modified since the last run: update those already in Intacct."""
        by_kind: dict[str, list[Company | Member]] = {}
        for record in records:
            by_kind.setdefault("company" if isinstance(record, Company) else "member", []).append(
                record
            )
        groups: list[_Inputs] = []
        for kind, group in by_kind.items():
            rows = self._ctx.lookups.get_many(kind, [r.id for r in group])
            # Only customers orsync already wrote can change in Intacct.
            billed = self._readable(kind, [r for r in group if r.id in rows])
            if billed:
                groups.append((billed, {}, rows))
        self._plan_and_apply_together(groups)

    # -- plan, then write --------------------------------------------------------------------

    def _plan_and_apply_together(self, groups: list[_Inputs]) -> None:
        """Companies and members planned, then written in one request the documents wait for
        (one wait instead of one per kind). A kind whose plan could depend on what the other
        writes (a CUSTOMERID or name both touch) is planned after that write, as it would be
        alone."""
        if len(groups) < 2 or self._ctx.plan is not None:
            for group in groups:
                self.plan_and_apply(*group)
            return
        planned = [self._plan(*group) for group in groups]
        written: set[str] = set()
        for index, plan in enumerate(planned):
            if index and plan.keys & written:
                self._apply(planned[:index])
                self._plan_and_apply_together(groups[index:])
                return
            written |= plan.written
        self._apply(planned)

    def plan_and_apply(
        self,
        records: list[Company | Member],
        currency: Mapping[RefKey, str],
        rows: Mapping[str, LedgerRow],
    ) -> None:
        planned = self._plan(records, currency, rows)
        if self._ctx.plan is None:
            self._apply([planned])

    def _plan(
        self,
        records: list[Company | Member],
        currency: Mapping[RefKey, str],
        rows: Mapping[str, LedgerRow],
    ) -> _Planned:
        """The engine's actions for these customers (a dry run records them here)."""
        ctx = self._ctx
        items: list[tuple[SourceCustomer, CustomerPosting | list[Problem]]] = []
        for record in records:
            kind = "company" if isinstance(record, Company) else "member"
            src = ctx.resolver.customer(record, currency=currency.get((kind, record.id)))
            built: CustomerPosting | list[Problem]
            try:
                built = build_customer(src, ctx.resolver)
            except RecordError as error:
                built = [
                    Problem(
                        number=src.name or src.id,
                        field=error.field or "customer_id",
                        message=error.message,
                        fix=error.hint or "Fix the customer id templates in the mapping.",
                        source_id=src.id,
                    )
                ]
            items.append((src, built))
        views: dict[tuple[str, str], LedgerView] = {
            (src.kind, src.id): view
            for src, _ in items
            if (view := view_of(rows.get(src.id))) is not None
        }
        self._planned.update((src.kind, src.id) for src, _ in items)
        ids, names = customers_to_look_up(items, views)
        if not ctx.options.retry_failed:
            # A failure of this very version is reported again without asking Intacct.
            held = {
                built.customer_id
                for src, built in items
                if isinstance(built, CustomerPosting)
                and (row := rows.get(src.id)) is not None
                and row.failed_at(customer_version(built))
            }
            ids = [i for i in ids if i not in held]
            names = [
                n
                for n in names
                if n
                not in {
                    b.name
                    for _, b in items
                    if isinstance(b, CustomerPosting) and b.customer_id in held
                }
            ]
        lookup = self._look_up(ids, names)
        actions = plan_customers(items, views, lookup, ctx.options)
        names_by_id = {src.id: src.name for src, _ in items}
        if ctx.plan is not None:
            ctx.plan.customers.extend(actions)
            for action in actions:
                self._dry(action, names_by_id)
        keys = {
            key
            for _, built in items
            if isinstance(built, CustomerPosting)
            for key in (built.customer_id, name_key(built.name))
        }
        written = {
            key
            for action in actions
            if action.action in ("create", "update") and action.posting is not None
            for key in (action.posting.customer_id, name_key(action.posting.name))
        }
        return _Planned(actions, lookup, names_by_id, keys, written)

    def _look_up(self, ids: list[str], names: list[str]) -> CustomerLookup:
        if not ids and not names:
            return CustomerLookup()
        if self._first_run:
            if self._directory is None:
                self._directory = CustomerDirectory(self._ctx.intacct)
            return self._directory.lookup(ids, names)
        return look_up_customers(self._ctx.intacct, ids, names)

    def _dry(self, action: CustomerAction, names: Mapping[str, str]) -> None:
        key = (action.source_kind, action.source_id)
        outcome = {"create": "created", "update": "updated", "adopt": "adopted"}.get(action.action)
        if outcome is not None or action.action == "skip":
            assert action.customer_id is not None
            self._ids[key] = action.customer_id
            self._ctx.summary.count(
                "customers", outcome or ("unchanged" if action.reason == "unchanged" else "skipped")
            )
            return
        self._hold(action, action.reason, names, record=False)

    def _apply(self, planned: list[_Planned]) -> None:
        ctx = self._ctx
        ledger = ctx.writable()
        sends: list[tuple[Function, CustomerAction, Mapping[str, str]]] = []
        with ledger.batch():
            for action, lookup, names in (
                (action, plan.lookup, plan.names) for plan in planned for action in plan.actions
            ):
                key = (action.source_kind, action.source_id)
                cid = action.customer_id
                if action.action == "skip":
                    assert cid is not None
                    self._ids[key] = cid
                    ctx.summary.count("customers", "unchanged", record=key)
                elif action.action == "adopt":
                    assert cid is not None and action.version_hash is not None
                    adopted = ledger.adopt(
                        action.source_kind,
                        action.source_id,
                        action.version_hash,
                        TargetKeys(key=action.target_key, number=cid),
                    )
                    self._ids[key] = cid
                    self.resolved += 1
                    ctx.wrote(*key, "adopted", row=adopted, number=names.get(action.source_id))
                elif action.action in ("create", "update"):
                    sends.append((self._function(action, lookup), action, names))
                else:
                    self._hold(action, action.reason, names, record=True)
        if not sends:
            return
        try:
            # Ahead of queued document batches: this chunk's documents wait for these.
            outcomes = ctx.pipeline.write_now([f for f, _, _ in sends])
        except Exception as error:
            with ledger.batch():
                for _function, action, names in sends:
                    self._unconfirmed(action, f"the request failed: {error}", names)
            raise
        by_controlid = {f.controlid: (a, names) for f, a, names in sends}
        with ledger.batch():
            for outcome in outcomes:
                action, names = by_controlid.pop(outcome.function.controlid)
                self._settle(action, outcome, names)
            for action, names in by_controlid.values():
                self._unconfirmed(action, "no outcome came back for this write", names)

    def _function(self, action: CustomerAction, lookup: CustomerLookup) -> Function:
        ledger = self._ctx.writable()
        kind, source_id = action.source_kind, action.source_id
        assert action.version_hash is not None and action.posting is not None
        found = lookup.by_id.get(action.customer_id or "")
        posting = action.posting
        number = posting.name or action.customer_id  # what status names it by
        settled = settle_customer(view_of(ledger.get(kind, source_id)), found)
        if settled == "confirm":
            assert found is not None  # the unconfirmed create landed; the update goes as planned
            ledger.confirm(kind, source_id, TargetKeys(key=found.record_key))
            row = ledger.mark_sending(
                kind, source_id, action.version_hash, action="update", number=number
            )
        elif settled == "absent":
            # Planned anew under a new controlid (engine.settle_customer says why), with the
            # currency of its documents, as the first create carried.
            ledger.mark_absent(kind, source_id)
            row = ledger.mark_sending(
                kind, source_id, action.version_hash, action="create", number=number
            )
            posting = self._with_currency(posting, kind, source_id)
        else:
            row = ledger.mark_sending(
                kind, source_id, action.version_hash, action=action.action, number=number
            )
        assert row.controlid is not None
        label = record_label(kind, source_id)
        if action.action == "update":
            return update_customer(posting, action.changes, row.controlid, record=label)
        return create_customer(posting, row.controlid, record=label)

    def _with_currency(
        self, posting: CustomerPosting, kind: str, source_id: str
    ) -> CustomerPosting:
        """``posting`` with the currency of a document billed to it, as a first create has."""
        if posting.currency is not None:
            return posting
        client = self._ctx.officernd
        query = Query().eq(kind, source_id).page_size(1)
        for read in (client.invoices, client.credit_notes):
            first = next(iter(read(query)), None)
            if first is not None and first.currency:
                return dataclasses.replace(posting, currency=first.currency)
        return posting

    def _settle(self, action: CustomerAction, outcome: Outcome, names: Mapping[str, str]) -> None:
        ctx = self._ctx
        ledger = ctx.writable()
        kind, source_id, cid = action.source_kind, action.source_id, action.customer_id or ""
        key = (kind, source_id)
        if isinstance(outcome, Succeeded):
            row = ledger.confirm(kind, source_id, TargetKeys(key=outcome.key, number=cid))
            if self._directory is not None and action.posting is not None:
                self._directory.add(ActualCustomer(outcome.key or "", cid, action.posting.name))
            self._ids[key] = cid
            self.resolved += 1
            done = "created" if action.action == "create" else "updated"
            ctx.wrote(kind, source_id, done, row=row, number=names.get(source_id, cid))
        elif isinstance(outcome, Failed):
            if outcome.is_duplicate_record and action.action == "create":
                self._adopt_duplicate(action, names)
                return
            error = outcome.as_error()
            failure = RecordFailure(
                error.message, code=error.code, field="customer", hint=error.hint or None
            )
            ledger.fail(kind, source_id, numbered(names.get(source_id, cid), failure))
            self._held[cid] = failure.message
            ctx.summary.problem(
                RecordProblem(
                    "customers",
                    "failed",
                    kind,
                    source_id,
                    names.get(source_id, cid),
                    failure.message,
                    field="customer",
                    fix=failure.hint,
                )
            )
        else:
            self._unconfirmed(action, outcome.reason, names)

    def _adopt_duplicate(self, action: CustomerAction, names: Mapping[str, str]) -> None:
        """Intacct says the id exists (created meanwhile): adopt it rather than fail."""
        ctx = self._ctx
        ledger = ctx.writable()
        cid = action.customer_id or ""
        found = look_up_customers(ctx.intacct, [cid], []).by_id.get(cid)
        if found is None:
            self._unconfirmed(action, f"Intacct reports customer {cid} as existing", names)
            return
        row = ledger.confirm(
            action.source_kind, action.source_id, TargetKeys(key=found.record_key, number=cid)
        )
        self._ids[(action.source_kind, action.source_id)] = cid
        self.resolved += 1
        ctx.wrote(
            action.source_kind,
            action.source_id,
            "adopted",
            row=row,
            number=names.get(action.source_id, cid),
        )

    def _unconfirmed(self, action: CustomerAction, reason: str, names: Mapping[str, str]) -> None:
        ctx = self._ctx
        ledger = ctx.writable()
        row = ledger.get(action.source_kind, action.source_id)
        if row is not None and row.status is Status.SENDING:
            ledger.mark_unconfirmed(
                action.source_kind,
                action.source_id,
                RecordFailure(
                    reason,
                    code="unconfirmed",
                    hint="The next sync looks the customer up in Intacct before sending again.",
                ),
            )
        cid = action.customer_id or ""
        self._held[cid] = "its create or update is not confirmed yet"
        ctx.summary.problem(
            RecordProblem(
                "customers",
                "unconfirmed",
                action.source_kind,
                action.source_id,
                names.get(action.source_id, cid),
                reason,
                fix="Run sync again: it looks the customer up before anything is resent.",
            )
        )

    def _hold(
        self, action: CustomerAction, reason: str, names: Mapping[str, str], *, record: bool
    ) -> None:
        """A customer that cannot be written now (conflict, failure): its documents wait."""
        key = (action.source_kind, action.source_id)
        if action.customer_id:
            self._held[action.customer_id] = reason
        else:
            self._unresolvable[key] = reason
        number = names.get(action.source_id, action.customer_id or action.source_id)
        failure = RecordFailure(
            reason,
            code="conflict" if action.action == "conflict" else "failed",
            field=action.problems[0].field if action.problems else "customer",
            hint=action.fix,
        )
        status = "conflict" if action.action == "conflict" else "failed"
        if record:
            self._ctx.record_failure(
                action.source_kind,
                action.source_id,
                number,
                action.version_hash,
                failure,
                status=status,
            )
        else:
            self._ctx.summary.problem(
                RecordProblem(
                    "customers",
                    "conflict" if status == "conflict" else "failed",
                    action.source_kind,
                    action.source_id,
                    number,
                    reason,
                    field=failure.field,
                    fix=action.fix,
                )
            )
