"""A small, deterministic multi-entity company for tests and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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

UK_VAT = "United Kingdom - VAT"
IE_VAT = "Ireland - VAT"


def default_company_seed() -> IntacctCompanySeed:
    """Entities US (USD), UK (GBP), IE (EUR) with two locations each, revenue accounts
    4000-4900, AR and bank accounts, VAT for UK and IE, and both OE definitions."""
    revenue = [
        GLAccount("4000", "Membership Revenue"),
        GLAccount("4100", "Private Office Revenue"),
        GLAccount("4200", "Meeting Room Revenue"),
        GLAccount("4300", "Day Pass Revenue"),
        GLAccount("4400", "Services Revenue"),
        GLAccount("4500", "Event Revenue"),
        GLAccount("4600", "Parking Revenue"),
        GLAccount("4700", "Mail Handling Revenue"),
        GLAccount("4800", "Overpayment Revenue"),
        GLAccount("4900", "Other Revenue"),
        GLAccount("4950", "Retired Revenue", status="inactive"),
    ]
    balance = [
        GLAccount("1000", "Cash - US Operating", "balancesheet"),
        GLAccount("1010", "Cash - UK Operating", "balancesheet"),
        GLAccount("1020", "Cash - IE Operating", "balancesheet"),
        GLAccount("1200", "Accounts Receivable", "balancesheet"),
        GLAccount("2200", "VAT Payable", "balancesheet"),
        GLAccount("2300", "Customer Deposits", "balancesheet"),
    ]
    return IntacctCompanySeed(
        company_id="ORSYNC-DEMO",
        entities=[
            Entity("US", "Flex Spaces Inc.", "USD", ("CAD",)),
            Entity("UK", "Flex Spaces UK Ltd", "GBP"),
            Entity("IE", "Flex Spaces Ireland Ltd", "EUR"),
        ],
        locations=[
            Location("US-NYC", "New York", "US"),
            Location("US-SFO", "San Francisco", "US"),
            Location("UK-LON", "London", "UK"),
            Location("UK-MAN", "Manchester", "UK"),
            Location("IE-DUB", "Dublin", "IE"),
            Location("IE-COR", "Cork", "IE", status="inactive"),
        ],
        departments=[
            Dimension("SALES", "Sales"),
            Dimension("OPS", "Operations"),
            Dimension("OLD", "Closed Department", status="inactive"),
        ],
        classes=[
            Dimension("MEMBERSHIP", "Memberships"),
            Dimension("SERVICES", "Services"),
            Dimension("LEGACY", "Legacy Products", status="inactive"),
        ],
        gl_accounts=revenue + balance,
        items=[
            Item("MEMBERSHIP", "Monthly Membership", "4000"),
            Item("OFFICE", "Private Office", "4100"),
            Item("MEETING", "Meeting Room Hours", "4200"),
            Item("DAYPASS", "Day Pass", "4300"),
            Item("SERVICE", "Services", "4400"),
            Item("RETIRED", "Retired Item", "4900", status="inactive"),
        ],
        tax_solutions=[
            TaxSolution(UK_VAT, ("UK",)),
            TaxSolution(IE_VAT, ("IE",)),
        ],
        tax_details=[
            TaxDetail("UK Sale Goods Standard Rate", UK_VAT, Decimal("20")),
            TaxDetail("UK Sale Goods Zero Rate", UK_VAT, Decimal("0")),
            TaxDetail("UK Sale Goods Old Rate", UK_VAT, Decimal("17.5"), status="inactive"),
            TaxDetail("IE Sale Goods Standard Rate", IE_VAT, Decimal("23")),
            TaxDetail("IE Sale Goods Zero Rate", IE_VAT, Decimal("0")),
        ],
        checking_accounts=[
            CheckingAccount("BOA-US", "Bank of America Operating", "USD", "US", "1000"),
            CheckingAccount("BARCLAYS-UK", "Barclays Operating", "GBP", "UK", "1010"),
            CheckingAccount("AIB-IE", "AIB Operating", "EUR", "IE", "1020"),
        ],
        transaction_definitions=[
            TransactionDefinition("Sales Invoice", "invoice"),
            TransactionDefinition("Sales Credit Memo", "credit"),
        ],
        customers=[
            ExistingCustomer("C-0001", "Acme Widgets LLC", "USD", "ap@acme.example"),
            ExistingCustomer(
                "C-0002", "Brightside Studio Ltd", "GBP", "accounts@brightside.example"
            ),
            ExistingCustomer("C-0003", "Cliffs of Code Teoranta", "EUR", "finance@cliffs.example"),
            ExistingCustomer("C-0099", "Gone Away Inc.", "USD", status="inactive"),
        ],
        exchange_rates=[ExchangeRate("CAD", "USD", date(2026, 11, 1), Decimal("0.7300"))],
        books_closed_before=date(2026, 1, 1),
        first_invoice_number=1000,
    )
