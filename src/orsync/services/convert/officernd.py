"""OfficeRnD typed records -> the engine's ``SourceDocument`` / ``SourceCustomer`` (pure adapters).

Lines reference revenue accounts, tax rates, plans, fees and locations by id, so a run loads
those lists once into a :class:`ReferenceData` (:func:`load_reference_data`) and every document
is converted against it. Everything here is pure except that loader.

Amount rules, in one place (:func:`line_amounts`): the engine works on NET line amounts (before
tax) plus OfficeRnD's own line tax. A ``taxType: included`` document states gross prices, so its
net is ``total - taxAmount``; any other document states net prices (``subTotal``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from orsync.engine.model import (
    AccountRef,
    Address,
    CustomerRef,
    SourceCustomer,
    SourceDocKind,
    SourceDocument,
    SourceLine,
    TaxRateRef,
)
from orsync.engine.rounding import to_cents
from orsync.errors import RecordError
from orsync.mapping.matching import OfficeRndValue
from orsync.officernd.models import (
    Address as OfficeRndAddress,
)
from orsync.officernd.models import (
    Company,
    Fee,
    Line,
    Location,
    Member,
    PaymentDocument,
    Plan,
    RevenueAccount,
    TaxRate,
)

if TYPE_CHECKING:
    from orsync.officernd import OfficeRndClient

HUNDRED = Decimal(100)

# OfficeRnD ``documentType`` -> engine document kind. Overpayments and payment charges are money
# movements, not documents to post (they belong to the payments issue).
SYNCED_DOCUMENT_TYPES: Mapping[str, SourceDocKind] = {
    "invoice": "invoice",
    "creditNote": "credit_note",
}

# UNVERIFIED: whether OfficeRnD's processing-fee line (card surcharge) is inside the document's
# ``total``. The docs list it beside the lines with the same shape; we treat it as one more line
# (it is money the customer owes), so a document whose total excludes it fails the engine's total
# check loudly rather than posting a wrong amount. Flip this one flag if proven otherwise.
PROCESSING_FEE_IN_TOTAL = True


@dataclass(frozen=True)
class ReferenceData:
    """The OfficeRnD lists that lines reference by id, loaded once per run."""

    locations: Mapping[str, Location] = field(default_factory=dict)
    revenue_accounts: Mapping[str, RevenueAccount] = field(default_factory=dict)
    tax_rates: Mapping[str, TaxRate] = field(default_factory=dict)
    plans: Mapping[str, Plan] = field(default_factory=dict)
    fees: Mapping[str, Fee] = field(default_factory=dict)
    payment_methods: tuple[str, ...] = ()
    _account_refs: dict[str | None, AccountRef] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _tax_rate_refs: dict[tuple[str, str | None], TaxRateRef] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_records(
        cls,
        *,
        locations: Iterable[Location] = (),
        revenue_accounts: Iterable[RevenueAccount] = (),
        tax_rates: Iterable[TaxRate] = (),
        plans: Iterable[Plan] = (),
        fees: Iterable[Fee] = (),
        payment_methods: Iterable[str] = (),
    ) -> ReferenceData:
        return cls(
            locations={r.id: r for r in locations},
            revenue_accounts={r.id: r for r in revenue_accounts},
            tax_rates={r.id: r for r in tax_rates},
            plans={r.id: r for r in plans},
            fees={r.id: r for r in fees},
            payment_methods=tuple(payment_methods),
        )

    # -- OfficeRnD values as the mapping sees them ---------------------------------------------

    def location_value(self, location_id: str | None) -> OfficeRndValue:
        record = self.locations.get(location_id or "")
        if record is None:
            return OfficeRndValue(id=location_id)
        # Location codes are shared by locations with one invoice sequence: name is the key
        # (see orsync.mapping.matching); the code is still offered for bare keys.
        return OfficeRndValue(id=record.id, code=_clean(record.code), name=_clean(record.name))

    def revenue_account_value(self, account_id: str | None) -> OfficeRndValue:
        record = self.revenue_accounts.get(account_id or "")
        if record is None:
            return OfficeRndValue(id=account_id)
        return OfficeRndValue(id=record.id, code=_clean(record.code), name=_clean(record.name))

    def tax_rate_value(self, tax_rate_id: str | None) -> OfficeRndValue:
        record = self.tax_rates.get(tax_rate_id or "")
        if record is None:
            return OfficeRndValue(id=tax_rate_id)
        return OfficeRndValue(
            id=record.id, code=_clean(record.code), name=_clean(record.name), rate=record.rate
        )

    def plan_value(self, plan_id: str | None) -> OfficeRndValue:
        record = self.plans.get(plan_id or "")
        if record is None:
            return OfficeRndValue(id=plan_id)
        return OfficeRndValue(id=record.id, code=_clean(record.code), name=_clean(record.name))

    def fee_value(self, fee_id: str | None) -> OfficeRndValue:
        record = self.fees.get(fee_id or "")
        if record is None:
            return OfficeRndValue(id=fee_id)
        return OfficeRndValue(id=record.id, name=_clean(record.name))

    def resource_type_value(self, fee_id: str | None) -> OfficeRndValue | None:
        """The resource type a line bills, when it bills a resource rate (bookings).

        Bookings bill through fees whose plan is a ``ResourceRate`` (reference 5.4, inferred
        link); the rate's ``type`` (meeting_room, hotdesk...) is the resource type.
        """
        fee = self.fees.get(fee_id or "")
        if fee is None or fee.plan_type != "ResourceRate" or not fee.plan:
            return None
        plan = self.plans.get(fee.plan)
        if plan is None or not plan.type:
            return None
        return OfficeRndValue(name=plan.type)

    def account_ref(self, account_id: str | None) -> AccountRef:
        # Asked once per line of every document read: one (immutable) answer per account.
        found = self._account_refs.get(account_id)
        if found is None:
            value = self.revenue_account_value(account_id)
            found = AccountRef(id=account_id, code=value.code, name=value.name)
            self._account_refs[account_id] = found
        return found

    def tax_rate_ref(self, tax_rate_id: str | None, percent: Decimal | None) -> TaxRateRef | None:
        if not tax_rate_id:
            return None
        key = (tax_rate_id, None if percent is None else str(percent))  # 20 and 20.0 kept apart
        found = self._tax_rate_refs.get(key)
        if found is None:
            found = self._tax_rate_refs[key] = self._tax_rate_ref(tax_rate_id, percent)
        return found

    def _tax_rate_ref(self, tax_rate_id: str, percent: Decimal | None) -> TaxRateRef:
        record = self.tax_rates.get(tax_rate_id)
        name = _clean(record.name) if record is not None else None
        # The line's own percent is what OfficeRnD applied; the list's rate may have changed since.
        rate = percent if percent is not None else (record.rate if record is not None else None)
        return TaxRateRef(id=tax_rate_id, name=name, rate=rate)


def load_reference_data(client: OfficeRndClient, *, with_fees: bool = True) -> ReferenceData:
    """Read the reference lists from OfficeRnD (one paged read each, all at once: every run
    waits for them before reading documents, and one after another they cost a round trip each).

    ``with_fees=False`` leaves out fees (one record per one-off charge, the only large list):
    only the ``fees`` and ``resource_types`` maps need them. A failure is raised as the first
    failing list in this order would have raised it.
    """
    reads: dict[str, Callable[[], Sequence[Any]]] = {
        "locations": lambda: list(client.locations()),
        "revenue_accounts": lambda: list(client.revenue_accounts()),
        "tax_rates": lambda: list(client.tax_rates()),
        "plans": lambda: list(client.plans()),
        "fees": (lambda: list(client.fees())) if with_fees else (lambda: []),
        "payment_methods": client.payment_methods,
    }
    with ThreadPoolExecutor(len(reads), thread_name_prefix="officernd-reference") as pool:
        pending = {name: pool.submit(read) for name, read in reads.items()}
        lists = {name: future.result() for name, future in pending.items()}
    return ReferenceData.from_records(**lists)


# -- amounts -------------------------------------------------------------------------------------


def tax_from_gross(gross: Decimal, percent: Decimal) -> Decimal:
    """Tax inside a tax-inclusive amount, rounded once to the cent (HALF_UP, as line tax is)."""
    return to_cents(gross * percent / (HUNDRED + percent))


def line_amounts(line: Line, tax_type: str | None) -> tuple[Decimal, Decimal | None]:
    """(net amount, OfficeRnD's tax or None) of one line; the single place amounts are read.

    ``included``: net = total - taxAmount (with no taxAmount, the tax is taken out of the gross at
    the line's percent). ``noTax``: tax is zero unless OfficeRnD states one. Otherwise (excluded,
    or no taxType): net = subTotal, falling back to total - taxAmount, price, then quantity x
    unitPrice; tax None means "compute it" (the engine's rounding rule).
    """
    tax = line.tax_amount
    if tax_type == "included":
        gross = _first(line.total, line.sub_total, line.price, _product(line))
        if gross is None:
            return Decimal(0), tax
        if tax is None:
            tax = tax_from_gross(gross, line.tax_percent) if line.tax_percent else Decimal(0)
        return gross - tax, tax
    if tax_type == "noTax" and tax is None:
        tax = Decimal(0)
    net = line.sub_total
    if net is None and line.total is not None and tax is not None:
        net = line.total - tax
    net = _first(net, line.price, _product(line))
    return (net if net is not None else Decimal(0)), tax


def _product(line: Line) -> Decimal | None:
    if line.quantity is None or line.unit_price is None:
        return None
    return to_cents(line.quantity * line.unit_price)


def _first(*amounts: Decimal | None) -> Decimal | None:
    return next((a for a in amounts if a is not None), None)


# -- documents ---------------------------------------------------------------------------------


def calendar_day(instant: dt.datetime) -> dt.date:
    """The calendar date OfficeRnD means by a date field.

    OfficeRnD sends dates as midnight UTC (``2025-01-01T00:00:00.000Z`` in every sample), so the
    UTC date is the date; converting to the location's zone would move US invoices a day back.
    """
    if instant.tzinfo is None:
        return instant.date()
    return instant.astimezone(dt.UTC).date()


def customer_ref(doc: PaymentDocument) -> CustomerRef:
    """Who is billed: the member on personal invoices (``member`` set), else the company."""
    if doc.member:
        return CustomerRef("member", doc.member)
    if doc.company:
        return CustomerRef("company", doc.company)
    raise RecordError(
        f"OfficeRnD document {doc.number or doc.id} names neither a company nor a member",
        record=doc.number or doc.id,
        field="company",
        hint="Set the billed company (or member) on the document in OfficeRnD.",
    )


def document_kind(doc: PaymentDocument) -> SourceDocKind | None:
    """``invoice`` / ``credit_note``, or None for documents that are not posted as such."""
    return SYNCED_DOCUMENT_TYPES.get(doc.document_type)


def source_line(
    line: Line, reference: ReferenceData, tax_type: str | None, document_location: str | None
) -> SourceLine:
    net, tax = line_amounts(line, tax_type)
    location = line.location if line.location and line.location != document_location else None
    return SourceLine(
        description=(line.description or "").strip(),
        account=reference.account_ref(line.account),
        net_amount=net,
        tax_amount=tax,
        tax_rate=reference.tax_rate_ref(line.tax_rate, line.tax_percent),
        quantity=line.quantity if line.quantity is not None else Decimal(1),
        unit_price=line.unit_price,
        plan_id=line.plan,
        fee_id=line.fee,
        location_id=location,
    )


# The top-level fields source_document reads (plus createdAt, which windowed reads split on): a
# read that only compares documents asks for these with $select, which leaves out about a quarter
# of each payments page (accounting block, tax and allocation lists, paid amounts).
# UNVERIFIED: $select is documented for every v2 GET but not shown on /payments; an API that
# ignored it would only send more, never less.
SOURCE_DOCUMENT_FIELDS = (
    "number",
    "documentType",
    "status",
    "date",
    "dueDate",
    "company",
    "member",
    "location",
    "taxType",
    "lines",
    "processingFeeLine",
    "total",
    "amount",
    "baseTotal",
    "currency",
    "currencyConversionRate",
    "createdAt",
    "modifiedAt",
)


def source_document(doc: PaymentDocument, reference: ReferenceData) -> SourceDocument | None:
    """The engine's view of an invoice or credit note; None for other document types.

    Raises :class:`RecordError` when the document cannot be described at all (no customer, no
    date, no total): the caller reports it against the document and goes on.
    """
    kind = document_kind(doc)
    if kind is None:
        return None
    number = doc.number or doc.id
    if doc.unreadable is not None:
        raise RecordError(
            f"OfficeRnD sent document {number} (id {doc.id}) in a shape orsync cannot read: "
            f"{doc.unreadable[:300]}",
            record=number,
            field="document",
            hint="Open the document in OfficeRnD and save it again; orsync reads it again "
            "when it changes (or with `orsync sync --retry-failed`).",
        )
    if doc.date is None:
        raise RecordError(
            f"OfficeRnD document {number} has no date",
            record=number,
            field="date",
            hint="Give the document a date in OfficeRnD.",
        )
    total = _first(doc.total, doc.amount)
    if total is None:
        raise RecordError(
            f"OfficeRnD document {number} has no total",
            record=number,
            field="total",
            hint="Open the document in OfficeRnD and save it so that its totals are computed.",
        )
    if not _postable(total):
        raise _beyond_any_ledger(number, "total", total)
    lines = list(doc.lines)
    fee_line = doc.processing_fee_line
    if PROCESSING_FEE_IN_TOTAL and fee_line is not None and _nonzero(fee_line):
        lines.append(fee_line.model_copy(update={"description": fee_line.description or "Fee"}))
    try:
        converted = tuple(source_line(ln, reference, doc.tax_type, doc.location) for ln in lines)
    except InvalidOperation:  # rounding to the cent needs more digits than Decimal keeps
        raise _beyond_any_ledger(number, "lines", None) from None
    for each in converted:
        for amount in (each.net_amount, each.tax_amount, each.unit_price, each.quantity):
            if not _postable(amount):
                raise _beyond_any_ledger(number, "lines", amount)
    return SourceDocument(
        kind=kind,
        id=doc.id,
        number=number,
        status=(doc.status or "").strip().lower(),
        customer=customer_ref(doc),
        date=calendar_day(doc.date),
        currency=(doc.currency or "").strip().upper(),
        total=total,
        lines=converted,
        due_date=calendar_day(doc.due_date) if doc.due_date is not None else None,
        location_id=doc.location,
        modified_at=doc.modified_at,
        exchange_rate=_rate(doc.currency_conversion_rate),
        base_total=doc.base_total,
        credited_invoice_id=credited_invoice_id(doc) if kind == "credit_note" else None,
    )


def credited_invoice_id(doc: PaymentDocument) -> str | None:
    """The invoice a credit note credits: its first allocation's target (on a credit note the
    target is the invoice), None when it is not allocated."""
    return next((str(a.target) for a in doc.allocations if a.target), None)


# UNVERIFIED: what OfficeRnD's ``currencyConversionRate`` converts into. orsync reads it as
# document currency -> the base currency of the legal entity (Intacct entity) the document's
# location books in, and ``baseTotal`` as the total in that currency; a rate of 1 (or none)
# means the document is in its base currency. Were it the organization's one reporting
# currency instead, Intacct refuses the rate on base-currency documents (never a silent
# difference) and ``fx_rates: intacct`` is the way out.
def _rate(rate: Decimal | None) -> Decimal | None:
    if rate is None or not rate.is_finite() or rate <= 0:
        return None
    return rate


# No invoice holds a quadrillion; below it, sums of many lines stay exact in Decimal's 28 digits.
MAX_AMOUNT = Decimal(10) ** 15


def _postable(amount: Decimal | None) -> bool:
    return amount is None or (amount.is_finite() and abs(amount) < MAX_AMOUNT)


def _beyond_any_ledger(number: str, field: str, amount: Decimal | None) -> RecordError:
    shown = f" ({amount:.6g})" if amount is not None and amount.is_finite() else ""
    return RecordError(
        f"OfficeRnD document {number} has an amount beyond what orsync posts{shown}",
        record=number,
        field=field,
        hint="Correct the document's amounts in OfficeRnD; the next run posts it.",
    )


def _nonzero(line: Line) -> bool:
    amount = _first(line.total, line.sub_total, line.price)
    return amount is not None and amount != 0


# -- customers ---------------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = " ".join(text.split())
    return stripped or None


def _address(address: OfficeRndAddress | None) -> Address | None:
    if address is None:
        return None
    line1 = _clean(address.street)
    if line1 is None and address.formatted_address and not (address.city or address.zip):
        line1 = _clean(address.formatted_address)
    converted = Address(
        line1=line1,
        city=_clean(address.city),
        state=_clean(address.state),
        zip=_clean(address.zip),
        country=_clean(address.country),
    )
    return None if converted == Address() else converted


def source_customer(record: Company | Member, *, currency: str | None = None) -> SourceCustomer:
    """A billed company, or a member billed personally.

    OfficeRnD keeps no currency on companies or members; pass the currency the customer is
    billed in (its documents') when known.
    """
    kind: Literal["company", "member"] = "company" if isinstance(record, Company) else "member"
    billing = record.billing_details
    address = _address(billing.billing_address if billing else None) or _address(record.address)
    return SourceCustomer(
        kind=kind,
        id=record.id,
        name=_clean(record.name) or "",
        code=None,
        email=_clean(record.email),
        contact_name=_clean(record.name) if kind == "member" else None,
        billing_name=_clean(billing.billing_name) if billing else None,
        address=address,
        currency=currency,
        status=(record.status or "active").strip().lower(),
        modified_at=record.modified_at,
    )


def template_record(record: Company | Member) -> dict[str, Any]:
    """The record as customer-id templates read it: OfficeRnD's own field names (``_id``,
    ``billingDetails.vatNumber``, ``properties.Customer Number``)."""
    return record.model_dump(by_alias=True, exclude_none=True)
