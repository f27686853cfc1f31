"""The v2 collections orsync reads: path, the scope a GET needs, and the record type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pydantic import ValidationError

from orsync.errors import ServiceUnavailable
from orsync.officernd.models import (
    FROM_WIRE,
    Charge,
    Company,
    Fee,
    Location,
    Member,
    PaymentDocument,
    Plan,
    Record,
    RevenueAccount,
    StandIn,
    TaxRate,
)

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Collection(Generic[R]):
    path: str
    scope: str
    model: type[R]

    def parse(self, raw: Any) -> R:
        """One record as the client parsed it (``jsonio.loads``).

        A document, company or member in a shape orsync cannot read comes back as a stand-in
        that fails on its own (``StandIn.unreadable``: a per-record failure naming its id, the
        run goes on); any other record in such a shape stops the read with its id (exit 69:
        skipping it silently would lose data), as does a record without an id.
        """
        try:
            return self.model.model_validate(raw, context=FROM_WIRE)
        except ValidationError as exc:
            record_id = raw.get("_id") if isinstance(raw, dict) else None
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
            )
            if isinstance(raw, dict) and issubclass(self.model, StandIn):
                stand_in = self.model.unreadable_stand_in(raw, problems)
                if stand_in is not None:
                    return cast(R, stand_in)
            raise ServiceUnavailable(
                f"OfficeRnD {self.path} record {str(record_id)[:40]} has an unreadable shape: "
                f"{problems[:300]}",
                hint="Open the record in OfficeRnD and save it again; if that does not help, "
                "report the record's shape to OfficeRnD support.",
            ) from None


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


@dataclass(frozen=True)
class RawCollection(Collection[Any]):
    """A collection read as the wire's dicts: for a pass that only counts what records
    reference (``map``'s values in use), where a typed record per document is wasted work."""

    def parse(self, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise ServiceUnavailable(
                f"OfficeRnD {self.path} sent a record that is not an object",
                hint="Check the OfficeRnD API URL (`orsync profiles show`); if it "
                "points at OfficeRnD, report the answer to OfficeRnD support.",
            )
        return raw


RAW_PAYMENTS = RawCollection("payments", "flex.billing.payments.read", PaymentDocument)
RAW_CHARGES = RawCollection("charges", "flex.billing.charges.read", Charge)
RAW_COMPANIES = RawCollection("companies", "flex.community.companies.read", Company)
RAW_MEMBERS = RawCollection("members", "flex.community.members.read", Member)
