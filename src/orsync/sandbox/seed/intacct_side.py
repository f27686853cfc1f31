"""The Intacct company that matches the seeded OfficeRnD organization, minus deliberate gaps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orsync.sandbox.seed.catalogue import (
    ENTITIES,
    INTACCT_RATE_SPREAD,
    LOCATIONS,
    REVENUE_ACCOUNTS,
    TAX_RATE_BY_CODE,
    officernd_rate,
    rate_pairs,
)
from orsync.sandbox.seed.parties import CUSTOMER_ID_TEMPLATE, Customer
from orsync.sandbox.seed.primitives import add_months
from orsync.sandbox.world import (
    CheckingAccount,
    Dimension,
    Entity,
    ExchangeRate,
    ExistingCustomer,
    GLAccount,
    IntacctCompanySeed,
    Item,
    Location,
    TaxDetail,
    TaxSolution,
    TransactionDefinition,
)

INTACCT_COMPANY_ID = "FLEXSPACE"
SALES_INVOICE_DEFINITION = "Sales Invoice"
SALES_CREDIT_DEFINITION = "Sales Credit Memo"
FIRST_INTACCT_INVOICE_NUMBER = 10001

# Map names used in SeedWorld.mapping_gaps, with the OfficeRnD value each map is keyed by.
MAP_LOCATIONS = "locations"  # keyed by OfficeRnD location ``code``
MAP_REVENUE_ACCOUNTS = "revenue_accounts"  # keyed by revenue account ``code``
MAP_TAX_RATES = "tax_rates"  # keyed by tax rate ``code``

# Tax rate code -> Intacct tax detail id (VAT entities); NOTAX maps to "no tax detail".
TAX_DETAIL_FOR_RATE = {"VAT20": "UK Output VAT 20%", "VAT23": "IE Output VAT 23%"}
SALES_TAX_ACCOUNT = "2210"  # NYTAX's liability account (and the item posting to it)
# Tax rate code -> the liability account its tax posts to (US: no tax engine).
SALES_TAX_ACCOUNT_FOR_RATE = {"NYTAX": SALES_TAX_ACCOUNT}
TAX_SOLUTION_FOR_ENTITY = {"UK": "United Kingdom - VAT", "IE": "Ireland - VAT"}
ZERO_RATE_DETAILS = {"UK": "UK Output Zero Rate", "IE": "IE Output Zero Rate"}

CHECKING_ACCOUNTS = (
    CheckingAccount("BOA-USD", "Bank of America Operating", "USD", "US", "1010"),
    CheckingAccount("BARC-GBP", "Barclays Business Current", "GBP", "UK", "1020"),
    CheckingAccount("AIB-EUR", "AIB Business Current", "EUR", "IE", "1030"),
    CheckingAccount("BARC-EUR", "Barclays Euro Account", "EUR", "UK", "1021"),
)

OVERPAYMENT_ACCOUNT = "2400"  # where the operator's overpayments are held until allocated
_BALANCE_SHEET_ACCOUNTS = (
    ("1010", "Cash – Bank of America (USD)"),
    ("1020", "Cash – Barclays (GBP)"),
    ("1021", "Cash – Barclays (EUR)"),
    ("1030", "Cash – AIB (EUR)"),
    ("1100", "Accounts Receivable"),
    ("2200", "VAT Output Tax"),
    ("2210", "Sales Tax Payable"),
    (OVERPAYMENT_ACCOUNT, "Customer Overpayments & Unapplied Cash"),
)


def mapping_gaps() -> list[tuple[str, str]]:
    """Every OfficeRnD value left without a usable Intacct counterpart, sorted."""
    gaps = [(MAP_LOCATIONS, "BKN")]
    gaps += [
        (MAP_REVENUE_ACCOUNTS, acc.code) for acc in REVENUE_ACCOUNTS if acc.intacct != "active"
    ]
    return sorted(gaps)


def build_intacct(
    customers: list[Customer], *, books_closed_before: date, months: tuple[date, date]
) -> IntacctCompanySeed:
    company = IntacctCompanySeed(company_id=INTACCT_COMPANY_ID)
    company.entities = [Entity(e.key, e.name, e.currency, e.other_currencies) for e in ENTITIES]
    company.exchange_rates = intacct_daily_rates(*months)
    gap_locations = {code for name, code in mapping_gaps() if name == MAP_LOCATIONS}
    company.locations = [
        Location(loc.code, loc.name, loc.entity)
        for loc in LOCATIONS
        if loc.code not in gap_locations
    ]
    company.departments = [
        Dimension("D100", "Community & Membership"),
        Dimension("D200", "Sales"),
        Dimension("D300", "Operations"),
        Dimension("D900", "Retired – do not use", status="inactive"),
    ]
    company.classes = [
        Dimension("MEMBERSHIP", "Memberships"),
        Dimension("MEETINGS", "Meeting Rooms & Events"),
        Dimension("SERVICES", "Services & One-off"),
        Dimension("LEGACY", "Legacy Products", status="inactive"),
    ]
    for account_no, title in _BALANCE_SHEET_ACCOUNTS:
        company.gl_accounts.append(GLAccount(account_no, title, "balancesheet"))
    for acc in REVENUE_ACCOUNTS:
        if acc.intacct == "missing":
            continue
        status = "active" if acc.intacct == "active" else "inactive"
        kind = "balancesheet" if acc.balance_sheet else "incomestatement"
        company.gl_accounts.append(GLAccount(acc.code, acc.name, kind, status))
        company.items.append(Item(acc.code, acc.name, acc.code, status))
    # US sales tax has no Intacct tax engine: its tax posts to 2210, through this item on Sales
    # documents (map init finds both by name).
    company.items.append(Item(SALES_TAX_ACCOUNT, "Sales Tax", SALES_TAX_ACCOUNT))
    company.gl_accounts.sort(key=lambda account: account.account_no)
    for entity_key, solution in TAX_SOLUTION_FOR_ENTITY.items():
        company.tax_solutions.append(TaxSolution(solution, (entity_key,)))
        company.tax_details.append(TaxDetail(ZERO_RATE_DETAILS[entity_key], solution, Decimal(0)))
    for code, detail in TAX_DETAIL_FOR_RATE.items():
        entity_key = "UK" if code == "VAT20" else "IE"
        percent = TAX_RATE_BY_CODE[code].percent
        company.tax_details.append(TaxDetail(detail, TAX_SOLUTION_FOR_ENTITY[entity_key], percent))
    company.checking_accounts = list(CHECKING_ACCOUNTS)
    company.transaction_definitions = [
        TransactionDefinition(SALES_INVOICE_DEFINITION, "invoice"),
        TransactionDefinition(SALES_CREDIT_DEFINITION, "credit"),
    ]
    company.customers = existing_customers(customers)
    company.books_closed_before = books_closed_before
    company.first_invoice_number = FIRST_INTACCT_INVOICE_NUMBER
    return company


def intacct_daily_rates(first: date, end: date) -> list[ExchangeRate]:
    """Intacct's own rates, effective the first of each month from the month before ``first``
    to ``end``: OfficeRnD's rate of the month plus ``INTACCT_RATE_SPREAD``."""
    rates: list[ExchangeRate] = []
    day = add_months(first, -1)
    while day <= end:
        for source, target in rate_pairs():
            rate = officernd_rate(source, target, day) + INTACCT_RATE_SPREAD
            rates.append(ExchangeRate(source, target, day, rate))
        day = add_months(day, 1)
    return rates


def existing_customers(customers: list[Customer]) -> list[ExistingCustomer]:
    """Customers already in Intacct before orsync's first run (adoption scenarios):

    - the first two seeded companies, under their template id (``ORD-1001``, ``ORD-1002``) with
      the same name: adopted by id;
    - the third company (``ORD-1003``) under its template id but a stale name: adopted by id,
      the name difference reported;
    - the fourth company by exact name only, under a legacy id (``LEGACY-0042``): never merged
      silently, reported as a name-only match;
    - an unrelated inactive walk-in customer (``WALKIN``).
    """
    companies = [c for c in customers if c.kind == "company"]
    found: list[ExistingCustomer] = []
    for position, customer in enumerate(companies[:3]):
        name = customer.name if position < 2 else f"{customer.name} (old name)"
        found.append(
            ExistingCustomer(
                CUSTOMER_ID_TEMPLATE.format(number=customer.number), name, customer.currency
            )
        )
    if len(companies) >= 4:
        found.append(ExistingCustomer("LEGACY-0042", companies[3].name, companies[3].currency))
    found.append(ExistingCustomer("WALKIN", "Walk-in Customer", None, None, "inactive"))
    return found
