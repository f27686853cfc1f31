"""Profile options the engine obeys (DESIGN.md section 2), as one plain value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

InvoiceType = Literal["ar", "sales"]
EntityLevel = Literal["top", "subsidiary"]
Numbering = Literal["officernd", "intacct"]
ClosedPeriodPolicy = Literal["fail", "shift", "skip"]
FxRates = Literal["officernd", "intacct"]


@dataclass(frozen=True)
class EngineOptions:
    """How documents post.

    ``books_closed_before``: the first open day in Intacct (periods before it are closed), the
    day after the mapping's ``books_closed_through``; None when unstated (then Intacct's
    refusal is the only signal).
    ``retry_failed``: plan previously failed records again even when their input is unchanged.
    ``create_on_name_match``: create a new customer even when an Intacct customer with the same
    name but another id exists (default: hold it as a conflict, never merge silently).
    ``fx_rates``: a document in another currency than its base posts at OfficeRnD's rate
    (``officernd``: base amounts equal OfficeRnD's ``baseTotal``) or at Intacct's rate type.
    """

    invoice_type: InvoiceType = "ar"
    sales_invoice_definition: str = "Sales Invoice"
    sales_credit_definition: str = "Sales Credit Memo"
    entity_level: EntityLevel = "top"
    numbering: Numbering = "officernd"
    closed_period_policy: ClosedPeriodPolicy = "fail"
    books_closed_before: dt.date | None = None
    retry_failed: bool = False
    create_on_name_match: bool = False
    fx_rates: FxRates = "officernd"

    def is_closed(self, day: dt.date) -> bool:
        return self.books_closed_before is not None and day < self.books_closed_before
