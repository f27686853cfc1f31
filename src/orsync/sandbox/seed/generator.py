"""``generate()``: one deterministic operator, both sides, plus its mapping gaps."""

from __future__ import annotations

import dataclasses
import gc
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from orsync.sandbox.seed.catalogue import ENTITY_BY_KEY, Catalogue, base_currency
from orsync.sandbox.seed.documents import Document, LineDraft, build_document
from orsync.sandbox.seed.intacct_side import build_intacct, mapping_gaps
from orsync.sandbox.seed.names import NameBook
from orsync.sandbox.seed.parties import Customer, build_parties
from orsync.sandbox.seed.primitives import (
    ObjectIds,
    add_months,
    derived_secret,
    iso_day,
    iso_instant,
    json_number,
    midnight,
)
from orsync.sandbox.seed.schedule import LineFactory, Slot, build_schedule
from orsync.sandbox.seed.settlement import Settler
from orsync.sandbox.world import OfficeRndApplication, OfficeRndOrgSeed, SeedWorld

DEFAULT_START = date(2025, 11, 1)
DEFAULT_MONTHS = 12
ORG_SLUG = "flexspace"

# Everything orsync may ask for (a superset of the client's request), and the read-only subset.
FULL_SCOPES: tuple[str, ...] = (
    "flex.billing.payments.read",
    "flex.billing.payments.create",
    "flex.billing.payments.update",
    "flex.billing.payments.allocations.create",
    "flex.billing.payments.allocations.update",
    "flex.billing.payments.documents.read",
    "flex.billing.payments.methods.read",
    "flex.billing.charges.read",
    "flex.billing.charges.create",
    "flex.billing.charges.update",
    "flex.billing.charges.delete",
    "flex.billing.taxRates.read",
    "flex.billing.revenueAccounts.read",
    "flex.billing.plans.read",
    "flex.community.companies.read",
    "flex.community.members.read",
    "flex.community.fees.read",
    "flex.space.locations.read",
    "flex.settings.webhooks.read",
    "flex.settings.webhooks.create",
    "flex.settings.webhooks.update",
    "flex.settings.webhooks.delete",
)
READ_ONLY_SCOPES: tuple[str, ...] = tuple(s for s in FULL_SCOPES if s.endswith(".read"))


def world_clock(start: date | None = None, months: int = DEFAULT_MONTHS) -> datetime:
    """The seeded world's "now": midnight UTC after the last seeded month. Every seeded instant
    (createdAt, modifiedAt, charge and allocation times) is strictly earlier."""
    first = (start or DEFAULT_START).replace(day=1)
    return midnight(add_months(first, months))


def applications(seed: int) -> list[OfficeRndApplication]:
    """The full-scope orsync application first, then a read-only one (scope-error scenarios)."""
    return [
        OfficeRndApplication(
            f"orsync-{derived_secret(seed, 'full-id', 16)}",
            derived_secret(seed, "full-secret", 48),
            FULL_SCOPES,
        ),
        OfficeRndApplication(
            f"readonly-{derived_secret(seed, 'ro-id', 16)}",
            derived_secret(seed, "ro-secret", 48),
            READ_ONLY_SCOPES,
        ),
    ]


def generate(
    seed: int = 42,
    invoices: int = 300,
    companies: int = 60,
    *,
    start: date | None = None,
    months: int = DEFAULT_MONTHS,
) -> SeedWorld:
    """A deterministic multi-location operator; see the package DESIGN for what it holds."""
    if invoices < 1 or companies < 1 or months < 1:
        msg = "invoices, companies and months must each be at least 1"
        raise ValueError(msg)
    # Generation only allocates (no cycles worth collecting); the cyclic collector's repeated
    # scans of a growing heap cost a third of the time of a 100,000-invoice world.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, invoices, companies, start=start, months=months)
    finally:
        if was_enabled:
            gc.enable()


