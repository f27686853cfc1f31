"""``map init``: write a commented mapping from the values in use and Intacct's lists.

Each OfficeRnD value is matched to an Intacct record by code (OfficeRnD ``code`` = Intacct id),
then by name (case-, accent- and spacing-insensitive), and to nothing else. A value that matches
nothing, or more than one record, is written as an explicit unresolved entry
(``gl_account: null  # UNRESOLVED: ...``): never guessed. Plans, fees and resource types are
business choices, not matches, so they are only listed in comments.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from orsync.mapping.catalog import FeeGroup, IntacctCatalog, IntacctRecord, ValuesInUse
from orsync.mapping.customer_ids import CustomerIdProposal
from orsync.mapping.matching import OfficeRndValue, normalize
from orsync.mapping.model import INTACCT_PAYMENT_METHODS, CustomerIds, Options


@dataclass(frozen=True)
class Unresolved:
    """One entry ``map init`` could not fill: the map, the key it wrote, the field left null."""

    map_name: str
    key: str
    field: str
    value: OfficeRndValue
    reason: str


@dataclass(frozen=True)
class Draft:
    """The mapping text and what it leaves unresolved."""

    text: str
    unresolved: tuple[Unresolved, ...]

    def gaps(self) -> list[tuple[str, str]]:
        """Distinct (map name, key) pairs left unresolved, sorted (compare to a seed's gaps)."""
        return sorted({(gap.map_name, gap.key) for gap in self.unresolved})


@dataclass(frozen=True)
class _Match:
    record: IntacctRecord | None
    how: str  # "code", "name", or why nothing matched


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())


def match_record(value: OfficeRndValue, records: Sequence[IntacctRecord], what: str) -> _Match:
    """Find the Intacct record for ``value``: by code, then by name; ambiguity matches nothing."""
    for field, text in (("code", value.code), ("name", value.name)):
        if not text:
            continue
        wanted = normalize(text)
        hits = [
            record
            for record in records
            if (side := record.id if field == "code" else record.name) and normalize(side) == wanted
        ]
        active = [record for record in hits if record.active]
        if len(active) == 1:
            return _Match(active[0], field)
        if len(active) > 1:
            ids = ", ".join(sorted(record.id for record in active))
            return _Match(None, f"several Intacct {what}s match {field} {_q(text)}: {ids}")
        if hits:
            # Posting to an inactive record fails in Intacct: someone must choose (reactivate
            # it, or pick another), so it is written unresolved with what was found.
            found = ", ".join(f"{record.id} ({record.status})" for record in hits)
            return _Match(
                None, f"the Intacct {what} matching {field} {_q(text)} is inactive: {found}"
            )
    tried = []
    if value.code:
        tried.append(f"code {value.code}")
    if value.name:
        tried.append(f"name {_q(value.name)}")
    return _Match(None, f"no Intacct {what} with {' or '.join(tried) or 'this value'}")


def _keys(values: Sequence[OfficeRndValue]) -> list[str]:
    """A readable, unique key per value: its code, else its name, else ``id:<id>``."""
    codes = Counter(normalize(v.code) for v in values if v.code)
    names = Counter(normalize(v.name) for v in values if v.name)
    keys = []
    for value in values:
        if value.code and codes[normalize(value.code)] == 1:
            keys.append(value.code)
        elif value.name and names[normalize(value.name)] == 1:
            keys.append(value.name)
        else:
            keys.append(f"id:{value.id}")
    return keys


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.unresolved: list[Unresolved] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text.rstrip())

    def target(
        self,
        indent: str,
        map_name: str,
        key: str,
        value: OfficeRndValue,
        field: str,
        match: _Match,
    ) -> IntacctRecord | None:
        record = match.record
        if record is None:
            self.line(f"{indent}{field}: null  # UNRESOLVED: {_comment(match.how)}")
            self.unresolved.append(Unresolved(map_name, key, field, value, match.how))
            return None
        note = (
            f"{record.name} (matched by {match.how})" if record.name else f"matched by {match.how}"
        )
        if not record.active:
            note += f"; INACTIVE in Intacct ({record.status})"
        self.line(f"{indent}{field}: {_q(record.id)}  # {_comment(note)}")
        return record

    def entry_header(self, key: str, value: OfficeRndValue) -> None:
        about = [value.name or ""] if value.name and value.name != key else []
        if value.id:
            about.append(f"id {value.id}")
        if value.rate is not None:
            about.append(f"rate {value.rate}%")
        comment = f"  # {_comment(', '.join(about))}" if about else ""
        self.line(f"    {_q(key)}:{comment}")


