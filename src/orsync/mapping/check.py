"""``map check``: is every value in use covered, and does every target exist, active and reachable?

Offline (no Intacct lists, no values in use) it reports the unresolved entries of the file.
Given the values in use it measures coverage per map and reports each value that would fail.
Given Intacct's lists it checks every target the file names: it exists, is active, and can be
used from the entity it will post in - the entity of the location where the value is used
(``OfficeRndValue.locations`` when known, else every location in use).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from orsync.mapping.catalog import FeeGroup, IntacctCatalog, IntacctRecord, ValuesInUse
from orsync.mapping.matching import OfficeRndValue
from orsync.mapping.model import (
    MAP_NAMES,
    OPTIONAL_MAPS,
    LocationEntry,
    Mapping,
    PaymentMethodEntry,
)
from orsync.mapping.resolve import (
    LocationTarget,
    Unmapped,
    resolve_dimensions,
    resolve_location,
    resolve_payment_method,
    resolve_revenue_account,
    resolve_tax_rate,
)

GapKind = Literal[
    "unmapped",
    "unresolved",
    "incomplete",
    "missing",
    "inactive",
    "unreachable",
    "entity_mismatch",
    "rate_mismatch",
    "tax_dropped",
]

# Which Intacct list each target field names.
_LISTS: dict[str, str] = {
    "gl_account": "gl_accounts",
    "item": "items",
    "department": "departments",
    "class_": "classes",
    "location": "locations",
    "entity": "entities",
    "tax_detail": "tax_details",
    "bank_account": "checking_accounts",
}
_TARGET_FIELDS = tuple(_LISTS)


@dataclass(frozen=True)
class Gap:
    """One thing to fix, with the text that says how."""

    map_name: str
    key: str | None  # the map key involved; None for the default or a value with no entry
    value: str  # the OfficeRnD value or Intacct target concerned, as a person reads it
    kind: GapKind
    message: str
    fix: str


@dataclass(frozen=True)
class Coverage:
    """How many values in use a map covers: by an entry, by its default, or by its policy."""

    map_name: str
    total: int
    mapped: int = 0
    by_default: int = 0
    by_policy: int = 0  # skip or ignore: covered on purpose, nothing posted for them

    @property
    def covered(self) -> int:
        return self.mapped + self.by_default + self.by_policy


@dataclass(frozen=True)
class CheckReport:
    coverage: tuple[Coverage, ...] = ()
    gaps: tuple[Gap, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.gaps


def check_mapping(
    mapping: Mapping,
    used: ValuesInUse | None = None,
    catalog: IntacctCatalog | None = None,
    *,
    invoice_type: Literal["ar", "sales"] | None = None,
) -> CheckReport:
    """Check ``mapping``; pass ``used`` and ``catalog`` for the live part. Deterministic order."""
    gaps: list[Gap] = list(_unresolved_entries(mapping))
    coverage: list[Coverage] = []
    if used is not None:
        for name in MAP_NAMES:
            values = used.of(name)
            present = mapping.map_named(name) is not None
            if present or (values and name not in OPTIONAL_MAPS):
                if name == "fees" and used.fee_groups:
                    cov, found = _fee_coverage(mapping, used.fee_groups)
                else:
                    cov, found = _coverage(mapping, name, values, invoice_type)
                coverage.append(cov)
                gaps.extend(found)
        gaps.extend(_dropped_tax(mapping, used.tax_rates))
    if catalog is not None:
        gaps.extend(_targets(mapping, used, catalog))
    order = {name: index for index, name in enumerate(("options", *MAP_NAMES))}
    gaps.sort(key=lambda g: (order.get(g.map_name, 99), g.key or "", g.value, g.kind, g.message))
    return CheckReport(tuple(coverage), tuple(dict.fromkeys(gaps)))


def _entries(mapping: Mapping, name: str) -> Iterator[tuple[str | None, BaseModel]]:
    section = mapping.map_named(name)
    if section is None:
        return
    if section.default is not None:
        yield None, section.default
    yield from section.values.items()


def _unresolved_entries(mapping: Mapping) -> Iterator[Gap]:
    for name in MAP_NAMES:
        for key, entry in _entries(mapping, name):
            for target in (*_TARGET_FIELDS, "payment_method"):
                if target in entry.model_fields_set and getattr(entry, target) is None:
                    label = target.rstrip("_")
                    where = f"{name}.values.{key}" if key is not None else f"{name}.default"
                    yield Gap(
                        name,
                        key,
                        key or "default",
                        "unresolved",
                        f"{where}.{label} is unresolved",
                        f"Set {label} to the Intacct id it should post to.",
                    )


def _resolve(
    mapping: Mapping, name: str, value: OfficeRndValue, invoice_type: Literal["ar", "sales"] | None
) -> object:
    if name == "revenue_accounts":
        return resolve_revenue_account(mapping, value, invoice_type)
    if name == "locations":
        return resolve_location(mapping, value)
    if name == "tax_rates":
        return resolve_tax_rate(mapping, value, invoice_type)
    if name == "payment_methods":
        return resolve_payment_method(mapping, value)
    if name == "plans":
        return resolve_dimensions(mapping, "plans", value)
    if name == "fees":
        return resolve_dimensions(mapping, "fees", value)
    return resolve_dimensions(mapping, "resource_types", value)


def _coverage(
    mapping: Mapping,
    name: str,
    values: Sequence[OfficeRndValue],
    invoice_type: Literal["ar", "sales"] | None,
) -> tuple[Coverage, list[Gap]]:
    mapped = by_default = by_policy = 0
    gaps: list[Gap] = []
    for value in values:
        result = _resolve(mapping, name, value, invoice_type)
        if isinstance(result, Unmapped):
            if result.outcome != "error":
                by_policy += 1
            elif result.cause != "unresolved":  # unresolved entries are reported once, above
                kind: GapKind = "incomplete" if result.cause == "incomplete" else "unmapped"
                gaps.append(Gap(name, None, value.label(), kind, result.message(), result.hint))
            continue
        matched = getattr(result, "matched")  # noqa: B009
        if matched.by_default:
            by_default += 1
        else:
            mapped += 1
    return Coverage(name, len(values), mapped, by_default, by_policy), gaps


def _dropped_tax(mapping: Mapping, values: Sequence[OfficeRndValue]) -> Iterator[Gap]:
    """A rate above 0 % mapped to ``no_tax`` would post documents short of their tax, unless
    the entry says the operator books that tax inside revenue (``tax_included_in_revenue``)."""
    for value in values:
        if value.rate is None or value.rate <= 0:
            continue
        result = resolve_tax_rate(mapping, value)
        if isinstance(result, Unmapped) or result.tax_detail or result.account:
            continue
        if result.in_revenue:
            continue
        where = f"tax_rates.values.{result.matched.key}" if result.matched.key else "tax_rates"
        yield Gap(
            "tax_rates", result.matched.key, value.label(), "tax_dropped",
            f"{where}: OfficeRnD tax rate {value.label()} is {value.rate}% but maps to no_tax, "
            "so Intacct would get every document without its tax",
            "Map the rate to a tax_detail, or to the sales-tax liability gl_account its tax "
            "posts to; or, if the tax really is booked inside revenue, add "
            "tax_included_in_revenue: true.",
        )  # fmt: skip


def _fee_coverage(mapping: Mapping, groups: Sequence[FeeGroup]) -> tuple[Coverage, list[Gap]]:
    """Coverage of the fees map counted per fee group (what decides a fee's posting), never per
    fee name: a group is covered when each name it showed resolves and, when it showed more
    names than it kept (one per booking), the map's policy covers any other name."""
    mapped = by_default = by_policy = 0
    gaps: list[Gap] = []
    # What a name no key matches gets: the map's policy (a value with no id, code or name).
    unseen = resolve_dimensions(mapping, "fees", OfficeRndValue())
    others_fail = isinstance(unseen, Unmapped) and unseen.outcome == "error"
    for group in groups:
        results = [(name, resolve_dimensions(mapping, "fees", name)) for name in group.names]
        failing = [
            (name, result)
            for name, result in results
            if isinstance(result, Unmapped) and result.outcome == "error"
        ]
        open_ended = not group.complete and others_fail
        for name, result in [] if open_ended else failing:  # the group's gap says it all
            if isinstance(result, Unmapped) and result.cause != "unresolved":
                kind: GapKind = "incomplete" if result.cause == "incomplete" else "unmapped"
                gaps.append(Gap("fees", None, name.label(), kind, result.message(), result.hint))
        if open_ended:
            examples = ", ".join(f'"{n.name}"' for n in group.names[:3] if n.name)
            gaps.append(
                Gap(
                    "fees",
                    None,
                    group.label(),
                    "unmapped",
                    f"fees: the fees billed through {group.label()} have more names than a "
                    f"mapping can list (e.g. {examples})",
                    "Give their plan (plans:) or resource type (resource_types:) the "
                    "dimensions instead, and set fees.unmapped to ignore.",
                )
            )
        if failing or open_ended:
            continue
        outcomes = [r for _, r in results] + ([] if group.complete else [unseen])
        matched = [r for r in outcomes if not isinstance(r, Unmapped)]
        if len(matched) < len(outcomes):
            by_policy += 1
        elif any(getattr(r, "matched").by_default for r in matched):  # noqa: B009
            by_default += 1
        else:
            mapped += 1
    return Coverage("fees", len(groups), mapped, by_default, by_policy), gaps


def _targets(mapping: Mapping, used: ValuesInUse | None, catalog: IntacctCatalog) -> Iterator[Gap]:
    lists: dict[str, dict[str, IntacctRecord]] = {
        list_name: {record.id: record for record in getattr(catalog, list_name)}
        for list_name in set(_LISTS.values())
    }
    location_entities = _location_entities(mapping, used, lists["locations"])
    for name in MAP_NAMES:
        reach = _reach(mapping, name, used, location_entities)
        for key, entry in _entries(mapping, name):
            for target in _TARGET_FIELDS:
                if target not in type(entry).model_fields:
                    continue
                wanted = getattr(entry, target)
                if wanted is None:
                    continue
                yield from _target_gaps(
                    name, key, target, wanted, lists[_LISTS[target]], reach.get(key, set())
                )
            if isinstance(entry, LocationEntry):
                yield from _entity_match(name, key, entry, lists["locations"])
            if isinstance(entry, PaymentMethodEntry):
                for entity, bank in sorted(entry.bank_accounts.items()):
                    yield from _target_gaps(
                        name, key, "bank_account", bank, lists["checking_accounts"], {entity}
                    )
            yield from _rate_match(mapping, name, key, entry, used, lists["tax_details"])
    account = mapping.options.overpayment_account
    if account is not None:
        yield from _target_gaps("options", None, "gl_account", account, lists["gl_accounts"], set())


def _target_gaps(
    name: str,
    key: str | None,
    target: str,
    wanted: str,
    records: dict[str, IntacctRecord],
    entities: set[str],
) -> Iterator[Gap]:
    label = target.rstrip("_")
    where = f"{name}.values.{key}.{label}" if key else f"{name}.default.{label}"
    if name == "options":
        where = "options.overpayment_account"
    record = records.get(wanted)
    if record is None:
        close = [r.id for r in records.values() if r.id.casefold() == wanted.casefold()]
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        yield Gap(
            name, key, wanted, "missing",
            f"{where}: no Intacct {label} {wanted!r}{hint}",
            f"Use an existing Intacct {label} id, or create {wanted!r} in Intacct.",
        )  # fmt: skip
        return
    if not record.active:
        yield Gap(
            name, key, wanted, "inactive",
            f"{where}: Intacct {label} {wanted!r} is {record.status}",
            f"Reactivate {wanted!r} in Intacct, or map to an active {label}.",
        )  # fmt: skip
    if record.entities is not None and target != "location":
        for entity in sorted(entities - record.entities):
            yield Gap(
                name, key, wanted, "unreachable",
                f"{where}: Intacct {label} {wanted!r} cannot be used from entity {entity!r} "
                f"(restricted to {', '.join(sorted(record.entities))})",
                f"Share {wanted!r} with entity {entity!r} in Intacct, or map the values posted "
                f"there to a {label} that entity can use.",
            )  # fmt: skip


def _location_entities(
    mapping: Mapping, used: ValuesInUse | None, locations: dict[str, IntacctRecord]
) -> dict[str, str]:
    """Entity of each OfficeRnD location in use (by OfficeRnD id), as the mapping places it."""
    result: dict[str, str] = {}
    for value in used.locations if used is not None else ():
        target = resolve_location(mapping, value)
        if not isinstance(target, LocationTarget) or value.id is None:
            continue
        entity = target.entity
        record = locations.get(target.location)
        if entity is None and record is not None and record.entities:
            entity = sorted(record.entities)[0]
        if entity is not None:
            result[value.id] = entity
    return result


def _reach(
    mapping: Mapping, name: str, used: ValuesInUse | None, location_entities: dict[str, str]
) -> dict[str | None, set[str]]:
    """For each key of the map (``None`` = default), the entities its values post in."""
    reach: dict[str | None, set[str]] = {}
    if used is None or name == "locations":
        return reach
    everywhere = set(location_entities.values())
    for value in used.of(name):
        result = _resolve(mapping, name, value, None)
        matched = getattr(result, "matched", None)
        if matched is None:
            continue
        if value.locations is None:
            entities = everywhere
        else:
            entities = {location_entities[i] for i in value.locations if i in location_entities}
        reach.setdefault(matched.key, set()).update(entities)
    return reach


def _entity_match(
    name: str, key: str | None, entry: LocationEntry, locations: dict[str, IntacctRecord]
) -> Iterator[Gap]:
    record = locations.get(entry.location or "")
    if record is None or record.entities is None or entry.entity is None:
        return
    if entry.entity not in record.entities:
        owner = ", ".join(sorted(record.entities))
        where = f"{name}.values.{key}" if key else f"{name}.default"
        yield Gap(
            name, key, entry.location or "", "entity_mismatch",
            f"{where}: Intacct location {entry.location!r} belongs to entity {owner}, "
            f"not {entry.entity!r}",
            f"Set entity to {owner}, or pick a location of entity {entry.entity!r}.",
        )  # fmt: skip


def _rate_match(
    mapping: Mapping,
    name: str,
    key: str | None,
    entry: BaseModel,
    used: ValuesInUse | None,
    details: dict[str, IntacctRecord],
) -> Iterator[Gap]:
    if name != "tax_rates" or used is None:
        return
    wanted = getattr(entry, "tax_detail", None)
    record = details.get(wanted or "")
    if record is None or record.rate is None:
        return
    for value in used.tax_rates:
        result = resolve_tax_rate(mapping, value)
        if getattr(result, "matched", None) is None or value.rate is None:
            continue
        if getattr(result, "matched").key == key and value.rate != record.rate:  # noqa: B009
            yield Gap(
                name, key, value.label(), "rate_mismatch",
                f"OfficeRnD tax rate {value.label()} is {value.rate}% but Intacct tax detail "
                f"{wanted!r} is {record.rate}%",
                "Map the rate to a tax detail with the same percentage.",
            )  # fmt: skip
