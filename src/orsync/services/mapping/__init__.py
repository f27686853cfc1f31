"""The `map` commands (`commands`: init and check; `catalog`: the Intacct catalog; `scan`: the
values in use, kept between commands; `show`) and the
profile's mapping as the engine's `Resolver` (`resolver`), which sync and reconcile share."""

from orsync.services.mapping.catalog import (
    build_catalog,
    load_catalog,
)
from orsync.services.mapping.commands import (
    InitResult,
    MapCheckResult,
    check_mapping_file,
    init_mapping,
    mapping_path,
)
from orsync.services.mapping.resolver import (
    MappingResolver,
    engine_options,
    load_profile_mapping,
    needs_closed_books_date,
    needs_fees,
    option_conflicts,
    overpayment_account,
    states_books_closed,
)
from orsync.services.mapping.scan import (
    DEFAULT_MONTHS,
    ScanProgress,
    ScanRequest,
    Usage,
)
from orsync.services.mapping.show import (
    DEFAULT_SAMPLE,
    ShownDocument,
    show_postings,
)

__all__ = [
    "DEFAULT_MONTHS",
    "DEFAULT_SAMPLE",
    "InitResult",
    "MapCheckResult",
    "MappingResolver",
    "ScanProgress",
    "ScanRequest",
    "ShownDocument",
    "Usage",
    "build_catalog",
    "check_mapping_file",
    "engine_options",
    "init_mapping",
    "load_catalog",
    "load_profile_mapping",
    "mapping_path",
    "needs_closed_books_date",
    "needs_fees",
    "option_conflicts",
    "overpayment_account",
    "show_postings",
    "states_books_closed",
]