def draft_mapping(
    used: ValuesInUse,
    catalog: IntacctCatalog,
    options: Options | None = None,
    customers: CustomerIdProposal | None = None,
    *,
    invoice_type: Literal["ar", "sales"] | None = None,
) -> Draft:
    """A commented mapping for ``used`` against ``catalog``; deterministic for equal inputs.

    ``customers`` is the proposed CUSTOMERID templates (see
    :func:`orsync.mapping.customer_ids.propose_customer_ids`); the model's defaults otherwise.
    ``invoice_type`` picks GL accounts or items when ``options`` (written to the file) leave it
    out: the profile's setting, not pinned in the file.
    """
    options = options or Options()
    proposal = customers or CustomerIdProposal(CustomerIds(), "")
    out = _Writer()
    out.line("# orsync mapping, written by `orsync map init`.")
    out.line("# Entries marked UNRESOLVED need an Intacct id: `orsync map check` lists them.")
    out.line("# Every key is documented in mappings.example.yaml.")
    out.line("version: 1")
    _write_options(out, options)
    _customers(out, proposal)
    _revenue_accounts(out, used.revenue_accounts, catalog, options.invoice_type or invoice_type)
    _locations(out, used.locations, catalog)
    if used.tax_rates:
        _tax_rates(
            out,
            used.tax_rates,
            catalog,
            _location_entities(used.locations, catalog),
            options.invoice_type or invoice_type or "ar",
        )
    if used.payment_methods:
        _payment_methods(out, used.payment_methods, catalog)
    _dimension_hint(out, "plans", used.plans)
    if used.fee_groups:
        _fee_hint(out, used.fee_groups)
    else:
        _dimension_hint(out, "fees", used.fees)
    _dimension_hint(out, "resource_types", used.resource_types)
    return Draft("\n".join(out.lines) + "\n", tuple(out.unresolved))


def _write_options(out: _Writer, options: Options) -> None:
    chosen = options.model_dump(exclude_none=True)
    if not chosen:
        return
    out.line()
    out.line("options:")
    for name, setting in chosen.items():
        if isinstance(setting, dict):
            out.line(f"  {name}:")
            for sub, text in setting.items():
                out.line(f"    {sub}: {_q(str(text))}")
        else:
            out.line(f"  {name}: {_q(str(setting))}")


def _section(out: _Writer, name: str, explanation: str) -> None:
    out.line()
    out.line(f"# {explanation}")
    out.line(f"{name}:")
    out.line("  unmapped: error")
    out.line("  values:")


def _revenue_accounts(
    out: _Writer,
    values: Sequence[OfficeRndValue],
    catalog: IntacctCatalog,
    invoice_type: Literal["ar", "sales"] | None,
) -> None:
    sales = invoice_type == "sales"
    target = "item" if sales else "gl_account"
    _section(out, "revenue_accounts", f"OfficeRnD revenue account (by code) -> Intacct {target}.")
    if not values:
        out.line("    {}  # no revenue account in use yet")
    records = catalog.items if sales else catalog.gl_accounts
    for key, value in zip(_keys(values), values, strict=True):
        out.entry_header(key, value)
        what = "item" if sales else "GL account"
        out.target(
            "      ", "revenue_accounts", key, value, target, match_record(value, records, what)
        )


def _locations(out: _Writer, values: Sequence[OfficeRndValue], catalog: IntacctCatalog) -> None:
    _section(out, "locations", "OfficeRnD location (by name) -> Intacct location and entity.")
    if not values:
        out.line("    {}  # no location in use yet")
    # Location codes are shared by locations with one invoice sequence: key by name instead.
    keyed = [OfficeRndValue(id=v.id, name=v.name, locations=v.locations) for v in values]
    for key, value, original in zip(_keys(keyed), keyed, values, strict=True):
        out.entry_header(key, value)
        match = match_record(original, catalog.locations, "location")
        record = out.target("      ", "locations", key, original, "location", match)
        if record is None:
            # Written too so that a file at entity_level subsidiary still loads.
            out.line("      entity: null  # UNRESOLVED: the entity of the location above")
        elif record.entities and len(record.entities) == 1:
            (entity,) = record.entities
            name = next((e.name for e in catalog.entities if e.id == entity), "")
            note = f"  # {_comment(name)}" if name else ""
            out.line(f"      entity: {_q(entity)}{note}")


