"""The mapping between OfficeRnD values and Intacct targets (``orsync map``, ``orsync sync``).

Load a file with :func:`load_mapping`; resolve values with the ``resolve_*`` functions and
:func:`render_customer_id`; draft a file with :func:`draft_mapping` (``map init``) and check one
with :func:`check_mapping` (``map check``). Everything here is pure except :func:`load_mapping`,
which reads one file.
"""

from orsync.mapping.catalog import IntacctCatalog, IntacctRecord, ValuesInUse
from orsync.mapping.check import CheckReport, Coverage, Gap, check_mapping
from orsync.mapping.customer_ids import (
    CUSTOMER_ID_MAX_LENGTH,
    CustomerIdProposal,
    name_only_matches,
    propose_customer_ids,
    render_customer_id,
    sanitize_customer_id,
)
from orsync.mapping.draft import Draft, Unresolved, draft_mapping, usual_intacct_method
from orsync.mapping.loader import MappingError, load_mapping, parse_mapping
from orsync.mapping.matching import OfficeRndValue
from orsync.mapping.model import (
    MAP_NAMES,
    CustomerIds,
    DimensionEntry,
    DimensionMap,
    LocationEntry,
    LocationMap,
    Mapping,
    Options,
    PaymentMethodEntry,
    PaymentMethodMap,
    RevenueAccountEntry,
    RevenueAccountMap,
    TaxRateEntry,
    TaxRateMap,
    TransactionDefinitions,
)
from orsync.mapping.resolve import (
    DimensionTarget,
    LocationTarget,
    Matched,
    PaymentTarget,
    RevenueTarget,
    TaxTarget,
    Unmapped,
    resolve_dimensions,
    resolve_location,
    resolve_payment_method,
    resolve_revenue_account,
    resolve_tax_rate,
)
from orsync.mapping.usage import values_in_use
from orsync.yamlschema import Problem

__all__ = [
    "CUSTOMER_ID_MAX_LENGTH",
    "MAP_NAMES",
    "CheckReport",
    "Coverage",
    "CustomerIdProposal",
    "CustomerIds",
    "DimensionEntry",
    "DimensionMap",
    "DimensionTarget",
    "Draft",
    "Gap",
    "IntacctCatalog",
    "IntacctRecord",
    "LocationEntry",
    "LocationMap",
    "LocationTarget",
    "Mapping",
    "MappingError",
    "Matched",
    "OfficeRndValue",
    "Options",
    "PaymentMethodEntry",
    "PaymentMethodMap",
    "PaymentTarget",
    "Problem",
    "RevenueAccountEntry",
    "RevenueAccountMap",
    "RevenueTarget",
    "TaxRateEntry",
    "TaxRateMap",
    "TaxTarget",
    "TransactionDefinitions",
    "Unmapped",
    "Unresolved",
    "ValuesInUse",
    "check_mapping",
    "draft_mapping",
    "load_mapping",
    "name_only_matches",
    "parse_mapping",
    "propose_customer_ids",
    "render_customer_id",
    "resolve_dimensions",
    "resolve_location",
    "resolve_payment_method",
    "resolve_revenue_account",
    "resolve_tax_rate",
    "sanitize_customer_id",
    "usual_intacct_method",
    "values_in_use",
]
