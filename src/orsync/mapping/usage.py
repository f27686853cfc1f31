"""Which OfficeRnD values the documents to sync actually use (input of ``map init``/``map check``).

Works on the records exactly as the OfficeRnD v2 API returns them (reference section 5):
documents from ``/payments`` reference ids (``location``, ``lines[].account``, ``lines[].taxRate``,
``lines[].plan``, ``lines[].fee``, ``lines[].location``), charges name their payment method in
``account``, and the reference lists give each id its code and name. Drafts are not synced, so
their values are not "in use". An id missing from its reference list is still in use: it is
returned with the id alone, and ``map check`` reports it unmapped rather than hiding it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from orsync.mapping.catalog import ValuesInUse
from orsync.mapping.matching import OfficeRndValue

Record = Mapping[str, object]


def _text(record: Record, key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _rate(record: Record) -> Decimal | None:
    value = record.get("rate")
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class _Tally:
    """Values of one map, first-seen order kept, with the locations each is used at."""

    def __init__(self, reference: Iterable[Record]) -> None:
        self._known = {str(r["_id"]): r for r in reference if r.get("_id") is not None}
        self._used: dict[str, set[str]] = {}

    def add(self, ref: object, location: str | None) -> None:
        if not isinstance(ref, str) or not ref:
            return
        where = self._used.setdefault(ref, set())
        if location:
            where.add(location)

    def values(self, include_unused: bool) -> tuple[OfficeRndValue, ...]:
        result = []
        refs = set(self._used) | (set(self._known) if include_unused else set())
        for ref in sorted(refs):
            record = self._known.get(ref, {})
            result.append(
                OfficeRndValue(
                    id=ref,
                    code=_text(record, "code"),
                    name=_text(record, "name"),
                    rate=_rate(record),
                    # An unused value has no known place: check it against every location.
                    locations=frozenset(self._used[ref]) if ref in self._used else None,
                )
            )
        return tuple(result)


def values_in_use(
    documents: Iterable[Record],
    *,
    revenue_accounts: Iterable[Record] = (),
    locations: Iterable[Record] = (),
    tax_rates: Iterable[Record] = (),
    plans: Iterable[Record] = (),
    fees: Iterable[Record] = (),
    charges: Iterable[Record] = (),
    payment_methods: Iterable[str] = (),
    include_unused: bool = False,
) -> ValuesInUse:
    """The values used by ``documents`` (invoices, credit notes) and ``charges``, sorted by id.

    Payment methods are names: they come out with ``name`` set, keyed by that name. With
    ``include_unused`` every record of the reference lists (and every name in
    ``payment_methods``) is included too: ``map init`` on a new organization, with no invoice
    yet, still writes a complete file.
    """
    tallies = {
        "revenue_accounts": _Tally(revenue_accounts),
        "locations": _Tally(locations),
        "tax_rates": _Tally(tax_rates),
        "plans": _Tally(plans),
        "fees": _Tally(fees),
    }
    document_location: dict[str, str] = {}
    for document in documents:
        if document.get("status") == "draft":
            continue
        header_location = document.get("location")
        header = header_location if isinstance(header_location, str) else None
        if isinstance(document.get("_id"), str) and header:
            document_location[str(document["_id"])] = header
        lines = document.get("lines")
        for line in lines if isinstance(lines, list) else ():
            if not isinstance(line, Mapping):
                continue
            line_location = line.get("location")
            where = line_location if isinstance(line_location, str) and line_location else header
            tallies["locations"].add(where, where)
            tallies["revenue_accounts"].add(line.get("account"), where)
            tallies["tax_rates"].add(line.get("taxRate"), where)
            tallies["plans"].add(line.get("plan"), where)
            tallies["fees"].add(line.get("fee"), where)
        tallies["locations"].add(header, header)
    methods: dict[str, set[str]] = {}
    for charge in charges:
        name = _text(charge, "account")
        if name is None:
            continue
        where = document_location.get(str(charge.get("payment")))
        methods.setdefault(name, set()).update({where} if where else set())
    if include_unused:
        for name in payment_methods:
            methods.setdefault(name, set())
    return ValuesInUse(
        revenue_accounts=tallies["revenue_accounts"].values(include_unused),
        locations=tallies["locations"].values(include_unused),
        tax_rates=tallies["tax_rates"].values(include_unused),
        payment_methods=tuple(
            OfficeRndValue(name=name, locations=frozenset(where) if where else None)
            for name, where in sorted(methods.items())
        ),
        plans=tallies["plans"].values(include_unused),
        fees=tallies["fees"].values(include_unused),
    )
