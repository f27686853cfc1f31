"""The operator's fixed reference data: legal entities, locations, tax rates, revenue accounts,
plans and payment methods, and their OfficeRnD records.

The catalogue is the same for every seed (only ids and timestamps depend on it), so mapping
tests can name codes directly. Codes here are the mapping keys (see the package DESIGN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from orsync.sandbox.seed.primitives import ObjectIds, iso_instant, json_number


@dataclass(frozen=True)
class EntitySpec:
    key: str  # also the Intacct entity (LOCATIONENTITY) id
    name: str
    country: str
    currency: str
    vat_code: str  # the tax rate every taxable line of this entity carries
    vat_number: str | None
    other_currencies: tuple[str, ...] = ()  # currencies it also bills in (multi-currency)


@dataclass(frozen=True)
class LocationSpec:
    code: str  # OfficeRnD location code = Intacct location id (except the gap)
    name: str
    entity: str
    city: str
    state: str
    street: str
    zip: str
    timezone: str
    latitude: float
    longitude: float
    weight: int  # share of customers whose home location this is
    opened_months_before_end: int | None = None  # a new location: no customer before that
    tax_code: str | None = None  # the tax rate its lines carry when not the entity's (sales tax)

    @property
    def tax(self) -> str:
        return self.tax_code or ENTITY_BY_KEY[self.entity].vat_code


@dataclass(frozen=True)
class TaxRateSpec:
    code: str
    name: str
    percent: Decimal


@dataclass(frozen=True)
class RevenueAccountSpec:
    code: str  # OfficeRnD "Unique Code" = Intacct GL account number and item id
    name: str
    description: str
    default_for: str | None
    intacct: str  # "active", "inactive" (a gap) or "missing" (a gap)
    balance_sheet: bool = False


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    account: str  # revenue account code
    kind: str  # "membership" (monthly), "booking" (hourly), "oneoff"
    prices: dict[str, Decimal] = field(default_factory=dict)  # per currency, net of tax


ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("US", "Flexspace US Inc.", "United States", "USD", "NOTAX", None),
    # Some UK members are billed in euros (a Barclays euro account takes their payments).
    EntitySpec("UK", "Flexspace UK Ltd", "United Kingdom", "GBP", "VAT20", "GB123456789", ("EUR",)),
    EntitySpec("IE", "Flexspace Ireland Ltd", "Ireland", "EUR", "VAT23", "IE9876543W"),
)
ENTITY_BY_KEY = {entity.key: entity for entity in ENTITIES}

LOCATIONS: tuple[LocationSpec, ...] = (
    LocationSpec(
        "NYC",
        "New York – Flatiron",
        "US",
        "New York",
        "NY",
        "41 Madison Ave",
        "10010",
        "America/New_York",
        40.7424,
        -73.9874,
        25,
        tax_code="NYTAX",
    ),
    LocationSpec(
        "AUS",
        "Austin – East 6th",
        "US",
        "Austin",
        "TX",
        "1100 E 6th St",
        "78702",
        "America/Chicago",
        30.2642,
        -97.7302,
        15,
    ),
    # Opened near the end of the seeded period and not yet set up in Intacct: a mapping gap.
    LocationSpec(
        "BKN",
        "Brooklyn – Dumbo",
        "US",
        "Brooklyn",
        "NY",
        "55 Water St",
        "11201",
        "America/New_York",
        40.7033,
        -73.9903,
        6,
        opened_months_before_end=3,
        tax_code="NYTAX",
    ),
    LocationSpec(
        "LON",
        "London – Shoreditch",
        "UK",
        "London",
        "",
        "1 Curtain Rd",
        "EC2A 3JX",
        "Europe/London",
        51.5226,
        -0.0809,
        24,
    ),
    LocationSpec(
        "MAN",
        "Manchester – Ancoats",
        "UK",
        "Manchester",
        "",
        "8 Cotton St",
        "M4 5BF",
        "Europe/London",
        53.4841,
        -2.2251,
        10,
    ),
    LocationSpec(
        "DUB",
        "Dublin – Docklands",
        "IE",
        "Dublin",
        "",
        "5 Grand Canal Sq",
        "D02 X9Y8",
        "Europe/Dublin",
        53.3397,
        -6.2376,
        20,
    ),
)
LOCATION_BY_CODE = {location.code: location for location in LOCATIONS}

TAX_RATES: tuple[TaxRateSpec, ...] = (
    TaxRateSpec("NOTAX", "No Tax", Decimal(0)),
    # New York City sales tax (state 4 % + city 4.5 % + MCTD 0.375 %): a US rate with no Intacct
    # tax engine behind it; its tax posts to a liability account as its own line.
    TaxRateSpec("NYTAX", "NY Sales Tax 8.875%", Decimal("8.875")),
    TaxRateSpec("VAT20", "UK VAT 20%", Decimal(20)),
    TaxRateSpec("VAT23", "Irish VAT 23%", Decimal(23)),
)
TAX_RATE_BY_CODE = {rate.code: rate for rate in TAX_RATES}

# The four ``defaultFor`` values below are OfficeRnD's default accounts; the exact strings the API
# uses are UNVERIFIED (the official example leaves the field empty). Kept here, in one place.
DEFAULT_FOR_MEMBERSHIP = "membershipFees"
DEFAULT_FOR_BOOKING = "bookingFees"
DEFAULT_FOR_ONE_OFF = "oneOffFees"
DEFAULT_FOR_DEPOSIT = "deposits"

REVENUE_ACCOUNTS: tuple[RevenueAccountSpec, ...] = (
    RevenueAccountSpec(
        "4000",
        "Membership Fees",
        "Private offices and dedicated desks",
        DEFAULT_FOR_MEMBERSHIP,
        "active",
    ),
    RevenueAccountSpec("4100", "Hot Desks", "Flexible hot-desk memberships", None, "active"),
    RevenueAccountSpec(
        "4200",
        "Meeting Rooms",
        "Meeting room & event space bookings",
        DEFAULT_FOR_BOOKING,
        "active",
    ),
    RevenueAccountSpec(
        "4300", "One-off Fees", "Day passes, key cards, printing", DEFAULT_FOR_ONE_OFF, "active"
    ),
    # Intacct GL account and item exist but are inactive: a mapping gap.
    RevenueAccountSpec(
        "4500", "Virtual Office", "Mail handling & business address", None, "inactive"
    ),
    # No Intacct GL account or item at all: a mapping gap.
    RevenueAccountSpec("4600", "Event Tickets", "Community events", None, "missing"),
    RevenueAccountSpec(
        "2300",
        "Deposits",
        "Refundable security deposits",
        DEFAULT_FOR_DEPOSIT,
        "active",
        balance_sheet=True,
    ),
)
REVENUE_ACCOUNT_BY_CODE = {account.code: account for account in REVENUE_ACCOUNTS}


def _prices(usd: str, gbp: str, eur: str) -> dict[str, Decimal]:
    return {"USD": Decimal(usd), "GBP": Decimal(gbp), "EUR": Decimal(eur)}


PLANS: tuple[PlanSpec, ...] = (
    PlanSpec("HD", "Hot Desk", "4100", "membership", _prices("349.00", "245.00", "279.00")),
    PlanSpec("DD", "Dedicated Desk", "4000", "membership", _prices("549.00", "399.00", "449.00")),
    PlanSpec(
        "PO",
        "Private Office (per seat)",
        "4000",
        "membership",
        _prices("712.50", "562.50", "598.75"),
    ),
    PlanSpec("VO", "Virtual Office", "4500", "membership", _prices("99.00", "79.00", "89.00")),
    PlanSpec("MR", "Meeting Room (hourly)", "4200", "booking", _prices("45.00", "32.50", "37.50")),
    PlanSpec(
        "BR",
        'Boardroom "The Vault" (hourly)',
        "4200",
        "booking",
        _prices("95.00", "72.50", "79.99"),
    ),
    PlanSpec("DP", "Day Pass", "4300", "oneoff", _prices("35.00", "24.99", "27.50")),
    PlanSpec("KEY", "Key Card Replacement", "4300", "oneoff", _prices("25.00", "20.00", "22.00")),
    PlanSpec(
        "PRN",
        "Printing & Copying (per 100 pages)",
        "4300",
        "oneoff",
        _prices("12.35", "9.95", "10.45"),
    ),
    PlanSpec(
        "EVT",
        "Event Ticket <Founders' Night>",
        "4600",
        "oneoff",
        _prices("20.00", "15.00", "17.50"),
    ),
    PlanSpec("DEP", "Security Deposit", "2300", "oneoff", _prices("500.00", "400.00", "450.00")),
)
PLAN_BY_CODE = {plan.code: plan for plan in PLANS}

PAYMENT_METHODS: tuple[str, ...] = ("Credit Card", "Bank Transfer", "Cash", "Cheque", "POS")
# Cheques are a UK/IE habit; POS terminals exist in the UK only.
PAYMENT_METHOD_ENTITIES = {"Cheque": ("UK", "IE"), "POS": ("UK",)}

CONVERSION_TO_USD = {"USD": Decimal(1), "GBP": Decimal("1.2650"), "EUR": Decimal("1.0825")}

# OfficeRnD's rate from a document's currency to its location's base currency (the legal
# entity's): ``currencyConversionRate``, with ``baseTotal`` the total converted at it (each line
# net and tax on its own, half-up). The month moves it a little so a rate is the month's own.
_BASE_RATES = {("EUR", "GBP"): Decimal("0.8500")}
# Intacct's "Intacct Daily Rate" for the same pair is this much higher: a document posted at
# Intacct's rate instead of OfficeRnD's books other base amounts than OfficeRnD states.
INTACCT_RATE_SPREAD = Decimal("0.0031")


def base_currency(location_code: str) -> str:
    return ENTITY_BY_KEY[LOCATION_BY_CODE[location_code].entity].currency


def officernd_rate(currency: str, base: str, day: date) -> Decimal:
    """1 for a document in its base currency."""
    if currency == base:
        return Decimal(1)
    return _BASE_RATES[(currency, base)] + Decimal(7 * day.month) / Decimal(10_000)


def rate_pairs() -> tuple[tuple[str, str], ...]:
    return tuple(_BASE_RATES)


def plan_key(plan_code: str, entity: str) -> str:
    """Plans are per entity (one currency each): ``"HD-UK"``."""
    return f"{plan_code}-{entity}"


@dataclass
class Catalogue:
    """The records of the reference collections plus id lookups by code."""

    created: datetime
    location_ids: dict[str, str] = field(default_factory=dict)
    tax_rate_ids: dict[str, str] = field(default_factory=dict)
    account_ids: dict[str, str] = field(default_factory=dict)
    plan_ids: dict[str, str] = field(default_factory=dict)  # by plan_key
    records: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    @classmethod
    def build(cls, ids: ObjectIds, created: datetime, staff: str) -> Catalogue:
        cat = cls(created=created)
        tick = iter(range(10_000))

        def stamp() -> datetime:
            return created + timedelta(minutes=next(tick))

        tax_records: list[dict[str, object]] = []
        for rate in TAX_RATES:
            at = stamp()
            cat.tax_rate_ids[rate.code] = rate_id = ids.new(at)
            components: list[dict[str, object]] = []
            if rate.percent:
                components.append(
                    {
                        "_id": ids.new(at),
                        "name": "Sales Tax" if rate.code == "NYTAX" else "VAT",
                        "rate": json_number(rate.percent),
                    }
                )
            tax_records.append(
                {
                    "_id": rate_id,
                    "name": rate.name,
                    "code": rate.code,
                    "type": "sales",
                    "rate": json_number(rate.percent),
                    "components": components,
                }
            )

        account_records: list[dict[str, object]] = []
        for account in REVENUE_ACCOUNTS:
            cat.account_ids[account.code] = account_id = ids.new(stamp())
            account_records.append(
                {
                    "_id": account_id,
                    "name": account.name,
                    "description": account.description,
                    "code": account.code,
                    "defaultFor": account.default_for,
                    "taxRate": None,
                }
            )

        location_records: list[dict[str, object]] = []
        for loc in LOCATIONS:
            entity = ENTITY_BY_KEY[loc.entity]
            cat.location_ids[loc.code] = location_id = ids.new(stamp())
            location_records.append(
                {
                    "properties": {"Legal Entity": entity.name, "VAT Number": entity.vat_number},
                    "_id": location_id,
                    "name": loc.name,
                    "address": {
                        "formattedAddress": f"{loc.street}, {loc.city} {loc.zip}, {entity.country}",
                        "country": entity.country,
                        "state": loc.state,
                        "city": loc.city,
                        "street": loc.street,
                        "zip": loc.zip,
                        "latitude": loc.latitude,
                        "longitude": loc.longitude,
                    },
                    "timezone": loc.timezone,
                    "isOpen": True,
                    "isPublic": True,
                    "image": f"//images.example.com/locations/{loc.code.lower()}.jpg",
                    "code": loc.code,
                    "targetRevenuePerPeriod": [],
                }
            )

        plan_records: list[dict[str, object]] = []
        for entity in ENTITIES:
            loc_ids = [cat.location_ids[x.code] for x in LOCATIONS if x.entity == entity.key]
            for plan in PLANS:
                at = stamp()
                key = plan_key(plan.code, entity.key)
                cat.plan_ids[key] = plan_id = ids.new(at)
                monthly = plan.kind == "membership"
                plan_records.append(
                    {
                        "properties": {},
                        "_id": plan_id,
                        "name": f"{plan.name} · {entity.key}",
                        "description": plan.name,
                        "code": key,
                        "type": "membership" if monthly else "service",
                        "price": json_number(plan.prices[entity.currency]),
                        "deposit": 0,
                        "depositPercent": 0,
                        "useDepositPercent": False,
                        "locations": loc_ids,
                        "intervalLength": "month" if monthly else "once",
                        "intervalCount": 1,
                        "revenueAccount": cat.account_ids[plan.account],
                        "setupFees": [],
                        "discounts": [],
                        "shouldProrate": monthly,
                        "credits": [],
                        "extras": [],
                        "createdAt": iso_instant(at),
                        "createdBy": staff,
                        "modifiedAt": iso_instant(at),
                        "modifiedBy": staff,
                    }
                )

        method_records: list[dict[str, object]] = []
        for method in PAYMENT_METHODS:
            entities = PAYMENT_METHOD_ENTITIES.get(method, tuple(ENTITY_BY_KEY))
            method_records.append(
                {
                    "name": method,
                    "locations": [
                        cat.location_ids[x.code] for x in LOCATIONS if x.entity in entities
                    ],
                }
            )

        cat.records = {
            "tax-rates": tax_records,
            "revenue-accounts": account_records,
            "locations": location_records,
            "plans": plan_records,
            "payment-methods": method_records,
        }
        return cat


__all__ = [
    "CONVERSION_TO_USD",
    "ENTITIES",
    "LOCATIONS",
    "PAYMENT_METHODS",
    "PLANS",
    "REVENUE_ACCOUNTS",
    "TAX_RATES",
    "Catalogue",
]
