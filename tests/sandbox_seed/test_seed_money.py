"""Amounts add up to the cent on the wire, with one documented rounding rule."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from orsync.sandbox.seed import line_tax
from orsync.sandbox.world import SeedWorld
from tests.sandbox_seed.conftest import wire

CENT = Decimal("0.01")


def test_line_tax_rounds_half_up_to_the_cent() -> None:
    assert line_tax(Decimal("0.125"), Decimal(100)) == Decimal("0.13")
    assert line_tax(Decimal("12.35"), Decimal(20)) == Decimal("2.47")
    assert line_tax(Decimal("10.45"), Decimal(23)) == Decimal("2.40")  # 2.4035
    assert line_tax(Decimal("2.50"), Decimal(23)) == Decimal("0.58")  # 0.575 rounds up


def test_every_document_lines_plus_line_taxes_equal_its_total(any_world: SeedWorld) -> None:
    for doc in wire(any_world)["payments"]:
        # A card processing fee line is part of the document like its other lines.
        lines = doc["lines"] + ([doc["processingFeeLine"]] if doc["processingFeeLine"] else [])
        net = sum((line["subTotal"] for line in lines), Decimal(0))
        tax = sum((line["taxAmount"] for line in lines), Decimal(0))
        if doc["documentType"] == "overpayment":
            assert lines == [] and doc["subTotal"] == doc["total"]
            continue
        assert net + tax == doc["total"] == doc["amount"], doc["number"]
        assert doc["subTotal"] == net
        for line in lines:
            # quantity x unit price, less the line's discount: net of tax, or (taxType
            # included) gross, the tax then taken out of it.
            priced = (line["unitPrice"] * line["quantity"]).quantize(CENT) - line["discountAmount"]
            if doc["taxType"] == "included":
                assert line["total"] == priced
                expected = (priced * line["taxPercent"] / (100 + line["taxPercent"])).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
            else:
                assert line["subTotal"] == priced
                expected = (line["subTotal"] * line["taxPercent"] / 100).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
            assert line["taxAmount"] == expected
            assert line["total"] == line["subTotal"] + line["taxAmount"]
        per_rate: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            per_rate[line["taxRate"]] += line["taxAmount"]
        assert {t["taxRate"]: t["total"] for t in doc["taxAmounts"]} == per_rate


def test_every_amount_has_at_most_two_decimals(any_world: SeedWorld) -> None:
    collections = wire(any_world)
    for doc in collections["payments"]:
        for key in ("total", "paidAmount", "allocatedAmount", "payableAmount"):
            assert Decimal(doc[key]) == Decimal(doc[key]).quantize(CENT)
    for charge in collections["charges"]:
        assert charge["amount"] > 0 and Decimal(charge["amount"]).quantize(CENT) == charge["amount"]


def test_balances_follow_charges_and_allocations(any_world: SeedWorld) -> None:
    collections = wire(any_world)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for charge in collections["charges"]:
        if charge["status"] == "success":
            paid[charge["payment"]] += charge["amount"]
    for doc in collections["payments"]:
        allocated = sum((a["amount"] for a in doc["allocations"]), Decimal(0))
        assert doc["allocatedAmount"] == allocated
        if doc["documentType"] != "invoice":
            assert doc["payableAmount"] == doc["total"] - allocated
            assert allocated <= doc["total"]
            continue
        assert doc["paidAmount"] == paid[doc["_id"]]
        owed = doc["total"] - doc["paidAmount"] - allocated
        assert owed >= 0, doc["number"]
        assert doc["payableAmount"] == (0 if doc["status"] == "voided" else owed)
        if doc["status"] == "paid":
            assert owed == 0 and doc["isPaid"]
        if doc["status"] in ("partially_paid",):
            assert 0 < owed < doc["total"]
        if doc["status"] in ("overdue", "awaiting_payment", "failed", "voided", "draft"):
            assert owed == doc["total"]


def test_allocations_are_mirrored_on_both_documents(any_world: SeedWorld) -> None:
    docs = {d["_id"]: d for d in wire(any_world)["payments"]}
    count = 0
    for doc in docs.values():
        for allocation in doc["allocations"]:
            target = docs[allocation["target"]]
            assert allocation["documentType"] == target["documentType"]
            mirror = [a for a in target["allocations"] if a["_id"] == allocation["_id"]]
            assert len(mirror) == 1
            assert mirror[0]["target"] == doc["_id"] and mirror[0]["amount"] == allocation["amount"]
            assert target["currency"] == doc["currency"] and target["location"] == doc["location"]
            count += 1
    assert count > 0
