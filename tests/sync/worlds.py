"""Test helpers: a complete mapping for the sandbox's seeded world, and simulator inspection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

# Where the seed's three declared gaps post in these tests (a real user decides; see demo).
GAP_TARGETS = {"BKN": ("NYC", "US"), "4500": "4000", "4600": "4300"}
TAX_DETAILS = {"NOTAX": None, "VAT20": "UK Output VAT 20%", "VAT23": "IE Output VAT 23%"}
# New York sales tax: no tax engine, its own line on the liability account (item for Sales).
SALES_TAX = {"NYTAX": "2210"}
# The seed's payment methods, each into the bank account of the invoice's entity.
BANKS = {"US": "BOA-USD", "UK": "BARC-GBP", "IE": "AIB-EUR"}
PAYMENT_METHODS: dict[str, Any] = {
    "unmapped": "error",
    "values": {
        name: {"payment_method": method, "bank_accounts": BANKS}
        for name, method in (
            ("Credit Card", "Credit Card"),
            ("Bank Transfer", "EFT"),
            ("Cash", "Cash"),
            ("Cheque", "Printed Check"),
            ("POS", "Credit Card"),
        )
    },
}


def mapping_document(
    sandbox: RunningSandbox,
    *,
    invoice_type: str = "ar",
    entity_level: str = "top",
    numbering: str = "officernd",
    closed_period: str = "fail",
    books_closed_through: str | None = None,
    skip_locations: tuple[str, ...] = (),
    unmapped_accounts: tuple[str, ...] = (),
    customer_overrides: dict[str, str] | None = None,
    fx_rates: str | None = None,
    payments: bool = False,
    overpayment_account: str | None = None,
) -> dict[str, Any]:
    """Every location, revenue account and tax rate of the seeded world, mapped."""
    world = sandbox.world
    collections = world.officernd.collections
    entity_of = {loc.id: loc.entity_id for loc in world.intacct.locations}
    locations: dict[str, Any] = {}
    for record in collections["locations"]:
        code = str(record["code"])
        if code in skip_locations:
            continue
        target = code if code in entity_of else GAP_TARGETS[code][0]
        locations[f"code:{code}"] = {"location": target, "entity": entity_of[target]}
    accounts: dict[str, Any] = {}
    for record in collections["revenue-accounts"]:
        code = str(record["code"])
        if code in unmapped_accounts:
            continue
        target = str(GAP_TARGETS.get(code, code))
        accounts[f"code:{code}"] = {"gl_account": target, "item": target}
    taxes: dict[str, Any] = {}
    for record in collections["tax-rates"]:
        code = str(record["code"])
        if code in SALES_TAX:
            taxes[f"code:{code}"] = {"gl_account": SALES_TAX[code], "item": SALES_TAX[code]}
            continue
        detail = TAX_DETAILS[code]
        taxes[f"code:{code}"] = {"no_tax": True} if detail is None else {"tax_detail": detail}
    return {
        "version": 1,
        "options": {
            "invoice_type": invoice_type,
            "entity_level": entity_level,
            "numbering": numbering,
            "closed_period": closed_period,
            **({"books_closed_through": books_closed_through} if books_closed_through else {}),
            **({"fx_rates": fx_rates} if fx_rates else {}),
            **({"overpayment_account": overpayment_account} if overpayment_account else {}),
            **(
                {
                    "transaction_definitions": {
                        "invoice": "Sales Invoice",
                        "credit": "Sales Credit Memo",
                    }
                }
                if invoice_type == "sales"
                else {}
            ),
        },
        "customers": {
            "company": "ORD-{company.properties.Customer Number}",
            "company_fallback": "ORD-{company.id}",
            "member": "ORDM-{member.id}",
            **({"overrides": customer_overrides} if customer_overrides else {}),
        },
        "revenue_accounts": {"unmapped": "error", "values": accounts},
        "locations": {
            "unmapped": "skip" if skip_locations else "error",
            "values": locations,
        },
        "tax_rates": {"unmapped": "error", "values": taxes},
        **({"payment_methods": PAYMENT_METHODS} if payments else {}),
    }


def write_mapping(sandbox: RunningSandbox, path: Path, **options: Any) -> Path:
    path.write_text(yaml.safe_dump(mapping_document(sandbox, **options), sort_keys=False))
    return path


# -- what the simulators hold -------------------------------------------------------------------


def issued(sandbox: RunningSandbox, document_type: str = "invoice") -> list[dict[str, Any]]:
    """OfficeRnD documents of a type that sync should post (not drafts, not voided)."""
    return [
        record
        for record in sandbox.officernd.records("payments", documentType=document_type)
        if record.get("status") not in ("draft", "voided")
    ]


def customer_ids(sandbox: RunningSandbox) -> dict[str, str]:
    """OfficeRnD company id -> the CUSTOMERID the test mapping renders for it."""
    out = {}
    for company in sandbox.officernd.records("companies"):
        number = (company.get("properties") or {}).get("Customer Number")
        out[str(company["_id"])] = (
            f"ORD-{number}" if number is not None else f"ORD-{company['_id']}"
        )
    return out


def location_codes(sandbox: RunningSandbox) -> dict[str, str]:
    """OfficeRnD location id -> the Intacct location the test mapping posts it to."""
    entity_of = {loc.id for loc in sandbox.world.intacct.locations}
    out = {}
    for record in sandbox.officernd.records("locations"):
        code = str(record["code"])
        out[str(record["_id"])] = code if code in entity_of else GAP_TARGETS[code][0]
    return out
