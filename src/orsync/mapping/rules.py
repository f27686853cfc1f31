"""Rules that span several keys of a mapping file (the schema checks one key at a time)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel

from orsync.mapping.matching import KeyIndex, parse_key
from orsync.mapping.model import (
    MAP_NAMES,
    DimensionMap,
    LocationMap,
    Mapping,
    PaymentMethodMap,
    RevenueAccountMap,
    TaxRateEntry,
    TaxRateMap,
)
from orsync.yamlsource import Path, Position, SourceDocument

# (path, message, point at the key rather than the value)
Finding = tuple[Path, str, bool]

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def empty_maps(
    data: dict[str, object], document: SourceDocument
) -> Iterator[tuple[Position, Path, str]]:
    """Maps written with nothing in them; removed from ``data`` so the schema does not repeat it."""
    for name in MAP_NAMES:
        if name not in data:
            continue
        section = data[name]
        if section is None or section == {}:
            del data[name]
            message = f"empty map: give it entries under values (or a default), or remove {name}"
            yield document.position_of((name,), key=True), (name,), message
        elif isinstance(section, dict) and "values" in section and section["values"] in (None, {}):
            section["values"] = {}
            message = "empty map: list entries under values, or remove the key"
            yield document.position_of((name, "values"), key=True), (name, "values"), message


def check(mapping: Mapping) -> Iterator[Finding]:
    """Every cross-key rule, in a stable order."""
    yield from _options(mapping)
    yield from _templates(mapping)
    yield from _overrides(mapping)
    for name in MAP_NAMES:
        section = mapping.map_named(name)
        if section is not None:
            yield from _policy(name, section)
            yield from _keys(name, section)
    yield from _revenue_accounts(mapping)
    yield from _locations(mapping)
    if mapping.tax_rates is not None:
        yield from _tax_rates(mapping.tax_rates)
    if mapping.payment_methods is not None:
        yield from _payment_methods(mapping.payment_methods)
    for name in ("plans", "fees", "resource_types"):
        section = mapping.map_named(name)
        if isinstance(section, DimensionMap):
            yield from _dimensions(name, section)


def _options(mapping: Mapping) -> Iterator[Finding]:
    options = mapping.options
    if options.invoice_type == "sales" and options.transaction_definitions is None:
        yield (
            ("options", "invoice_type"),
            "sales invoices need options.transaction_definitions (invoice and credit)",
            False,
        )


def _templates(mapping: Mapping) -> Iterator[Finding]:
    ids = mapping.customers
    for key, root, template in (
        ("company", "company", ids.company),
        ("company_fallback", "company", ids.company_fallback),
        ("member", "member", ids.member),
        ("member_fallback", "member", ids.member_fallback),
    ):
        if template is None:
            continue
        path: Path = ("customers", key)
        if not template.strip():
            yield path, "the template is empty", False
            continue
        leftover = PLACEHOLDER.sub("", template)
        if "{" in leftover or "}" in leftover:
            yield path, "unbalanced { or } in the template", False
            continue
        for placeholder in PLACEHOLDER.findall(template):
            head, _, rest = placeholder.partition(".")
            if head != root or not rest or any(not part for part in rest.split(".")):
                yield (
                    path,
                    f'"{{{placeholder}}}" must read a field of the {root}, like {{{root}.id}}',
                    False,
                )


def _overrides(mapping: Mapping) -> Iterator[Finding]:
    overrides = mapping.customers.overrides
    for key, target in overrides.items():
        path: Path = ("customers", "overrides", key)
        field, text = parse_key(key)
        if not text.strip():
            yield path, "the key is empty", True
        elif field == "id" and not re.fullmatch(r"[0-9a-fA-F]{24}", text):
            yield path, "an OfficeRnD id is 24 hexadecimal characters", True
        elif field == "code":
            yield path, "companies and members have no code: key by id: or name:", True
        if not target.strip():
            yield path, "give the Intacct customer id", False
    reported: set[str] = set()
    for conflict in KeyIndex(overrides).conflicts:
        if conflict.key not in reported:
            reported.add(conflict.key)
            yield (
                ("customers", "overrides", conflict.key),
                f'matches the same OfficeRnD {conflict.field} as "{conflict.other}"',
                True,
            )
    seen: dict[str, str] = {}
    for key, target in overrides.items():
        other = seen.setdefault(target.strip().casefold(), key)
        if other != key and target.strip():
            yield (
                ("customers", "overrides", key),
                f'Intacct customer {target!r} is already the override of "{other}"',
                False,
            )


def _policy(name: str, section: object) -> Iterator[Finding]:
    unmapped = getattr(section, "unmapped")  # noqa: B009
    default = getattr(section, "default")  # noqa: B009
    fields_set = getattr(section, "model_fields_set")  # noqa: B009
    if unmapped == "default" and default is None:
        yield (name, "unmapped"), '"default" needs a default entry in this map', False
    if default is not None and unmapped != "default":
        yield (
            (name, "default"),
            f'this default is never used because unmapped is "{unmapped}"; '
            "write `unmapped: default` to use it",
            True,
        )
    if "values" not in fields_set and default is None:
        yield (name,), "empty map: give it entries under values (or a default)", True


def _keys(name: str, section: object) -> Iterator[Finding]:
    index = getattr(section, "index")  # noqa: B009
    values: dict[str, object] = getattr(section, "values")  # noqa: B009
    for key in values:
        field, text = parse_key(key)
        if not text.strip():
            yield (name, "values", key), "the key is empty", True
        elif field == "id" and not re.fullmatch(r"[0-9a-fA-F]{24}", text):
            yield (name, "values", key), "an OfficeRnD id is 24 hexadecimal characters", True
    reported: set[str] = set()
    for conflict in index.conflicts:
        if conflict.key in reported:
            continue
        reported.add(conflict.key)
        yield (
            (name, "values", conflict.key),
            f'matches the same OfficeRnD {conflict.field} as "{conflict.other}" '
            "(keys compare ignoring case and accents)",
            True,
        )


def _unresolved_default(name: str, entry: object, fields: tuple[str, ...]) -> Iterator[Finding]:
    set_fields = getattr(entry, "model_fields_set")  # noqa: B009
    for field in fields:
        if field in set_fields and getattr(entry, field) is None:
            yield (name, "default", _alias(field)), "a default cannot be unresolved (null)", False


def _alias(field: str) -> str:
    return "class" if field == "class_" else field


def _revenue_accounts(mapping: Mapping) -> Iterator[Finding]:
    section: RevenueAccountMap | None = mapping.revenue_accounts
    if section is None:
        return
    needed = {"ar": "gl_account", "sales": "item"}.get(mapping.options.invoice_type or "")
    entries = [((key,), entry) for key, entry in section.values.items()]
    for path, entry in entries:
        if not {"gl_account", "item"} & entry.model_fields_set:
            yield ("revenue_accounts", "values", *path), "give a gl_account or an item", False
        elif needed and needed not in entry.model_fields_set:
            kind = mapping.options.invoice_type
            yield (
                ("revenue_accounts", "values", *path),
                f"{kind} invoices need {needed} here",
                False,
            )
    if section.default is not None:
        default = section.default
        if not {"gl_account", "item"} & default.model_fields_set:
            yield ("revenue_accounts", "default"), "give a gl_account or an item", False
        yield from _unresolved_default(
            "revenue_accounts", default, ("gl_account", "item", "department", "class_")
        )


def _locations(mapping: Mapping) -> Iterator[Finding]:
    section: LocationMap | None = mapping.locations
    if section is None:
        return
    subsidiary = mapping.options.entity_level == "subsidiary"
    if subsidiary and section.default is not None:
        yield (
            ("locations", "default"),
            "no default location at entity_level subsidiary: an unmapped location would post "
            "its revenue in a guessed legal entity; map each location",
            True,
        )
    for key, entry in section.values.items():
        if "location" not in entry.model_fields_set:
            yield ("locations", "values", key), "give the Intacct location", False
        if subsidiary and "entity" not in entry.model_fields_set:
            yield ("locations", "values", key), "entity_level subsidiary needs the entity", False
    if section.default is not None:
        if "location" not in section.default.model_fields_set:
            yield ("locations", "default"), "give the Intacct location", False
        yield from _unresolved_default("locations", section.default, ("location", "entity"))


def _tax_rates(section: TaxRateMap) -> Iterator[Finding]:
    entries: list[tuple[Path, TaxRateEntry]] = [
        (("values", key), entry) for key, entry in section.values.items()
    ]
    if section.default is not None:
        entries.append((("default",), section.default))
    for path, entry in entries:
        has_detail = "tax_detail" in entry.model_fields_set
        has_account = bool({"gl_account", "item"} & entry.model_fields_set)
        if has_detail + has_account + entry.no_tax > 1:
            yield (
                ("tax_rates", *path),
                "give one of tax_detail, gl_account/item (a liability account) or no_tax: true",
                False,
            )
        elif not (has_detail or has_account or entry.no_tax):
            yield (
                ("tax_rates", *path),
                "give a tax_detail, a gl_account (liability account for tax posted as its own "
                "line), or no_tax: true",
                False,
            )
        if entry.tax_included_in_revenue and not entry.no_tax:
            yield (
                ("tax_rates", *path, "tax_included_in_revenue"),
                "tax_included_in_revenue goes with no_tax: true",
                False,
            )
    if section.default is not None:
        yield from _unresolved_default(
            "tax_rates", section.default, ("tax_detail", "gl_account", "item")
        )


def _payment_methods(section: PaymentMethodMap) -> Iterator[Finding]:
    entries: list[tuple[Path, BaseModel]] = [
        (("values", key), entry) for key, entry in section.values.items()
    ]
    if section.default is not None:
        entries.append((("default",), section.default))
    for path, entry in entries:
        if "payment_method" not in entry.model_fields_set:
            yield ("payment_methods", *path, "payment_method"), "required key is missing", False
        if not {"bank_account", "bank_accounts"} & entry.model_fields_set:
            yield (
                ("payment_methods", *path, "bank_account"),
                "required key is missing (or give bank_accounts per entity)",
                False,
            )
    if section.default is not None:
        yield from _unresolved_default(
            "payment_methods", section.default, ("payment_method", "bank_account")
        )


def _dimensions(name: str, section: DimensionMap) -> Iterator[Finding]:
    entries: list[tuple[Path, BaseModel]] = [
        (("values", key), entry) for key, entry in section.values.items()
    ]
    if section.default is not None:
        entries.append((("default",), section.default))
    for path, entry in entries:
        if not entry.model_fields_set:
            yield (name, *path), "give a department, a class or an item", False
    if section.default is not None:
        yield from _unresolved_default(name, section.default, ("department", "class_", "item"))
