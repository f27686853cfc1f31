"""Reconcile of payments and open balances: the engine's decisions on plain data."""

from __future__ import annotations

from decimal import Decimal

from orsync.engine.reconcile_payments import (
    ChargeSeen,
    InvoiceBalance,
    PaymentSeen,
    balance_differences,
    payment_findings,
)
from orsync.engine.report import ReconcileReport

D = Decimal


def invoice(paid_officernd: str, paid_intacct: str, total: str = "100.00") -> InvoiceBalance:
    return InvoiceBalance(
        source_id="inv1",
        number="INV-1",
        currency="USD",
        total=D(total),
        officernd_paid=D(paid_officernd),
        intacct_key="501",
        intacct_paid=D(paid_intacct),
        intacct_due=D(total) - D(paid_intacct),
    )


def charge(cid: str, amount: str, status: str = "success", ref: str | None = None) -> ChargeSeen:
    return ChargeSeen(cid, "inv1", status, D(amount), ref)


def payment(
    key: str,
    amount: str,
    *,
    ref: str | None = None,
    ours: bool = True,
    reversed_: bool = False,
    method: str = "Check",
) -> PaymentSeen:
    return PaymentSeen(key, "501", D(amount), ref, ours, reversed_, method)


def summary(findings: list) -> list[tuple[str, str | None, str, bool]]:  # type: ignore[type-arg]
    return [(f.category, f.source_id, f.fix.action, f.fix.safe) for f in findings]


def test_only_invoices_whose_balances_differ_have_their_payments_read() -> None:
    agreeing = invoice("40.00", "40.00")
    differing = invoice("100.00", "0.00")
    assert balance_differences([agreeing, differing]) == [differing]


def test_paid_in_officernd_and_open_in_intacct_is_a_charge_sync_posts() -> None:
    found = payment_findings([invoice("100.00", "0.00")], [charge("ch1", "100.00")], [])
    assert summary(found) == [
        ("balance_different", "inv1", "follows", False),
        ("payment_missing", "inv1/ch1", "post", True),
    ]
    diffs = {d.field: (d.officernd, d.intacct) for d in found[0].diffs}
    assert diffs == {
        "state": ("paid", "open"),
        "paid": ("100.00", "0.00"),
        "due": ("0.00", "100.00"),
    }
    assert "orsync sync --only payments" in found[1].fix.text


def test_a_payment_reversed_in_intacct_by_hand_is_missing_again() -> None:
    found = payment_findings(
        [invoice("60.00", "0.00")],
        [charge("ch1", "60.00")],
        [payment("900", "60.00", ref="ch1", reversed_=True)],
    )
    assert [f.category for f in found] == ["balance_different", "payment_missing"]


def test_orsyncs_payment_whose_charge_is_gone_or_refunded_is_reversed_through_sync() -> None:
    found = payment_findings(
        [invoice("0.00", "70.00")],
        [charge("ch1", "70.00", status="refund")],
        [payment("900", "70.00", ref="ch1")],
    )
    assert summary(found) == [
        ("balance_different", "inv1", "follows", False),
        ("payment_orphan", "inv1/ch1", "reverse", True),
    ]
    assert found[1].fix.target_key == "900"


def test_a_payment_keyed_in_intacct_is_recorded_when_its_method_maps_back() -> None:
    hand = payment("901", "25.00", ours=False, method="Check")
    mapped = payment_findings([invoice("0.00", "25.00")], [], [hand], methods_back={"Check"})
    assert summary(mapped)[1] == ("payment_unrecorded", "901/501", "record", True)
    unmapped = payment_findings([invoice("0.00", "25.00")], [], [hand], methods_back={"EFT"})
    assert summary(unmapped)[1] == ("payment_unrecorded", "901/501", "manual", False)
    assert "'Check'" in unmapped[1].fix.text


def test_a_charge_recorded_from_intacct_matches_its_payment_by_reference() -> None:
    recorded = charge("ch9", "25.00", ref="intacct:901")
    hand = payment("901", "25.00", ours=False)
    extra = charge("ch1", "10.00")
    found = payment_findings([invoice("35.00", "25.00")], [recorded, extra], [hand])
    assert [f.category for f in found] == ["balance_different", "payment_missing"]
    assert found[1].source_id == "inv1/ch1"


def test_a_charge_recorded_from_a_payment_intacct_reversed_is_a_manual_fix() -> None:
    found = payment_findings(
        [invoice("25.00", "0.00")],
        [charge("ch9", "25.00", ref="intacct:901")],
        [payment("901", "25.00", ours=False, reversed_=True)],
    )
    assert summary(found)[1] == ("payment_orphan", "inv1/ch9", "manual", False)


def test_amounts_applied_that_differ_are_manual_and_named() -> None:
    found = payment_findings(
        [invoice("50.00", "45.00")],
        [charge("ch1", "50.00")],
        [payment("900", "45.00", ref="ch1")],
    )
    assert summary(found) == [
        ("balance_different", "inv1", "follows", False),
        ("payment_different", "inv1/ch1", "manual", False),
    ]
    assert found[1].diffs[0].officernd == "50.00" and found[1].diffs[0].intacct == "45.00"


def test_a_difference_no_payment_accounts_for_is_a_manual_balance_finding() -> None:
    # An allocation of credit in OfficeRnD that Intacct does not show: charges and payments agree.
    found = payment_findings(
        [invoice("100.00", "60.00")],
        [charge("ch1", "60.00")],
        [payment("900", "60.00", ref="ch1")],
    )
    assert summary(found) == [("balance_different", "inv1", "manual", False)]
    assert "40.00" in found[0].fix.text


def test_pending_and_failed_charges_expect_no_payment() -> None:
    found = payment_findings(
        [invoice("0.00", "0.00", total="10.00")],
        [charge("ch1", "10.00", status="pending"), charge("ch2", "10.00", status="fail")],
        [],
    )
    assert found[1:] == []


def test_payment_findings_join_a_report_in_category_order() -> None:
    found = payment_findings([invoice("100.00", "0.00")], [charge("ch1", "100.00")], [])
    report = ReconcileReport((), (), ()).with_findings(reversed(found))
    assert [f.category for f in report.findings] == ["balance_different", "payment_missing"]
    document = report.to_dict()
    assert document["counts"]["payment_missing"] == 1
    assert [f["source_id"] for f in document["fixes"]["safe"]] == ["inv1/ch1"]
