"""The simulator serves the seed generator's organization as it is, and keeps it consistent."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from orsync.sandbox.officernd import OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.officernd.billing import recompute_balances
from orsync.sandbox.seed import generate, world_clock
from orsync.sandbox.server import in_process_transport
from orsync.sandbox.world import OfficeRndOrgSeed

BALANCE_FIELDS = ("paidAmount", "allocatedAmount", "payableAmount", "pendingAmount", "status")


@pytest.fixture(scope="module")
def world_seed() -> OfficeRndOrgSeed:
    return generate(42, invoices=200, companies=40).officernd


def test_simulator_balance_rules_agree_with_every_seeded_document(
    world_seed: OfficeRndOrgSeed,
) -> None:
    charges: dict[str, list[dict[str, Any]]] = {}
    for charge in world_seed.collections["charges"]:
        charges.setdefault(str(charge["payment"]), []).append(charge)
    for document in world_seed.collections["payments"]:
        recomputed = copy.deepcopy(document)
        recompute_balances(recomputed, charges.get(str(document["_id"]), []))
        assert {k: recomputed.get(k) for k in BALANCE_FIELDS} == {
            k: document.get(k) for k in BALANCE_FIELDS
        }, document["number"]


def test_seeded_world_is_walked_and_written_with_its_own_application(
    world_seed: OfficeRndOrgSeed,
) -> None:
    config = OfficeRndSimConfig(
        clock=lambda: world_clock(), sleep=lambda _s: None, read_requests_per_minute=None
    )
    sim = OfficeRndSimulator(world_seed, config)
    app = world_seed.applications[0]
    base = f"/api/v2/organizations/{world_seed.org_slug}"
    with httpx.Client(transport=in_process_transport(sim), base_url="http://ornd.test") as http:
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "scope": "flex.billing.payments.read flex.billing.charges.create",
            },
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        seen: list[str] = []
        params: dict[str, Any] = {"documentType": "invoice"}
        while True:
            page = http.get(f"{base}/payments", params=params).json()
            seen.extend(r["_id"] for r in page["results"])
            if "cursorNext" not in page:
                break
            params = {"documentType": "invoice", "$cursorNext": page["cursorNext"]}
        assert seen == [r["_id"] for r in sim.records("payments", documentType="invoice")]
        assert len(seen) == 200
        invoice = next(
            r
            for r in sim.records("payments", documentType="invoice")
            if r["status"] in ("awaiting_payment", "overdue")
        )
        answer = http.post(
            f"{base}/charges",
            json={
                "payment": invoice["_id"],
                "amount": invoice["payableAmount"],
                "account": "Bank Transfer",
            },
        )
        assert answer.status_code == 201, answer.text
        assert sim.record("payments", invoice["_id"])["status"] == "paid"
