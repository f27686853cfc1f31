"""The mapping file as typed, immutable models.

Every model forbids unknown keys. A target written as ``null`` (``gl_account: null``) is an
*unresolved* entry: the file loads, ``map check`` reports it, and resolving a value that lands on
it is always an error, whatever the map's ``unmapped`` policy says (someone has seen the value
and not yet decided where it goes; a default must not decide for them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from orsync.mapping.matching import KeyIndex

# The payment methods Intacct's ARPYMT accepts (reference intacct-api.md section 8).
IntacctPaymentMethod = Literal[
    "Printed Check", "Cash", "EFT", "Credit Card", "Online Charge Card", "Online ACH Debit"
]
INTACCT_PAYMENT_METHODS: tuple[str, ...] = typing.get_args(IntacctPaymentMethod)

# What happens to a value that has no entry:
#   error   - the document is not posted; it is reported as failed with the fix (the default);
#   default - the map's `default` entry is used;
#   skip    - the whole document is not posted and is reported as skipped, not failed
#             (locations and payment methods: e.g. a site whose books live elsewhere);
#   ignore  - the line posts without this map's dimensions (plans, fees, resource types only).
UnmappedPolicy = Literal["error", "default", "skip", "ignore"]


def _iso_day(value: object) -> object:
    # The loader hands every scalar over as text; only a calendar day written as YYYY-MM-DD is
    # accepted (pydantic's lax parsing would also take "1700000000" as a Unix time).
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    msg = f"expected a day written as YYYY-MM-DD (for example 2026-10-31), got {value!r}"
    raise ValueError(msg)


IsoDay = Annotated[dt.date, BeforeValidator(_iso_day)]


def _not_in_the_future(day: dt.date) -> dt.date:
    # A period can only be closed once it is over, so a later day is a typo (2062 for 2026)
    # that would hold back every document; a day's grace covers time zones ahead of UTC.
    if day > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        msg = (
            f"{day.isoformat()} is in the future; state the last day of the last period "
            "closed in Intacct"
        )
        raise ValueError(msg)
    return day


ClosedDay = Annotated[IsoDay, AfterValidator(_not_in_the_future)]


class _Model(BaseModel):
    # strict: "yes" is not a boolean and 4000 is not text (the loader hands numbers over as text).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, strict=True)


class TransactionDefinitions(_Model):
    """Order Entry transaction definitions used when ``invoice_type`` is ``sales``."""

    invoice: str
    credit: str


class Options(_Model):
    """The ``connect`` options; any left out come from the profile."""

    invoice_type: Literal["ar", "sales"] | None = None
    transaction_definitions: TransactionDefinitions | None = None
    entity_level: Literal["top", "subsidiary"] | None = None
    numbering: Literal["officernd", "intacct"] | None = None
    overpayment_account: str | None = None
    closed_period: Literal["fail", "shift", "skip"] | None = None
    # The last day of the last closed Intacct period ("October is closed": 2026-10-31). The
    # XML gateway documents no read of it, so finance states it here after each close; without
    # it Intacct's refusal of a write is the only signal and closed_period cannot apply.
    books_closed_through: ClosedDay | None = None
    # Create a new Intacct customer even when one with the same name but another id exists
    # (default: hold it as a conflict until someone decides; see customers.overrides).
    create_on_name_match: bool | None = None
    # A document in another currency than its entity's base posts at OfficeRnD's rate (its
    # base amounts equal OfficeRnD's baseTotal; the default) or at Intacct's rate type.
    fx_rates: Literal["officernd", "intacct"] | None = None


class CustomerIds(_Model):
    """CUSTOMERID templates: ``{company.<field>}`` / ``{member.<field>}`` read the record."""

    company: str = "ORD-{company.code}"
    company_fallback: str | None = "ORD-{company.id}"
    member: str = "ORDM-{member.id}"
    member_fallback: str | None = None
    # OfficeRnD company/member (keyed like map values: id:, name: or bare) -> an existing
    # Intacct CUSTOMERID, used as is instead of the templates (adopting legacy customers).
    overrides: dict[str, str] = Field(default_factory=dict)


class RevenueAccountEntry(_Model):
    """Revenue account -> GL account (AR invoices) and/or item (Sales invoices)."""

    gl_account: str | None = None
    item: str | None = None
    department: str | None = None
    class_: str | None = Field(default=None, alias="class")


class LocationEntry(_Model):
    """Location -> Intacct location, and the entity it posts in (required at subsidiary level)."""

    location: str | None = None
    entity: str | None = None


class TaxRateEntry(_Model):
    """Tax rate -> where its tax posts, one of:

    - ``tax_detail``: an Intacct tax detail (VAT/GST companies with a tax solution);
    - ``gl_account`` (AR) / ``item`` (Sales, an item posting to that liability account): a
      company with no tax engine (US sales tax); the tax posts as its own line there, at the
      line's location and dimensions;
    - ``no_tax: true``: the lines post without tax. Refused for a rate above 0 % unless
      ``tax_included_in_revenue: true`` says the operator books the tax inside revenue.
    """

    tax_detail: str | None = None
    gl_account: str | None = None
    item: str | None = None
    no_tax: bool = False
    tax_included_in_revenue: bool = False


class PaymentMethodEntry(_Model):
    """Payment method -> Intacct payment method and the bank (checking) account it lands in:
    ``bank_accounts`` per Intacct entity (a bank account belongs to one entity), else
    ``bank_account`` (one company-wide, or where no entity is listed)."""

    payment_method: IntacctPaymentMethod | None = None
    bank_account: str | None = None
    bank_accounts: dict[str, str] = Field(default_factory=dict)


class DimensionEntry(_Model):
    """Plan / fee / resource type -> department, class or item on the lines it bills."""

    department: str | None = None
    class_: str | None = Field(default=None, alias="class")
    item: str | None = None


class _ValueMap(_Model):
    _index: KeyIndex = PrivateAttr()

    def model_post_init(self, __context: object) -> None:
        values: dict[str, BaseModel] = getattr(self, "values")  # noqa: B009
        self._index = KeyIndex(values)

    @property
    def index(self) -> KeyIndex:
        """Key lookup by OfficeRnD id, code and name (see ``orsync.mapping.matching``)."""
        return self._index


class RevenueAccountMap(_ValueMap):
    unmapped: Literal["error", "default"] = "error"
    default: RevenueAccountEntry | None = None
    values: dict[str, RevenueAccountEntry] = Field(default_factory=dict)


class LocationMap(_ValueMap):
    unmapped: Literal["error", "default", "skip"] = "error"
    default: LocationEntry | None = None
    values: dict[str, LocationEntry] = Field(default_factory=dict)


class TaxRateMap(_ValueMap):
    unmapped: Literal["error", "default"] = "error"
    default: TaxRateEntry | None = None
    values: dict[str, TaxRateEntry] = Field(default_factory=dict)


class PaymentMethodMap(_ValueMap):
    unmapped: Literal["error", "default", "skip"] = "error"
    default: PaymentMethodEntry | None = None
    values: dict[str, PaymentMethodEntry] = Field(default_factory=dict)


class DimensionMap(_ValueMap):
    unmapped: Literal["error", "default", "ignore"] = "error"
    default: DimensionEntry | None = None
    values: dict[str, DimensionEntry] = Field(default_factory=dict)


AnyMap = RevenueAccountMap | LocationMap | TaxRateMap | PaymentMethodMap | DimensionMap

MAP_NAMES: tuple[str, ...] = (
    "revenue_accounts",
    "locations",
    "tax_rates",
    "payment_methods",
    "plans",
    "fees",
    "resource_types",
)


REQUIRED_MAPS: tuple[str, ...] = ("revenue_accounts", "locations")
OPTIONAL_MAPS: tuple[str, ...] = ("plans", "fees", "resource_types")


class Mapping(_Model):
    """A whole mapping file. ``revenue_accounts`` and ``locations`` are needed by every invoice."""

    version: Literal["1"] = "1"
    options: Options = Field(default_factory=Options)
    customers: CustomerIds = Field(default_factory=CustomerIds)
    # Required in a file (the loader says so); optional here so that one broken section does
    # not hide the problems of the others.
    revenue_accounts: RevenueAccountMap | None = None
    locations: LocationMap | None = None
    tax_rates: TaxRateMap | None = None
    payment_methods: PaymentMethodMap | None = None
    plans: DimensionMap | None = None
    fees: DimensionMap | None = None
    resource_types: DimensionMap | None = None

    def fingerprint(self) -> str:
        """A digest of what the mapping says (not of its file: comments, order and spacing do
        not count), so a sync can tell that the mapping changed since the last one."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def map_named(self, name: str) -> AnyMap | None:
        """The map called ``name`` (one of ``MAP_NAMES``), or ``None`` when the file has none."""
        if name not in MAP_NAMES:
            raise KeyError(name)
        value: AnyMap | None = getattr(self, name)
        return value
