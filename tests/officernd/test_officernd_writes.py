"""Writes: exact bodies, no blind resend on ambiguous outcomes, definite refusals classified."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from orsync.errors import RecordError
from orsync.officernd import (
    AccountingLink,
    BillingLocked,
    NewCharge,
    NewOverpayment,
    OfficeRndUnconfirmed,
    jsonio,
)

from .fake_api import FakeOfficeRnd, make_client, oid

INVOICE = oid(7)
CHARGE = NewCharge(
    invoice_id=INVOICE,
    amount=Decimal("1234.50"),
    date=datetime(2026, 3, 1, tzinfo=UTC),
    account="Bank Transfer",
    reference="ARPYMT-881",
    currency="EUR",
    accounting=AccountingLink(provider="orsync", provider_id="881", external_org_id="acme-gl"),
)


def _charge_answer(request: httpx.Request) -> httpx.Response | None:
    if request.method != "POST":
        return None
    body = json.loads(request.content)
    return httpx.Response(201, json={"_id": oid(99), **body})


def _writes(fake: FakeOfficeRnd) -> list[httpx.Request]:
    return [r for r in fake.api_requests if r.method != "GET"]


def test_create_charge_sends_the_invoice_amount_and_reference_as_exact_json() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(_charge_answer)
    charge = make_client(fake).create_charge(CHARGE)
    (request,) = _writes(fake)
    assert request.url.path.endswith("/organizations/acme/charges")
    assert b'"amount":1234.50' in request.content  # a JSON number, not a string or a float
    body = json.loads(request.content)
    assert body["payment"] == INVOICE and body["reference"] == "ARPYMT-881"
    assert body["date"] == "2026-03-01T00:00:00.000Z"
    assert body["accounting"]["providerId"] == "881"
    assert charge.id == oid(99) and charge.amount == Decimal("1234.50")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_on_a_write_is_unconfirmed_and_never_resent(status: int) -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(lambda r: httpx.Response(status) if r.method == "POST" else None)
    with pytest.raises(OfficeRndUnconfirmed) as unknown:
        make_client(fake).create_charge(CHARGE)
    assert len(_writes(fake)) == 1
    assert "find_charge" in unknown.value.lookup and "ARPYMT-881" in unknown.value.lookup
    assert unknown.value.exit_code == 75


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("Server disconnected")],
)
def test_a_lost_answer_on_a_write_is_unconfirmed_and_never_resent(failure: Exception) -> None:
    fake = FakeOfficeRnd()

    def lose(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST":
            raise failure
        return None

    fake.hooks.append(lose)
    with pytest.raises(OfficeRndUnconfirmed):
        make_client(fake).create_charge(CHARGE)
    assert len(_writes(fake)) == 1


def test_a_write_that_never_connected_is_sent_again() -> None:
    fake = FakeOfficeRnd()

    def refuse(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST":
            raise httpx.ConnectError("connection refused")
        return None

    fake.hooks.extend([refuse, _charge_answer])
    assert make_client(fake).create_charge(CHARGE).id == oid(99)
    assert len(_writes(fake)) == 2


def test_a_429_on_a_write_waits_for_retry_after_and_resends() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: httpx.Response(429, headers={"Retry-After": "3"}) if r.method == "POST" else None
    )
    fake.hooks.append(_charge_answer)
    sleeps: list[float] = []
    make_client(fake, sleeps=sleeps).create_charge(CHARGE)
    assert sleeps == [3.0] and len(_writes(fake)) == 2


def test_billing_lock_refusal_is_a_definite_record_error() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: (
            httpx.Response(
                400,
                json={
                    "statusCode": 400,
                    "message": "The date is before the billing lock date 2026-02-28",
                    "error": "Bad Request",
                },
            )
            if r.method == "POST"
            else None
        )
    )
    with pytest.raises(BillingLocked) as locked:
        make_client(fake).create_charge(CHARGE)
    assert locked.value.record == INVOICE and "lock" in str(locked.value)
    assert len(_writes(fake)) == 1


def test_a_validation_refusal_is_a_record_error_with_the_message() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: (
            httpx.Response(400, json={"statusCode": 400, "message": ["amount must be positive"]})
            if r.method == "POST"
            else None
        )
    )
    with pytest.raises(RecordError, match="amount must be positive") as refused:
        make_client(fake).create_charge(CHARGE)
    assert not isinstance(refused.value, BillingLocked) and refused.value.code == "400"


def test_invoice_accounting_and_number_write_back_is_one_patch() -> None:
    fake = FakeOfficeRnd()
    fake.hooks.append(
        lambda r: (
            httpx.Response(200, json={"_id": INVOICE, **json.loads(r.content)})
            if r.method == "PATCH"
            else None
        )
    )
    link = AccountingLink(provider="orsync", provider_id="4411", external_org_id="acme-gl")
    doc = make_client(fake).update_invoice_accounting(INVOICE, link, number="SI-4411")
    (request,) = _writes(fake)
    assert request.url.path.endswith(f"/payments/{INVOICE}")
    assert json.loads(request.content) == {
        "accounting": {
            "provider": "orsync",
            "providerId": "4411",
            "externalOrgId": "acme-gl",
            "error": None,
        },
        "number": "SI-4411",
    }
    assert doc.number == "SI-4411" and doc.accounting is not None
    assert doc.accounting.provider_id == "4411"


def test_overpayment_then_allocation_target_the_documented_endpoints() -> None:
    fake = FakeOfficeRnd()
    overpayment_id = oid(55)
    fake.hooks.append(
        lambda r: (
            httpx.Response(
                201, json={"_id": overpayment_id, "documentType": "overpayment", "amount": 30}
            )
            if r.method == "POST"
            else None
        )
    )
    fake.hooks.append(
        lambda r: (
            httpx.Response(
                201,
                json={
                    "_id": overpayment_id,
                    "documentType": "overpayment",
                    "allocations": [{"_id": oid(56), "target": INVOICE, "amount": 30}],
                },
            )
            if r.method == "POST"
            else None
        )
    )
    client = make_client(fake)
    created = client.create_overpayment(
        NewOverpayment(
            amount=Decimal("30.00"),
            date=datetime(2026, 3, 2, tzinfo=UTC),
            currency="GBP",
            reference="ARPYMT-900",
            company=oid(3),
        )
    )
    allocated = client.allocate(created.id, INVOICE, Decimal("30.00"))
    first, second = _writes(fake)
    assert first.url.path.endswith("/payments/overpayment")
    assert json.loads(first.content)["company"] == oid(3)
    assert second.url.path.endswith(f"/payments/{overpayment_id}/allocations")
    assert second.content == f'{{"target":"{INVOICE}","amount":30.00}}'.encode()
    assert allocated.allocations[0].target == INVOICE


def test_an_overpayment_needs_exactly_one_customer() -> None:
    fake = FakeOfficeRnd()
    with pytest.raises(ValueError, match="exactly one"):
        make_client(fake).create_overpayment(
            NewOverpayment(
                amount=Decimal(1),
                date=datetime(2026, 1, 1, tzinfo=UTC),
                currency="USD",
                reference="x",
            )
        )
    assert fake.api_requests == []


def test_find_charge_looks_up_by_invoice_and_reference_after_an_unconfirmed_write() -> None:
    charges = [
        {"_id": oid(1), "payment": INVOICE, "reference": "other", "amount": 5},
        {"_id": oid(2), "payment": INVOICE, "reference": "ARPYMT-881", "amount": 1234.5},
        {"_id": oid(3), "payment": oid(8), "reference": "ARPYMT-881", "amount": 1},
    ]
    fake = FakeOfficeRnd(collections={"charges": charges})
    client = make_client(fake)
    found = client.find_charge(INVOICE, "ARPYMT-881")
    assert found is not None and found.id == oid(2)
    assert fake.api_requests[-1].url.params.get("payment") == INVOICE
    assert client.find_charge(INVOICE, "ARPYMT-404") is None


def test_json_writer_refuses_floats_and_keeps_decimals_plain() -> None:
    with pytest.raises(TypeError, match="float"):
        jsonio.dumps({"amount": 0.1})
    assert jsonio.dumps({"a": Decimal("1E+2"), "b": [Decimal("0.10")]}) == b'{"a":100,"b":[0.10]}'
    with pytest.raises(ValueError, match="non-finite"):
        jsonio.dumps({"a": Decimal("NaN")})
