"""``orsync map``: write a mapping from both systems (init), check one (check), preview postings
(show). One function per command; each opens the profile's connections itself and writes
nothing except ``init``'s file and, for init and a live check, the scan of the values in use
kept in the profile's state (``meta`` table; created if the profile has no state yet).

Which file: the one given, else the profile's mapping (``profile.sync.mapping``, set by
``orsync connect --mapping``), else ``mappings.yaml`` in the current directory
(:func:`mapping_path`, the one place this is decided).

What "in use" means, and how it is read and kept between commands: :mod:`.scan`. Payment
methods are not collected while payments are not synced (:data:`PAYMENTS_SYNCED`): their map
would otherwise be required before anything could post.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orsync.config import Profile
from orsync.env import state_dir, unwritable_reason, write_private_file
from orsync.errors import UsageError
from orsync.mapping import (
    CheckReport,
    CustomerIdProposal,
    Draft,
    IntacctCatalog,
    check_mapping,
    draft_mapping,
    load_mapping,
    name_only_matches,
    propose_customer_ids,
)
from orsync.mapping.model import Options
from orsync.officernd import OfficeRndClient, Query
from orsync.officernd.collections import RAW_COMPANIES, RAW_MEMBERS, RawCollection
from orsync.services.common import Connections, open_connections
from orsync.services.convert import ReferenceData, load_reference_data
from orsync.services.mapping.catalog import load_catalog
from orsync.services.mapping.resolver import engine_options, option_conflicts
from orsync.services.mapping.scan import (
    SCAN_WORKERS,
    ScanProgress,
    ScanRequest,
    Usage,
    scan_usage,
)
from orsync.state import StateStore, database_path

DEFAULT_MAPPING_FILE = "mappings.yaml"
# Payments (and so payment methods) sync in a later issue; until then their values are not
# "in use" and map init writes them as a commented suggestion only.
PAYMENTS_SYNCED = False


def mapping_path(profile: Profile | None, given: str | Path | None = None) -> Path:
    """The mapping file a command works on: given > the profile's > ./mappings.yaml."""
    if given is not None:
        return Path(given)
    if profile is not None and profile.sync.mapping:
        return Path(profile.sync.mapping)
    return Path(DEFAULT_MAPPING_FILE)


# -- values in use ---------------------------------------------------------------------------


def _scan(
    profile_name: str,
    live: Connections,
    reference: ReferenceData,
    request: ScanRequest,
    progress: ScanProgress | None,
    *,
    members: bool = False,
) -> Usage:
    """The values in use, from the scan kept in the profile's state when it covers the window
    (then only changed documents are read), and the new scan kept for the next command."""
    with StateStore.open(database_path(state_dir(), profile_name), profile=profile_name) as store:
        usage, text = scan_usage(
            live.officernd,
            reference,
            request,
            saved=store.settings.usage_scan(),
            progress=progress,
            personal_members=members,
        )
        store.settings.remember_usage_scan(text)
    return usage


# -- map init --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    path: Path
    draft: Draft
    customers: CustomerIdProposal
    usage: Usage

    @property
    def documents(self) -> int:
        return self.usage.documents

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": "orsync.map-init/1",
            "file": str(self.path),
            "documents_scanned": self.documents,
            "documents_read": self.usage.read,
            "since": self.usage.since.isoformat() if self.usage.since else None,
            "customer_ids": self.customers.templates.model_dump(),
            "customer_ids_reason": self.customers.reason or None,
            "suggested_overrides": dict(self.customers.suggested_overrides),
            "unresolved": [
                {
                    "map": gap.map_name,
                    "key": gap.key,
                    "code": gap.value.code,
                    "field": gap.field,
                    "value": gap.value.label(),
                    "reason": gap.reason,
                }
                for gap in self.draft.unresolved
            ],
        }


def _draft_options(profile: Profile) -> Options:
    # The file states only what the profile cannot: options stay the profile's (connect) unless
    # someone writes them into the file on purpose. Entity level is written because it changes
    # what each location entry must hold.
    if profile.sync.entity_level == "subsidiary":
        return Options(entity_level="subsidiary")
    return Options()


# Only what templates and names need (a few fields per customer, not the records).
CUSTOMER_FIELDS = ("_id", "name", "properties", "company")
CUSTOMERS_PLAN = dt.timedelta(days=3 * 365)  # where customer reads plan their createdAt windows
# Customers are created over years, evenly enough: one window per read in flight wastes the
# fewest short last pages (16 doubled the requests of 2,000 companies for no gain in time).
CUSTOMER_WINDOWS = 8

Customers = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def _customers_of(officernd: OfficeRndClient, collection: RawCollection) -> list[dict[str, Any]]:
    """Every company (or member billed personally), over concurrent windows like documents."""
    now = dt.datetime.now(dt.UTC)
    records = officernd.read_windowed(
        collection,
        Query().fields(*CUSTOMER_FIELDS),
        start=now - CUSTOMERS_PLAN,
        end=now,
        windows=CUSTOMER_WINDOWS,
        workers=SCAN_WORKERS,
    )
    return [_customer(r) for r in records if collection is RAW_COMPANIES or not r.get("company")]


def _customer(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": record.get("_id"),
        "name": record.get("name"),
        "properties": record.get("properties") or {},
    }


