"""Which invoice is issued to whom, when, and with which lines.

Invoices are spread evenly over the months. Each month starts with a bill run (membership
invoices dated the 1st, created two days earlier, customers taken round-robin so that every
customer is billed regularly), then booking and one-off invoices dated through the month. A few
slots are then "patched" so that even a tiny world uses every location, bills a member
personally, and uses both revenue accounts that are mapping gaps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from orsync.sandbox.seed.catalogue import (
    LOCATION_BY_CODE,
    LOCATIONS,
    PLAN_BY_CODE,
    TAX_RATE_BY_CODE,
    Catalogue,
    plan_key,
)
from orsync.sandbox.seed.documents import LineDraft
from orsync.sandbox.seed.parties import Customer
from orsync.sandbox.seed.primitives import ObjectIds, add_months, midnight, month_end

MEMBERSHIP_SHARE = 0.7
MEETING_ROOMS = ('Room "Liffey"', "Room <B2>", "Café Corner & Lounge", "Salle Éiffel")
BOARDROOM = 'Boardroom "The Vault"'
ONE_OFF_WEIGHTS = {"DP": 40, "KEY": 12, "PRN": 30, "DEP": 8, "EVT": 10}


@dataclass
class Slot:
    month: int
    kind: str  # "membership", "booking" or "oneoff"
    customer: int  # index into the customer list
    day: date
    created: datetime
    force_event: bool = False
    force_virtual_office: bool = False
    patched: bool = False


def _month_counts(invoices: int, months: int) -> list[int]:
    counts = [invoices // months] * months
    for extra in range(invoices % months):
        counts[months - 1 - extra] += 1
    return counts


def build_schedule(
    *, invoices: int, months: int, start: date, customers: list[Customer], rng: random.Random
) -> list[Slot]:
    slots: list[Slot] = []
    pointer = 0
    everyone = list(range(len(customers)))
    for month, count in enumerate(_month_counts(invoices, months)):
        first = add_months(start, month)
        eligible = [i for i in everyone if customers[i].billed_in(month)] or everyone
        n_membership = min(len(eligible), round(MEMBERSHIP_SHARE * count))
        bill_run = midnight(first) - timedelta(days=2) + timedelta(hours=2)
        for k in range(n_membership):
            who = eligible[(pointer + k) % len(eligible)]
            slots.append(Slot(month, "membership", who, first, bill_run + timedelta(seconds=7 * k)))
        pointer += n_membership
        last_day = (month_end(first) - first).days
        for _ in range(count - n_membership):
            kind = "booking" if rng.random() < 0.6 else "oneoff"
            day = first + timedelta(days=rng.randint(0, last_day))
            created = midnight(day) + timedelta(hours=17, seconds=rng.randint(0, 6 * 3600))
            slots.append(Slot(month, kind, rng.choice(eligible), day, created))
    _patch_coverage(slots, customers)
    slots.sort(key=lambda slot: slot.created)
    return slots


def _patch_coverage(slots: list[Slot], customers: list[Customer]) -> None:
    def free_slots() -> list[Slot]:
        return [slot for slot in reversed(slots) if not slot.patched]

    for loc in LOCATIONS:
        if any(customers[s.customer].location == loc.code for s in slots):
            continue
        for slot in free_slots():
            at_home = [
                i
                for i, c in enumerate(customers)
                if c.location == loc.code and c.billed_in(slot.month)
            ]
            if at_home:
                slot.customer, slot.patched = at_home[0], True
                break
    if not any(customers[s.customer].kind == "member" for s in slots):
        for slot in free_slots():
            personal = [
                i for i, c in enumerate(customers) if c.kind == "member" and c.billed_in(slot.month)
            ]
            if personal:
                slot.customer, slot.patched = personal[0], True
                break
    for flag in ("force_event", "force_virtual_office"):
        candidates = free_slots()
        if candidates:
            slot = candidates[0]
            setattr(slot, flag, True)
            slot.patched = True
            slot.kind = "oneoff" if flag == "force_event" else "membership"


class LineFactory:
    """Turns a slot into line drafts, creating the fee ids of booking and one-off lines."""

    def __init__(self, cat: Catalogue, ids: ObjectIds, rng: random.Random) -> None:
        self._cat = cat
        self._ids = ids
        self._rng = rng
        # (fee id, fee created, line draft, plan code) for every fee-backed line, in order.
        self.fee_lines: list[tuple[str, datetime, LineDraft, str]] = []

    def lines(self, slot: Slot, customer: Customer) -> list[LineDraft]:
        if slot.kind == "membership":
            return self._membership(slot, customer)
        if slot.kind == "booking":
            return self._booking(slot, customer)
        return self._one_off(slot, customer)

    def _draft(
        self,
        customer: Customer,
        plan_code: str,
        description: str,
        quantity: int,
        *,
        start: date | None = None,
        end: date | None = None,
        fee_at: datetime | None = None,
    ) -> LineDraft:
        plan = PLAN_BY_CODE[plan_code]
        tax = TAX_RATE_BY_CODE[LOCATION_BY_CODE[customer.location].tax]
        fee_id = self._ids.new(fee_at) if fee_at is not None else None
        draft = LineDraft(
            description=description,
            quantity=quantity,
            unit_price=plan.prices[customer.currency],
            account_id=self._cat.account_ids[plan.account],
            tax_rate_id=self._cat.tax_rate_ids[tax.code],
            tax_percent=tax.percent,
            location_id=self._cat.location_ids[customer.location],
            plan_id=self._cat.plan_ids[plan_key(plan_code, customer.entity)],
            fee_id=fee_id,
            start=start,
            end=end,
        )
        if fee_id is not None and fee_at is not None:
            self.fee_lines.append((fee_id, fee_at, draft, plan_code))
        return draft

    def _membership(self, slot: Slot, customer: Customer) -> list[LineDraft]:
        first, last = slot.day, month_end(slot.day)
        period = f"{first:%B %Y}"
        plan = PLAN_BY_CODE[customer.plan]
        seats = f" × {customer.seats} seats" if customer.seats > 1 else ""
        lines = [
            self._draft(
                customer,
                customer.plan,
                f"{plan.name}{seats} – {period}",
                customer.seats,
                start=first,
                end=last,
            )
        ]
        wants_vo = customer.virtual_office or slot.force_virtual_office
        if wants_vo and customer.plan != "VO":
            lines.append(
                self._draft(
                    customer,
                    "VO",
                    f"Virtual Office – mail & address – {period}",
                    1,
                    start=first,
                    end=last,
                )
            )
        if self._rng.random() < 0.3:
            hours = self._rng.randint(1, 6)
            lines.append(
                self._draft(
                    customer,
                    "MR",
                    f"Meeting room hours over allowance – {period}",
                    hours,
                    start=first,
                    end=last,
                )
            )
        return lines

    def _booking(self, slot: Slot, customer: Customer) -> list[LineDraft]:
        lines = []
        fee_at = slot.created - timedelta(hours=3)
        for _ in range(self._rng.randint(1, 3)):
            boardroom = self._rng.random() < 0.3
            room = BOARDROOM if boardroom else self._rng.choice(MEETING_ROOMS)
            hours = self._rng.randint(1, 8)
            begin = self._rng.randint(8, 18 - hours)
            description = f"{room} – {slot.day:%d %b %Y} {begin:02d}:00–{begin + hours:02d}:00"
            lines.append(
                self._draft(
                    customer,
                    "BR" if boardroom else "MR",
                    description,
                    hours,
                    start=slot.day,
                    end=slot.day,
                    fee_at=fee_at,
                )
            )
        return lines

    def _one_off(self, slot: Slot, customer: Customer) -> list[LineDraft]:
        codes = list(ONE_OFF_WEIGHTS)
        picks = self._rng.choices(
            codes, weights=list(ONE_OFF_WEIGHTS.values()), k=self._rng.randint(1, 3)
        )
        if slot.force_event:
            picks = ["EVT", *[code for code in picks if code != "EVT"]]
        seen: list[str] = []
        for code in picks:
            if code not in seen:
                seen.append(code)
        fee_at = slot.created - timedelta(hours=2)
        lines = []
        for code in seen:
            quantity = {
                "DP": self._rng.randint(1, 5),
                "PRN": self._rng.randint(1, 10),
                "EVT": self._rng.randint(1, 4),
            }.get(code, 1)
            lines.append(
                self._draft(
                    customer,
                    code,
                    PLAN_BY_CODE[code].name,
                    quantity,
                    start=slot.day,
                    end=slot.day,
                    fee_at=fee_at,
                )
            )
        return lines
