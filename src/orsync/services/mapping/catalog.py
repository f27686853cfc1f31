"""Intacct's lists as an :class:`~orsync.mapping.IntacctCatalog`, in as few requests as possible.

The first page of every list goes in ONE request (one ``query`` function per list); only a list
longer than a page costs more requests. Everything is read from the top level with
``showprivate`` so that entity-owned records are seen too.

Where each record may be used (``IntacctRecord.entities``):
- a location belongs to the entity above it: its ``PARENTID`` chain is followed up to a
  ``LOCATIONENTITY`` (UNVERIFIED which field names the owning entity in every company; PARENTID
  is the documented parent link, see :data:`LOCATION_PARENT_FIELD`);
- a tax detail is usable from the entities of its tax solution (``TAXSOLUTION.ENTITIES``,
  UNVERIFIED field: when the read is refused, details are treated as usable everywhere);
- a bank account belongs to its ``MEGAENTITYID``; GL accounts, items, departments and classes
  are treated as shared (no restriction is readable for them through ``query``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from orsync.intacct import IntacctClient, ReadFailed, codes
from orsync.intacct.xml import reads
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.response import Record, ResultStatus
from orsync.mapping import IntacctCatalog, IntacctRecord

PAGE_SIZE = reads.MAX_QUERY_PAGE
# UNVERIFIED: the field naming a location's parent (and so, up the chain, its entity).
LOCATION_PARENT_FIELD = "PARENTID"
# Tax details of these types are the ones sales lines use (purchase details are not mappable).
SALE_TAX_TYPES = frozenset({"sale", ""})


@dataclass(frozen=True)
class ListRead:
    """One Intacct list: which object, which fields, and whether a refusal is tolerated."""

    key: str
    object_name: str
    select: tuple[str, ...]
    optional: bool = False


LISTS: tuple[ListRead, ...] = (
    ListRead("gl_accounts", "GLACCOUNT", ("ACCOUNTNO", "TITLE", "STATUS")),
    ListRead("items", "ITEM", ("ITEMID", "NAME", "STATUS")),
    ListRead("locations", "LOCATION", ("LOCATIONID", "NAME", LOCATION_PARENT_FIELD, "STATUS")),
    ListRead("entities", "LOCATIONENTITY", ("LOCATIONID", "NAME", "CURRENCY", "STATUS")),
    ListRead("departments", "DEPARTMENT", ("DEPARTMENTID", "TITLE", "STATUS")),
    ListRead("classes", "CLASS", ("CLASSID", "NAME", "STATUS")),
    ListRead(
        "tax_details", "TAXDETAIL", ("DETAILID", "TAXSOLUTIONID", "VALUE", "TAXTYPE", "STATUS")
    ),
    ListRead("tax_solutions", "TAXSOLUTION", ("SOLUTIONID", "ENTITIES"), optional=True),
    ListRead(
        "checking_accounts",
        "CHECKINGACCOUNT",
        ("BANKACCOUNTID", "BANKNAME", "MEGAENTITYID", "CURRENCY", "STATUS"),
    ),
)
CUSTOMERS = ListRead("customers", "CUSTOMER", ("CUSTOMERID", "NAME", "STATUS"))


def _query(read: ListRead, offset: int) -> Function:
    return reads.query(
        read.object_name,
        read.select,
        f"catalog:{read.key}:{offset}",
        order_by=(reads.OrderBy("RECORDNO"),),
        pagesize=PAGE_SIZE,
        offset=offset,
        show_private=True,
    )


def read_lists(
    client: IntacctClient, wanted: Sequence[ListRead]
) -> dict[str, tuple[Record, ...] | None]:
    """Every row of each list; ``None`` for an optional list Intacct refused."""
    functions = [_query(read, 0) for read in wanted]
    reply = client.execute(functions)
    rows: dict[str, tuple[Record, ...] | None] = {}
    for read, function in zip(wanted, functions, strict=True):
        result = reply.result_for(function.controlid)
        if result is None or result.status is not ResultStatus.SUCCESS:
            errors = result.errors if result is not None else ()
            if read.optional:
                rows[read.key] = None
                continue
            raise ReadFailed(
                f"Intacct refused to list {read.object_name}: {codes.summary(errors)}",
                errors=errors,
                hint=codes.correction(errors)
                or f"Give the Web Services user read access to {read.object_name}.",
            )
        data = result.data
        found = list(data.records) if data is not None else []
        if data is not None and data.numremaining:
            found.extend(_rest(client, read, len(found)))
        rows[read.key] = tuple(found)
    return rows


def _rest(client: IntacctClient, read: ListRead, offset: int) -> Iterator[Record]:
    while True:
        data = client.read_one(_query(read, offset)).data
        if data is None or not data.records:
            return
        yield from data.records
        offset += len(data.records)
        if not data.numremaining:
            return


def _status(record: Record) -> str:
    return record.get("STATUS") or "active"


def _rate(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _plain(
    rows: Sequence[Record] | None, id_field: str, name_field: str
) -> tuple[IntacctRecord, ...]:
    return tuple(
        IntacctRecord(r.get(id_field) or "", r.get(name_field) or "", _status(r))
        for r in rows or ()
        if r.get(id_field)
    )


def _location_entities(
    locations: Sequence[Record], entity_ids: set[str]
) -> Callable[[str], frozenset[str] | None]:
    parents = {r.get("LOCATIONID") or "": r.get(LOCATION_PARENT_FIELD) or "" for r in locations}

    def entity_of(location_id: str) -> frozenset[str] | None:
        seen: set[str] = set()
        current = location_id
        while current and current not in seen:
            if current in entity_ids:
                return frozenset({current})
            seen.add(current)
            current = parents.get(current, "")
        return None  # a top-level location: usable from the top level only

    return entity_of


def build_catalog(rows: dict[str, tuple[Record, ...] | None]) -> IntacctCatalog:
    """The catalog from raw list rows (pure; the loader and tests feed it)."""
    entities = tuple(
        dataclasses.replace(record, currency=row.get("CURRENCY") or None)
        for record, row in zip(
            _plain(rows.get("entities"), "LOCATIONID", "NAME"),
            [r for r in rows.get("entities") or () if r.get("LOCATIONID")],
            strict=True,
        )
    )
    entity_of = _location_entities(rows.get("locations") or (), {e.id for e in entities})
    locations = tuple(
        IntacctRecord(
            r.get("LOCATIONID") or "",
            r.get("NAME") or "",
            _status(r),
            entity_of(r.get("LOCATIONID") or ""),
        )
        for r in rows.get("locations") or ()
        if r.get("LOCATIONID")
    )
    solutions_rows = rows.get("tax_solutions")
    solutions: dict[str, frozenset[str] | None] = {}
    for r in solutions_rows or ():
        listed = frozenset(e for e in (r.get("ENTITIES") or "").split("#~#") if e)
        solutions[r.get("SOLUTIONID") or ""] = listed or None
    tax_details = tuple(
        IntacctRecord(
            r.get("DETAILID") or "",
            r.get("DETAILID") or "",
            _status(r),
            solutions.get(r.get("TAXSOLUTIONID") or "") if solutions_rows is not None else None,
            rate=_rate(r.get("VALUE")),
        )
        for r in rows.get("tax_details") or ()
        if r.get("DETAILID") and (r.get("TAXTYPE") or "").strip().lower() in SALE_TAX_TYPES
    )
    checking = tuple(
        IntacctRecord(
            r.get("BANKACCOUNTID") or "",
            r.get("BANKNAME") or "",
            _status(r),
            frozenset({owner}) if (owner := r.get("MEGAENTITYID")) else None,
            currency=r.get("CURRENCY") or None,
        )
        for r in rows.get("checking_accounts") or ()
        if r.get("BANKACCOUNTID")
    )
    return IntacctCatalog(
        gl_accounts=_plain(rows.get("gl_accounts"), "ACCOUNTNO", "TITLE"),
        items=_plain(rows.get("items"), "ITEMID", "NAME"),
        locations=locations,
        entities=entities,
        tax_details=tax_details,
        departments=_plain(rows.get("departments"), "DEPARTMENTID", "TITLE"),
        classes=_plain(rows.get("classes"), "CLASSID", "NAME"),
        checking_accounts=checking,
        customers=_plain(rows.get("customers"), "CUSTOMERID", "NAME"),
    )


def load_catalog(client: IntacctClient, *, with_customers: bool = False) -> IntacctCatalog:
    """Every list a mapping may name (and, for ``map init``, the existing customers)."""
    wanted = (*LISTS, CUSTOMERS) if with_customers else LISTS
    return build_catalog(read_lists(client, wanted))