def _members(officernd: OfficeRndClient, usage: Usage) -> list[dict[str, Any]]:
    """The members billed personally: looked up by the ids the scan saw (50 a request, a few
    at once), or, when the scan read only changes and so saw too few, every member read."""
    if usage.personal_members is None:
        return _customers_of(officernd, RAW_MEMBERS)
    ids = sorted(usage.personal_members)
    chunks = [ids[start : start + 50] for start in range(0, len(ids), 50)]

    def look_up(chunk: list[str]) -> list[dict[str, Any]]:
        query = Query().is_in("_id", chunk).fields(*CUSTOMER_FIELDS)
        return [_customer(r) for r in officernd.iterate(RAW_MEMBERS, query)]

    with ThreadPoolExecutor(SCAN_WORKERS, thread_name_prefix="map-members") as pool:
        return [member for found in pool.map(look_up, chunks) for member in found]


def _proposal(customers: Customers, catalog: IntacctCatalog) -> CustomerIdProposal:
    companies, members = customers
    proposal = propose_customer_ids(companies, members, {c.id for c in catalog.customers})
    existing = [(c.id, c.name) for c in catalog.customers]
    suggested = name_only_matches(proposal.templates, "company", companies, existing)
    suggested += name_only_matches(proposal.templates, "member", members, existing)
    return dataclasses.replace(proposal, suggested_overrides=tuple(sorted(suggested)))


def init_mapping(
    profile_name: str,
    profile: Profile,
    output: Path,
    *,
    force: bool = False,
    connections: Connections | None = None,
    scan: ScanRequest | None = None,
    progress: ScanProgress | None = None,
) -> InitResult:
    """Read both systems, draft a commented mapping and write it to ``output`` (0600)."""
    if (reason := unwritable_reason(output)) is not None:
        raise UsageError(f"cannot write the mapping to {output}: {reason}")
    if output.exists() and not force:
        raise UsageError(
            f"{output} already exists",
            hint="Pass --force to overwrite it, or --output to write elsewhere.",
        )
    with (
        open_live(profile_name, profile, connections) as live,
        ThreadPoolExecutor(2, thread_name_prefix="map-init") as pool,
    ):
        # Intacct's catalog and OfficeRnD's customers are read while the documents are.
        catalog_read = pool.submit(load_catalog, live.intacct, with_customers=True)
        companies_read = pool.submit(_customers_of, live.officernd, RAW_COMPANIES)
        reference = load_reference_data(live.officernd, with_fees=False)
        usage = _scan(profile_name, live, reference, scan or ScanRequest(), progress, members=True)
        # Members billed personally are a few of all members: looked up by the ids just seen.
        members = _members(live.officernd, usage)
        catalog = catalog_read.result()
        proposal = _proposal((companies_read.result(), members), catalog)
    draft = draft_mapping(
        usage.used,
        catalog,
        _draft_options(profile),
        proposal,
        invoice_type=profile.sync.invoice_type,
    )
    try:
        write_private_file(output, draft.text)
    except OSError as error:  # found only by writing (a full disk, a special file system)
        raise UsageError(
            f"cannot write the mapping to {output}: {error.strerror or error}",
            hint="Give --output a file in a folder you can write to.",
        ) from None
    return InitResult(output, draft, proposal, usage)


# -- map check -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapCheckResult:
    path: Path
    report: CheckReport
    offline: bool
    usage: Usage | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def documents(self) -> int:
        return self.usage.documents if self.usage is not None else 0

    @property
    def ok(self) -> bool:
        return self.report.ok

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": "orsync.map-check/1",
            "file": str(self.path),
            "offline": self.offline,
            "ok": self.ok,
            "documents_scanned": self.documents,
            "documents_read": self.usage.read if self.usage is not None else 0,
            "since": self.usage.since.isoformat() if self.usage and self.usage.since else None,
            "incremental": self.usage.incremental if self.usage is not None else False,
            "coverage": [
                {
                    "map": c.map_name,
                    "total": c.total,
                    "mapped": c.mapped,
                    "by_default": c.by_default,
                    "by_policy": c.by_policy,
                    "covered": c.covered,
                }
                for c in self.report.coverage
            ],
            "gaps": [dataclasses.asdict(gap) for gap in self.report.gaps],
            "warnings": list(self.warnings),
        }


def check_mapping_file(
    profile_name: str | None,
    profile: Profile | None,
    path: Path,
    *,
    offline: bool = False,
    connections: Connections | None = None,
    scan: ScanRequest | None = None,
    progress: ScanProgress | None = None,
) -> MapCheckResult:
    """Validate ``path`` (MappingError, exit 78, lists every located problem), then unless
    ``offline`` check coverage and every target against both live systems."""
    mapping = load_mapping(path)
    if offline or profile is None or profile_name is None:
        return MapCheckResult(path, check_mapping(mapping), offline=True)
    options = engine_options(profile, mapping)
    with open_live(profile_name, profile, connections) as live:
        reference = load_reference_data(live.officernd, with_fees=False)
        usage = _scan(profile_name, live, reference, scan or ScanRequest(), progress)
        catalog = load_catalog(live.intacct)
    report = check_mapping(mapping, usage.used, catalog, invoice_type=options.invoice_type)
    warnings = tuple(option_conflicts(profile, mapping))
    return MapCheckResult(path, report, offline=False, usage=usage, warnings=warnings)


def open_live(
    profile_name: str, profile: Profile, given: Connections | None
) -> AbstractContextManager[Connections]:
    # Connections handed in by the caller (tests, demo) are the caller's to close.
    return nullcontext(given) if given is not None else open_connections(profile_name, profile)