def _generate(
    seed: int, invoices: int, companies: int, *, start: date | None, months: int
) -> SeedWorld:
    first = (start or DEFAULT_START).replace(day=1)
    as_of = world_clock(first, months)
    rng = random.Random(seed)
    ids = ObjectIds(seed)
    org_created = datetime(first.year - 4, 1, 15, 9, tzinfo=UTC)
    staff = [ids.new(org_created + timedelta(minutes=n)) for n in range(3)]
    cat = Catalogue.build(ids, org_created + timedelta(days=1), staff[0])
    parties = build_parties(
        companies=companies,
        rng=rng,
        ids=ids,
        names=NameBook(rng),
        start=first,
        months=months,
        as_of=as_of,
        location_ids=cat.location_ids,
        staff=staff,
    )
    _bill_some_in_other_currencies(parties.customers)
    slots = build_schedule(
        invoices=invoices, months=months, start=first, customers=parties.customers, rng=rng
    )
    drafts = _pick_drafts(slots, invoices, months)

    sequences: dict[tuple[str, str], int] = {}

    def next_number(location: str, kind: str) -> str:
        sequences[(location, kind)] = n = sequences.get((location, kind), 0) + 1
        return f"{location}-{kind}-{n:05d}"

    factory = LineFactory(cat, ids, rng)
    documents = [
        _invoice(
            slot,
            parties.customers,
            factory,
            ids,
            cat,
            staff,
            rng,
            next_number,
            draft=id(slot) in drafts,
        )
        for slot in slots
    ]
    _date_one_in_the_closed_period(documents, slots, first)
    _real_world_cases(documents, slots, parties.customers, cat)
    protected = {doc.id for doc, slot in zip(documents, slots, strict=True) if slot.patched}
    settler = Settler(
        rng=rng,
        ids=ids,
        as_of=as_of,
        customers=parties.customers,
        staff=staff,
        next_number=next_number,
        protected=protected,
    )
    settled = settler.settle(documents)

    payments = [doc.record for doc in documents]
    payments += [doc.record for doc in settled.credit_notes + settled.overpayments]
    status_by_invoice = {doc.id: str(doc.record["status"]) for doc in documents}
    credit_by_invoice = _credit_notes_by_invoice(settled.credit_notes)
    fee_owner = {
        line_fee: doc
        for doc in documents
        for line_fee in (line.fee_id for line in doc.lines)
        if line_fee
    }
    fees = [
        _fee(
            fee_id,
            at,
            line,
            plan_code,
            fee_owner[fee_id],
            parties.customers,
            status_by_invoice,
            credit_by_invoice,
            rng.choice(staff),
        )
        for fee_id, at, line, plan_code in factory.fee_lines
    ]
    collections: dict[str, list[dict[str, object]]] = dict(cat.records)
    collections["companies"] = _by_id(parties.companies)
    collections["members"] = _by_id(parties.members)
    collections["fees"] = _by_id(fees)
    collections["payments"] = _by_id(payments)
    collections["charges"] = _by_id(settled.charges)

    lock_month = max(0, months - 3)
    org = OfficeRndOrgSeed(
        org_slug=ORG_SLUG,
        applications=applications(seed),
        collections=collections,
        billing_lock_date=add_months(first, lock_month) - timedelta(days=1),
    )
    intacct = build_intacct(
        parties.customers, books_closed_before=first, months=(first, add_months(first, months))
    )
    return SeedWorld(officernd=org, intacct=intacct, mapping_gaps=mapping_gaps())


# Every fourth company (numbers 1003, 1007, ...) of an entity that bills in other currencies too
# is billed in the first of them: foreign-currency invoices at OfficeRnD's rates.
FOREIGN_CURRENCY_EVERY = 4


def _bill_some_in_other_currencies(customers: list[Customer]) -> None:
    for customer in customers:
        others = ENTITY_BY_KEY[customer.entity].other_currencies
        if others and customer.kind == "company" and customer.number % FOREIGN_CURRENCY_EVERY == 3:
            customer.currency = others[0]


