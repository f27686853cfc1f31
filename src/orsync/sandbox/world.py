"""Plain value types that describe a seeded Intacct company.

The seed generator (``orsync.sandbox.seed``) builds an :class:`IntacctCompanySeed` that matches
its OfficeRnD organization; the Intacct simulator (``orsync.sandbox.intacct``) loads one. Keeping
the shape here lets the two evolve separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Entity:
    """A legal entity of a multi-entity company (an Intacct LOCATIONENTITY)."""

    id: str
    name: str
    currency: str  # base currency, ISO 4217
    # Other transaction currencies enabled for the entity (multi-currency); its base always is.
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExchangeRate:
    """One rate of a rate type, effective from a day until the next one: 1 ``source`` =
    ``rate`` ``target``."""

    source: str
    target: str
    effective: date
    rate: Decimal
    rate_type: str = "Intacct Daily Rate"


@dataclass(frozen=True)
class Location:
    """An Intacct location; ``entity_id`` is the entity it belongs to."""

    id: str
    name: str
    entity_id: str
    status: str = "active"


@dataclass(frozen=True)
class Dimension:
    """A department or class: id, name, active or not."""

    id: str
    name: str
    status: str = "active"


@dataclass(frozen=True)
class GLAccount:
    account_no: str
    title: str
    account_type: str = "incomestatement"  # or "balancesheet"
    status: str = "active"


@dataclass(frozen=True)
class Item:
    """An Order Entry item; ``gl_account_no`` is its revenue account."""

    id: str
    name: str
    gl_account_no: str
    status: str = "active"


@dataclass(frozen=True)
class TaxDetail:
    """A sales tax detail (VAT rate) inside a tax solution."""

    id: str
    tax_solution_id: str
    rate: Decimal  # percent, e.g. Decimal("20")
    status: str = "active"


@dataclass(frozen=True)
class TaxSolution:
    id: str
    entity_ids: tuple[str, ...]


@dataclass(frozen=True)
class CheckingAccount:
    """A bank account payments are deposited to; ``entity_id`` owns it."""

    id: str
    name: str
    currency: str
    entity_id: str
    gl_account_no: str


@dataclass(frozen=True)
class TransactionDefinition:
    """An Order Entry transaction definition ("Sales Invoice", "Sales Credit Memo")."""

    name: str
    kind: str  # "invoice" or "credit"
    status: str = "active"


@dataclass(frozen=True)
class ExistingCustomer:
    """A customer already in the company before orsync first runs (adoption scenarios)."""

    id: str
    name: str
    currency: str | None = None
    email: str | None = None
    status: str = "active"


@dataclass
class IntacctCompanySeed:
    """Everything an Intacct company holds before orsync touches it."""

    company_id: str
    entities: list[Entity] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    departments: list[Dimension] = field(default_factory=list)
    classes: list[Dimension] = field(default_factory=list)
    gl_accounts: list[GLAccount] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    tax_solutions: list[TaxSolution] = field(default_factory=list)
    tax_details: list[TaxDetail] = field(default_factory=list)
    checking_accounts: list[CheckingAccount] = field(default_factory=list)
    transaction_definitions: list[TransactionDefinition] = field(default_factory=list)
    customers: list[ExistingCustomer] = field(default_factory=list)
    exchange_rates: list[ExchangeRate] = field(default_factory=list)
    # Periods before this date are closed: postings dated earlier are refused.
    books_closed_before: date | None = None
    # A subledger closed later than the GL ("AR", "OE"): its postings before that day refused.
    modules_closed_before: dict[str, date] = field(default_factory=dict)
    first_invoice_number: int = 1000


@dataclass(frozen=True)
class OfficeRndApplication:
    """An API application (client credentials) registered in the organization."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = ()


@dataclass
class OfficeRndOrgSeed:
    """An OfficeRnD organization's contents, each record in the exact JSON shape the v2 API
    returns (see reference/officernd-samples), keyed by collection name: ``locations``,
    ``revenue-accounts``, ``tax-rates``, ``plans``, ``fees``, ``payment-methods``, ``companies``,
    ``members``, ``payments`` (invoices, credit notes, overpayments by ``documentType``),
    ``charges``. Values keep JSON types (amounts as numbers, instants as ISO-8601 strings with
    ``Z``), because that is what travels on the wire.
    """

    org_slug: str
    applications: list[OfficeRndApplication] = field(default_factory=list)
    collections: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    # Invoices dated on or before this day are locked: writes dated inside are refused.
    billing_lock_date: date | None = None


@dataclass
class SeedWorld:
    """Both sides of one seeded operator, plus what the seed deliberately left unmappable."""

    officernd: OfficeRndOrgSeed
    intacct: IntacctCompanySeed
    # Each deliberate gap as (map name, OfficeRnD value) — e.g. ("revenue_accounts", "4999").
    mapping_gaps: list[tuple[str, str]] = field(default_factory=list)
