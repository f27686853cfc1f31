"""The pure core of ``orsync sync`` and ``orsync reconcile``: no I/O, plain data in and out.

- :mod:`.model`: OfficeRnD source documents/customers, expected Intacct postings, read-backs.
- :mod:`.build`: source -> posting through a :class:`~.build.Resolver` (the mapping).
- :mod:`.plan` / :mod:`.customers`: postings x ledger -> actions (create, update, reverse, ...).
- :mod:`.settle`: what a lookup proves about a write whose outcome is unknown (confirm, resend,
  absent, lost); :mod:`.changes`: whether an update or reversal can still go to Intacct;
  :mod:`.unchanged`: records read again that need no rebuilding.
- :mod:`.reconcile`: expected postings vs Intacct documents -> findings, fixes, totals.
- :mod:`.rounding`: the one rounding rule; :mod:`.origin`: the origin marker.
"""

from orsync.engine.actions import DocumentAction, Plan, PlanCounts
from orsync.engine.build import (
    Dimensions,
    LocationTarget,
    Resolver,
    build_customer,
    build_posting,
)
from orsync.engine.canonical import version_hash
from orsync.engine.changes import Blocker, change_blocker, removal_function
from orsync.engine.customers import (
    CustomerAction,
    CustomerLookup,
    customers_to_look_up,
    plan_customers,
)
from orsync.engine.ledger import REVERSAL_VERSION, LedgerView
from orsync.engine.model import (
    AccountRef,
    ActualCustomer,
    ActualDocument,
    Address,
    CustomerPosting,
    CustomerRef,
    Posting,
    PostingLine,
    Problem,
    SourceCustomer,
    SourceDocument,
    SourceLine,
    TaxRateRef,
    Unmapped,
)
from orsync.engine.options import EngineOptions
from orsync.engine.plan import plan_documents, shift_to_open_period
from orsync.engine.reconcile import Reconciler, reconcile
from orsync.engine.report import ReconcileReport
from orsync.engine.settle import Settlement, settle_customer, settle_document
from orsync.engine.unchanged import reread_verdict

__all__ = [
    "REVERSAL_VERSION",
    "AccountRef",
    "ActualCustomer",
    "ActualDocument",
    "Address",
    "Blocker",
    "CustomerAction",
    "CustomerLookup",
    "CustomerPosting",
    "CustomerRef",
    "Dimensions",
    "DocumentAction",
    "EngineOptions",
    "LedgerView",
    "LocationTarget",
    "Plan",
    "PlanCounts",
    "Posting",
    "PostingLine",
    "Problem",
    "ReconcileReport",
    "Reconciler",
    "Resolver",
    "Settlement",
    "SourceCustomer",
    "SourceDocument",
    "SourceLine",
    "TaxRateRef",
    "Unmapped",
    "build_customer",
    "build_posting",
    "change_blocker",
    "customers_to_look_up",
    "plan_customers",
    "plan_documents",
    "reconcile",
    "removal_function",
    "reread_verdict",
    "settle_customer",
    "settle_document",
    "shift_to_open_period",
    "version_hash",
]
