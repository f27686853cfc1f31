"""Plan Intacct customers: create when first needed, update changed fields only, never duplicate.

Two passes, both pure:

1. :func:`customers_to_look_up` says which customer ids (and names) the integrator must read
   from Intacct: customers with no ledger row, changed ones (to learn which fields differ) and
   ones whose last write is unconfirmed. Unchanged customers cost nothing.
2. :func:`plan_customers` decides with what was found (:class:`CustomerLookup`).

On a first run against a company that already has customers, one with the same CUSTOMERID is
adopted (linked, not rewritten: finance may have curated it); one that matches only by name is
held as a conflict, never merged silently (unless ``create_on_name_match``).
Callers keep the (kind, id) pairs already planned in a run and leave them out of later pages.

What "changed" means. A customer's version (:func:`customer_version`, recorded in the ledger) stands
for the posting orsync last wrote or adopted. It leaves out the currency, which OfficeRnD does not
keep on a company (it comes from the document that first bills it), so a customer read from the
companies stream has the version it had when a document brought it. Fields the Intacct read-back
carries (:attr:`CustomerLookup.read_fields`) are compared value by value; the others are never
"changed" because Intacct did not return them: they are sent again only when the ledger shows
that orsync's last write of the customer differs from what OfficeRnD implies now.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from orsync.engine.canonical import to_jsonable, version_hash
from orsync.engine.ledger import LedgerKey, LedgerView
from orsync.engine.model import ActualCustomer, Address, CustomerPosting, Problem, SourceCustomer
from orsync.engine.options import EngineOptions

CustomerActionKind = Literal[
    "create", "update", "adopt", "lookup_first", "conflict", "failed", "skip"
]

# Fields compared (and sent on update) one by one; CUSTOMERID is the key, never updated.
# The fields sync keeps in step on update. Status is set once, at creation (build.py says why):
# a customer finance deactivated in Intacct stays deactivated. Currency too: OfficeRnD keeps none
# on a company or member, so the posting's currency is that of the document that first billed it
# (absent when the customer is read from its own stream), not a fact about the customer to keep
# in step. A customer billed in two currencies must not flip between them.
UPDATABLE_FIELDS = ("name", "print_as", "contact_name", "email", "address")


def customer_version(posting: CustomerPosting) -> str:
    """The version of a customer recorded in the ledger: the hash of its posting without the
    creation-only currency, so it is the same whichever stream (documents or companies) read it.

    A posting without currency hashes exactly as :func:`version_hash` always did.
    """
    return version_hash(dataclasses.replace(posting, currency=None))


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": to_jsonable(self.old), "new": to_jsonable(self.new)}


@dataclass(frozen=True)
class CustomerAction:
    """One planned step for one billed company or member.

    create: send ``posting`` whole. update: send only ``changes`` (new values) to ``target_key``.
    adopt: no write, record the ledger link (``customer_id``) with ``version_hash``.
    """

    action: CustomerActionKind
    source_kind: str
    source_id: str
    customer_id: str | None
    version_hash: str | None
    reason: str
    posting: CustomerPosting | None = None
    changes: tuple[FieldChange, ...] = ()
    target_key: str | None = None
    fix: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def idempotency_key(self) -> tuple[str, str, str] | None:
        if self.version_hash is None:
            return None
        return (self.source_kind, self.source_id, self.version_hash)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "kind": self.source_kind,
            "source_id": self.source_id,
            "customer_id": self.customer_id,
            "version": self.version_hash,
            "reason": self.reason,
            "fix": self.fix,
            "target_key": self.target_key,
            "changes": [c.to_dict() for c in self.changes],
            "problems": [to_jsonable(p) for p in self.problems],
            "posting": None if self.posting is None else to_jsonable(self.posting),
        }


@dataclass(frozen=True)
class CustomerLookup:
    """What the integrator found in Intacct for the ids/names it was asked to look up.

    ``searched_ids``: every id that was looked up (found or not), so "not found" is known.
    ``by_name``: Intacct customers keyed by :func:`name_key`.
    ``read_fields``: the :data:`UPDATABLE_FIELDS` the read-back carries (the reader says which);
    a field it does not read is absent from every :class:`ActualCustomer` found, never "empty".
    """

    searched_ids: frozenset[str] = frozenset()
    by_id: Mapping[str, ActualCustomer] = field(default_factory=dict)
    by_name: Mapping[str, tuple[ActualCustomer, ...]] = field(default_factory=dict)
    read_fields: frozenset[str] = frozenset(UPDATABLE_FIELDS)


def name_key(name: str) -> str:
    """Names compare case- and space-insensitively ("ACME  Ltd" == "acme ltd")."""
    return " ".join(name.split()).casefold()


def customers_to_look_up(
    items: Iterable[tuple[SourceCustomer, CustomerPosting | Sequence[Problem]]],
    ledger: Mapping[LedgerKey, LedgerView],
) -> tuple[list[str], list[str]]:
    """(customer ids, names) to read from Intacct before :func:`plan_customers`."""
    ids: dict[str, None] = {}
    names: dict[str, None] = {}
    for src, built in items:
        if not isinstance(built, CustomerPosting):
            continue
        row = ledger.get((src.kind, src.id))
        if row is None or row.status != "confirmed":
            # Whenever a create may follow (new, failed, held on a name match, unknown outcome),
            # Intacct's namesakes must be seen again: a held customer stays held, never merged
            # and never duplicated.
            ids[built.customer_id] = None
            names[built.name] = None
        elif row.live_version != customer_version(built):
            ids[built.customer_id] = None
    return list(ids), list(names)


def plan_customers(
    items: Iterable[tuple[SourceCustomer, CustomerPosting | Sequence[Problem]]],
    ledger: Mapping[LedgerKey, LedgerView],
    lookup: CustomerLookup,
    options: EngineOptions,
) -> tuple[CustomerAction, ...]:
    """Plan the customers of one page; ``ledger`` rows keyed (kind, id)."""
    seen: set[tuple[str, str]] = set()
    actions: list[CustomerAction] = []
    for src, built in items:
        if (src.kind, src.id) in seen:
            continue
        seen.add((src.kind, src.id))
        actions.append(_plan_one(src, built, ledger.get((src.kind, src.id)), lookup, options))
    actions.sort(key=lambda a: (a.source_kind, a.customer_id or "", a.source_id))
    return tuple(actions)


def _plan_one(
    src: SourceCustomer,
    built: CustomerPosting | Sequence[Problem],
    row: LedgerView | None,
    lookup: CustomerLookup,
    options: EngineOptions,
) -> CustomerAction:
    base: dict[str, Any] = {"source_kind": src.kind, "source_id": src.id}
    if not isinstance(built, CustomerPosting):
        problems = tuple(built)
        return CustomerAction(
            action="failed",
            customer_id=None,
            version_hash=None,
            reason="; ".join(f"{p.field}: {p.message}" for p in problems),
            problems=problems,
            fix=" ".join(dict.fromkeys(p.fix for p in problems)),
            **base,
        )
    version = customer_version(built)
    cid = built.customer_id

    def act(action: CustomerActionKind, reason: str, **kw: Any) -> CustomerAction:
        return CustomerAction(
            action=action, customer_id=cid, version_hash=version, reason=reason, **base, **kw
        )

    if row is not None and row.status == "confirmed" and row.live_version == version:
        return act("skip", "unchanged", target_key=row.target_key)
    if (
        row is not None
        and row.status == "failed"
        and row.version_hash == version
        and not options.retry_failed
    ):
        return act(
            "failed",
            f"failed before with the same input: {row.last_error or 'unknown error'}",
            target_key=row.target_key,
            fix="Fix the cause, then run `orsync sync --retry-failed` (the next sync tries "
            "again by itself after a change to the mapping or in OfficeRnD).",
        )
    if cid not in lookup.searched_ids:
        return act(
            "lookup_first",
            "read the Intacct customer first (new, changed or unconfirmed)",
            posting=built,
            target_key=None if row is None else row.target_key,
        )
    found = lookup.by_id.get(cid)
    if found is not None:
        changes = diff_customer(built, found, lookup.read_fields)
        unread = tuple(f for f in UPDATABLE_FIELDS if f not in lookup.read_fields)
        resent: tuple[FieldChange, ...] = ()
        if unread and _last_write_differs(row, built, found):
            # Intacct did not return these: its value is unknown (old=None), but orsync's own
            # last write of them differs from OfficeRnD now. Sending one unchanged is harmless.
            resent = tuple(FieldChange(f, None, getattr(built, f)) for f in unread)
        linked = row is not None and row.has_target
        if not changes and not resent:
            return act("adopt", "already in Intacct with these values", target_key=found.record_key)
        # Never linked, and no write of orsync's can have made it (none was in flight): an
        # existing customer, matched by its template id or named by an override. Adopted as
        # it is, whatever an earlier run held against it (a name match resolved by override).
        created_by_us = row is not None and row.status in ("sending", "unconfirmed")
        if not linked and not created_by_us:
            return act(
                "adopt",
                f"customer {cid} already exists in Intacct: adopted by id, left as it is",
                target_key=found.record_key,
                changes=changes,
            )
        reasons = []
        if changes:
            reasons.append("changed in OfficeRnD: " + ", ".join(c.field for c in changes))
        if resent:
            reasons.append(
                "changed in OfficeRnD since orsync last wrote it; not read back from Intacct, "
                "so sent again: " + ", ".join(c.field for c in resent)
            )
        return act(
            "update",
            "; ".join(reasons),
            posting=built,
            changes=changes + resent,
            target_key=found.record_key,
        )
    namesakes = [c for c in lookup.by_name.get(name_key(built.name), ()) if c.customer_id != cid]
    if namesakes and not options.create_on_name_match and (row is None or not row.has_target):
        others = ", ".join(sorted(c.customer_id for c in namesakes))
        return act(
            "conflict",
            f"no Intacct customer {cid}, but {others} has the same name {built.name!r}",
            posting=built,
            fix=f"If it is the same customer, map this OfficeRnD {src.kind} to Intacct id "
            f"{namesakes[0].customer_id} in the mapping's customer overrides (it is then "
            "adopted); if not, set create_on_name_match or rename one of them. The next sync "
            "then tries again (after a rename in Intacct only, run `orsync sync "
            "--retry-failed`).",
        )
    reason = "new"
    if row is not None and row.status in ("sending", "unconfirmed", "planned"):
        reason = f"the last create ({row.status}) did not reach Intacct: sent again"
    elif row is not None and row.has_target:
        reason = f"the ledger links it, but Intacct has no customer {cid} (deleted?): created again"
    return act("create", reason, posting=built)


def _last_write_differs(
    row: LedgerView | None, built: CustomerPosting, found: ActualCustomer
) -> bool:
    """Whether a posting Intacct may hold from orsync (the ledger's versions stand for them)
    differs from ``built``. False when the ledger knows of none: then nothing is known of the
    fields Intacct does not return, and a customer adopted as it is stays as it is.
    """
    if row is None:
        return False
    held = {row.confirmed_version} if row.confirmed_version is not None else set()
    if row.status == "confirmed" and row.version_hash is not None:
        held = {row.version_hash}
    elif row.status in ("sending", "unconfirmed") and row.version_hash is not None:
        # The last write's outcome was lost: Intacct holds it (a write lands whole or not at
        # all) or still the confirmed version before it.
        held.add(row.version_hash)
    if not held:
        return False
    # A version recorded as the whole posting's hash (earlier releases; reconcile's rebuild)
    # carries the currency Intacct was given at creation, which the read-back returns.
    legacy = version_hash(dataclasses.replace(built, currency=found.currency))
    return any(version not in (customer_version(built), legacy) for version in held)


def diff_customer(
    expected: CustomerPosting,
    actual: ActualCustomer,
    fields: Collection[str] = UPDATABLE_FIELDS,
) -> tuple[FieldChange, ...]:
    """Fields whose Intacct value differs from what OfficeRnD implies (None = not managed),
    among ``fields``: those the read-back of ``actual`` carries."""
    changes: list[FieldChange] = []
    for name in UPDATABLE_FIELDS:
        if name not in fields:
            continue
        new = getattr(expected, name)
        old = getattr(actual, name)
        if name == "address":
            if _address(new) != _address(old):
                changes.append(FieldChange(name, old, new))
            continue
        if new is None:
            continue
        if (old or None) != new:
            changes.append(FieldChange(name, old, new))
    return tuple(changes)


def _address(address: Address | None) -> tuple[str, ...]:
    if address is None:
        return ()
    values = [(v or "").strip() for v in dataclasses.astuple(address)]
    return () if not any(values) else tuple(values)
