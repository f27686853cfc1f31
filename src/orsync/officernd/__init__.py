"""OfficeRnD Flex v2 API client: auth, typed records, paging, windowed reads, writes, webhooks."""

from orsync.officernd.auth import (
    DEFAULT_TOKEN_URL,
    FEATURE_SCOPES,
    ORSYNC_SCOPES,
    READ_SCOPES,
    WEBHOOK_SCOPES,
    WRITE_SCOPES,
    ClientCredentials,
    TokenProvider,
    scopes_needed,
)
from orsync.officernd.budget import RateBudget
from orsync.officernd.client import OfficeRndClient, Page
from orsync.officernd.errors import (
    BillingLocked,
    MissingScope,
    NumberNotWritable,
    OfficeRndAuthError,
    OfficeRndUnconfirmed,
)
from orsync.officernd.models import (
    Accounting,
    Allocation,
    Charge,
    Company,
    Fee,
    Line,
    Location,
    Member,
    PaymentDocument,
    Plan,
    RevenueAccount,
    TaxAmount,
    TaxRate,
)
from orsync.officernd.query import Query
from orsync.officernd.session import DEFAULT_API_URL
from orsync.officernd.writes import AccountingLink, NewCharge, NewOverpayment

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TOKEN_URL",
    "FEATURE_SCOPES",
    "ORSYNC_SCOPES",
    "READ_SCOPES",
    "WEBHOOK_SCOPES",
    "WRITE_SCOPES",
    "Accounting",
    "AccountingLink",
    "Allocation",
    "BillingLocked",
    "Charge",
    "ClientCredentials",
    "Company",
    "Fee",
    "Line",
    "Location",
    "Member",
    "MissingScope",
    "NewCharge",
    "NewOverpayment",
    "NumberNotWritable",
    "OfficeRndAuthError",
    "OfficeRndClient",
    "OfficeRndUnconfirmed",
    "Page",
    "PaymentDocument",
    "Plan",
    "Query",
    "RateBudget",
    "RevenueAccount",
    "TaxAmount",
    "TaxRate",
    "TokenProvider",
    "scopes_needed",
]
