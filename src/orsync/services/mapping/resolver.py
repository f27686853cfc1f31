"""The engine's ``Resolver`` on top of a mapping file, and the run's ``EngineOptions``.

:class:`MappingResolver` answers the engine (``orsync.engine.build.Resolver``) from the pure
resolution of :mod:`orsync.mapping`, turning OfficeRnD ids into the values the mapping keys match
(id, code, name) through the run's :class:`~orsync.services.convert.officernd.ReferenceData`.

Customer ids need the whole OfficeRnD record (templates may read ``properties``), which the
engine's ``SourceCustomer`` does not carry: convert customers with :meth:`MappingResolver.customer`
(it renders and remembers the id), then the engine's ``customer_id`` and
:meth:`MappingResolver.customer_id_of` answer from memory.

Option precedence (:func:`engine_options`), the one place it is decided: **the mapping file's
``options`` win over the profile's settings**, because the file is the reviewed, versioned
description of how documents post; the profile (written by ``connect``) fills what the file
leaves out. :func:`option_conflicts` lists where the two disagree so commands can warn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from orsync.config import Profile
from orsync.engine.build import NO_TAX, Dimensions, LocationTarget, RevenueTarget, TaxTreatment
from orsync.engine.model import (
    CustomerKind,
    CustomerRef,
    SourceCustomer,
    SourceDocument,
    SourceLine,
    TaxRateRef,
)
from orsync.engine.model import Unmapped as EngineUnmapped
from orsync.engine.options import EngineOptions
from orsync.env import may_exist
from orsync.errors import ConfigError, InternalError
from orsync.mapping import (
    DimensionTarget,
    Mapping,
    OfficeRndValue,
    Unmapped,
    load_mapping,
    render_customer_id,
    resolve_dimensions,
    resolve_location,
    resolve_revenue_account,
    resolve_tax_rate,
)
from orsync.mapping import (
    LocationTarget as MappedLocation,
)
from orsync.mapping import (
    RevenueTarget as MappedRevenue,
)
from orsync.mapping import (
    TaxTarget as MappedTax,
)
from orsync.mapping.model import Options
from orsync.officernd.models import Company, Member
from orsync.services.convert import ReferenceData, source_customer, template_record

# How the engine names each map in its problems ("revenue account '4600' is not mapped").
WHAT: dict[str, str] = {
    "revenue_accounts": "revenue account",
    "locations": "location",
    "tax_rates": "tax rate",
    "payment_methods": "payment method",
    "plans": "plan",
    "fees": "fee",
    "resource_types": "resource type",
    "customers": "customer",
}

DimensionMapName = Literal["plans", "fees", "resource_types"]


def to_engine_unmapped(unmapped: Unmapped) -> EngineUnmapped:
    """The mapping's answer in the engine's terms (what, value, fix)."""
    return EngineUnmapped(
        WHAT.get(unmapped.map_name, unmapped.map_name), _label(unmapped), unmapped.hint
    )


def _label(unmapped: Unmapped) -> str:
    value = unmapped.value
    return value.code or value.name or value.id or "(none)"


@dataclass(frozen=True)
class _Overlay:
    """What the plan, fee and resource type of a line add to it (most specific last)."""

    targets: tuple[DimensionTarget, ...]
    unmapped: Unmapped | None


class MappingResolver:
    """Implements ``orsync.engine.build.Resolver`` for one mapping and one run's reference data.

    Precedence on a line, most specific last (a later non-empty value wins): the revenue
    account's department/class/item, then the resource type's, the fee's, the plan's.
    Resolutions are cached per OfficeRnD id for the run (the reference data does not change).
    """

    def __init__(self, mapping: Mapping, reference: ReferenceData, options: EngineOptions) -> None:
        self.mapping = mapping
        self.reference = reference
        self.options = options
        self._cache: dict[tuple[str, str | None], object] = {}
        self._customer_ids: dict[tuple[CustomerKind, str], str | Unmapped] = {}
        # Per-line answers depend only on these ids, and every document asks them per line.
        self._revenues: dict[str | None, MappedRevenue | Unmapped] = {}
        self._locations: dict[str | None, MappedLocation | Unmapped] = {}
        self._overlays: dict[tuple[object, str | None], _Overlay] = {}
        self._dimensions: dict[tuple[object, ...], Dimensions | EngineUnmapped] = {}
        self._tax_details: dict[
            tuple[str, Decimal | None, RevenueTarget], TaxTreatment | EngineUnmapped
        ] = {}

    # -- helpers ------------------------------------------------------------------------------

    def _cached(self, key: tuple[str, str | None], compute: Callable[[], object]) -> object:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _revenue(self, account_id: str | None) -> MappedRevenue | Unmapped:
        # Asked for every line of every document: a plain dict lookup once resolved.
        found = self._revenues.get(account_id)
        if found is None:
            found = self._revenues[account_id] = resolve_revenue_account(
                self.mapping,
                self.reference.revenue_account_value(account_id),
                self.options.invoice_type,
            )
        return found

    def _location(self, location_id: str | None) -> MappedLocation | Unmapped:
        found = self._locations.get(location_id)
        if found is None:
            found = self._locations[location_id] = resolve_location(
                self.mapping, self.reference.location_value(location_id)
            )
        return found

    def _dimension(self, map_name: DimensionMapName, value: OfficeRndValue | None) -> object:
        if value is None:
            return None
        key = value.id or value.name
        return self._cached(
            (map_name, key), lambda: resolve_dimensions(self.mapping, map_name, value)
        )

    def _fee_key(self, fee_id: str | None) -> object:
        """What decides a fee's part in a line's overlay: its id only where a fees key names
        that id; otherwise its name and the plan it bills through (the resource type). One-off
        fees are a fee record per charge, so keyed by id every line would miss the memo.
        Not cached: two dict lookups, and a cache by fee id grew by one entry per booking
        (tens of thousands over a first sync's history)."""
        fee = self.reference.fees.get(fee_id or "")
        fees = self.mapping.map_named("fees")
        if fees is not None and fee_id is not None and fees.index.knows_id(fee_id):
            return ("id", fee_id)
        if fee is None:
            return ("as", None, None, None)
        # Without a fees map only the resource type (from its plan) counts.
        return ("as", fee.name if fees is not None else None, fee.plan_type, fee.plan)

    def _overlay(self, line: SourceLine) -> _Overlay:
        key = (self._fee_key(line.fee_id), line.plan_id)
        found = self._overlays.get(key)
        if found is None:
            found = self._compute_overlay(line)
            if found.unmapped is None:  # a problem names its own fee: kept per line
                self._overlays[key] = found
        return found

    def _compute_overlay(self, line: SourceLine) -> _Overlay:
        reference = self.reference
        found: list[DimensionTarget] = []
        first_error: Unmapped | None = None
        steps: tuple[tuple[DimensionMapName, OfficeRndValue | None], ...] = (
            ("resource_types", reference.resource_type_value(line.fee_id)),
            ("fees", reference.fee_value(line.fee_id) if line.fee_id else None),
            ("plans", reference.plan_value(line.plan_id) if line.plan_id else None),
        )
        for map_name, value in steps:
            result = self._dimension(map_name, value)
            if isinstance(result, DimensionTarget):
                found.append(result)
            elif isinstance(result, Unmapped) and result.outcome == "error" and first_error is None:
                first_error = result
        return _Overlay(tuple(found), first_error)

    # -- the engine's Resolver protocol --------------------------------------------------------

    def revenue_target(self, line: SourceLine, target: RevenueTarget) -> str | EngineUnmapped:
        """GL account (AR) or item (Sales); an item from the plan/fee/resource type wins."""
        result = self._revenue(line.account.id)
        if target == "item":
            overlay = self._overlay(line)
            item = next((t.item for t in reversed(overlay.targets) if t.item), None)
            if item is not None:
                return item
        if isinstance(result, Unmapped):
            return to_engine_unmapped(result)
        chosen = result.gl_account if target == "gl_account" else result.item
        if chosen is None:  # resolve_revenue_account guarantees the needed one; defensive
            return EngineUnmapped(
                "revenue account",
                line.account.code or line.account.id or "(none)",
                f"Add {target} to its revenue_accounts entry.",
            )
        return str(chosen)

    def location_target(self, location_id: str | None) -> LocationTarget | EngineUnmapped:
        result = self._location(location_id)
        if isinstance(result, Unmapped):
            return to_engine_unmapped(result)
        return LocationTarget(location_id=result.location, entity_id=result.entity)

    def tax_treatment(
        self, ref: TaxRateRef | None, target: RevenueTarget
    ) -> TaxTreatment | EngineUnmapped:
        if ref is None:
            return NO_TAX
        key = (ref.id, ref.rate, target)
        if key not in self._tax_details:
            self._tax_details[key] = self._tax_treatment(ref, target)
        return self._tax_details[key]

    def _tax_treatment(
        self, ref: TaxRateRef, target: RevenueTarget
    ) -> TaxTreatment | EngineUnmapped:
        value = self.reference.tax_rate_value(ref.id)
        if value.rate is None and ref.rate is not None:
            value = OfficeRndValue(id=value.id, code=value.code, name=value.name, rate=ref.rate)
        kind: Literal["ar", "sales"] = "ar" if target == "gl_account" else "sales"
        result = self._cached(
            (f"tax_rates:{kind}", ref.id), lambda: resolve_tax_rate(self.mapping, value, kind)
        )
        if isinstance(result, Unmapped):
            return to_engine_unmapped(result)
        assert isinstance(result, MappedTax)
        return TaxTreatment(
            tax_detail=result.tax_detail, account=result.account, in_revenue=result.in_revenue
        )

    def dimensions(self, line: SourceLine, doc: SourceDocument) -> Dimensions | EngineUnmapped:
        del doc  # dimensions come from the line's own references
        key = (line.account.id, self._fee_key(line.fee_id), line.plan_id)
        found = self._dimensions.get(key)
        if found is None:
            found = self._compute_dimensions(line)
            if not isinstance(found, EngineUnmapped):  # a problem names its own fee
                self._dimensions[key] = found
        return found

    def _compute_dimensions(self, line: SourceLine) -> Dimensions | EngineUnmapped:
        department: str | None = None
        class_: str | None = None
        revenue = self._revenue(line.account.id)
        if not isinstance(revenue, Unmapped):
            department = revenue.department
            class_ = revenue.class_
        overlay = self._overlay(line)
        if overlay.unmapped is not None:
            return to_engine_unmapped(overlay.unmapped)
        for target in overlay.targets:
            department = target.department or department
            class_ = target.class_ or class_
        return Dimensions(department_id=department, class_id=class_)

    def customer_id(self, customer: SourceCustomer) -> str:
        """The CUSTOMERID of a customer converted with :meth:`customer`.

        Raises :class:`RecordError` when its templates cannot render an id, and
        :class:`InternalError` for a customer never converted here (its id would be guessed).
        """
        found = self.customer_id_of(CustomerRef(customer.kind, customer.id))
        if found is None:
            raise InternalError(
                f"{customer.kind} {customer.id} was not converted with MappingResolver.customer"
            )
        return found

    # -- beyond the protocol -------------------------------------------------------------------

    def customer(self, record: Company | Member, *, currency: str | None = None) -> SourceCustomer:
        """Convert a billed company/member and remember its rendered CUSTOMERID."""
        converted = source_customer(record, currency=currency)
        kind: CustomerKind = converted.kind
        self._customer_ids[(kind, record.id)] = render_customer_id(
            self.mapping.customers, kind, template_record(record)
        )
        return converted

    def customer_id_of(self, ref: CustomerRef) -> str | None:
        """The CUSTOMERID of a document's customer; None when that customer was not converted.

        Raises :class:`RecordError` (with the fix) when the templates cannot render an id.
        """
        found = self._customer_ids.get((ref.kind, ref.id))
        if found is None or isinstance(found, str):
            return found
        raise found.to_error(record=ref.id)

    def skip_reason(self, doc: SourceDocument) -> str | None:
        """Why ``doc`` is left out on purpose (a location mapped with ``unmapped: skip``).

        The engine's protocol has no "skip" answer, so callers ask this before building: a
        skipped document is reported as skipped, not failed.
        """
        location_ids = {
            doc.location_id,
            *(line.location_id for line in doc.lines if line.location_id),
        }
        for location_id in sorted(location_ids, key=lambda i: i or ""):
            result = self._location(location_id)
            if isinstance(result, Unmapped) and result.outcome == "skip":
                return result.message()
        return None


def needs_fees(mapping: Mapping) -> bool:
    """Whether the run must load OfficeRnD's fees (``load_reference_data(with_fees=...)``): the
    ``fees`` map keys fees by name and ``resource_types`` reads the rate behind a fee."""
    return mapping.fees is not None or mapping.resource_types is not None


# -- options -----------------------------------------------------------------------------------


def engine_options(
    profile: Profile,
    mapping: Mapping,
    *,
    retry_failed: bool = False,
    intacct_closed_through: dt.date | None = None,
) -> EngineOptions:
    """The run's options: the mapping file's ``options`` win, the profile fills the rest.

    The first open Intacct day is the day after the mapping's ``options.books_closed_through``
    (the override), else after ``intacct_closed_through``, what Intacct's
    ``get_closedbooksdate`` said (:func:`needs_closed_books_date`); with neither, Intacct's
    refusal of a write is the only signal.
    """
    sync = profile.sync
    file: Options = mapping.options
    closed = file.books_closed_through or intacct_closed_through
    books_closed_before = None if closed is None else closed + dt.timedelta(days=1)
    definitions = file.transaction_definitions
    return EngineOptions(
        invoice_type=file.invoice_type or sync.invoice_type,
        sales_invoice_definition=definitions.invoice
        if definitions
        else sync.transaction_definition,
        sales_credit_definition=definitions.credit if definitions else sync.credit_definition,
        entity_level=file.entity_level or sync.entity_level,
        numbering=file.numbering or sync.numbering,
        closed_period_policy=file.closed_period or "fail",
        books_closed_before=books_closed_before,
        retry_failed=retry_failed,
        create_on_name_match=bool(file.create_on_name_match),
        fx_rates=file.fx_rates or "officernd",
    )


def states_books_closed(mapping: Mapping) -> bool:
    """Whether the mapping states ``books_closed_through`` (the override of Intacct's own
    closed books date)."""
    return mapping.options.books_closed_through is not None


def needs_closed_books_date(mapping: Mapping) -> bool:
    """Whether a run reads Intacct's closed books date: only when a closed-period policy acts
    on it (``shift`` or ``skip``) and the mapping states no ``books_closed_through`` (which
    wins). Under ``fail`` Intacct's own refusal says the same, so no request is spent."""
    file = mapping.options
    return file.books_closed_through is None and (file.closed_period or "fail") != "fail"


def overpayment_account(profile: Profile, mapping: Mapping) -> str | None:
    """The overpayment GL account, with the same precedence as :func:`engine_options`."""
    return mapping.options.overpayment_account or profile.sync.overpayment_account


def option_conflicts(profile: Profile, mapping: Mapping) -> list[str]:
    """Where the mapping file overrides a different profile setting, one sentence each."""
    sync = profile.sync
    file = mapping.options
    pairs: list[tuple[str, object, object]] = [
        ("invoice_type", file.invoice_type, sync.invoice_type),
        ("entity_level", file.entity_level, sync.entity_level),
        ("numbering", file.numbering, sync.numbering),
        ("overpayment_account", file.overpayment_account, sync.overpayment_account),
    ]
    if file.transaction_definitions is not None:
        pairs.append(
            (
                "transaction_definitions.invoice",
                file.transaction_definitions.invoice,
                sync.transaction_definition,
            )
        )
        pairs.append(
            (
                "transaction_definitions.credit",
                file.transaction_definitions.credit,
                sync.credit_definition,
            )
        )
    return [
        f"the mapping file's options.{name} ({chosen}) overrides the profile's ({other})"
        for name, chosen, other in pairs
        if chosen is not None and other is not None and chosen != other
    ]


def load_profile_mapping(profile: Profile) -> Mapping:
    """The profile's mapping file, validated (MappingError, exit 78, lists every problem)."""
    if profile.sync.mapping is None:
        raise ConfigError(
            "this profile has no mapping file, so orsync cannot tell how documents should post",
            hint="Write one with `orsync map init --output mappings.yaml`, then name it with "
            "`orsync connect --mapping mappings.yaml`.",
        )
    path = Path(profile.sync.mapping)
    if not may_exist(path):
        raise ConfigError(
            f"the mapping file of this profile, {path}, does not exist",
            hint="Restore it, or name another with `orsync connect --mapping FILE` "
            "(`orsync map init` writes a new one).",
        )
    return load_mapping(path)
