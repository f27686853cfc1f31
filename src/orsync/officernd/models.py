"""Typed OfficeRnD v2 records (pydantic v2, frozen).

Rules that hold for every record here:
- unknown fields are ignored, so a new API field never breaks a sync;
- enumerations (status, documentType, taxType …) are plain strings: a value missing from the
  docs (real orgs show ``overdue``) is kept, never rejected. The known values are listed in the
  ``*_STATUSES`` constants for callers that branch on them;
- money is ``Decimal``; the client parses JSON numbers straight to ``Decimal``
  (``json.loads(parse_float=Decimal)``), so no amount ever passes through a float;
- instants are timezone-aware ``datetime`` (the API sends ISO-8601 UTC with ``Z``);
- absent and ``null`` mean the same; the docs' placeholder ``""`` for a number or object is read
  as absent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Annotated, Any, ClassVar, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

# Validation context of records parsed by ``jsonio.loads`` (numbers already Decimal, so the
# float check, a scan of every value of every object, is skipped for them).
FROM_WIRE: dict[str, bool] = {"from_wire": True}


class BlankIsAbsent:
    """Marks a field where the docs' placeholder ``""`` means "unset" (numbers, ids, objects)."""


_BLANK = BlankIsAbsent()

Money = Annotated[Decimal | None, _BLANK]
Instant = Annotated[datetime | None, _BLANK]
Ref = Annotated[str | None, _BLANK]

DOCUMENT_TYPES = ("invoice", "creditNote", "overpayment", "paymentCharge")
PAYMENT_STATUSES = (
    "voided",
    "failed",
    "draft",
    "pending",
    "refunded",
    "paid",
    "awaiting_payment",
    "partially_paid",
    "overdue",  # seen in real data and the help center, absent from the reference enum
)
CHARGE_STATUSES = ("pending", "fail", "success", "refund")


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Wire names (and Python names) of this model's BlankIsAbsent fields, and of the fields
    # that take no None (a null there must fall back to the default), computed once per class.
    _blank_is_absent: ClassVar[frozenset[str]] = frozenset()
    _takes_no_none: ClassVar[frozenset[str]] = frozenset()
    _needs_cleaning: ClassVar[frozenset[str]] = frozenset()  # the two sets above together
    _takes_no_none_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        blank: set[str] = set()
        no_none: set[str] = set()
        for name, info in cls.model_fields.items():
            keys = {name, info.alias or name}
            if any(isinstance(m, BlankIsAbsent) for m in info.metadata):
                blank |= keys
            if not _accepts_none(info.annotation):
                no_none |= keys
        cls._blank_is_absent = frozenset(blank)
        cls._takes_no_none = frozenset(no_none)
        cls._takes_no_none_keys = tuple(sorted(no_none))
        cls._needs_cleaning = frozenset(blank | no_none)

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any, info: ValidationInfo) -> Any:
        # Null and a placeholder "" mean unset, so the field falls back to its default (an
        # empty list or bag, not a failure); a float is refused because it means an amount
        # bypassed the Decimal-preserving JSON parser. This runs for every object of every
        # record read, so the common case (nothing to clean) is decided by C-level scans and
        # only the few keys that can need cleaning are looked at in Python.
        if not isinstance(data, dict):
            return data
        if info.context is not FROM_WIRE and float in map(type, data.values()):
            key = next(k for k, v in data.items() if type(v) is float)
            msg = f"{key}: money must not be a float (parse JSON with parse_float=Decimal)"
            raise ValueError(msg)
        # A null where None is valid reads the same as the default (None), so only keys that
        # take no None need it dropped. Most objects have neither case, told by C-level scans.
        has_blank = "" in data.values()
        if not has_blank and None not in map(data.get, cls._takes_no_none_keys, _ABSENT):
            return data
        blank = cls._blank_is_absent if has_blank else _NOTHING
        suspects = (cls._needs_cleaning if has_blank else cls._takes_no_none).intersection(data)
        if not suspects:
            return data
        drop = {
            key
            for key in suspects
            if (value := data[key]) is None or (value == "" and key in blank)
        }
        if not drop:
            return data
        return {key: value for key, value in data.items() if key not in drop}


_NOTHING: frozenset[str] = frozenset()
_ABSENT = repeat(object())  # dict.get's default for a missing key: tells it apart from a null


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or annotation is Any or type(None) in get_args(annotation)


class StandIn(BaseModel):
    """A record OfficeRnD sent in a shape orsync cannot read, kept by its id (and the fields in
    ``STAND_IN_FIELDS``) so that it fails on its own (``unreadable``: a per-record failure
    naming its id) instead of stopping the read."""

    STAND_IN_FIELDS: ClassVar[tuple[str, ...]] = ("_id",)
    # Set only by :meth:`unreadable_stand_in`, never from the wire.
    _unreadable: str | None = PrivateAttr(default=None)

    @classmethod
    def unreadable_stand_in(cls, raw: dict[str, Any], problems: str) -> Self | None:
        """The stand-in of ``raw``; None when even its id cannot be read."""
        keep = {
            key: raw[key]
            for key in cls.STAND_IN_FIELDS
            if isinstance(raw.get(key), str) and raw[key]
        }
        if "_id" not in keep:
            return None
        stand_in = cls.model_validate(keep)
        stand_in._unreadable = problems
        return stand_in

    @property
    def unreadable(self) -> str | None:
        """Why OfficeRnD's record could not be read (None for every readable one)."""
        return self._unreadable


