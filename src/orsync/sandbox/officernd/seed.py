"""A handful of records in exact v2 shapes, for the simulator's own tests and quick demos.

Realistic, large organizations come from ``orsync.sandbox.seed``; this one is small enough to
reason about in a test: two locations (US/USD, UK/GBP), three companies, three members, five
invoices (unpaid, partly paid, paid, voided, and one dated inside the locked period), a credit
note and their charges. Two applications: the default sandbox one (every scope orsync needs) and
a read-only one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orsync.sandbox.officernd.auth import ORSYNC_SCOPES, default_application
from orsync.sandbox.officernd.billing import recompute_balances
from orsync.sandbox.officernd.documents import build_document, empty_accounting
from orsync.sandbox.officernd.store import API_USER_ID
from orsync.sandbox.world import OfficeRndApplication, OfficeRndOrgSeed

SMALL_ORG_SLUG = "sandbox-coworking"
READ_ONLY_CLIENT_ID = "orsync-sandbox-readonly"
READ_ONLY_CLIENT_SECRET = "orsync-sandbox-readonly-secret"
SMALL_ORG_LOCK_DATE = date(2026, 1, 31)


def _id(kind: int, n: int) -> str:
    """Deterministic 24-hex ids that sort by kind then number (all before runtime ids)."""
    return f"64{kind:02x}{n:020x}"


def _audit(day: str) -> dict[str, Any]:
    return {
        "createdAt": f"{day}T09:00:00.000Z",
        "createdBy": API_USER_ID,
        "modifiedAt": f"{day}T09:00:00.000Z",
        "modifiedBy": API_USER_ID,
    }


def small_org_seed() -> OfficeRndOrgSeed:
    loc_ny, loc_ldn = _id(1, 1), _id(1, 2)
    tax_none, tax_vat20 = _id(2, 1), _id(2, 2)
    acc_membership, acc_meeting, acc_oneoff = _id(3, 1), _id(3, 2), _id(3, 3)
    plan_desk, plan_office = _id(4, 1), _id(4, 2)
    companies = [_id(6, n) for n in (1, 2, 3)]
    members = [_id(7, n) for n in (1, 2, 3)]

    locations = [
        {
            "properties": {},
            "_id": loc_ny,
            "name": "New York — Flatiron",
            "address": {
                "country": "US",
                "city": "New York",
                "street": "1 Fifth Ave",
                "zip": "10010",
            },
            "timezone": "America/New_York",
            "isOpen": True,
            "isPublic": True,
            "code": "NYC",
        },
        {
            "properties": {},
            "_id": loc_ldn,
            "name": "London Shoreditch",
            "address": {"country": "GB", "city": "London", "street": "2 Old St", "zip": "EC1V 9HL"},
            "timezone": "Europe/London",
            "isOpen": True,
            "isPublic": False,
            "code": "LDN",
        },
    ]
    tax_rates = [
        {
            "_id": tax_none,
            "name": "No tax",
            "code": "NONE",
            "type": "sales",
            "rate": 0,
            "components": [],
        },
        {
            "_id": tax_vat20,
            "name": "VAT 20%",
            "code": "VAT20",
            "type": "sales",
            "rate": 20,
            "components": [{"_id": _id(2, 3), "name": "VAT", "rate": 20}],
        },
    ]
    revenue_accounts: list[dict[str, object]] = [
        {
            "_id": acc_membership,
            "name": "Membership fees",
            "description": "",
            "code": "4000",
            "defaultFor": "membership",
            "taxRate": tax_vat20,
        },
        {
            "_id": acc_meeting,
            "name": "Meeting rooms",
            "description": "",
            "code": "4100",
            "taxRate": tax_vat20,
        },
        {
            "_id": acc_oneoff,
            "name": "One-off fees",
            "description": "",
            "code": "4900",
            "defaultFor": "oneOff",
            "taxRate": tax_none,
        },
    ]
    plans = [
        {
            "_id": plan_desk,
            "name": "Hot desk",
            "code": "HD",
            "type": "hotdesk",
            "price": 300,
            "locations": [loc_ny, loc_ldn],
            "intervalLength": "month",
            "intervalCount": 1,
            "revenueAccount": acc_membership,
            **_audit("2025-01-02"),
        },
        {
            "_id": plan_office,
            "name": "Private office",
            "code": "PO",
            "type": "team_room",
            "price": 2500,
            "locations": [loc_ny],
            "intervalLength": "month",
            "intervalCount": 1,
            "revenueAccount": acc_membership,
            **_audit("2025-01-02"),
        },
    ]
    company_names = ["Acme & Sons", 'Café "Zoë" <Studio>', "Nordic Fintech Ltd"]
    company_records = [
        {
            "properties": {},
            "_id": companies[n],
            "name": company_names[n],
            "email": f"billing{n + 1}@example.com",
            "location": loc_ny if n != 2 else loc_ldn,
            "startDate": "2025-02-01T00:00:00.000Z",
            "status": "active",
            "billingDetails": {
                "billingName": company_names[n],
                "vatNumber": "",
                "paymentMethod": "Bank Transfer",
            },
            **_audit(f"2025-02-0{n + 1}"),
        }
        for n in range(3)
    ]
    member_records = [
        {
            "properties": {},
            "_id": members[n],
            "name": ["Ana Núñez", "Bob O'Neil", "Chloé Dubois"][n],
            "email": f"member{n + 1}@example.com",
            "location": loc_ny if n != 2 else loc_ldn,
            "company": companies[n],
            "status": "active",
            "startDate": "2025-02-01T00:00:00.000Z",
            **_audit(f"2025-02-0{n + 1}"),
        }
        for n in range(3)
    ]
    fees = [
        {
            "properties": {},
            "_id": _id(5, 1),
            "name": "Meeting room 2h",
            "price": 80,
            "quantity": 1,
            "company": companies[0],
            "location": loc_ny,
            "plan": plan_desk,
            "planType": "Plan",
            "issueDate": "2026-02-10T00:00:00.000Z",
            "status": "approved",
            "isPersonal": False,
            **_audit("2026-02-10"),
        },
    ]

    def invoice(
        n: int,
        company: int,
        day: str,
        lines: list[dict[str, Any]],
        *,
        currency: str = "USD",
        location: str = loc_ny,
        tax_type: str = "excluded",
        document_type: str = "invoice",
        status: str = "awaiting_payment",
    ) -> dict[str, Any]:
        prefix = "CN" if document_type == "creditNote" else "INV"
        return build_document(
            document_id=_id(8, n),
            document_type=document_type,
            number=f"{prefix}-{n:04d}",
            date=f"{day}T00:00:00.000Z",
            due_date=f"{day}T00:00:00.000Z",
            company=companies[company],
            member=None,
            location=location,
            currency=currency,
            lines=lines,
            tax_type=tax_type,
            status=status,
            created_at=f"{day}T09:00:00.000Z",
            created_by=API_USER_ID,
        )

    desk = {
        "description": "Hot desk — March",
        "quantity": 1,
        "unitPrice": 300,
        "account": acc_membership,
        "plan": plan_desk,
        "taxRate": tax_none,
        "taxPercent": 0,
    }
    payments = [
        invoice(1, 0, "2026-01-15", [desk]),  # inside the locked period
        invoice(
            2,
            0,
            "2026-03-01",
            [
                desk,
                {
                    **desk,
                    "description": "Meeting room",
                    "quantity": 2,
                    "unitPrice": 45.5,
                    "account": acc_meeting,
                },
            ],
        ),
        invoice(
            3,
            1,
            "2026-03-01",
            [
                {
                    **desk,
                    "unitPrice": 2500,
                    "plan": plan_office,
                    "description": "Private office — March",
                }
            ],
        ),
        invoice(
            4,
            2,
            "2026-03-01",
            [{**desk, "taxRate": tax_vat20, "taxPercent": 20}],
            currency="GBP",
            location=loc_ldn,
        ),
        invoice(5, 1, "2026-03-02", [desk]),
        invoice(
            6,
            2,
            "2026-03-05",
            [
                {
                    "description": "Goodwill credit",
                    "quantity": 1,
                    "unitPrice": 50,
                    "account": acc_oneoff,
                    "taxRate": tax_none,
                    "taxPercent": 0,
                }
            ],
            currency="GBP",
            location=loc_ldn,
            document_type="creditNote",
        ),
    ]
    payments[4]["status"] = "voided"

    def charge(
        n: int, invoice_index: int, amount: float, day: str, status: str = "success"
    ) -> dict[str, Any]:
        target = payments[invoice_index]
        return {
            "_id": _id(9, n),
            "amount": amount,
            "currency": target["currency"],
            "account": "Bank Transfer",
            "reference": f"BT-{n:04d}",
            "date": f"{day}T00:00:00.000Z",
            "accounting": empty_accounting(),
            "source": "admin",
            "status": status,
            "payment": target["_id"],
            "providerChargeReference": None,
            **_audit(day),
        }

    charges = [
        charge(1, 1, 100, "2026-03-10"),
        charge(2, 2, 2500, "2026-03-05"),
        charge(3, 0, 300, "2026-01-20"),
    ]
    for document in payments:
        recompute_balances(document, [c for c in charges if c["payment"] == document["_id"]])

    methods: list[dict[str, object]] = [
        {"name": name} for name in ("Cash", "Bank Transfer", "Credit Card")
    ]
    return OfficeRndOrgSeed(
        org_slug=SMALL_ORG_SLUG,
        applications=[
            default_application(),
            OfficeRndApplication(
                client_id=READ_ONLY_CLIENT_ID,
                client_secret=READ_ONLY_CLIENT_SECRET,
                scopes=tuple(s for s in ORSYNC_SCOPES if s.endswith(".read")),
            ),
        ],
        collections={
            "locations": locations,
            "tax-rates": tax_rates,
            "revenue-accounts": revenue_accounts,
            "plans": plans,
            "fees": fees,
            "payment-methods": methods,
            "companies": company_records,
            "members": member_records,
            "payments": payments,
            "charges": charges,
        },
        billing_lock_date=SMALL_ORG_LOCK_DATE,
    )
