"""The v2 collections orsync reads: path, the scope a GET needs, and the record type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from orsync.officernd.models import (
    Charge,
    Company,
    Fee,
    Location,
    Member,
    PaymentDocument,
    Plan,
    Record,
    RevenueAccount,
    TaxRate,
)

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Collection(Generic[R]):
    path: str
    scope: str
    model: type[R]


PAYMENTS = Collection("payments", "flex.billing.payments.read", PaymentDocument)
CHARGES = Collection("charges", "flex.billing.charges.read", Charge)
COMPANIES = Collection("companies", "flex.community.companies.read", Company)
MEMBERS = Collection("members", "flex.community.members.read", Member)
LOCATIONS = Collection("locations", "flex.space.locations.read", Location)
REVENUE_ACCOUNTS = Collection(
    "revenue-accounts", "flex.billing.revenueAccounts.read", RevenueAccount
)
TAX_RATES = Collection("tax-rates", "flex.billing.taxRates.read", TaxRate)
PLANS = Collection("plans", "flex.billing.plans.read", Plan)
FEES = Collection("fees", "flex.community.fees.read", Fee)
