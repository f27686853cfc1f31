"""Pure lookups the engine calls: an OfficeRnD value in, an Intacct target or :class:`Unmapped` out.

A value resolves through its own entry (see ``orsync.mapping.matching`` for how keys match),
else through the map's policy: ``default`` uses the default entry, ``skip``/``ignore``/``error``
come back as :class:`Unmapped` with that outcome for the engine to act on. An entry whose target
is ``null`` (unresolved) is always an ``error``, whatever the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from orsync.errors import RecordError
from orsync.mapping.matching import MatchField, OfficeRndValue
from orsync.mapping.model import (
    OPTIONAL_MAPS,
    DimensionEntry,
    LocationEntry,
    Mapping,
    PaymentMethodEntry,
    RevenueAccountEntry,
    TaxRateEntry,
)

Outcome = Literal["error", "skip", "ignore"]
# Why a value is unmapped: no section for it, no entry (and the policy did not supply one), an
# entry still null (unresolved), or an entry lacking the target the invoice type needs.
Cause = Literal["no_section", "not_mapped", "unresolved", "incomplete"]


@dataclass(frozen=True)
class Unmapped:
    """A value the mapping cannot place, and what the engine must do about it.

    ``outcome``: ``error`` - fail the document (report ``hint``); ``skip`` - leave the whole
    document out, reported as skipped; ``ignore`` - post the line without this map's dimensions.
    """

    map_name: str
    value: OfficeRndValue
    outcome: Outcome
    reason: str
    hint: str
    cause: Cause = "not_mapped"

    def message(self) -> str:
        """One line for reports: ``revenue_accounts: code 4999 "Deposits" is not mapped``."""
        return f"{self.map_name}: {self.value.label()} {self.reason}"

    def to_error(self, record: str | None = None) -> RecordError:
        """The per-record error the engine reports for an ``error`` outcome."""
        return RecordError(self.message(), record=record, field=self.map_name, hint=self.hint)


@dataclass(frozen=True)
class Matched:
    """Where a target came from: the map key (``None`` for the default) and the matched field."""

    key: str | None
    field: MatchField | None

    @property
    def by_default(self) -> bool:
        return self.key is None


@dataclass(frozen=True)
class RevenueTarget:
    gl_account: str | None
    item: str | None
    department: str | None
    class_: str | None
    matched: Matched


@dataclass(frozen=True)
class LocationTarget:
    location: str
    entity: str | None
    matched: Matched


@dataclass(frozen=True)
class TaxTarget:
    """Where a rate's tax posts: a tax detail, its own line on ``account`` (GL account for AR,
    item for Sales), or nowhere (``no_tax``: all None; ``in_revenue`` when the mapping says the
    tax is booked inside revenue)."""

    tax_detail: str | None
    matched: Matched
    account: str | None = None
    in_revenue: bool = False


@dataclass(frozen=True)
class PaymentTarget:
    payment_method: str
    bank_account: str | None  # where no entity of ``bank_accounts`` applies
    matched: Matched
    bank_accounts: tuple[tuple[str, str], ...] = ()  # (Intacct entity, bank account)

    def bank_for(self, entity: str | None) -> str | None:
        """The bank account of payments into ``entity`` (None: not mapped there)."""
        return dict(self.bank_accounts).get(entity or "", self.bank_account)


@dataclass(frozen=True)
class DimensionTarget:
    department: str | None
    class_: str | None
    item: str | None
    matched: Matched


def _lookup(
    mapping: Mapping, map_name: str, value: OfficeRndValue
) -> tuple[BaseModel, Matched] | Unmapped:
    section = mapping.map_named(map_name)
    if section is None:
        # Dimension maps are optional overlays: without one, lines simply carry no extra dimension.
        optional = map_name in OPTIONAL_MAPS
        return Unmapped(
            map_name,
            value,
            "ignore" if optional else "error",
            f"cannot be mapped: the mapping file has no {map_name} section",
            f"Add a {map_name} section to the mapping file (see mappings.example.yaml).",
            "no_section",
        )
    found = section.index.find(value)
    if found is not None:
        key, field = found
        entry: BaseModel = section.values[key]
        return entry, Matched(key, field)
    if section.unmapped == "default" and section.default is not None:
        return section.default, Matched(None, None)
    outcome: Outcome = "skip" if section.unmapped == "skip" else "error"
    if section.unmapped == "ignore":
        outcome = "ignore"
    return Unmapped(
        map_name,
        value,
        outcome,
        "is not mapped",
        f"Add it under {map_name}.values in the mapping file "
        f"(key {_suggested_key(value)}), or set {map_name}.unmapped.",
    )


def _suggested_key(value: OfficeRndValue) -> str:
    if value.code:
        return f'"{value.code}"'
    if value.name:
        return f'"{value.name}"'
    return f'"id:{value.id}"'


def _unresolved(map_name: str, value: OfficeRndValue, matched: Matched, field: str) -> Unmapped:
    where = f"{map_name}.values.{matched.key}" if matched.key else f"{map_name}.default"
    return Unmapped(
        map_name,
        value,
        "error",
        f"has no {field} yet ({where} is unresolved)",
        f"Fill in {where}.{field} with an Intacct id, then run `orsync map check`.",
        "unresolved",
    )


def resolve_revenue_account(
    mapping: Mapping,
    value: OfficeRndValue,
    invoice_type: Literal["ar", "sales"] | None = None,
) -> RevenueTarget | Unmapped:
    """GL account (AR) or item (Sales) for a line's revenue account.

    ``invoice_type`` defaults to the file's ``options.invoice_type``; the target the invoice type
    needs must be present and resolved.
    """
    looked = _lookup(mapping, "revenue_accounts", value)
    if isinstance(looked, Unmapped):
        return looked
    entry, matched = looked
    assert isinstance(entry, RevenueAccountEntry)
    kind = invoice_type or mapping.options.invoice_type or "ar"
    needed = "gl_account" if kind == "ar" else "item"
    for field in ("gl_account", "item", "department", "class_"):
        if field in entry.model_fields_set and getattr(entry, field) is None:
            return _unresolved("revenue_accounts", value, matched, field.rstrip("_"))
    if getattr(entry, needed) is None:
        return Unmapped(
            "revenue_accounts",
            value,
            "error",
            f"has no {needed}, which {kind} invoices need",
            f"Add {needed} to its revenue_accounts entry.",
            "incomplete",
        )
    return RevenueTarget(entry.gl_account, entry.item, entry.department, entry.class_, matched)


def resolve_location(mapping: Mapping, value: OfficeRndValue) -> LocationTarget | Unmapped:
    """Intacct location and entity for an invoice's (or line's) OfficeRnD location."""
    looked = _lookup(mapping, "locations", value)
    if isinstance(looked, Unmapped):
        return looked
    entry, matched = looked
    assert isinstance(entry, LocationEntry)
    if entry.location is None:
        return _unresolved("locations", value, matched, "location")
    if "entity" in entry.model_fields_set and entry.entity is None:
        return _unresolved("locations", value, matched, "entity")
    return LocationTarget(entry.location, entry.entity, matched)


def resolve_tax_rate(
    mapping: Mapping,
    value: OfficeRndValue | None,
    invoice_type: Literal["ar", "sales"] | None = None,
) -> TaxTarget | Unmapped:
    """Where a line's tax posts; a line without a tax rate posts without tax.

    A rate mapped to a liability account needs the target the invoice type posts lines to
    (``gl_account`` for AR, ``item`` for Sales), as revenue accounts do.
    """
    if value is None:
        return TaxTarget(None, Matched(None, None))
    looked = _lookup(mapping, "tax_rates", value)
    if isinstance(looked, Unmapped):
        return looked
    entry, matched = looked
    assert isinstance(entry, TaxRateEntry)
    if entry.no_tax:
        return TaxTarget(None, matched, in_revenue=entry.tax_included_in_revenue)
    for field in ("tax_detail", "gl_account", "item"):
        if field in entry.model_fields_set and getattr(entry, field) is None:
            return _unresolved("tax_rates", value, matched, field)
    if entry.tax_detail is not None:
        return TaxTarget(entry.tax_detail, matched)
    if entry.gl_account is None and entry.item is None:
        return _unresolved("tax_rates", value, matched, "tax_detail")
    kind = invoice_type or mapping.options.invoice_type or "ar"
    needed = "gl_account" if kind == "ar" else "item"
    account = entry.gl_account if kind == "ar" else entry.item
    if account is None:
        return Unmapped(
            "tax_rates",
            value,
            "error",
            f"posts its tax to a liability account but has no {needed}, which {kind} invoices need",
            f"Add {needed} to its tax_rates entry.",
            "incomplete",
        )
    return TaxTarget(None, matched, account=account)


def resolve_payment_method(mapping: Mapping, value: OfficeRndValue) -> PaymentTarget | Unmapped:
    """Intacct payment method and bank account for an OfficeRnD payment method name."""
    looked = _lookup(mapping, "payment_methods", value)
    if isinstance(looked, Unmapped):
        return looked
    entry, matched = looked
    assert isinstance(entry, PaymentMethodEntry)
    if entry.payment_method is None:
        return _unresolved("payment_methods", value, matched, "payment_method")
    if entry.bank_account is None and not entry.bank_accounts:
        return _unresolved("payment_methods", value, matched, "bank_account")
    return PaymentTarget(
        entry.payment_method,
        entry.bank_account,
        matched,
        tuple(sorted(entry.bank_accounts.items())),
    )


def resolve_dimensions(
    mapping: Mapping, map_name: Literal["plans", "fees", "resource_types"], value: OfficeRndValue
) -> DimensionTarget | Unmapped:
    """Department, class and item that a plan, fee or resource type puts on its lines."""
    looked = _lookup(mapping, map_name, value)
    if isinstance(looked, Unmapped):
        return looked
    entry, matched = looked
    assert isinstance(entry, DimensionEntry)
    for field in ("department", "class_", "item"):
        if field in entry.model_fields_set and getattr(entry, field) is None:
            return _unresolved(map_name, value, matched, field.rstrip("_"))
    return DimensionTarget(entry.department, entry.class_, entry.item, matched)
