"""The inputs of ``map init`` and ``map check``: Intacct's lists and the OfficeRnD values in use.

Plain data, filled by the services layer from the two clients (or by tests from a seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orsync.mapping.matching import OfficeRndValue


@dataclass(frozen=True)
class IntacctRecord:
    """One Intacct list entry.

    ``entities`` is where the record may be used: ``None`` means everywhere (top-level,
    unrestricted records); a set means only from those entities. A location's set holds the one
    entity it belongs to. ``rate`` is the percent of a tax detail.
    """

    id: str
    name: str = ""
    status: str = "active"
    entities: frozenset[str] | None = None
    rate: Decimal | None = None
    currency: str | None = None  # a bank account's, an entity's base currency

    @property
    def active(self) -> bool:
        return self.status.strip().lower() in {"active", "true", "t"}


@dataclass(frozen=True)
class IntacctCatalog:
    """The Intacct lists a mapping refers to."""

    gl_accounts: Sequence[IntacctRecord] = ()
    items: Sequence[IntacctRecord] = ()
    locations: Sequence[IntacctRecord] = ()
    entities: Sequence[IntacctRecord] = ()
    tax_details: Sequence[IntacctRecord] = ()
    departments: Sequence[IntacctRecord] = ()
    classes: Sequence[IntacctRecord] = ()
    checking_accounts: Sequence[IntacctRecord] = ()
    # Only read by `map init`, to propose customer-id templates that fit existing customers.
    customers: Sequence[IntacctRecord] = ()


@dataclass(frozen=True)
class FeeGroup:
    """Fee lines that post alike: billed through one plan (or resource rate) to one revenue
    account. OfficeRnD names fees per charge ("Room Liffey - 04 Nov 2025 13:00-18:00"), so a
    group keeps at most a few distinct ``names`` (each a fee id and its name) and says whether
    it saw more (``complete`` False); ``lines`` counts the fee lines read."""

    plan: OfficeRndValue | None
    revenue_account: OfficeRndValue | None
    resource_type: str | None = None
    names: Sequence[OfficeRndValue] = ()
    complete: bool = True
    lines: int = 0
    locations: frozenset[str] | None = None

    def label(self) -> str:
        """``plan code MR "Meeting room", revenue account code 4100 "Booking fees"``."""
        basis = f"plan {self.plan.label()}" if self.plan is not None else "no plan"
        if self.resource_type:
            basis = f"resource type {self.resource_type} ({basis})"
        account = self.revenue_account.label() if self.revenue_account is not None else "none"
        return f"{basis}, revenue account {account}"


@dataclass(frozen=True)
class ValuesInUse:
    """The OfficeRnD values that documents to be synced actually use, per map."""

    revenue_accounts: Sequence[OfficeRndValue] = ()
    locations: Sequence[OfficeRndValue] = ()
    tax_rates: Sequence[OfficeRndValue] = ()
    payment_methods: Sequence[OfficeRndValue] = ()
    plans: Sequence[OfficeRndValue] = ()
    fees: Sequence[OfficeRndValue] = ()
    resource_types: Sequence[OfficeRndValue] = field(default_factory=tuple)
    # Fees grouped by what decides their posting; when given, ``fees`` holds their names.
    fee_groups: Sequence[FeeGroup] = field(default_factory=tuple)

    def of(self, map_name: str) -> Sequence[OfficeRndValue]:
        """The values of the map called ``map_name``."""
        values: Sequence[OfficeRndValue] = getattr(self, map_name)
        return values
