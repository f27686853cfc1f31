"""Plain-data builders and a fake mapping resolver for engine tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orsync.engine.build import NO_TAX, Dimensions, LocationTarget, RevenueTarget, TaxTreatment
from orsync.engine.model import (
    AccountRef,
    CustomerRef,
    SourceCustomer,
    SourceDocument,
    SourceLine,
    TaxRateRef,
    Unmapped,
)

D = Decimal
VAT20 = TaxRateRef(id="tax-vat20", name="VAT 20%", rate=D("20"))
MEMBERSHIP = AccountRef(id="ra-memb", code="4000", name="Membership fees")
ONE_OFF = AccountRef(id="ra-oneoff", code="4100", name="One-off fees")


def line(
    net: str = "100.00",
    tax: str | None = "20.00",
    *,
    account: AccountRef = MEMBERSHIP,
    rate: TaxRateRef | None = VAT20,
    **kw: Any,
) -> SourceLine:
    return SourceLine(
        description=kw.pop("description", "Hot desk, November"),
        account=account,
        net_amount=D(net),
        tax_amount=None if tax is None else D(tax),
        tax_rate=rate,
        **kw,
    )


def invoice(
    number: str = "INV-1001",
    *lines: SourceLine,
    total: str | None = None,
    **kw: Any,
) -> SourceDocument:
    lines = lines or (line(),)
    if total is None:
        total = str(sum((x.net_amount + (x.tax_amount or 0) for x in lines), D(0)))
    fields: dict[str, Any] = {
        "kind": "invoice",
        "id": f"id-{number}",
        "number": number,
        "status": "awaiting_payment",
        "customer": CustomerRef("company", "co-1"),
        "date": dt.date(2026, 11, 1),
        "due_date": dt.date(2026, 11, 15),
        "currency": "GBP",
        "total": D(total),
        "lines": tuple(lines),
        "location_id": "loc-london",
    }
    fields.update(kw)
    return SourceDocument(**fields)


def credit_note(number: str = "CN-2001", *lines: SourceLine, **kw: Any) -> SourceDocument:
    return invoice(number, *lines, kind="credit_note", status="issued", due_date=None, **kw)


def company(id: str = "co-1", name: str = "Acme Ltd", **kw: Any) -> SourceCustomer:
    return SourceCustomer(
        kind=kw.pop("kind", "company"), id=id, name=name, currency="GBP", email="ap@acme.test", **kw
    )


@dataclasses.dataclass
class FakeResolver:
    """A mapping as tables, with defaults; anything else is Unmapped (the unmapped policy)."""

    accounts: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {"4000": "40000", "4100": "41000"}
    )
    items: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {"4000": "MEMBERSHIP", "4100": "ONEOFF"}
    )
    default_account: str | None = None
    locations: Mapping[str | None, LocationTarget] = dataclasses.field(
        default_factory=lambda: {
            "loc-london": LocationTarget("LON", "E-UK"),
            "loc-paris": LocationTarget("PAR", "E-FR"),
            "loc-leeds": LocationTarget("LEE", "E-UK"),
        }
    )
    taxes: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {"tax-vat20": "UK Sale Goods Standard Rate"}
    )
    # tax rate id -> sales-tax liability account; tax rate id -> no_tax (value: in revenue)
    tax_accounts: Mapping[str, str] = dataclasses.field(default_factory=dict)
    no_tax: Mapping[str, bool] = dataclasses.field(default_factory=dict)
    departments: Mapping[str, str] = dataclasses.field(default_factory=dict)
    template: str = "C-{id}"

    def revenue_target(self, line: SourceLine, target: RevenueTarget) -> str | Unmapped:
        table = self.accounts if target == "gl_account" else self.items
        code = line.account.code or ""
        if code in table:
            return table[code]
        if self.default_account is not None:
            return self.default_account
        return Unmapped("revenue account", code, f"Add revenue account {code} to the mapping.")

    def location_target(self, location_id: str | None) -> LocationTarget | Unmapped:
        if location_id in self.locations:
            return self.locations[location_id]
        return Unmapped("location", str(location_id), f"Map location {location_id}.")

    def tax_treatment(
        self, ref: TaxRateRef | None, target: RevenueTarget
    ) -> TaxTreatment | Unmapped:
        del target
        if ref is None:
            return NO_TAX
        if ref.id in self.taxes:
            return TaxTreatment(tax_detail=self.taxes[ref.id])
        if ref.id in self.tax_accounts:
            return TaxTreatment(account=self.tax_accounts[ref.id])
        if ref.id in self.no_tax:
            return TaxTreatment(in_revenue=self.no_tax[ref.id])
        return Unmapped("tax rate", ref.name or ref.id, f"Map tax rate {ref.name}.")

    def dimensions(self, line: SourceLine, doc: SourceDocument) -> Dimensions | Unmapped:
        if not self.departments:
            return Dimensions()
        code = line.account.code or ""
        if code in self.departments:
            return Dimensions(department_id=self.departments[code])
        return Unmapped("department", code, f"Map a department for {code}.")

    def customer_id(self, customer: SourceCustomer) -> str:
        return self.template.format(id=customer.id, kind=customer.kind)
