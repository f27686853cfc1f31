"""Seeded data: one realistic multi-location flex-space operator, both in OfficeRnD and Intacct.

DESIGN (what a test writer can rely on; "N" = ``invoices``, "M" = ``companies``)
=============================================================================

Call ``generate(seed=42, invoices=300, companies=60, start=date(2025, 11, 1), months=12)``.
Same arguments, same world, byte for byte once JSON-dumped (no clock, no hash randomisation,
no set ordering is involved). ``small_world()`` = ``generate(7, invoices=20, companies=5,
months=3)``: every feature below appears in it (full coverage needs about N >= 20, M >= 5,
months >= 3; smaller worlds are valid but may lack a case). ``world_clock(start, months)`` is
the world's "now" (midnight UTC after the last month); every seeded instant is earlier.

The operator ("Flexspace") — fixed catalogue, only ids and times depend on the seed
- Legal entities (Intacct entity id = key): ``US`` Flexspace US Inc. (USD, no tax, NOTAX),
  ``UK`` Flexspace UK Ltd (GBP, VAT20), ``IE`` Flexspace Ireland Ltd (EUR, VAT23).
- Locations (``code``): NYC, AUS, BKN (US); LON, MAN (UK); DUB (IE). BKN opened 3 months
  before the end: its customers start then. Every line of a document carries the document's
  location and its tax rate (the entity's, or New York's sales tax); each document is in its
  entity's currency, except the UK's euro-billed companies (below).
- Tax rates (``code``): NOTAX 0 %, NYTAX 8.875 %, VAT20 20 %, VAT23 23 % (one ``components``
  entry when > 0).
- Revenue accounts (``code``): 4000 Membership Fees, 4100 Hot Desks, 4200 Meeting Rooms,
  4300 One-off Fees, 4500 Virtual Office, 4600 Event Tickets, 2300 Deposits (balance sheet).
- Plans: one per (product, entity), ``code`` like ``HD-UK``: HD, DD, PO (membership, monthly),
  VO (virtual office, monthly), MR, BR (hourly bookings), DP, KEY, PRN, EVT, DEP (one-off).
- Payment methods: Credit Card, Bank Transfer, Cash (all), Cheque (UK, IE), POS (UK). Stored as
  ``{"name", "locations": [ids]}``; ``GET /payments/methods`` answers the names.

Parties
- M companies (``properties["Customer Number"]`` = 1001, 1002, ...) each with 1-4 members (the
  first is the billing/contact person), plus max(1, M // 4) freelance members (``company`` null,
  ``properties["Customer Number"]`` = 5001, ...) billed personally. A document's customer is
  its ``member`` when that is set (then ``company`` is null), else its ``company``. About 8 %
  of companies beyond the sixth are ``former`` (not billed after they left).
- Intacct CUSTOMERID template: ``ORD-{Customer Number}`` (``parties.CUSTOMER_ID_TEMPLATE``).
- The first five companies have the hard names (``names.HARD_COMPANY_NAMES``): accents, ``&``,
  ``'``, ``"`` and ``<``; line descriptions carry them too (room names, plan names).

Documents (collection ``payments``; totals rule in ``documents``: per-line tax, HALF_UP, cents)
- Exactly N invoices: ~70 % monthly membership invoices (a bill run dated the 1st, created two
  days earlier), the rest booking (1-3 room lines) and one-off invoices (1-3 lines, fee-backed:
  each such line has a ``fees`` record linking back through ``payment._id``).
- Drafts: max(1, N // 100), the last invoices created in the last month; ``number`` null,
  ``status`` "draft", ``isSent`` false. Not to be synced.
- Among invoices due more than 7 days before the clock (random, never a coverage invoice;
  each count is capped by how many such invoices remain, in this order):
  voided max(1, N//100); failed max(1, N//50) (one ``fail`` charge, ``isFailed``);
  partly paid max(1, N//20); unpaid ``overdue`` max(1, N//25); credited max(1, N//25) (one
  credit note each: 30 % credit every line, else the first line's quantity 1; 80 % allocated to
  the invoice, 20 % left unallocated); overpaid max(1, N//50) (paid in full, plus an
  ``overpayment`` document of 10-250 allocated to the customer's next invoice at that location
  when one exists). All other old invoices are paid (15 % in two charges). Recent invoices
  are paid (40 %) or open (``awaiting_payment``, or ``overdue`` once past due).
- Statuses used: draft, voided, failed, paid, partially_paid, overdue (not in the reference enum
  but seen in real data), awaiting_payment; credit documents: paid / partially_paid / pending
  by allocation (``settlement.credit_status``, unverified).
- ``taxType`` "excluded" (net prices) on invoices and credit notes; overpayments have no lines.
- What operators really issue (``generator._real_world_cases``, no rng drawn): the first
  membership invoice gets a 10.00 discount on its first line and a -25.00 "Referral credit"
  line; the first Dublin one is priced VAT-inclusive (``taxType`` "included"); the first one of
  a card-paying customer a 2.5 % card processing fee (``processingFeeLine``, account 4300).
- New York (NYC, BKN) lines carry NYTAX 8.875 % sales tax (no Intacct tax engine: mapped to the
  liability account 2210, item 2210 for Sales). Every fourth company of the UK (1003, 1007...)
  is billed in EUR at OfficeRnD's monthly rate into GBP (``currencyConversionRate``,
  ``baseTotal``); Intacct's "Intacct Daily Rate" differs by ``INTACCT_RATE_SPREAD``.
- One booking or one-off invoice of the first month is dated the day before it: in the period
  Intacct's books closed (``books_closed_before`` = ``start``).
- Numbers: ``{location}-INV-00001``, ``-CN-``, ``-OP-`` sequences per location code.
- Balances: paidAmount = success charges, allocatedAmount = allocations, payableAmount =
  total - paid - allocated (0 when voided). Allocations appear on both documents with the same
  ``_id``; ``documentType`` is the type of the allocation's ``target``.
- Charges (collection ``charges``): ``status`` success or fail, ``payment`` = invoice id,
  dated on or after the invoice's own date; each charge and allocation moves its documents'
  ``modifiedAt``. Card charges have ``source`` "stripe" and a ``providerChargeReference``.
- Nothing is synced yet: every ``accounting`` block (documents, charges, allocations) has the
  six documented keys, all null.
- Every collection is sorted by ``_id``; ids are ObjectIds whose time part is ``createdAt``.
- ``billing_lock_date``: the day before the first of the third-last month (2026-07-31 by default).

Intacct side (``intacct_side``): entities US/UK/IE; locations per OfficeRnD code except BKN;
GL accounts and items with id = revenue account code (4500 inactive, 4600 absent) plus
balance-sheet accounts 1010-1100, 2200, 2400; departments D100-D300 (+ inactive D900); classes
MEMBERSHIP, MEETINGS, SERVICES (+ inactive LEGACY); tax solutions "United Kingdom - VAT" and
"Ireland - VAT" with details "UK Output VAT 20%" / "IE Output VAT 23%" (and zero-rate ones);
checking accounts BOA-USD, BARC-GBP, BARC-EUR, AIB-EUR; OE definitions "Sales Invoice" and
"Sales Credit Memo"; books closed before ``start``; pre-existing customers described in
``intacct_side.existing_customers``.

Mapping gaps (``SeedWorld.mapping_gaps``, map names ``locations`` / ``revenue_accounts`` /
``tax_rates`` keyed by OfficeRnD ``code``): exactly ``("locations", "BKN")``,
``("revenue_accounts", "4500")`` (GL account and item inactive) and
``("revenue_accounts", "4600")`` (no GL account, no item). Each is used by at least one issued
invoice. Every other location, revenue account and tax rate has an active counterpart
(NOTAX maps to "no tax", NYTAX to the liability account 2210).

Applications: ``applications(seed)[0]`` is the full-scope orsync app, ``[1]`` is read-only.
``describe(world)`` counts records by kind and status.

Generation time and memory grow about linearly: measured 1.1 s CPU for 10,000 invoices and
14 s CPU for 100,000 (2,000 companies, a loaded 2-core machine), about 10 KB of memory per
invoice (1 GB at 100,000) while the world is dicts; the OfficeRnD simulator holds it packed,
under 3 KB an invoice (``benchmarks/bench_sandbox.py``).
"""

