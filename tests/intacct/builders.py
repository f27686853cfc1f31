"""Small factories of typed inputs used by several test modules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orsync.intacct.xml.envelope import LoginCredentials, SenderCredentials
from orsync.intacct.xml.legacy import ArInvoice, ArInvoiceLine, TaxEntry

SENDER = SenderCredentials("orsync-test", "s3nder-Secret!")
LOGIN = LoginCredentials("xml_user", "ACME", "us3r-Secret!")


def invoice(
    number: str | None = "INV-1",
    *,
    customer: str = "C-1",
    amount: str = "100.00",
    location: str | None = "100",
) -> ArInvoice:
    return ArInvoice(
        customer_id=customer,
        date_created=date(2026, 11, 1),
        date_due=date(2026, 12, 1),
        invoice_no=number,
        po_number=f"ORD-{number}",
        description="Membership November",
        currency="GBP",
        lines=(
            ArInvoiceLine(
                gl_account_no="4000",
                amount=Decimal(amount),
                memo="Desk",
                location_id=location,
                department_id="D1",
                class_id="CL1",
                custom_fields={"ORSYNC_LINE": "l1"},
                tax_entries=(TaxEntry("UK Sale Goods Standard Rate", Decimal("20.00")),),
            ),
        ),
        custom_fields={"ORSYNC_ID": "inv-1"},
    )