class Accounting(Record):
    """The accounting-sync bookkeeping block on documents, charges and allocations."""

    provider: str | None = None
    provider_id: str | None = Field(default=None, alias="providerId")
    external_org_id: str | None = Field(default=None, alias="externalOrgId")
    deep_link: str | None = Field(default=None, alias="deepLink")
    last_sync: Instant = Field(default=None, alias="lastSync")
    error: str | None = None


OptAccounting = Annotated[Accounting | None, _BLANK]


class ConvertedAmounts(Record):
    price: Money = None
    unit_price: Money = Field(default=None, alias="unitPrice")
    sub_total: Money = Field(default=None, alias="subTotal")
    tax_amount: Money = Field(default=None, alias="taxAmount")
    tax_percent: Money = Field(default=None, alias="taxPercent")
    discount_amount: Money = Field(default=None, alias="discountAmount")
    base_unit_price: Money = Field(default=None, alias="baseUnitPrice")
    base_total: Money = Field(default=None, alias="baseTotal")
    total: Money = None


class Line(Record):
    description: str | None = None
    quantity: Money = None
    unit_price: Money = Field(default=None, alias="unitPrice")
    price: Money = None
    sub_total: Money = Field(default=None, alias="subTotal")
    total: Money = None
    base_total: Money = Field(default=None, alias="baseTotal")
    base_unit_price: Money = Field(default=None, alias="baseUnitPrice")
    discount: Money = None
    unit_discount: Money = Field(default=None, alias="unitDiscount")
    discount_amount: Money = Field(default=None, alias="discountAmount")
    tax_rate: Ref = Field(default=None, alias="taxRate")
    tax_percent: Money = Field(default=None, alias="taxPercent")
    tax_amount: Money = Field(default=None, alias="taxAmount")
    account: Ref = None  # revenue account id
    plan: Ref = None
    fee: Ref = None
    location: Ref = None
    membership: Ref = None
    memberships: tuple[str, ...] = ()
    fees: tuple[str, ...] = ()
    start_date: Instant = Field(default=None, alias="startDate")
    end_date: Instant = Field(default=None, alias="endDate")
    converted_amounts: Annotated[ConvertedAmounts | None, _BLANK] = Field(
        default=None, alias="convertedAmounts"
    )


class TaxAmount(Record):
    percent: Money = None
    total: Money = None
    tax_rate: Ref = Field(default=None, alias="taxRate")


class Allocation(Record):
    """On an invoice ``target`` is the credit note/overpayment; on those it is the invoice."""

    id: str = Field(alias="_id")
    target: Ref = None
    amount: Money = None
    document_type: str | None = Field(default=None, alias="documentType")
    accounting: OptAccounting = None


class PaymentDocument(Record, StandIn):
    """An invoice, credit note or overpayment (``/payments``, told apart by ``document_type``)."""

    STAND_IN_FIELDS: ClassVar[tuple[str, ...]] = ("_id", "number", "documentType")

    id: str = Field(alias="_id")
    number: str | None = None
    document_type: str = Field(default="invoice", alias="documentType")
    status: str | None = None
    date: Instant = None
    due_date: Instant = Field(default=None, alias="dueDate")
    company: Ref = None
    member: Ref = None
    location: Ref = None
    reference: str | None = None
    tax_type: str | None = Field(default=None, alias="taxType")
    lines: tuple[Line, ...] = ()
    processing_fee_line: Annotated[Line | None, _BLANK] = Field(
        default=None, alias="processingFeeLine"
    )
    tax_amounts: tuple[TaxAmount, ...] = Field(default=(), alias="taxAmounts")
    allocations: tuple[Allocation, ...] = ()
    sub_total: Money = Field(default=None, alias="subTotal")
    amount: Money = None
    total: Money = None
    base_total: Money = Field(default=None, alias="baseTotal")
    payable_amount: Money = Field(default=None, alias="payableAmount")
    paid_amount: Money = Field(default=None, alias="paidAmount")
    pending_amount: Money = Field(default=None, alias="pendingAmount")
    allocated_amount: Money = Field(default=None, alias="allocatedAmount")
    currency: str | None = None
    currency_conversion_rate: Money = Field(default=None, alias="currencyConversionRate")
    is_paid: bool | None = Field(default=None, alias="isPaid")
    is_failed: bool | None = Field(default=None, alias="isFailed")
    is_sent: bool | None = Field(default=None, alias="isSent")
    charge_method: str | None = Field(default=None, alias="chargeMethod")
    accounting: OptAccounting = None
    properties: dict[str, Any] = Field(default_factory=dict)
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")

    @property
    def is_known_status(self) -> bool:
        return self.status in PAYMENT_STATUSES


