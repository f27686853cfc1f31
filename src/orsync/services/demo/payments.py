"""The demo's payments, both ways: a card payment taken in OfficeRnD reaching Intacct, and a
cheque keyed in Intacct reaching OfficeRnD, each invoice's amount due shown in both systems
before and after one ``sync --only payments``.

The two payments are made in the simulators the way a person would (a charge in OfficeRnD, a
payment keyed in Intacct, :mod:`orsync.sandbox`); everything else is the sync service. Amounts
due are read back from the simulators' stores, as the rest of the demo's results are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from orsync.config import Profile
from orsync.sandbox.launch import RunningSandbox

CARD = "Credit Card"  # an OfficeRnD payment method the sandbox knows
CHEQUE = "Printed Check"  # Intacct's method for a cheque
CHEQUE_IN_OFFICERND = "Cheque"  # OfficeRnD's (seed: cheques are a UK/IE habit)

Direction = Literal["officernd_to_intacct", "intacct_to_officernd"]


@dataclass(frozen=True)
class Due:
    officernd: Decimal
    intacct: Decimal

    def to_dict(self) -> dict[str, str]:
        return {"officernd": f"{self.officernd:.2f}", "intacct": f"{self.intacct:.2f}"}


@dataclass(frozen=True)
class PaymentShown:
    """One payment the demo made, and the invoice's amount due around the sync."""

    direction: Direction
    method: str
    number: str  # the OfficeRnD invoice number
    amount: Decimal
    currency: str
    before: Due
    after: Due
    reference: str = ""  # the payment's record on the other side, once synced

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "method": self.method,
            "invoice": self.number,
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "due_before": self.before.to_dict(),
            "due_after": self.after.to_dict(),
            "reference": self.reference,
        }


def with_cheques(text: str) -> str:
    """The mapping with an OfficeRnD ``Cheque`` method for Intacct's cheques, when map init
    drafted none (it drafts the methods the scanned charges used): a cheque keyed in Intacct
    is recorded in OfficeRnD under the OfficeRnD method mapped to its Intacct one. Its bank
    accounts are those drafted for the first method."""
    if f'payment_method: "{CHEQUE}"' in text or "\npayment_methods:" not in text:
        return text
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("payment_methods:"))
    values = next(i for i in range(start, len(lines)) if lines[i].strip() == "values:")
    first = values + 1
    end = first + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    entry = [
        f'    "{CHEQUE_IN_OFFICERND}":  # added by orsync demo: cheques keyed in Intacct\n',
        f'      payment_method: "{CHEQUE}"\n',
        *(line for line in lines[first + 1 : end] if "payment_method:" not in line),
    ]
    return "".join([*lines[:first], *entry, *lines[first:]])


def _open_invoices(sandbox: RunningSandbox) -> list[tuple[dict[str, Any], Any]]:
    """Issued OfficeRnD invoices orsync posted with the same amount due on both sides (not
    nothing): (OfficeRnD, Intacct)."""
    posted = {doc.record_id: doc for doc in sandbox.intacct.store.invoices() if doc.record_id}
    out = []
    for record in sandbox.officernd.records("payments", documentType="invoice"):
        doc = posted.get(record.get("number") or "")
        if (
            doc is None
            or record.get("status") in ("draft", "voided", "paid")
            or doc.reversed_by is not None
            or Decimal(str(record.get("payableAmount") or 0)) != doc.total_due
            or doc.total_due <= 0
        ):
            continue
        out.append((record, doc))
    return out


def _due(sandbox: RunningSandbox, invoice_id: str, number: str) -> Due:
    record = sandbox.officernd.record("payments", invoice_id)
    doc = sandbox.intacct.store.invoice_by_number(number)
    return Due(
        Decimal(str(record.get("payableAmount") or 0)),
        doc.total_due if doc is not None else Decimal(0),
    )


def show_payments(
    sandbox: RunningSandbox,
    sync: Callable[[], dict[str, Any]],
    step: Callable[[str], None],
) -> list[PaymentShown]:
    """Take a card payment in OfficeRnD and key a cheque in Intacct, on two open invoices;
    ``sync`` runs the payments stage; returns both payments with the invoices' dues."""
    candidates = _open_invoices(sandbox)
    if len(candidates) < 2:
        step("Payments: no two open invoices to pay in this world; skipped.")
        return []
    (card_doc, card_invoice), (cheque_doc, cheque_invoice) = (
        candidates[0],
        next((pair for pair in candidates[1:] if pair[1].entity_id in ("UK", "IE")), candidates[1]),
    )
    card_before = _due(sandbox, card_doc["_id"], card_doc["number"])
    cheque_before = _due(sandbox, cheque_doc["_id"], cheque_doc["number"])
    step(
        f"Payments: a card payment of {card_invoice.total_due:,.2f} {card_invoice.currency} on "
        f"{card_doc['number']} in OfficeRnD, and a cheque of {cheque_invoice.total_due:,.2f} "
        f"{cheque_invoice.currency} on {cheque_doc['number']} keyed in Intacct..."
    )
    charge = sandbox.officernd.add_charge(card_doc["_id"], card_invoice.total_due, account=CARD)
    cheque = sandbox.intacct.store.key_payment(
        cheque_invoice.recordno,
        cheque_invoice.total_due,
        method=CHEQUE,
        description="cheque 1042",
        when=dt.datetime.now(dt.UTC),
    )
    sync()
    paid_in_intacct = next(
        (p for p in sandbox.intacct.store.payments() if p.doc_number == charge["_id"]), None
    )
    recorded = [
        c
        for c in sandbox.officernd.records("charges", payment=cheque_doc["_id"])
        if c.get("reference") == f"intacct:{cheque.recordno}"
    ]
    return [
        PaymentShown(
            "officernd_to_intacct",
            CARD,
            card_doc["number"],
            card_invoice.total_due,
            card_invoice.currency,
            card_before,
            _due(sandbox, card_doc["_id"], card_doc["number"]),
            f"Intacct payment {paid_in_intacct.recordno}" if paid_in_intacct else "",
        ),
        PaymentShown(
            "intacct_to_officernd",
            "Cheque",
            cheque_doc["number"],
            cheque_invoice.total_due,
            cheque_invoice.currency,
            cheque_before,
            _due(sandbox, cheque_doc["_id"], cheque_doc["number"]),
            f"OfficeRnD charge {recorded[0]['_id']}" if recorded else "",
        ),
    ]


def payments_sync(profile_name: str, profile: Profile) -> Callable[[], dict[str, Any]]:
    """One ``sync --only payments`` of the demo's profile, as the demo's ``sync`` step."""

    def run() -> dict[str, Any]:
        from orsync.services.sync import SyncOptions, run_sync

        result = run_sync(profile_name, profile, SyncOptions(only=frozenset({"payments"})))
        return result.to_dict()

    return run
