"""Which OfficeRnD values the documents to sync actually use (input of ``map init``/``map check``).

Works on the records exactly as the OfficeRnD v2 API returns them (reference section 5):
documents from ``/payments`` reference ids (``location``, ``lines[].account``, ``lines[].taxRate``,
``lines[].plan``, ``lines[].fee``, ``lines[].location``), charges name their payment method in
``account``, and the reference lists give each id its code and name. Drafts are not synced, so
their values are not "in use". An id missing from its reference list is still in use: it is
returned with the id alone, and ``map check`` reports it unmapped rather than hiding it.

:class:`UsageTally` keeps what the documents use, never the documents: a location set per value,
and fees grouped by what decides their posting (the line's plan or resource rate and its revenue
account) with a few of their names, so it stays small however long the history and however
many bookings OfficeRnD names one by one. It is plain data (``to_json``/``from_json``): ``map``
keeps it in the profile's state and adds to it only the documents changed since.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orsync.mapping.catalog import FeeGroup, ValuesInUse
from orsync.mapping.matching import OfficeRndValue, normalize

Record = Mapping[str, object]


def _text(record: Record, key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _rate(record: Record) -> Decimal | None:
    value = record.get("rate")
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_REFERENCE_MAPS = ("revenue_accounts", "locations", "tax_rates", "plans")
# Distinct names a fee group keeps: a one-off charge has one name, a booking one per booking.
NAMES_KEPT = 10
RESOURCE_RATE = "ResourceRate"  # a fee's planType when it bills a resource rate (a booking)
TALLY_FORMAT = 1


def _known(reference: Iterable[Record]) -> dict[str, Record]:
    return {str(r["_id"]): r for r in reference if r.get("_id") is not None}


def _value(ref: str, known: Mapping[str, Record], where: set[str] | None) -> OfficeRndValue:
    record = known.get(ref, {})
    return OfficeRndValue(
        id=ref,
        code=_text(record, "code"),
        name=_text(record, "name"),
        rate=_rate(record),
        # An unused value has no known place: check it against every location.
        locations=frozenset(where) if where is not None else None,
    )


@dataclass
class _FeeGroup:
    plan: str | None
    account: str | None
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # normalized -> (id, name)
    complete: bool = True
    lines: int = 0
    locations: set[str] = field(default_factory=set)
    example: str | None = None  # one fee id, to learn the group's planType
    plan_type: str | None = None  # None: not asked yet; "": asked, unknown

    def add(self, fee_id: str, name: str | None, where: str | None) -> None:
        self.lines += 1
        if where:
            self.locations.add(where)
        if self.example is None:
            self.example = fee_id
        label = name or ""
        key = normalize(label)
        if key in self.names:
            return
        if len(self.names) < NAMES_KEPT:
            self.names[key] = (fee_id, label)
        else:
            self.complete = False


class UsageTally:
    """The values documents use, added one document at a time (see the module doc)."""

    def __init__(self, *, keep_headers: bool = False) -> None:
        # keep_headers: remember each document's location (charges name their invoice only).
        self.refs: dict[str, dict[str, set[str]]] = {name: {} for name in _REFERENCE_MAPS}
        self.fee_groups: dict[tuple[str | None, str | None], _FeeGroup] = {}
        self.documents = 0
        self._header_locations: dict[str, str] = {}
        self._keep_headers = keep_headers

    def _use(self, map_name: str, ref: object, where: str | None) -> None:
        if not isinstance(ref, str) or not ref:
            return
        places = self.refs[map_name].setdefault(ref, set())
        if where:
            places.add(where)

    def add(self, document: Record, *, new: bool = True) -> bool:
        """Count one invoice or credit note (drafts are not synced, so they do not count);
        ``new`` False: a document counted before, changed since (its values are added, the
        count stays). Whether it counted at all (not a draft)."""
        if str(document.get("status") or "").lower() == "draft":
            return False
        if new:
            self.documents += 1
        header_location = document.get("location")
        header = header_location if isinstance(header_location, str) and header_location else None
        if self._keep_headers and isinstance(document.get("_id"), str) and header:
            self._header_locations[str(document["_id"])] = header
        lines = document.get("lines")
        for line in lines if isinstance(lines, list) else ():
            if not isinstance(line, Mapping):
                continue
            line_location = line.get("location")
            where = line_location if isinstance(line_location, str) and line_location else header
            self._use("locations", where, where)
            self._use("revenue_accounts", line.get("account"), where)
            self._use("tax_rates", line.get("taxRate"), where)
            self._use("plans", line.get("plan"), where)
            fee = line.get("fee")
            if isinstance(fee, str) and fee:
                plan, account = line.get("plan"), line.get("account")
                key = (
                    plan if isinstance(plan, str) and plan else None,
                    account if isinstance(account, str) and account else None,
                )
                group = self.fee_groups.get(key)
                if group is None:
                    group = self.fee_groups[key] = _FeeGroup(*key)
                group.add(fee, _text(line, "description"), where)
        self._use("locations", header, header)
        return True

    def header_location(self, document_id: str) -> str | None:
        return self._header_locations.get(document_id)

    # -- fee kinds -------------------------------------------------------------------------------

    def fees_to_classify(self) -> list[str]:
        """One fee id per group whose planType is not known yet (a look-up of a few fees)."""
        return sorted(
            group.example
            for group in self.fee_groups.values()
            if group.plan_type is None and group.example is not None
        )

    def classify_fees(self, plan_types: Mapping[str, str | None]) -> None:
        """Record the planType of each group's example fee (a fee not found stays unknown)."""
        for group in self.fee_groups.values():
            if group.plan_type is None and group.example is not None:
                group.plan_type = plan_types.get(group.example) or ""

    # -- kept as JSON ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": TALLY_FORMAT,
            "documents": self.documents,
            "refs": {
                name: {ref: sorted(places) for ref, places in sorted(values.items())}
                for name, values in self.refs.items()
            },
            "fee_groups": [
                {
                    "plan": g.plan,
                    "account": g.account,
                    "names": [list(pair) for _, pair in sorted(g.names.items())],
                    "complete": g.complete,
                    "lines": g.lines,
                    "locations": sorted(g.locations),
                    "example": g.example,
                    "plan_type": g.plan_type,
                }
                for g in self.fee_groups.values()
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UsageTally:
        """The tally ``to_json`` wrote; ValueError when it is not one (then scan afresh)."""
        try:
            if data.get("format") != TALLY_FORMAT:
                raise ValueError("another format")
            tally = cls()
            tally.documents = int(data["documents"])
            for name in _REFERENCE_MAPS:
                tally.refs[name] = {
                    str(ref): {str(p) for p in places} for ref, places in data["refs"][name].items()
                }
            for raw in data["fee_groups"]:
                group = _FeeGroup(raw["plan"], raw["account"])
                group.names = {normalize(str(n)): (str(i), str(n)) for i, n in raw["names"]}
                group.complete = bool(raw["complete"])
                group.lines = int(raw["lines"])
                group.locations = {str(p) for p in raw["locations"]}
                group.example = raw["example"]
                group.plan_type = raw["plan_type"]
                tally.fee_groups[(group.plan, group.account)] = group
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a usage tally: {error}") from None
        return tally

    # -- the values ------------------------------------------------------------------------------

    def values(
        self,
        *,
        revenue_accounts: Iterable[Record] = (),
        locations: Iterable[Record] = (),
        tax_rates: Iterable[Record] = (),
        plans: Iterable[Record] = (),
        include_unused: bool = False,
    ) -> ValuesInUse:
        """The values in use, named from the reference lists (sorted by id). With
        ``include_unused`` every record of the lists is included too: ``map init`` on a new
        organization, with no invoice yet, still writes a complete file."""
        known = {
            "revenue_accounts": _known(revenue_accounts),
            "locations": _known(locations),
            "tax_rates": _known(tax_rates),
            "plans": _known(plans),
        }
        per_map: dict[str, tuple[OfficeRndValue, ...]] = {}
        for name in _REFERENCE_MAPS:
            used = self.refs[name]
            refs = set(used) | (set(known[name]) if include_unused else set())
            per_map[name] = tuple(_value(ref, known[name], used.get(ref)) for ref in sorted(refs))
        groups = self._groups(known)
        return ValuesInUse(
            revenue_accounts=per_map["revenue_accounts"],
            locations=per_map["locations"],
            tax_rates=per_map["tax_rates"],
            plans=per_map["plans"],
            fees=tuple(name for group in groups for name in group.names),
            resource_types=_resource_types(groups),
            fee_groups=groups,
        )

    def _groups(self, known: Mapping[str, Mapping[str, Record]]) -> tuple[FeeGroup, ...]:
        result = []
        for group in self.fee_groups.values():
            places = frozenset(group.locations) or None
            plan = known["plans"].get(group.plan or "", {})
            kind = _text(plan, "type") if group.plan_type == RESOURCE_RATE else None
            result.append(
                FeeGroup(
                    plan=_value(group.plan, known["plans"], group.locations)
                    if group.plan
                    else None,
                    revenue_account=(
                        _value(group.account, known["revenue_accounts"], group.locations)
                        if group.account
                        else None
                    ),
                    resource_type=kind,
                    names=tuple(
                        OfficeRndValue(id=fee_id, name=name or None, locations=places)
                        for _, (fee_id, name) in sorted(group.names.items())
                    ),
                    complete=group.complete,
                    lines=group.lines,
                    locations=places,
                )
            )
        result.sort(key=lambda g: (-g.lines, g.label()))
        return tuple(result)


def _resource_types(groups: Iterable[FeeGroup]) -> tuple[OfficeRndValue, ...]:
    where: dict[str, set[str]] = {}
    for group in groups:
        if group.resource_type:
            where.setdefault(group.resource_type, set()).update(group.locations or ())
    return tuple(
        OfficeRndValue(name=name, locations=frozenset(places) if places else None)
        for name, places in sorted(where.items())
    )


def values_in_use(
    documents: Iterable[Record],
    *,
    revenue_accounts: Iterable[Record] = (),
    locations: Iterable[Record] = (),
    tax_rates: Iterable[Record] = (),
    plans: Iterable[Record] = (),
    fees: Iterable[Record] = (),
    charges: Iterable[Record] = (),
    payment_methods: Iterable[str] = (),
    include_unused: bool = False,
) -> ValuesInUse:
    """The values used by ``documents`` (invoices, credit notes) and ``charges``, sorted by id.

    ``fees`` (the fee records, when at hand) tell which fee groups bill resource rates.
    Payment methods are names: they come out with ``name`` set, keyed by that name. With
    ``include_unused`` every record of the reference lists (and every name in
    ``payment_methods``) is included too.
    """
    tally = UsageTally(keep_headers=True)
    for document in documents:
        tally.add(document)
    fee_records = _known(fees)
    if fee_records:
        tally.classify_fees(
            {fee_id: _text(record, "planType") for fee_id, record in fee_records.items()}
        )
    used = tally.values(
        revenue_accounts=revenue_accounts,
        locations=locations,
        tax_rates=tax_rates,
        plans=plans,
        include_unused=include_unused,
    )
    methods: dict[str, set[str]] = {}
    for charge in charges:
        name = _text(charge, "account")
        if name is None:
            continue
        where = tally.header_location(str(charge.get("payment")))
        methods.setdefault(name, set()).update({where} if where else set())
    if include_unused:
        for name in payment_methods:
            methods.setdefault(name, set())
    return dataclasses.replace(
        used,
        payment_methods=tuple(
            OfficeRndValue(name=name, locations=frozenset(where) if where else None)
            for name, where in sorted(methods.items())
        ),
    )
