"""Render Intacct CUSTOMERIDs from the mapping's templates, deterministically.

``{company.code}`` reads ``code`` from the OfficeRnD company record, ``{company.id}`` its ``_id``,
``{company.billingDetails.vatNumber}`` a nested field. When a placeholder is missing or empty
the fallback template is tried; when that fails too the result is ``Unmapped``.

The rendered text is then made safe for Intacct, following its "Name and ID creation - best
practice" page: letters, digits, single spaces, single dashes, underscores and periods only;
accents are folded ("Café" -> "Cafe"), any other character becomes a dash, a run of spaces
and dashes becomes one dash (or one space if it held no dash), leading/trailing ones go. An id
longer than :data:`CUSTOMER_ID_MAX_LENGTH` keeps its head and ends in ``-`` plus a hash of the
whole id, so two long ids never collapse into one by truncation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from orsync.mapping.matching import KeyIndex, OfficeRndValue, normalize
from orsync.mapping.model import CustomerIds
from orsync.mapping.resolve import Unmapped
from orsync.mapping.rules import PLACEHOLDER

# UNVERIFIED: neither the API reference nor the XSD states CUSTOMERID's maximum length; Intacct
# ID fields are commonly 20 characters. Kept here, in one place, and deliberately conservative:
# an id that fits 20 fits any larger limit too.
CUSTOMER_ID_MAX_LENGTH = 20
_HASH_LENGTH = 8

_DISALLOWED = re.compile(r"[^A-Za-z0-9 _.\-]")
_RUNS = re.compile(r"[ \-]+")


def sanitize_customer_id(text: str) -> str:
    """Make ``text`` a safe CUSTOMERID (see the module docstring); empty when nothing is left."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char))
    cleaned = _DISALLOWED.sub("-", ascii_only)
    # A run of spaces and dashes becomes one dash if it holds a dash, else one space.
    cleaned = _RUNS.sub(lambda run: "-" if "-" in run.group() else " ", cleaned).strip(" -")
    if len(cleaned) <= CUSTOMER_ID_MAX_LENGTH:
        return cleaned
    digest = hashlib.sha256(cleaned.encode()).hexdigest()[:_HASH_LENGTH].upper()
    head = cleaned[: CUSTOMER_ID_MAX_LENGTH - _HASH_LENGTH - 1].rstrip(" -.")
    return f"{head}-{digest}"


def _field(record: AbcMapping[str, object], dotted: str) -> str | None:
    current: object = record
    for part in dotted.split("."):
        if not isinstance(current, AbcMapping):
            return None
        key = "_id" if part == "id" and "_id" in current else part
        current = current.get(key)
    if current is None or isinstance(current, (dict, list, bool)):
        return None
    text = str(current).strip()
    return text or None