def _customers(out: _Writer, proposal: CustomerIdProposal) -> None:
    templates = proposal.templates
    out.line()
    if proposal.reason:
        out.line(f"# {_comment(proposal.reason)}")
    out.line("customers:")
    for name in ("company", "company_fallback", "member", "member_fallback"):
        template = getattr(templates, name)
        note = "  # members billed personally" if name == "member" else ""
        out.line(f"  {name}: {_q(template) if template is not None else 'null'}{note}")
    if proposal.suggested_overrides:
        out.line("  # Intacct already has customers with these names under other ids; sync holds")
        out.line("  # them as conflicts. If they are the same customers, uncomment to adopt them:")
        out.line("  # overrides:")
        for key, customer_id in proposal.suggested_overrides:
            out.line(f"  #   {_q(key)}: {_q(customer_id)}")


def _location_entities(values: Sequence[OfficeRndValue], catalog: IntacctCatalog) -> dict[str, str]:
    """Entity of each OfficeRnD location (by id) whose Intacct location matches unambiguously."""
    result: dict[str, str] = {}
    for value in values:
        record = match_record(value, catalog.locations, "location").record
        if value.id and record is not None and record.entities and len(record.entities) == 1:
            (result[value.id],) = record.entities
    return result


def _tax_by_entity(
    value: OfficeRndValue, catalog: IntacctCatalog, location_entities: dict[str, str]
) -> _Match | None:
    """Match a rate by percentage within the entities where it is used, or None to go on.

    Not a guess: a rate used only in entity UK at 20 % can only post to a UK tax detail at
    20 %; it matches when exactly one active one exists. A rate used only in entities without
    any tax detail has no record (how="no_tax: ..."): a 0 % rate posts without tax, any other
    rate's tax goes to a liability account (the caller decides).
    """
    if value.rate is None or not value.locations:
        return None
    # Locations that cannot be placed yet are unresolved entries of their own; the rate is
    # judged by the entities it is known to post in.
    placed = {e for e in (location_entities.get(loc) for loc in value.locations) if e is not None}
    if not placed:
        return None

    def reachable(detail: IntacctRecord, entity: str) -> bool:
        return detail.entities is None or entity in detail.entities

    if not any(reachable(detail, entity) for detail in catalog.tax_details for entity in placed):
        where = ", ".join(sorted(placed))
        return _Match(None, f"no_tax: used only in entity {where}, which has no tax details")
    candidates = {
        detail.id: detail
        for detail in catalog.tax_details
        if detail.active
        and detail.rate == value.rate
        and all(reachable(detail, entity) for entity in placed)
    }
    if len(candidates) == 1:
        (only,) = candidates.values()
        where = ", ".join(sorted(placed))
        return _Match(only, f"rate {value.rate}%, the only one in entity {where}")
    return None


# A liability account for sales tax is recognised by these words in its name (US companies have
# no tax engine: the tax posts as its own line to that account).
SALES_TAX_WORDS = "sales tax"


def _sales_tax_account(records: Sequence[IntacctRecord], what: str) -> _Match:
    """The one active record whose name says it takes sales tax, or why there is none."""
    hits = [r for r in records if r.active and SALES_TAX_WORDS in normalize(r.name)]
    if len(hits) == 1:
        return _Match(hits[0], f'name containing "{SALES_TAX_WORDS}"')
    if hits:
        ids = ", ".join(sorted(r.id for r in hits))
        return _Match(None, f'several Intacct {what}s are named "{SALES_TAX_WORDS}": {ids}')
    return _Match(
        None,
        f'no tax detail takes this rate and no Intacct {what} is named "{SALES_TAX_WORDS}": '
        "name the liability account its tax posts to",
    )