def small_world(seed: int = 7) -> SeedWorld:
    """The tiny world for fast tests: 20 invoices, 5 companies (plus 1 freelancer), 3 months."""
    return generate(seed, invoices=20, companies=5, months=3)


def _by_id(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """Ascending ``_id`` (= creation order), the order OfficeRnD's cursors walk."""
    return sorted(records, key=lambda record: str(record["_id"]))


def _date_one_in_the_closed_period(
    documents: list[Document], slots: list[Slot], first: date
) -> None:
    """The last booking or one-off invoice of the first month is for the day before it: issued
    after Intacct's books for that month closed (``books_closed_before`` = ``first``)."""
    late = [
        doc
        for doc, slot in zip(documents, slots, strict=True)
        if slot.month == 0
        and slot.kind != "membership"
        and not slot.patched
        and doc.role != "draft"
    ]
    if not late:
        return
    doc = late[-1]
    day = first - timedelta(days=1)
    due = day + (doc.due - doc.day)
    old = iso_day(doc.day)
    doc.day, doc.due = day, due
    doc.record["date"], doc.record["dueDate"] = iso_day(day), iso_day(due)
    for line in doc.record["lines"]:  # type: ignore[attr-defined]
        for field in ("startDate", "endDate"):
            if line.get(field) == old:
                line[field] = iso_day(day)


REFERRAL_CREDIT = Decimal("-25.00")  # a negative line
LOYALTY_DISCOUNT = Decimal("10.00")  # discountAmount on a line
CARD_SURCHARGE_PERCENT = Decimal("2.5")  # processing fee on card-paid invoices


def _real_world_cases(
    documents: list[Document], slots: list[Slot], customers: list[Customer], cat: Catalogue
) -> set[str]:
    """Rework three membership invoices (no rng drawn, so the rest of the world is unchanged)
    into what operators really issue: a discount and a negative line, VAT-inclusive prices
    (Irish day-to-day pricing), and a card processing fee. Returns their ids."""
    candidates = [
        doc
        for doc, slot in zip(documents, slots, strict=True)
        if slot.kind == "membership" and not slot.patched and doc.role != "draft"
    ]
    done: set[str] = set()

    def pick(wanted: Callable[[Document], bool]) -> Document | None:
        found = next((d for d in candidates if d.id not in done and wanted(d)), None)
        if found is not None:
            done.add(found.id)
        return found

    discounted = pick(lambda d: True)
    if discounted is not None:
        first, *rest = discounted.lines
        credit = dataclasses.replace(
            first,
            description="Referral credit",
            quantity=1,
            unit_price=REFERRAL_CREDIT,
            plan_id=None,
        )
        lines = [dataclasses.replace(first, discount=LOYALTY_DISCOUNT), *rest, credit]
        _rebuild(discounted, lines, customers)
    inclusive = pick(lambda d: d.location == "DUB")
    if inclusive is not None:
        _rebuild(inclusive, inclusive.lines, customers, tax_type="included")
    card = pick(lambda d: customers[d.customer_index].payment_method == "Credit Card")
    if card is not None:
        gross = card.total
        first = card.lines[0]
        fee = dataclasses.replace(
            first,
            description="Card processing fee",
            quantity=1,
            unit_price=(gross * CARD_SURCHARGE_PERCENT / 100).quantize(Decimal("0.01")),
            account_id=cat.account_ids["4300"],
            plan_id=None,
            fee_id=None,
        )
        _rebuild(card, card.lines, customers, processing_fee=fee)
    return done


def _rebuild(
    doc: Document,
    lines: list[LineDraft],
    customers: list[Customer],
    *,
    tax_type: str = "excluded",
    processing_fee: LineDraft | None = None,
) -> None:
    record = doc.record
    customer = customers[doc.customer_index]
    doc.record, doc.total = build_document(
        doc_id=doc.id,
        doc_type=doc.doc_type,
        number=str(record["number"]),
        day=doc.day,
        due=doc.due,
        company_id=customer.company_id,
        member_id=customer.member_id,
        location_id=str(record["location"]),
        currency=doc.currency,
        reference=str(record["reference"]),
        lines=lines,
        created=doc.created,
        staff=str(record["createdBy"]),
        base_currency=base_currency(doc.location),
        tax_type=tax_type,
        processing_fee=processing_fee,
    )
    doc.lines = lines


def _pick_drafts(slots: list[Slot], invoices: int, months: int) -> set[int]:
    """The last-created invoices of the last month (a bill run not yet approved)."""
    wanted = max(1, invoices // 100)
    last = [slot for slot in slots if slot.month == months - 1 and not slot.patched]
    return {id(slot) for slot in last[-wanted:]}


def _invoice(
    slot: Slot,
    customers: list[Customer],
    factory: LineFactory,
    ids: ObjectIds,
    cat: Catalogue,
    staff: list[str],
    rng: random.Random,
    next_number: Callable[[str, str], str],
    *,
    draft: bool,
) -> Document:
    customer = customers[slot.customer]
    lines = factory.lines(slot, customer)
    doc_id = ids.new(slot.created)
    number = None if draft else next_number(customer.location, "INV")
    due = slot.day + timedelta(days=7 if slot.kind == "membership" else 14)
    reference = {
        "membership": f"Membership {slot.day:%B %Y}",
        "booking": "Meeting room bookings",
        "oneoff": "One-off charges",
    }[slot.kind]
    record, total = build_document(
        doc_id=doc_id,
        doc_type="invoice",
        number=number,
        day=slot.day,
        due=due,
        company_id=customer.company_id,
        member_id=customer.member_id,
        location_id=cat.location_ids[customer.location],
        currency=customer.currency,
        reference=reference,
        lines=lines,
        created=slot.created,
        staff=rng.choice(staff),
        base_currency=base_currency(customer.location),
    )
    return Document(
        record=record,
        doc_type="invoice",
        customer_index=slot.customer,
        location=customer.location,
        currency=customer.currency,
        day=slot.day,
        due=due,
        created=slot.created,
        total=total,
        lines=lines,
        role="draft" if draft else "open",
    )


def _credit_notes_by_invoice(credit_notes: list[Document]) -> dict[str, str]:
    found: dict[str, str] = {}
    for credit in credit_notes:
        reference = str(credit.record["reference"])
        found.setdefault(reference, credit.id)
    return found


def _fee(
    fee_id: str,
    at: datetime,
    line: LineDraft,
    plan_code: str,
    owner: Document,
    customers: list[Customer],
    status_by_invoice: dict[str, str],
    credit_by_reference: dict[str, str],
    staff: str,
) -> dict[str, object]:
    customer = customers[owner.customer_index]
    unit = json_number(line.unit_price)
    stamp = iso_instant(at)
    return {
        "properties": {},
        "_id": fee_id,
        "name": line.description,
        "price": unit,
        "quantity": line.quantity,
        "company": customer.company_id,
        "member": customer.member_id,
        "location": line.location_id,
        "plan": line.plan_id,
        "planType": "ResourceRate" if plan_code in ("MR", "BR") else "Plan",
        "issueDate": iso_day(owner.day),
        "status": "approved",
        "discount": None,
        "discountAmount": 0,
        "calculatedDiscountAmount": 0,
        "discountedPrice": unit,
        "isRefundable": plan_code == "DEP",
        "isPersonal": customer.kind == "member",
        "shouldBillInAdvance": False,
        "shouldUseCoins": False,
        "payment": {
            "_id": owner.id,
            "status": status_by_invoice[owner.id],
            "creditNote": credit_by_reference.get(f"Credit for {owner.record['number']}"),
        },
        "source": "admin",
        "createdAt": stamp,
        "createdBy": staff,
        "modifiedAt": stamp,
        "modifiedBy": staff,
    }
