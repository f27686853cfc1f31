"""A seed with many invoices for paging tests (small_org_seed plus ``count`` invoices)."""

from __future__ import annotations

from orsync.sandbox.officernd import small_org_seed
from orsync.sandbox.officernd.documents import build_document
from orsync.sandbox.world import OfficeRndOrgSeed


def bulk_seed(count: int) -> OfficeRndOrgSeed:
    seed = small_org_seed()
    company = seed.collections["companies"][0]["_id"]
    location = seed.collections["locations"][0]["_id"]
    for n in range(count):
        day = f"2026-02-{1 + n % 28:02d}"
        document = build_document(
            document_id=f"65{n:022x}",
            document_type="invoice",
            number=f"BULK-{n:05d}",
            date=f"{day}T00:00:00.000Z",
            due_date=f"{day}T00:00:00.000Z",
            company=str(company),
            member=None,
            location=str(location),
            currency="USD",
            lines=[{"description": "Desk", "quantity": 1, "unitPrice": 100 + n % 7}],
            created_at=f"{day}T10:{n % 60:02d}:00.000Z",
            created_by="5f0000000000000000000a91",
        )
        seed.collections["payments"].append(document)
    return seed