def _tax_rates(
    out: _Writer,
    values: Sequence[OfficeRndValue],
    catalog: IntacctCatalog,
    location_entities: dict[str, str],
    invoice_type: Literal["ar", "sales"],
) -> None:
    """A rate above 0 % is never written ``no_tax``: its tax goes to a tax detail, or (no tax
    engine where it is used) to a sales-tax liability account found by name, else UNRESOLVED."""
    _section(
        out,
        "tax_rates",
        "OfficeRnD tax rate -> Intacct tax detail, sales-tax liability account, or no_tax: true.",
    )
    for key, value in zip(_keys(values), values, strict=True):
        out.entry_header(key, value)
        taxed = value.rate is None or value.rate > 0
        if not catalog.tax_details and not taxed:
            out.line("      no_tax: true  # 0 %, and the Intacct company has no tax details")
            continue
        match = match_record(value, catalog.tax_details, "tax detail")
        inferred = None
        if match.record is None:
            inferred = _tax_by_entity(value, catalog, location_entities)
            if inferred is not None and inferred.record is None and not taxed:
                out.line(f"      no_tax: true  # {_comment(inferred.how.removeprefix('no_tax: '))}")
                continue
            if inferred is not None and inferred.record is not None:
                match = inferred
        no_engine = not catalog.tax_details or (inferred is not None and inferred.record is None)
        if match.record is None and taxed and no_engine:
            if invoice_type == "sales":
                found = _sales_tax_account(catalog.items, "item")
                out.target("      ", "tax_rates", key, value, "item", found)
            else:
                found = _sales_tax_account(catalog.gl_accounts, "GL account")
                out.target("      ", "tax_rates", key, value, "gl_account", found)
            continue
        if match.record is None and value.rate is not None:
            same_rate = sorted(
                d.id for d in catalog.tax_details if d.rate == value.rate and d.active
            )
            if same_rate:
                match = _Match(
                    None, f"{match.how}; details at {value.rate}%: {', '.join(same_rate)}"
                )
        out.target("      ", "tax_rates", key, value, "tax_detail", match)


# OfficeRnD's usual method names -> the Intacct payment method they are received as.
USUAL_METHODS = {
    "bank transfer": "EFT",
    "direct debit": "EFT",
    "cheque": "Printed Check",
    "check": "Printed Check",
    "pos": "Credit Card",
}


# Intacct's method for a cheque finance keys in Intacct: it comes back to OfficeRnD only as an
# OfficeRnD method mapped to it, so the draft always names one (or says none exists).
CHEQUE_METHOD = "Printed Check"


def usual_intacct_method(name: str) -> str | None:
    """The Intacct payment method an OfficeRnD method of this name is received as: the same
    name, or OfficeRnD's usual name for it (``USUAL_METHODS``); None when neither."""
    folded = name.strip().casefold()
    same = [m for m in INTACCT_PAYMENT_METHODS if m.casefold() == folded]
    return same[0] if same else USUAL_METHODS.get(folded)


def _payment_methods(
    out: _Writer, values: Sequence[OfficeRndValue], catalog: IntacctCatalog
) -> None:
    _section(
        out,
        "payment_methods",
        "OfficeRnD payment method -> Intacct payment method and bank account.",
    )
    methods = [IntacctRecord(id=m, name=m) for m in INTACCT_PAYMENT_METHODS]
    for key, value in zip(_keys(values), values, strict=True):
        out.entry_header(key, value)
        match = match_record(value, methods, "payment method")
        usual = USUAL_METHODS.get((value.name or "").casefold())
        if match.record is None and usual is not None:
            match = _Match(IntacctRecord(id=usual, name=usual), f"the usual method for {key!r}")
        out.target("      ", "payment_methods", key, value, "payment_method", match)
        banks = _bank_per_entity(catalog)
        if banks:
            # A bank account belongs to one entity: payments land in the invoice's entity's.
            out.line("      bank_accounts:  # per Intacct entity")
            for entity, bank, why in banks:
                out.line(f"        {_q(entity)}: {_q(bank.id)}  # {_comment(bank.name)}: {why}")
            continue
        out.target(
            "      ",
            "payment_methods",
            key,
            value,
            "bank_account",
            match_record(value, catalog.checking_accounts, "bank account"),
        )
    if not any(usual_intacct_method(v.name or "") == CHEQUE_METHOD for v in values):
        _no_cheque_method(out)


def _no_cheque_method(out: _Writer) -> None:
    """No OfficeRnD method is received as a cheque (``map init`` read the methods OfficeRnD
    lists when its charges used none): cheques keyed in Intacct would each fail with "no
    method mapped". Said in the file, as a template to fill, and as an unresolved entry."""
    reason = (
        f"no OfficeRnD payment method is received as Intacct's {CHEQUE_METHOD!r}: cheques "
        'keyed in Intacct cannot be recorded in OfficeRnD. Add a method (e.g. "Check") in '
        f"OfficeRnD's billing settings, then map it with payment_method: {CHEQUE_METHOD!r}"
    )
    for text in textwrap.wrap(f"UNRESOLVED: {reason}:", 88):
        out.line(f"    # {text}")
    out.line('    # "Check":')
    out.line(f"    #   payment_method: {_q(CHEQUE_METHOD)}")
    out.unresolved.append(
        Unresolved(
            "payment_methods",
            CHEQUE_METHOD,
            "officernd_method",
            OfficeRndValue(name=CHEQUE_METHOD),
            reason,
        )
    )


