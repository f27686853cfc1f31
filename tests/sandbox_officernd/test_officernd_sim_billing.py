"""Writes orsync makes: charges, accounting links, numbers, overpayments and allocations."""

from __future__ import annotations

from typing import Any

import httpx

from orsync.sandbox.officernd import OfficeRndSimulator
from tests.sandbox_officernd.conftest import BASE, FakeClock


def unpaid_invoice(sim: OfficeRndSimulator, currency: str = "USD") -> dict[str, Any]:
    location = sim.records("locations")[0]["_id"]
    company = sim.records("companies")[0]["_id"]
    return sim.create_invoice(
        company=company,
        location=location,
        currency=currency,
        date="2026-03-01T00:00:00.000Z",
        lines=[
            {"description": "Desk", "quantity": 2, "unitPrice": "150.25", "taxPercent": 20},
        ],
    )


def charge_body(invoice: dict[str, Any], amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "payment": invoice["_id"],
        "amount": amount,
        "date": "2026-03-15T00:00:00.000Z",
        "account": "Bank Transfer",
        "reference": "INTACCT-PMT-1",
        **extra,
    }


def test_charges_move_paid_amount_status_and_modified_at(
    sim: OfficeRndSimulator, api: httpx.Client, clock: FakeClock
) -> None:
    invoice = unpaid_invoice(sim)
    assert invoice["total"] == 360.6  # 300.50 + 20% VAT
    assert invoice["status"] == "awaiting_payment"
    clock.advance(5)
    first = api.post(f"{BASE}/charges", json=charge_body(invoice, 100))
    assert first.status_code == 201
    charge = first.json()
    assert charge["payment"] == invoice["_id"]
    assert charge["source"] == "API"
    assert charge["status"] == "success"
    after_first = api.get(f"{BASE}/payments/{invoice['_id']}").json()
    assert after_first["status"] == "partially_paid"
    assert after_first["paidAmount"] == 100
    assert after_first["payableAmount"] == 260.6
    assert after_first["modifiedAt"] == "2026-03-20T12:00:05.000Z"
    assert after_first["modifiedAt"] > invoice["modifiedAt"]
    clock.advance(5)
    api.post(f"{BASE}/charges", json=charge_body(invoice, 260.6))
    paid = api.get(f"{BASE}/payments/{invoice['_id']}").json()
    assert (paid["status"], paid["isPaid"], paid["payableAmount"]) == ("paid", True, 0)
    assert paid["modifiedAt"] == "2026-03-20T12:00:10.000Z"


