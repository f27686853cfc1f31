"""Payment documents (invoices, credit notes, overpayments) in OfficeRnD's JSON shape.

Money rule (the one the sync engine relies on): every line is ``quantity x unitPrice`` rounded to
the cent (its net ``subTotal``), plus ``taxAmount = line_tax(subTotal, taxPercent)`` (per line,
ROUND_HALF_UP, 2 places). Line ``total`` = subTotal + taxAmount. The document's ``subTotal`` is the
sum of line subTotals, each ``taxAmounts[]`` entry sums its rate's line taxes, and ``total`` =
``amount`` = subTotal + all line taxes. Nothing is re-rounded at document level, so
sum(lines.subTotal) + sum(lines.taxAmount) == total to the cent, always. ``taxType`` is
``excluded`` (prices are net of tax) on every invoice and credit note; overpayments have no
lines and ``taxType`` ``noTax``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from orsync.sandbox.seed.catalogue import CONVERSION_TO_USD, officernd_rate
from orsync.sandbox.seed.primitives import CENT, iso_day, iso_instant, json_number, line_tax

# OfficeRnD's ``baseTotal`` and ``convertedAmounts`` semantics are UNVERIFIED (samples disagree on
# whether baseTotal is gross or net). The seed uses: ``currencyConversionRate`` = document
# currency -> the location's base currency (its legal entity's), 1 when they are the same;
# ``baseTotal`` = the gross total in that base currency (each line's net and tax converted and
# rounded on their own); convertedAmounts = line values converted to the org's reporting
# currency (USD).
ORG_BASE_CURRENCY = "USD"


def unsynced_accounting() -> dict[str, object]:
    """The ``accounting`` block of a record no integration has touched yet: every documented key,
    all null (a fresh dict each time: simulators update these blocks in place)."""
    return dict.fromkeys(
        ("provider", "providerId", "externalOrgId", "deepLink", "lastSync", "error")
    )


@dataclass(frozen=True)
class LineDraft:
    description: str
    quantity: int
    unit_price: Decimal
    account_id: str
    tax_rate_id: str
    tax_percent: Decimal
    location_id: str
    plan_id: str | None = None
    fee_id: str | None = None
    start: date | None = None
    end: date | None = None
    discount: Decimal = Decimal(0)  # taken off quantity x unit price (discountAmount)


@dataclass(frozen=True)
class LineMoney:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def line_money(draft: LineDraft, tax_type: str = "excluded") -> LineMoney:
    """Net and tax of a line. ``included`` prices are gross: the tax is taken out of them
    (``gross x p / (100 + p)``, half-up), the net is what remains."""
    amount = (draft.unit_price * draft.quantity).quantize(CENT) - draft.discount
    if tax_type == "included":
        tax = (amount * draft.tax_percent / (100 + draft.tax_percent)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        return LineMoney(net=amount - tax, tax=tax)
    return LineMoney(net=amount, tax=line_tax(amount, draft.tax_percent))


@lru_cache(maxsize=65_536)
def _converted(value: Decimal, rate: Decimal) -> int | float:
    return json_number((value * rate).quantize(CENT))


def base_money(value: Decimal, rate: Decimal) -> Decimal:
    return value if rate == 1 else (value * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _base_gross(money: LineMoney, rate: Decimal) -> Decimal:
    return base_money(money.net, rate) + base_money(money.tax, rate)


def line_record(
    draft: LineDraft, money: LineMoney, rate: Decimal, base_rate: Decimal = Decimal(1)
) -> dict[str, object]:
    unit = json_number(draft.unit_price)
    net = json_number(money.net)
    tax = json_number(money.tax)
    gross = json_number(money.gross)
    percent = json_number(draft.tax_percent)
    return {
        "description": draft.description,
        "quantity": draft.quantity,
        "account": draft.account_id,
        "plan": draft.plan_id,
        "fee": draft.fee_id,
        "membership": None,
        "location": draft.location_id,
        "taxRate": draft.tax_rate_id,
        "taxPercent": percent,
        "taxAmount": tax,
        "discountAmount": json_number(draft.discount),
        "price": net,
        "unitPrice": unit,
        "unitDiscount": 0,
        "subTotal": net,
        "baseUnitPrice": unit,
        "baseTotal": json_number(
            base_money(money.net, base_rate) + base_money(money.tax, base_rate)
        ),
        "total": gross,
        "startDate": iso_day(draft.start) if draft.start else None,
        "endDate": iso_day(draft.end) if draft.end else None,
        "convertedAmounts": {
            "price": _converted(money.net, rate),
            "discountAmount": 0,
            "baseUnitPrice": _converted(draft.unit_price, rate),
            "subTotal": _converted(money.net, rate),
            "unitPrice": _converted(draft.unit_price, rate),
            "taxAmount": _converted(money.tax, rate),
            "taxPercent": percent,
            "baseTotal": _converted(money.gross, rate),
            "total": _converted(money.gross, rate),
        },
        "addons": [],
        "fees": [draft.fee_id] if draft.fee_id else [],
        "memberships": [],
    }


@dataclass
class Document:
    """A payment document being built, with its money kept as Decimal beside the JSON record."""

    record: dict[str, object]
    doc_type: str
    customer_index: int
    location: str
    currency: str
    day: date
    due: date
    created: datetime
    total: Decimal
    lines: list[LineDraft] = field(default_factory=list)
    allocated: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    modified: datetime | None = None
    role: str = "open"

    @property
    def id(self) -> str:
        return str(self.record["_id"])

    @property
    def remaining(self) -> Decimal:
        return self.total - self.allocated - self.paid

    def touch(self, instant: datetime) -> None:
        if self.modified is None or instant > self.modified:
            self.modified = instant


def build_document(
    *,
    doc_id: str,
    doc_type: str,
    number: str | None,
    day: date,
    due: date,
    company_id: str | None,
    member_id: str | None,
    location_id: str,
    currency: str,
    reference: str,
    lines: list[LineDraft],
    created: datetime,
    staff: str,
    base_currency: str | None = None,
    tax_type: str = "excluded",
    processing_fee: LineDraft | None = None,
) -> tuple[dict[str, object], Decimal]:
    """The JSON record (balances still unsettled) and the document total (a processing fee
    line, card surcharge, counts in it like any line)."""
    rate = CONVERSION_TO_USD[currency]
    base_rate = officernd_rate(currency, base_currency or currency, day)
    line_records: list[dict[str, object]] = []
    net_sum = Decimal(0)
    base_sum = Decimal(0)
    tax_by_rate: dict[str, tuple[Decimal, Decimal]] = {}
    fee_record: dict[str, object] | None = None
    for draft in [*lines, *([processing_fee] if processing_fee else [])]:
        money = line_money(draft, tax_type)
        if draft is processing_fee:
            fee_record = line_record(draft, money, rate, base_rate)
        else:
            line_records.append(line_record(draft, money, rate, base_rate))
        net_sum += money.net
        base_sum += base_money(money.net, base_rate) + base_money(money.tax, base_rate)
        percent, so_far = tax_by_rate.get(draft.tax_rate_id, (draft.tax_percent, Decimal(0)))
        tax_by_rate[draft.tax_rate_id] = (percent, so_far + money.tax)
    tax_sum = sum((tax for _, tax in tax_by_rate.values()), Decimal(0))
    total = net_sum + tax_sum
    total_json = json_number(total)
    stamp = iso_instant(created)
    record: dict[str, object] = {
        "properties": {},
        "_id": doc_id,
        "number": number,
        "documentType": doc_type,
        "date": iso_day(day),
        "dueDate": iso_day(due),
        "company": company_id,
        "member": member_id,
        "location": location_id,
        "reference": reference,
        "taxType": tax_type,
        "allocations": [],
        "lines": line_records,
        "processingFeeLine": fee_record,
        "taxAmounts": [
            {"percent": json_number(percent), "total": json_number(tax), "taxRate": rate_id}
            for rate_id, (percent, tax) in tax_by_rate.items()
        ],
        "subTotal": json_number(net_sum),
        "amount": total_json,
        "payableAmount": total_json,
        "accounting": unsynced_accounting(),
        "baseTotal": json_number(base_sum) if base_rate != 1 else total_json,
        "total": total_json,
        "paidAmount": 0,
        "pendingAmount": 0,
        "allocatedAmount": 0,
        "currency": currency,
        "currencyConversionRate": json_number(base_rate),
        "isFailed": False,
        "isPaid": False,
        "isSent": True,
        "status": "awaiting_payment",
        "chargeMethod": None,
        "createdAt": stamp,
        "createdBy": staff,
        "modifiedAt": stamp,
        "modifiedBy": staff,
    }
    return record, total


def overpayment_record(
    *,
    doc_id: str,
    number: str,
    day: date,
    company_id: str | None,
    member_id: str | None,
    location_id: str,
    currency: str,
    amount: Decimal,
    reference: str,
    created: datetime,
    staff: str,
) -> dict[str, object]:
    """An overpayment: money received beyond what was due, with no lines, to be allocated."""
    record, _ = build_document(
        doc_id=doc_id,
        doc_type="overpayment",
        number=number,
        day=day,
        due=day,
        company_id=company_id,
        member_id=member_id,
        location_id=location_id,
        currency=currency,
        reference=reference,
        lines=[],
        created=created,
        staff=staff,
    )
    value = json_number(amount)
    record.update(
        {
            "subTotal": value,
            "amount": value,
            "payableAmount": value,
            "baseTotal": value,
            "total": value,
            "taxType": "noTax",
        }
    )
    return record


def settle_record(doc: Document, *, status: str, method: str | None, staff: str) -> None:
    """Write the balances, flags, status and modifiedAt of a finished document."""
    record = doc.record
    voided = status == "voided"
    record["paidAmount"] = json_number(doc.paid)
    record["allocatedAmount"] = json_number(doc.allocated)
    record["payableAmount"] = 0 if voided else json_number(doc.remaining)
    record["status"] = status
    record["isPaid"] = status == "paid"
    record["isFailed"] = status == "failed"
    record["isSent"] = status != "draft"
    record["chargeMethod"] = method
    if doc.modified is not None and doc.modified > doc.created:
        record["modifiedAt"] = iso_instant(doc.modified)
        record["modifiedBy"] = staff