def _bank_per_entity(catalog: IntacctCatalog) -> list[tuple[str, IntacctRecord, str]]:
    """Each entity's bank account and why it was chosen: its only active one, or its only one
    in the entity's base currency (the comment then names the others, which payments in their
    currency do not reach). None at all when an entity is left undecided (the person drafting
    chooses)."""
    base = {e.id: e.currency for e in catalog.entities}
    by_entity: dict[str, list[IntacctRecord]] = {}
    for bank in catalog.checking_accounts:
        if bank.active and bank.entities:
            for entity in bank.entities:
                by_entity.setdefault(entity, []).append(bank)
    chosen: list[tuple[str, IntacctRecord, str]] = []
    for entity, active in sorted(by_entity.items()):
        banks, why = active, "its only active bank account"
        if len(active) > 1:
            banks = [b for b in active if b.currency and b.currency == base.get(entity)]
            others = ", ".join(
                f"{b.id} ({b.currency})" if b.currency else b.id for b in active if b not in banks
            )
            why = (
                f"the one in its base currency {base.get(entity)} of {len(active)} active; the "
                f"others: {others} (payments in every currency go to the account named here)"
            )
        if len(banks) != 1:
            return []
        chosen.append((entity, banks[0], why))
    return chosen


# Entries a commented section lists; the rest is counted ("... and 12 more").
_HINT_LIMIT = 10
_FEE_EXAMPLES = 3


def _dimension_hint(out: _Writer, name: str, values: Iterable[OfficeRndValue]) -> None:
    # Fees are one record per charge: many share a name, so the hint lists each name once.
    seen: set[str] = set()
    listed: list[OfficeRndValue] = []
    for value in values:
        label = normalize(value.code or value.name or value.id or "")
        if label not in seen:
            seen.add(label)
            listed.append(value)
    if not listed:
        return
    more = len(listed) - _HINT_LIMIT
    listed = listed[:_HINT_LIMIT]
    out.line()
    out.line(f"# Optional: {name} -> department, class or item on their lines. Uncomment to use.")
    out.line(f"# {name}:")
    out.line("#   unmapped: ignore")
    out.line("#   values:")
    for key, value in zip(_keys(listed), listed, strict=True):
        out.line(f"#     {_q(key)}: {{department: null}}  # {_comment(value.label())}")
    if more > 0:
        out.line(f"#     ... and {more} more")


def _fee_hint(out: _Writer, groups: Sequence[FeeGroup]) -> None:
    """Fees by what decides their posting: a few groups, each with a few example names.

    Only a group whose every name was seen and that bills no resource rate offers its names as
    keys: a booking's fee is named per booking, so its plan or resource type is the key."""
    out.line()
    out.line("# Optional: fees -> department, class or item on their lines. Uncomment to use.")
    out.line("# A fee posts by what bills it: its plan (plans:) or resource type (resource_types:)")
    out.line(
        "# and its revenue account. Key a fee here only when its name is fixed (one-off fees)."
    )
    out.line("# fees:")
    out.line("#   unmapped: ignore")
    out.line("#   values:")
    shown = groups[:_HINT_LIMIT]
    keys: set[str] = set()  # a name fixed across plans (one per entity) is one key
    for group in shown:
        count = f"{group.lines} line{'s' if group.lines != 1 else ''}"
        out.line(f"#     # {_comment(group.label())}: {count}")
        keyed = group.complete and not group.resource_type
        names = [n for n in group.names if n.name]
        for value in names[:_FEE_EXAMPLES]:
            if keyed and normalize(value.name or "") in keys:
                out.line(f"#     #   {_comment(value.name or '')} (its key is above)")
            elif keyed:
                keys.add(normalize(value.name or ""))
                out.line(f"#     {_q(value.name or '')}: {{department: null}}")
            else:
                out.line(f"#     #   e.g. {_comment(value.name or '')}")
        rest = len(names) - _FEE_EXAMPLES
        if rest > 0 or not group.complete:
            more = f"{rest} more" if group.complete else "more"
            out.line(
                f"#     #   ... and {more} name{'s' if rest != 1 or not group.complete else ''}"
            )
    if len(groups) > len(shown):
        out.line(f"#     # ... and {len(groups) - len(shown)} more groups")
