"""Shared helpers for reconcile tests: a client on the sandbox, postings written through sync's
own write functions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import httpx

from orsync.engine import EngineOptions, Posting, PostingLine
from orsync.intacct import IntacctClient, IntacctSettings, LoginCredentials, SenderCredentials
from orsync.intacct.outcomes import Succeeded
from orsync.retry import RetryPolicy
from orsync.sandbox.launch import RunningSandbox
from orsync.services.convert import postings

TAX_SOLUTIONS = {
    "UK Output VAT 20%": "United Kingdom - VAT",
    "UK Output Zero Rate": "United Kingdom - VAT",
    "IE Output VAT 23%": "Ireland - VAT",
}


def intacct_client(
    sandbox: RunningSandbox, entity: str | None = None, http: httpx.Client | None = None
) -> IntacctClient:
    details = sandbox.details()["intacct"]
    settings = IntacctSettings(
        sender=SenderCredentials(details["sender_id"], details["sender_password"]),
        login=LoginCredentials(
            details["user_id"], details["company_id"], details["user_password"], entity
        ),
        endpoint=details["url"],
        retry=RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0),
    )
    return IntacctClient(http or httpx.Client(), settings, sleep=lambda _: None)


def posting(
    reference: str,
    *,
    kind: str = "ar_invoice",
    customer: str = "ORD-1001",
    day: dt.date = dt.date(2026, 10, 5),
    entity: str | None = None,
    location: str = "NYC",
    currency: str = "USD",
    lines: tuple[tuple[str, str, str, str | None], ...] = (("4000", "100.00", "0.00", None),),
) -> Posting:
    sign = Decimal(-1) if kind == "ar_credit_memo" else Decimal(1)
    return Posting(
        kind=kind,  # type: ignore[arg-type]
        entity_id=entity,
        customer_id=customer,
        date_created=day,
        date_due=None if kind in ("ar_credit_memo", "so_credit") else day + dt.timedelta(days=14),
        currency=currency,
        reference=reference,
        invoice_number=reference,
        description=f"orsync: OfficeRnD invoice {reference}",
        lines=tuple(
            PostingLine(
                account=account,
                net_amount=sign * Decimal(net),
                tax_amount=sign * Decimal(tax),
                location_id=location,
                tax_detail_id=detail,
                memo="Desk",
                quantity=Decimal(1) if kind.startswith("so_") else None,
                unit_price=Decimal(net) if kind.startswith("so_") else None,
            )
            for account, net, tax, detail in lines
        ),
        transaction_definition=(
            None
            if not kind.startswith("so_")
            else "Sales Invoice"
            if kind == "so_invoice"
            else "Sales Credit Memo"
        ),
    )


_CONTROLIDS = itertools.count()


def unnumbered(item: Posting) -> Posting:
    """The same posting numbered by Intacct (a second copy of it is then possible)."""
    return dataclasses.replace(item, invoice_number=None)


def write(client: IntacctClient, *items: Posting) -> list[str]:
    """Create each posting through sync's own function builders; returns the record keys."""
    keys = []
    for item in items:
        n = next(_CONTROLIDS)
        context = postings.PostingContext(tax_solutions=TAX_SOLUTIONS)
        function = postings.create_document(item, f"test-{item.reference}-{n}", context=context)
        [outcome] = client.write([function], entity=item.entity_id)
        assert isinstance(outcome, Succeeded), outcome
        keys.append(str(outcome.key))
    return keys


AR = EngineOptions()
SALES = EngineOptions(invoice_type="sales")
SUBSIDIARY = EngineOptions(entity_level="subsidiary")


# --- a complete mapping for the seeded world ---------------------------------------------------

# (OfficeRnD code -> Intacct target) for the seeded world; the seed's declared gaps (BKN, 4500,
# 4600) are filled the way the demo fills them.
SEED_LOCATIONS = {
    "NYC": ("NYC", "US"),
    "AUS": ("AUS", "US"),
    "BKN": ("NYC", "US"),
    "LON": ("LON", "UK"),
    "MAN": ("MAN", "UK"),
    "DUB": ("DUB", "IE"),
}
SEED_ACCOUNTS = {
    "4000": "4000",
    "4100": "4100",
    "4200": "4200",
    "4300": "4300",
    "4500": "4000",
    "4600": "4300",
    "2300": "2300",
}
SEED_TAX = {"NOTAX": None, "VAT20": "UK Output VAT 20%", "VAT23": "IE Output VAT 23%"}


