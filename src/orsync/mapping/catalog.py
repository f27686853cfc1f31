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
class ValuesInUse:
    """The OfficeRnD values that documents to be synced actually use, per map."""

    revenue_accounts: Sequence[OfficeRndValue] = ()
    locations: Sequence[OfficeRndValue] = ()
    tax_rates: Sequence[OfficeRndValue] = ()
    payment_methods: Sequence[OfficeRndValue] = ()
    plans: Sequence[OfficeRndValue] = ()
    fees: Sequence[OfficeRndValue] = ()
    resource_types: Sequence[OfficeRndValue] = field(default_factory=tuple)

    def of(self, map_name: str) -> Sequence[OfficeRndValue]:
        """The values of the map called ``map_name``."""
        values: Sequence[OfficeRndValue] = getattr(self, map_name)
        return values