def test_deleting_a_charge_reopens_the_invoice(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    invoice = unpaid_invoice(sim)
    charge = api.post(f"{BASE}/charges", json=charge_body(invoice, 360.6)).json()
    assert sim.record("payments", invoice["_id"])["status"] == "paid"
    assert api.delete(f"{BASE}/charges/{charge['_id']}").status_code == 200
    reopened = sim.record("payments", invoice["_id"])
    assert (reopened["status"], reopened["paidAmount"]) == ("awaiting_payment", 0)


def test_charge_accounting_can_be_patched(sim: OfficeRndSimulator, api: httpx.Client) -> None:
    invoice = unpaid_invoice(sim)
    charge = api.post(f"{BASE}/charges", json=charge_body(invoice, 10)).json()
    block = {"provider": "intacct", "providerId": "1234", "externalOrgId": "ACME"}
    patched = api.patch(f"{BASE}/charges/{charge['_id']}", json={"accounting": block})
    assert patched.status_code == 200
    assert patched.json()["accounting"]["providerId"] == "1234"


def test_bad_charges_are_refused_and_change_nothing(
    sim: OfficeRndSimulator, api: httpx.Client
) -> None:
    invoice = unpaid_invoice(sim)
    credit_note = sim.records("payments", documentType="creditNote")[0]
    voided = sim.records("payments", status="voided")[0]
    for body in (
        charge_body(invoice, 1000),  # more than payable
        charge_body(invoice, -5),
        charge_body(invoice, 1.234),
        charge_body(invoice, 10, currency="EUR"),
        charge_body(credit_note, 10),
        charge_body(voided, 10),
        {"amount": 10, "account": "Cash"},
        charge_body(invoice, 10, status="maybe"),
    ):
        answer = api.post(f"{BASE}/charges", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["statusCode"] == 400
    assert sim.records("charges", payment=invoice["_id"]) == []
    assert api.post(f"{BASE}/charges", content=b"{not json").status_code == 400


def test_accounting_block_and_number_are_written_back(
    sim: OfficeRndSimulator, api: httpx.Client, clock: FakeClock
) -> None:
    invoice = unpaid_invoice(sim)
    clock.advance(1)
    block = {"provider": "intacct", "providerId": "INV-ACME-7", "externalOrgId": "acme-co"}
    answer = api.patch(
        f"{BASE}/payments/{invoice['_id']}", json={"accounting": block, "number": "SI-000123"}
    )
    assert answer.status_code == 200
    stored = sim.record("payments", invoice["_id"])
    assert stored["number"] == "SI-000123"
    assert stored["accounting"]["providerId"] == "INV-ACME-7"
    assert stored["accounting"]["deepLink"] is None
    assert stored["modifiedAt"] == "2026-03-20T12:00:01.000Z"
    refused = api.patch(f"{BASE}/payments/{invoice['_id']}", json={"total": 1})
    assert refused.status_code == 400


def test_billing_lock_date_refuses_writes_dated_inside_the_locked_period(
    sim: OfficeRndSimulator, api: httpx.Client
) -> None:
    assert sim.billing_lock_date is not None
    locked = next(r for r in sim.records("payments") if r["date"] < "2026-02-01")
    reopen = sim.records("charges", payment=locked["_id"])[0]
    answer = api.delete(f"{BASE}/charges/{reopen['_id']}")
    assert answer.status_code == 400
    assert "locked billing period" in answer.json()["message"]
    open_invoice = unpaid_invoice(sim)
    dated_inside = api.post(
        f"{BASE}/charges", json=charge_body(open_invoice, 5, date="2026-01-31T23:00:00.000Z")
    )
    assert dated_inside.status_code == 400
    assert "locked billing period" in dated_inside.json()["message"]
    renumber = api.patch(f"{BASE}/payments/{locked['_id']}", json={"number": "X-1"})
    assert renumber.status_code == 400
    assert sim.record("payments", locked["_id"])["number"] == locked["number"]
    # linking locked history to the ledger stays possible (documented choice)
    link = {"accounting": {"provider": "intacct", "providerId": "9", "externalOrgId": "acme"}}
    assert api.patch(f"{BASE}/payments/{locked['_id']}", json=link).status_code == 200
    sim.set_billing_lock_date(None)
    assert api.patch(f"{BASE}/payments/{locked['_id']}", json={"number": "X-1"}).status_code == 200


def test_overpayment_is_created_and_allocated_to_an_invoice(
    sim: OfficeRndSimulator, api: httpx.Client, clock: FakeClock
) -> None:
    invoice = unpaid_invoice(sim)
    created = api.post(
        f"{BASE}/payments/overpayment",
        json={
            "company": invoice["company"],
            "location": invoice["location"],
            "amount": 500,
            "currency": "USD",
            "date": "2026-03-10T00:00:00.000Z",
            "reference": "INTACCT-ADV-1",
        },
    )
    assert created.status_code == 201
    overpayment = created.json()
    assert (overpayment["documentType"], overpayment["total"]) == ("overpayment", 500)
    assert (overpayment["status"], overpayment["payableAmount"]) == ("pending", 500)
    clock.advance(3)
    answer = api.post(
        f"{BASE}/payments/{overpayment['_id']}/allocations",
        json={"target": invoice["_id"], "amount": 360.6},
    )
    assert answer.status_code == 201
    source = answer.json()
    allocation = source["allocations"][0]
    assert allocation["target"] == invoice["_id"]
    assert allocation["documentType"] == "invoice"
    assert source["allocatedAmount"] == 360.6
    assert (source["status"], source["payableAmount"]) == ("partially_paid", 139.4)
    target = sim.record("payments", invoice["_id"])
    assert target["status"] == "paid"
    assert target["allocatedAmount"] == 360.6
    assert target["allocations"][0]["target"] == overpayment["_id"]
    assert target["modifiedAt"] == source["modifiedAt"] == "2026-03-20T12:00:03.000Z"
    # the credit left (139.40) cannot cover another full invoice
    second = unpaid_invoice(sim)
    too_much = api.post(
        f"{BASE}/payments/{overpayment['_id']}/allocations",
        json={"target": second["_id"], "amount": 200},
    )
    assert too_much.status_code == 400
    # allocation accounting lands on both sides
    link = {"provider": "intacct", "providerId": "APPLY-1", "externalOrgId": "acme"}
    put = api.put(
        f"{BASE}/payments/{overpayment['_id']}/allocations/{allocation['_id']}/accounting",
        json=link,
    )
    assert put.status_code == 200
    assert put.json()["allocations"][0]["accounting"]["providerId"] == "APPLY-1"
    mirrored = sim.record("payments", invoice["_id"])["allocations"][0]["accounting"]
    assert mirrored["providerId"] == "APPLY-1"


def test_credit_note_allocation_needs_same_currency_and_an_invoice_target(
    sim: OfficeRndSimulator, api: httpx.Client
) -> None:
    credit_note = sim.records("payments", documentType="creditNote")[0]  # GBP 50
    usd_invoice = unpaid_invoice(sim)
    gbp_invoice = unpaid_invoice(sim, currency="GBP")
    path = f"{BASE}/payments/{credit_note['_id']}/allocations"
    assert api.post(path, json={"target": usd_invoice["_id"], "amount": 10}).status_code == 400
    assert api.post(path, json={"target": credit_note["_id"], "amount": 10}).status_code == 400
    ok = api.post(path, json={"target": gbp_invoice["_id"], "amount": 50})
    assert ok.status_code == 201
    assert sim.record("payments", gbp_invoice["_id"])["status"] == "partially_paid"
    invoice_path = f"{BASE}/payments/{gbp_invoice['_id']}/allocations"
    refused = api.post(invoice_path, json={"target": usd_invoice["_id"], "amount": 1})
    assert refused.status_code == 400


def test_voided_invoice_has_nothing_payable(sim: OfficeRndSimulator) -> None:
    invoice = unpaid_invoice(sim)
    voided = sim.void_invoice(invoice["_id"])
    assert (voided["status"], voided["payableAmount"]) == ("voided", 0)


def test_edited_lines_recompute_totals(sim: OfficeRndSimulator) -> None:
    invoice = unpaid_invoice(sim)
    edited = sim.edit_invoice(
        invoice["_id"], lines=[{"description": "Office", "quantity": 1, "unitPrice": 1000}]
    )
    assert (edited["total"], edited["payableAmount"]) == (1000, 1000)
    assert edited["modifiedAt"] >= invoice["modifiedAt"]


def test_a_refunded_charge_pays_nothing_and_takes_nothing_from_the_others() -> None:
    from orsync.sandbox.officernd.billing import recompute_balances

    invoice: dict[str, Any] = {"documentType": "invoice", "total": 100, "status": "paid"}
    card = {"status": "success", "amount": 60}
    transfer = {"status": "success", "amount": 40}
    recompute_balances(invoice, [card, transfer])
    assert (invoice["paidAmount"], invoice["payableAmount"], invoice["status"]) == (100, 0, "paid")

    card["status"] = "refund"  # the card payment given back
    recompute_balances(invoice, [card, transfer])
    assert (invoice["paidAmount"], invoice["payableAmount"]) == (40, 60)
    assert invoice["status"] == "partially_paid"
