"""Billed customers: companies (with their members) and freelance members billed personally."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from orsync.sandbox.seed.catalogue import (
    ENTITY_BY_KEY,
    LOCATION_BY_CODE,
    LOCATIONS,
    PAYMENT_METHOD_ENTITIES,
    PAYMENT_METHODS,
)
from orsync.sandbox.seed.names import NameBook, ascii_slug
from orsync.sandbox.seed.primitives import ObjectIds, add_months, iso_day, iso_instant, midnight

# The custom property holding each billed customer's number; the Intacct CUSTOMERID of a seeded
# customer is CUSTOMER_ID_TEMPLATE.format(number=...) (e.g. "ORD-1001").
CUSTOMER_NUMBER_PROPERTY = "Customer Number"
CUSTOMER_ID_TEMPLATE = "ORD-{number}"
FIRST_COMPANY_NUMBER = 1001
FIRST_MEMBER_NUMBER = 5001


@dataclass
class Customer:
    """Who an invoice bills: a company, or a member billed personally (``kind == "member"``)."""

    record_id: str
    kind: str  # "company" or "member"
    name: str
    number: int
    location: str  # home location code
    entity: str
    currency: str
    start_month: int  # month index of the first membership period (may be negative)
    end_month: int | None  # first month index no longer billed (former customers)
    plan: str  # "HD", "DD", "PO" or "VO"
    seats: int
    virtual_office: bool
    payment_method: str

    @property
    def company_id(self) -> str | None:
        return self.record_id if self.kind == "company" else None

    @property
    def member_id(self) -> str | None:
        return self.record_id if self.kind == "member" else None

    def billed_in(self, month: int) -> bool:
        return self.start_month <= month and (self.end_month is None or month < self.end_month)


@dataclass
class Parties:
    customers: list[Customer]
    companies: list[dict[str, object]]
    members: list[dict[str, object]]


def _address(location_code: str, rng: random.Random) -> dict[str, object]:
    loc = LOCATION_BY_CODE[location_code]
    entity = ENTITY_BY_KEY[loc.entity]
    return {
        "country": entity.country,
        "state": loc.state,
        "city": loc.city,
        "street": f"{rng.randint(1, 250)} {rng.choice(('High St', 'Main St', 'Quay Rd'))}",
        "zip": loc.zip,
    }


def _home_locations(count: int, rng: random.Random) -> list[str]:
    """Round-robin over every location first (a tiny world still uses each), then weighted."""
    codes = [loc.code for loc in LOCATIONS]
    weights = [loc.weight for loc in LOCATIONS]
    homes = codes[:count]
    homes += rng.choices(codes, weights=weights, k=max(0, count - len(codes)))
    return homes


def _payment_method(entity: str, rng: random.Random) -> str:
    usable = [m for m in PAYMENT_METHODS if entity in PAYMENT_METHOD_ENTITIES.get(m, (entity,))]
    return rng.choices(usable, weights=[50, 30, 8, 7, 5][: len(usable)])[0]


def build_parties(
    *,
    companies: int,
    rng: random.Random,
    ids: ObjectIds,
    names: NameBook,
    start: date,
    months: int,
    as_of: datetime,
    location_ids: dict[str, str],
    staff: list[str],
) -> Parties:
    freelancers = max(1, companies // 4)
    total = companies + freelancers
    homes = _home_locations(total, rng)
    # Interleave one freelancer early so that small worlds bill a member personally too.
    kinds = ["company"] * companies + ["member"] * freelancers
    if companies >= 2:
        kinds.insert(1, kinds.pop())
    customers: list[Customer] = []
    company_records: list[dict[str, object]] = []
    member_records: list[dict[str, object]] = []
    company_index = member_index = 0

    for position, (kind, home) in enumerate(zip(kinds, homes, strict=True)):
        loc = LOCATION_BY_CODE[home]
        entity = ENTITY_BY_KEY[loc.entity]
        if loc.opened_months_before_end is not None:
            start_month = max(0, months - loc.opened_months_before_end)
        elif rng.random() < 0.75:
            start_month = -rng.randint(1, 36)
        else:
            start_month = rng.randint(0, max(0, months - 1))
        end_month = None
        leaves = kind == "company" and position >= len(LOCATIONS) and rng.random() < 0.08
        if leaves and start_month + 1 < months:
            end_month = rng.randint(max(start_month + 1, 1), months - 1)
        plan = rng.choices(("HD", "DD", "PO", "VO"), weights=(30, 30, 30, 10))[0]
        if kind == "member":
            plan = rng.choice(("HD", "DD", "VO"))
        seats = 1 if plan in ("HD", "VO") or kind == "member" else rng.randint(1, 12)
        start_day = add_months(start, start_month)
        created = midnight(start_day) - timedelta(days=20, seconds=rng.randint(0, 86_000))
        modified = min(
            created + timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86_000)),
            as_of - timedelta(hours=1),
        )
        method = _payment_method(entity.key, rng)
        record_id = ids.new(created)

        if kind == "company":
            company_index += 1
            number = FIRST_COMPANY_NUMBER + company_index - 1
            name = names.company(company_index - 1, entity.key)
            slug = ascii_slug(name, "-") or "company"
            address = _address(home, rng)
            company_records.append(
                {
                    "properties": {CUSTOMER_NUMBER_PROPERTY: number},
                    "_id": record_id,
                    "startDate": iso_day(start_day),
                    "location": location_ids[home],
                    "name": name,
                    "description": f"{name} — member since {start_day:%B %Y}",
                    "email": f"accounts@{slug}.example.com",
                    "image": None,
                    "url": f"https://{slug}.example.com",
                    "address": address,
                    "status": "active" if end_month is None else "former",
                    "billingDetails": {
                        "billingName": name,
                        "vatNumber": (
                            f"{entity.key}{rng.randint(100_000_000, 999_999_999)}"
                            if entity.vat_number
                            else None
                        ),
                        "registrationNumber": str(rng.randint(1_000_000, 9_999_999)),
                        "paymentMethod": method,
                        "billingAddress": address,
                    },
                    "portalPrivacy": {
                        "isVisible": True,
                        "showContactDetails": False,
                        "showSocialProfiles": True,
                    },
                    "hasActiveMembersAllowance": seats > 1,
                    "activeMembersAllowanceLimit": seats if seats > 1 else None,
                    "tags": ["virtual-office"] if plan == "VO" else [],
                    "createdAt": iso_instant(created),
                    "createdBy": rng.choice(staff),
                    "modifiedAt": iso_instant(modified),
                    "modifiedBy": rng.choice(staff),
                }
            )
            team = 1 if plan == "VO" else min(4, max(1, seats))
            for seat in range(rng.randint(1, team)):
                member_records.append(
                    _member(
                        ids=ids,
                        rng=rng,
                        names=names,
                        company_id=record_id,
                        home=home,
                        location_ids=location_ids,
                        created=created + timedelta(minutes=seat + 1),
                        modified=modified,
                        start_day=start_day,
                        billing=seat == 0,
                        former=end_month is not None,
                        number=None,
                        domain=slug,
                    )
                )
        else:
            member_index += 1
            number = FIRST_MEMBER_NUMBER + member_index - 1
            record = _member(
                ids=ids,
                rng=rng,
                names=names,
                company_id=None,
                home=home,
                location_ids=location_ids,
                created=created,
                modified=modified,
                start_day=start_day,
                billing=True,
                former=False,
                number=number,
                domain=None,
                record_id=record_id,
                method=method,
            )
            member_records.append(record)
            name = str(record["name"])
        customers.append(
            Customer(
                record_id=record_id,
                kind=kind,
                name=name,
                number=number,
                location=home,
                entity=entity.key,
                currency=entity.currency,
                start_month=start_month,
                end_month=end_month,
                plan=plan,
                seats=seats,
                virtual_office=plan == "VO" or rng.random() < 0.1,
                payment_method=method,
            )
        )
    return Parties(customers=customers, companies=company_records, members=member_records)


def _member(
    *,
    ids: ObjectIds,
    rng: random.Random,
    names: NameBook,
    company_id: str | None,
    home: str,
    location_ids: dict[str, str],
    created: datetime,
    modified: datetime,
    start_day: date,
    billing: bool,
    former: bool,
    number: int | None,
    domain: str | None,
    record_id: str | None = None,
    method: str | None = None,
) -> dict[str, object]:
    modified = max(modified, created)
    name = names.person()
    first, _, last = name.partition(" ")
    local = f"{ascii_slug(first)}.{ascii_slug(last)}"
    email = f"{local}@{domain}.example.com" if domain else f"{local}@mail.example.org"
    address = _address(home, rng)
    personal = number is not None
    return {
        "properties": {CUSTOMER_NUMBER_PROPERTY: number} if personal else {},
        "_id": record_id or ids.new(created),
        "name": name,
        "email": email,
        "phone": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "image": None,
        "description": None,
        "location": location_ids[home],
        "company": company_id,
        "status": "former" if former else "active",
        "startDate": iso_day(start_day),
        "isBillingPerson": billing,
        "isContactPerson": billing,
        "address": address,
        "billingDetails": {
            "billingName": name,
            "vatNumber": None,
            "registrationNumber": None,
            "paymentMethod": method,
            "billingAddress": address,
        }
        if personal
        else None,
        "portalPrivacy": {
            "isVisible": True,
            "showContactDetails": False,
            "showSocialProfiles": False,
        },
        "socialProfiles": {"linkedin": None, "twitter": None, "instagram": None, "facebook": None},
        "createdAt": iso_instant(created),
        "modifiedAt": iso_instant(modified),
        "tags": ["freelancer"] if personal else [],
    }