def seed_mapping_yaml(
    *,
    invoice_type: str = "ar",
    entity_level: str = "top",
    closed_period: str = "fail",
    books_closed_through: str | None = None,
) -> str:
    lines = [
        "version: 1",
        "options:",
        f"  invoice_type: {invoice_type}",
        f"  entity_level: {entity_level}",
        "  numbering: officernd",
        f"  closed_period: {closed_period}",
        *([f"  books_closed_through: {books_closed_through}"] if books_closed_through else []),
        "  transaction_definitions:",
        '    invoice: "Sales Invoice"',
        '    credit: "Sales Credit Memo"',
        "customers:",
        '  company: "ORD-{company.properties.Customer Number}"',
        '  company_fallback: "ORD-{company.id}"',
        '  member: "ORD-{member.properties.Customer Number}"',
        '  member_fallback: "ORDM-{member.id}"',
        "revenue_accounts:",
        "  unmapped: error",
        "  values:",
    ]
    for code, account in SEED_ACCOUNTS.items():
        lines += [f'    "code:{code}":', f'      gl_account: "{account}"']
        lines += [f'      item: "{account}"']
    lines += ["locations:", "  unmapped: error", "  values:"]
    for code, (location, entity) in SEED_LOCATIONS.items():
        lines += [f'    "code:{code}":', f'      location: "{location}"']
        lines += [f'      entity: "{entity}"']
    lines += ["tax_rates:", "  unmapped: error", "  values:"]
    for code, detail in SEED_TAX.items():
        target = "no_tax: true" if detail is None else f'tax_detail: "{detail}"'
        lines += [f'    "code:{code}":', f"      {target}"]
    lines += ['    "code:NYTAX":', '      gl_account: "2210"', '      item: "2210"']
    return "\n".join(lines) + "\n"


def stated_close(sandbox: RunningSandbox) -> dict[str, str]:
    """The mapping options finance states for the seeded company's close before go-live: its
    last closed day, and documents dated before it (the seed issues one late) posted on the
    first open day."""
    first_open = sandbox.world.intacct.books_closed_before
    assert first_open is not None
    through = first_open - dt.timedelta(days=1)
    return {"closed_period": "shift", "books_closed_through": through.isoformat()}


def give_profile_mapping(profile_name: str, path: Path, **options: str) -> None:
    """Write the seeded world's mapping to ``path`` and name it in the profile."""
    from orsync.config import load_config, save_config
    from orsync.env import default_config_path

    path.write_text(seed_mapping_yaml(**options), encoding="utf-8")
    config_path = default_config_path()
    config = load_config(config_path)
    profile = config.profiles[profile_name]
    updated = profile.model_copy(
        update={"sync": profile.sync.model_copy(update={"mapping": str(path)})}
    )
    save_config(config_path, config.with_profile(profile_name, updated))


# --- the seeded world, made clean enough that one sync posts everything ----------------------


def settle_seed_conflicts(sandbox: RunningSandbox) -> None:
    """The seed plants customer conflicts on purpose (a name-only match, an inactive customer,
    a stale name); resolve them in Intacct, as the finance team would, before the first sync."""
    store = sandbox.intacct.store
    now = dt.datetime.now(dt.UTC)
    legacy = store.customer("LEGACY-0042")
    if legacy is not None:
        store.put(
            store.customer_table, dataclasses.replace(legacy, name=legacy.name + " (legacy)"), None
        )
    for customer in store.customers():
        if customer.status != "active":
            store.set_customer_status(customer.customer_id, "active", now)
        if customer.name.endswith(" (old name)"):
            fixed = dataclasses.replace(customer, name=customer.name.removesuffix(" (old name)"))
            store.put(store.customer_table, fixed, None)
    officernd = sandbox.officernd
    for company in officernd.records("companies"):
        if company.get("status") in {"former", "inactive", "not_approved"}:
            officernd.update_record("companies", str(company["_id"]), status="active")


def sync_profile(profile_name: str) -> dict[str, dict[str, int]]:
    """One sync through sync's own service; returns its counts per stage."""
    from orsync.config import load_config, select_profile
    from orsync.env import default_config_path
    from orsync.services.sync import SyncOptions, run_sync

    path = default_config_path()
    name, profile = select_profile(load_config(path), profile_name, path)
    result = run_sync(name, profile, SyncOptions())
    counts: dict[str, dict[str, int]] = result.summary.to_dict()["counts"]
    return counts


def writes_in(counts: dict[str, dict[str, int]]) -> int:
    return sum(
        n
        for stage in counts.values()
        for outcome, n in stage.items()
        if outcome in ("created", "updated", "reversed", "adopted", "unconfirmed")
    )