from orsync.sandbox.seed.generator import (
    DEFAULT_MONTHS,
    DEFAULT_START,
    FULL_SCOPES,
    ORG_SLUG,
    READ_ONLY_SCOPES,
    applications,
    generate,
    small_world,
    world_clock,
)
from orsync.sandbox.seed.intacct_side import (
    MAP_LOCATIONS,
    MAP_REVENUE_ACCOUNTS,
    MAP_TAX_RATES,
    SALES_TAX_ACCOUNT_FOR_RATE,
    TAX_DETAIL_FOR_RATE,
)
from orsync.sandbox.seed.parties import CUSTOMER_ID_TEMPLATE, CUSTOMER_NUMBER_PROPERTY
from orsync.sandbox.seed.primitives import line_tax
from orsync.sandbox.seed.summary import describe

__all__ = [
    "CUSTOMER_ID_TEMPLATE",
    "CUSTOMER_NUMBER_PROPERTY",
    "DEFAULT_MONTHS",
    "DEFAULT_START",
    "FULL_SCOPES",
    "MAP_LOCATIONS",
    "MAP_REVENUE_ACCOUNTS",
    "MAP_TAX_RATES",
    "ORG_SLUG",
    "READ_ONLY_SCOPES",
    "SALES_TAX_ACCOUNT_FOR_RATE",
    "TAX_DETAIL_FOR_RATE",
    "applications",
    "describe",
    "generate",
    "line_tax",
    "small_world",
    "world_clock",
]