class Charge(Record):
    """A payment taken against an invoice (``/charges``); ``payment`` is the invoice id."""

    id: str = Field(alias="_id")
    amount: Money = None
    currency: str | None = None
    account: str | None = None  # payment method name, e.g. "Bank Transfer"
    reference: str | None = None
    date: Instant = None
    accounting: OptAccounting = None
    source: str | None = None
    status: str | None = None
    payment: Ref = None
    provider_charge_reference: str | None = Field(default=None, alias="providerChargeReference")
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")


class Address(Record):
    country: str | None = None
    state: str | None = None
    city: str | None = None
    street: str | None = None
    zip: str | None = None
    formatted_address: str | None = Field(default=None, alias="formattedAddress")


OptAddress = Annotated[Address | None, _BLANK]


class BillingDetails(Record):
    billing_name: str | None = Field(default=None, alias="billingName")
    vat_number: str | None = Field(default=None, alias="vatNumber")
    registration_number: str | None = Field(default=None, alias="registrationNumber")
    payment_method: str | None = Field(default=None, alias="paymentMethod")
    billing_address: OptAddress = Field(default=None, alias="billingAddress")


OptBilling = Annotated[BillingDetails | None, _BLANK]


class Company(Record, StandIn):
    STAND_IN_FIELDS: ClassVar[tuple[str, ...]] = ("_id", "name")

    id: str = Field(alias="_id")
    name: str | None = None
    email: str | None = None
    location: Ref = None
    status: str | None = None
    start_date: Instant = Field(default=None, alias="startDate")
    address: OptAddress = None
    billing_details: OptBilling = Field(default=None, alias="billingDetails")
    tags: tuple[str, ...] = ()
    properties: dict[str, Any] = Field(default_factory=dict)
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")


class Member(Record, StandIn):
    STAND_IN_FIELDS: ClassVar[tuple[str, ...]] = ("_id", "name")

    id: str = Field(alias="_id")
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: Ref = None
    location: Ref = None
    status: str | None = None
    start_date: Instant = Field(default=None, alias="startDate")
    is_billing_person: bool | None = Field(default=None, alias="isBillingPerson")
    is_contact_person: bool | None = Field(default=None, alias="isContactPerson")
    address: OptAddress = None
    billing_details: OptBilling = Field(default=None, alias="billingDetails")
    tags: tuple[str, ...] = ()
    properties: dict[str, Any] = Field(default_factory=dict)
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")


class Location(Record):
    id: str = Field(alias="_id")
    name: str | None = None
    code: str | None = None
    timezone: str | None = None
    address: OptAddress = None
    is_open: bool | None = Field(default=None, alias="isOpen")
    is_public: bool | None = Field(default=None, alias="isPublic")
    properties: dict[str, Any] = Field(default_factory=dict)


class RevenueAccount(Record):
    id: str = Field(alias="_id")
    name: str | None = None
    description: str | None = None
    code: str | None = None
    default_for: Ref = Field(default=None, alias="defaultFor")
    tax_rate: Ref = Field(default=None, alias="taxRate")


class TaxComponent(Record):
    id: Ref = Field(default=None, alias="_id")
    name: str | None = None
    rate: Money = None


class TaxRate(Record):
    id: str = Field(alias="_id")
    name: str | None = None
    code: str | None = None
    type: str | None = None
    rate: Money = None
    components: tuple[TaxComponent, ...] = ()


class Plan(Record):
    id: str = Field(alias="_id")
    name: str | None = None
    code: str | None = None
    type: str | None = None
    price: Money = None
    revenue_account: Ref = Field(default=None, alias="revenueAccount")
    locations: tuple[str, ...] = ()
    interval_length: str | None = Field(default=None, alias="intervalLength")
    interval_count: int | None = Field(default=None, alias="intervalCount")
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")


class FeePaymentLink(Record):
    id: Ref = Field(default=None, alias="_id")
    status: str | None = None
    credit_note: Ref = Field(default=None, alias="creditNote")


class Fee(Record):
    id: str = Field(alias="_id")
    name: str | None = None
    price: Money = None
    quantity: Money = None
    company: Ref = None
    member: Ref = None
    location: Ref = None
    plan: Ref = None
    plan_type: str | None = Field(default=None, alias="planType")
    issue_date: Instant = Field(default=None, alias="issueDate")
    status: str | None = None
    is_personal: bool | None = Field(default=None, alias="isPersonal")
    is_refundable: bool | None = Field(default=None, alias="isRefundable")
    payment: Annotated[FeePaymentLink | None, _BLANK] = None
    properties: dict[str, Any] = Field(default_factory=dict)
    created_at: Instant = Field(default=None, alias="createdAt")
    modified_at: Instant = Field(default=None, alias="modifiedAt")


class Webhook(Record):
    """A webhook subscription; ``secret`` signs deliveries (never log or render it)."""

    id: str = Field(alias="_id")
    url: str | None = None
    description: str | None = None
    event_types: tuple[str, ...] = Field(default=(), alias="eventTypes")
    secret: str | None = Field(default=None, repr=False)
    is_enabled: bool | None = Field(default=None, alias="isEnabled")
