"""``orsync map``: write a mapping from both systems (init), check one (check), preview postings
(show). One function per command; each opens the profile's connections itself and writes
nothing except ``init``'s file.

Which file: the one given, else the profile's mapping (``profile.sync.mapping``, set by
``orsync connect --mapping``), else ``mappings.yaml`` in the current directory
(:func:`mapping_path`, the one place this is decided).

What "in use" means (:func:`scan_values_in_use`): every value referenced by an issued
(non-draft) OfficeRnD invoice or credit note, read in one streamed pass that keeps counts per
value, never the documents. Payment methods are not collected while payments are not synced
(:data:`PAYMENTS_SYNCED`): their map would otherwise be required before anything could post.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orsync.config import Profile
from orsync.env import unwritable_reason, write_private_file
from orsync.errors import UsageError
from orsync.mapping import (
    CheckReport,
    CustomerIdProposal,
    Draft,
    IntacctCatalog,
    OfficeRndValue,
    ValuesInUse,
    check_mapping,
    draft_mapping,
    load_mapping,
    name_only_matches,
    propose_customer_ids,
    values_in_use,
)
from orsync.mapping.model import Options
from orsync.officernd import OfficeRndClient
from orsync.services.common import Connections, open_connections
from orsync.services.convert import SYNCED_DOCUMENT_TYPES, ReferenceData, load_reference_data
from orsync.services.mapping.catalog import load_catalog
from orsync.services.mapping.resolver import engine_options, needs_fees, option_conflicts

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


@dataclass(frozen=True)
class Usage:
    """The OfficeRnD values in use, and how many documents were read to find them."""

    used: ValuesInUse
    documents: int


def _reference_dicts(reference: ReferenceData) -> dict[str, list[dict[str, object]]]:
    def rows(records: Mapping[str, Any], *, rate: bool = False) -> list[dict[str, object]]:
        return [
            {"_id": r.id, "code": getattr(r, "code", None), "name": r.name}
            | ({"rate": r.rate} if rate else {})
            for r in records.values()
        ]

    return {
        "revenue_accounts": rows(reference.revenue_accounts),
        "locations": rows(reference.locations),
        "tax_rates": rows(reference.tax_rates, rate=True),
        "plans": rows(reference.plans),
        "fees": rows(reference.fees),
    }


def scan_values_in_use(client: OfficeRndClient, reference: ReferenceData) -> Usage:
    """One streamed pass over OfficeRnD's documents (only references are kept, as counts)."""
    count = 0

    def documents() -> Iterator[dict[str, object]]:
        nonlocal count
        for doc in client.payments():
            if doc.document_type not in SYNCED_DOCUMENT_TYPES:
                continue
            count += 1
            yield {
                "_id": doc.id,
                "status": (doc.status or "").lower(),
                "location": doc.location,
                "lines": [
                    {
                        "location": line.location,
                        "account": line.account,
                        "taxRate": line.tax_rate,
                        "plan": line.plan,
                        "fee": line.fee,
                    }
                    for line in doc.lines
                ],
            }

    def charges() -> Iterator[dict[str, object]]:
        for charge in client.charges():
            yield {"account": charge.account, "payment": charge.payment}

    lists = _reference_dicts(reference)
    used = _tally(documents(), lists, include_unused=False, charges=charges())
    if count == 0:
        # A new organization: offer every value of the reference lists instead.
        used = _tally(
            iter(()), lists, include_unused=True, payment_methods=client.payment_methods()
        )
    used = dataclasses.replace(used, resource_types=_resource_types(used, reference))
    return Usage(used, count)


def _tally(
    documents: Iterator[dict[str, object]],
    lists: dict[str, list[dict[str, object]]],
    *,
    include_unused: bool,
    charges: Iterable[dict[str, object]] = (),
    payment_methods: Iterable[str] = (),
) -> ValuesInUse:
    return values_in_use(
        documents,
        charges=charges,
        payment_methods=payment_methods,
        revenue_accounts=lists["revenue_accounts"],
        locations=lists["locations"],
        tax_rates=lists["tax_rates"],
        plans=lists["plans"],
        fees=lists["fees"],
        include_unused=include_unused,
    )


def _resource_types(used: ValuesInUse, reference: ReferenceData) -> tuple[OfficeRndValue, ...]:
    where: dict[str, set[str]] = {}
    for fee in used.fees:
        kind = reference.resource_type_value(fee.id)
        if kind is not None and kind.name:
            where.setdefault(kind.name, set()).update(fee.locations or ())
    return tuple(
        OfficeRndValue(name=name, locations=frozenset(places) if places else None)
        for name, places in sorted(where.items())
    )


# -- map init --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    path: Path
    draft: Draft
    customers: CustomerIdProposal
    documents: int

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": "orsync.map-init/1",
            "file": str(self.path),
            "documents_scanned": self.documents,
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


def _proposal(connections: Connections, catalog: IntacctCatalog) -> CustomerIdProposal:
    officernd = connections.officernd
    # Only what templates and names need (a few fields per customer, not the records).
    companies = [
        {"_id": c.id, "name": c.name, "properties": c.properties} for c in officernd.companies()
    ]
    members = [
        {"_id": m.id, "name": m.name, "properties": m.properties}
        for m in officernd.members()
        if m.company is None
    ]
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
) -> InitResult:
    """Read both systems, draft a commented mapping and write it to ``output`` (0600)."""
    if (reason := unwritable_reason(output)) is not None:
        raise UsageError(f"cannot write the mapping to {output}: {reason}")
    if output.exists() and not force:
        raise UsageError(
            f"{output} already exists",
            hint="Pass --force to overwrite it, or --output to write elsewhere.",
        )
    with open_live(profile_name, profile, connections) as live:
        reference = load_reference_data(live.officernd)
        usage = scan_values_in_use(live.officernd, reference)
        catalog = load_catalog(live.intacct, with_customers=True)
        proposal = _proposal(live, catalog)
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
    return InitResult(output, draft, proposal, usage.documents)


# -- map check -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapCheckResult:
    path: Path
    report: CheckReport
    offline: bool
    documents: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

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
) -> MapCheckResult:
    """Validate ``path`` (MappingError, exit 78, lists every located problem), then unless
    ``offline`` check coverage and every target against both live systems."""
    mapping = load_mapping(path)
    if offline or profile is None or profile_name is None:
        return MapCheckResult(path, check_mapping(mapping), offline=True)
    options = engine_options(profile, mapping)
    with open_live(profile_name, profile, connections) as live:
        reference = load_reference_data(live.officernd, with_fees=needs_fees(mapping))
        usage = scan_values_in_use(live.officernd, reference)
        catalog = load_catalog(live.intacct)
    report = check_mapping(mapping, usage.used, catalog, invoice_type=options.invoice_type)
    warnings = tuple(option_conflicts(profile, mapping))
    return MapCheckResult(path, report, offline=False, documents=usage.documents, warnings=warnings)


def open_live(
    profile_name: str, profile: Profile, given: Connections | None
) -> AbstractContextManager[Connections]:
    # Connections handed in by the caller (tests, demo) are the caller's to close.
    return nullcontext(given) if given is not None else open_connections(profile_name, profile)