def render_template(template: str, root: str, record: AbcMapping[str, object]) -> str | None:
    """Fill ``template`` from ``record``; ``None`` when a placeholder has no value."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        _, _, dotted = match.group(1).partition(".")
        value = _field(record, dotted) if match.group(1).startswith(root + ".") else None
        if value is None:
            missing = True
            return ""
        return value

    rendered = PLACEHOLDER.sub(fill, template)
    return None if missing else rendered


def override_customer_id(templates: CustomerIds, record: AbcMapping[str, object]) -> str | None:
    """The Intacct id ``customers.overrides`` gives this record (by id, then name), if any."""
    if not templates.overrides:
        return None
    record_id = record.get("_id", record.get("id"))
    name = record.get("name")
    found = KeyIndex(templates.overrides).find(
        OfficeRndValue(
            id=str(record_id) if record_id is not None else None,
            name=str(name) if isinstance(name, str) else None,
        )
    )
    if found is None:
        return None
    return templates.overrides[found[0]].strip() or None


def render_customer_id(
    templates: CustomerIds,
    kind: Literal["company", "member"],
    record: AbcMapping[str, object],
) -> str | Unmapped:
    """CUSTOMERID for an OfficeRnD company, or a member billed personally.

    An entry of ``customers.overrides`` wins, verbatim (it names an existing Intacct customer).
    """
    override = override_customer_id(templates, record)
    if override is not None:
        return override
    if kind == "company":
        chain = (templates.company, templates.company_fallback)
    else:
        chain = (templates.member, templates.member_fallback)
    for template in chain:
        if template is None:
            continue
        rendered = render_template(template, kind, record)
        if rendered is not None:
            safe = sanitize_customer_id(rendered)
            if safe:
                return safe
    name = record.get("name")
    record_id = record.get("_id", record.get("id"))
    return Unmapped(
        "customers",
        OfficeRndValue(
            id=str(record_id) if record_id is not None else None,
            name=str(name) if name is not None else None,
        ),
        "error",
        f"has no customer id: the {kind} template and its fallback need fields it lacks",
        f"Set customers.{kind}_fallback to a template that always has a value, like {{{kind}.id}}.",
    )


# -- proposing templates (map init) ----------------------------------------------------------

# Custom properties that name a customer number/code, when nothing in Intacct confirms one.
_NUMBER_PROPERTY = re.compile(
    r"(customer|client|account|debtor).{0,3}(number|no|id|code|ref)", re.I
)
_ID_PREFIX = re.compile(r"^(.*?)(\d+)$")
_MAX_PREFIXES = 20


@dataclass(frozen=True)
class CustomerIdProposal:
    """Templates for ``map init`` and, in ``reason``, why they fit (one comment line)."""

    templates: CustomerIds
    reason: str
    # Commented suggestions for customers.overrides: (key, Intacct id) of name-only matches.
    suggested_overrides: tuple[tuple[str, str], ...] = ()


def _scalar(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | Decimal):
        text = str(value).strip()
        return text or None
    return None


def _addressable(name: str) -> bool:
    # A template reads nested fields with dots; braces end the placeholder.
    return bool(name.strip()) and not any(char in name for char in ".{}")


def _prefixes(existing_ids: Iterable[str]) -> list[str]:
    counts: Counter[str] = Counter()
    for customer_id in existing_ids:
        match = _ID_PREFIX.match(customer_id)
        if match:
            counts[match.group(1)] += 1
    ranked = [prefix for prefix, _ in counts.most_common(_MAX_PREFIXES)]
    return ranked if "ORD-" in ranked else [*ranked, "ORD-"]


def propose_customer_ids(
    companies: Iterable[AbcMapping[str, object]],
    members: Iterable[AbcMapping[str, object]] = (),
    existing_ids: Collection[str] = (),
) -> CustomerIdProposal:
    """Templates that fit the data: a company custom property whose values, after a prefix,
    are the ids of customers already in Intacct (``ORD-`` + "Customer Number" = ``ORD-1001``).

    One pass over ``companies`` (records as the API sends them, with ``properties``), so it can
    stream. With no such match, a property named like a customer number is proposed with the
    ``ORD-`` prefix; with none, the defaults. The id-based fallbacks always stay.
    """
    existing = set(existing_ids)
    prefixes = _prefixes(existing)
    coverage: Counter[str] = Counter()
    hits: Counter[tuple[str, str]] = Counter()
    total = 0
    for company in companies:
        total += 1
        properties = company.get("properties")
        if not isinstance(properties, AbcMapping):
            continue
        for name, raw in properties.items():
            value = _scalar(raw)
            if value is None or not isinstance(name, str) or not _addressable(name):
                continue
            coverage[name] += 1
            for prefix in prefixes:
                if f"{prefix}{value}" in existing:
                    hits[(name, prefix)] += 1
    chosen: tuple[str, str] | None = None
    reason = ""
    if hits:
        (name, prefix), count = min(hits.items(), key=lambda item: (-item[1], item[0]))
        chosen = (name, prefix)
        reason = (
            f'{count} Intacct customer(s) already have ids of the form "{prefix}" + the '
            f'companies\' "{name}" property: keep them that way'
        )
    else:
        named = sorted(
            name
            for name, count in coverage.items()
            if _NUMBER_PROPERTY.search(name) and count * 2 >= total
        )
        if named:
            chosen = (named[0], "ORD-")
            reason = f'companies carry a "{named[0]}" property: customer ids are built from it'
    if chosen is None:
        return CustomerIdProposal(CustomerIds(), "")
    name, prefix = chosen
    member_has_it = any(
        isinstance(props := member.get("properties"), AbcMapping)
        and _scalar(props.get(name)) is not None
        for member in members
    )
    templates = CustomerIds(
        company=f"{prefix}{{company.properties.{name}}}",
        company_fallback="ORD-{company.id}",
        member=f"{prefix}{{member.properties.{name}}}" if member_has_it else "ORDM-{member.id}",
        member_fallback="ORDM-{member.id}" if member_has_it else None,
    )
    return CustomerIdProposal(templates, reason)


def name_only_matches(
    templates: CustomerIds,
    kind: Literal["company", "member"],
    records: Iterable[AbcMapping[str, object]],
    existing: Iterable[tuple[str, str]],
) -> list[tuple[str, str]]:
    """(override key, Intacct id) for records whose id is not in Intacct while a customer with
    the same name is: what sync would hold as a conflict. ``existing`` is (id, name) pairs.

    ``map init`` writes these as commented suggestions, never as decisions.
    """
    ids: set[str] = set()
    by_name: dict[str, list[str]] = {}
    for customer_id, customer_name in existing:
        ids.add(customer_id)
        if customer_name.strip():
            by_name.setdefault(normalize(customer_name), []).append(customer_id)
    found: list[tuple[str, str]] = []
    for record in records:
        rendered = render_customer_id(templates, kind, record)
        name = record.get("name")
        if not isinstance(rendered, str) or rendered in ids or not isinstance(name, str):
            continue
        namesakes = by_name.get(normalize(name), [])
        if len(namesakes) == 1:
            found.append((f"name:{name.strip()}", namesakes[0]))
    return sorted(found)
