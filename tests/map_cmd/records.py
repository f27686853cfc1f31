"""OfficeRnD records as the API sends them (JSON shapes, Decimal money), for adapter tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orsync.officernd.models import (
    Company,
    Fee,
    Location,
    Member,
    PaymentDocument,
    Plan,
    RevenueAccount,
    TaxRate,
)
from orsync.services.convert import ReferenceData

LONDON = "a00000000000000000000001"
DUBLIN = "a00000000000000000000002"
BROOKLYN = "a00000000000000000000003"
MEMBERSHIP = "b00000000000000000000001"
EVENTS = "b00000000000000000000002"
VAT20 = "c00000000000000000000001"
NOTAX = "c00000000000000000000002"
HOTDESK = "d00000000000000000000001"
MEETING_RATE = "d00000000000000000000002"
ROOM_FEE = "e00000000000000000000001"
COMPANY = "f00000000000000000000001"
MEMBER = "f00000000000000000000002"


def reference() -> ReferenceData:
    return ReferenceData.from_records(
        locations=[
            Location.model_validate({"_id": LONDON, "name": "London Bridge", "code": "LON"}),
            Location.model_validate({"_id": DUBLIN, "name": "Dublin Docklands", "code": "DUB"}),
            Location.model_validate({"_id": BROOKLYN, "name": "Brooklyn", "code": "BKN"}),
        ],
        revenue_accounts=[
            RevenueAccount.model_validate(
                {"_id": MEMBERSHIP, "name": "Membership Fees", "code": "4000"}
            ),
            RevenueAccount.model_validate({"_id": EVENTS, "name": "Event Tickets", "code": "4600"}),
        ],
        tax_rates=[
            TaxRate.model_validate(
                {"_id": VAT20, "name": "VAT 20%", "code": "VAT20", "rate": Decimal(20)}
            ),
            TaxRate.model_validate({"_id": NOTAX, "name": "No tax", "code": "NOTAX", "rate": 0}),
        ],
        plans=[
            Plan.model_validate({"_id": HOTDESK, "name": "Hot Desk", "code": "HD-UK"}),
            Plan.model_validate(
                {"_id": MEETING_RATE, "name": "Meeting room", "code": "MR-UK", "type": "service"}
            ),
        ],
        fees=[
            Fee.model_validate(
                {
                    "_id": ROOM_FEE,
                    "name": "Room booking",
                    "plan": MEETING_RATE,
                    "planType": "ResourceRate",
                }
            )
        ],
    )


def line(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "description": "Hot desk, March",
        "quantity": Decimal(1),
        "unitPrice": Decimal("100"),
        "subTotal": Decimal("100"),
        "taxRate": VAT20,
        "taxPercent": Decimal(20),
        "taxAmount": Decimal("20"),
        "total": Decimal("120"),
        "account": MEMBERSHIP,
        "plan": HOTDESK,
        "location": LONDON,
    }
    base.update(fields)
    return base


def invoice(**fields: Any) -> PaymentDocument:
    base: dict[str, Any] = {
        "_id": "9" * 24,
        "number": "LON-INV-00001",
        "documentType": "invoice",
        "status": "awaiting_payment",
        "date": "2026-03-01T00:00:00.000Z",
        "dueDate": "2026-03-15T00:00:00.000Z",
        "company": COMPANY,
        "member": None,
        "location": LONDON,
        "taxType": "excluded",
        "currency": "GBP",
        "lines": [line()],
        "subTotal": Decimal("100"),
        "total": Decimal("120"),
        "modifiedAt": "2026-03-01T10:00:00.000Z",
    }
    base.update(fields)
    return PaymentDocument.model_validate(base)


def company(**fields: Any) -> Company:
    base: dict[str, Any] = {
        "_id": COMPANY,
        "name": "Café & Co",
        "email": "accounts@cafe.example.com",
        "status": "active",
        "properties": {"Customer Number": 1001},
        "billingDetails": {
            "billingName": "Café & Co Ltd",
            "billingAddress": {"street": "1 Bridge St", "city": "London", "country": "GB"},
        },
    }
    base.update(fields)
    return Company.model_validate(base)


def member(**fields: Any) -> Member:
    base: dict[str, Any] = {
        "_id": MEMBER,
        "name": "Ada Lovelace",
        "email": "ada@mail.example.org",
        "status": "active",
        "company": None,
        "properties": {"Customer Number": 5001},
    }
    base.update(fields)
    return Member.model_validate(base)
