"""Read the Intacct lists a mapping names into an :class:`~orsync.mapping.IntacctCatalog`.

A minimal loader for ``orsync test`` (one ``query`` per list, every page). ``map check`` has its
own, richer loader in the mapping service; this one only needs ids, status and, for
locations and bank accounts, the owning entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from orsync.intacct import IntacctClient
from orsync.intacct.xml.response import Record
from orsync.mapping import IntacctCatalog, IntacctRecord


def _entities(value: str | None) -> frozenset[str] | None:
    return frozenset({value}) if value else None


def _rate(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


# (catalog field, object, select, record builder)
_LISTS: tuple[tuple[str, str, tuple[str, ...], Callable[[Record], IntacctRecord]], ...] = (
    (
        "gl_accounts",
        "GLACCOUNT",
        ("ACCOUNTNO", "TITLE", "STATUS"),
        lambda r: IntacctRecord(r.get("ACCOUNTNO") or "", r.get("TITLE") or "", _status(r)),
    ),
    (
        "items",
        "ITEM",
        ("ITEMID", "NAME", "STATUS"),
        lambda r: IntacctRecord(r.get("ITEMID") or "", r.get("NAME") or "", _status(r)),
    ),
    (
        "locations",
        "LOCATION",
        ("LOCATIONID", "NAME", "PARENTID", "STATUS"),
        lambda r: IntacctRecord(
            r.get("LOCATIONID") or "", r.get("NAME") or "", _status(r), _entities(r.get("PARENTID"))
        ),
    ),
    (
        "entities",
        "LOCATIONENTITY",
        ("LOCATIONID", "NAME", "STATUS"),
        lambda r: IntacctRecord(r.get("LOCATIONID") or "", r.get("NAME") or "", _status(r)),
    ),
    (
        "tax_details",
        "TAXDETAIL",
        ("DETAILID", "VALUE", "STATUS"),
        lambda r: IntacctRecord(
            r.get("DETAILID") or "", r.get("DETAILID") or "", _status(r), rate=_rate(r.get("VALUE"))
        ),
    ),
    (
        "departments",
        "DEPARTMENT",
        ("DEPARTMENTID", "TITLE", "STATUS"),
        lambda r: IntacctRecord(r.get("DEPARTMENTID") or "", r.get("TITLE") or "", _status(r)),
    ),
    (
        "classes",
        "CLASS",
        ("CLASSID", "NAME", "STATUS"),
        lambda r: IntacctRecord(r.get("CLASSID") or "", r.get("NAME") or "", _status(r)),
    ),
    (
        "checking_accounts",
        "CHECKINGACCOUNT",
        ("BANKACCOUNTID", "BANKNAME", "MEGAENTITYID", "STATUS"),
        lambda r: IntacctRecord(
            r.get("BANKACCOUNTID") or "",
            r.get("BANKNAME") or "",
            _status(r),
            _entities(r.get("MEGAENTITYID")),
        ),
    ),
)


def _status(record: Record) -> str:
    return record.get("STATUS") or "active"


def _records(client: IntacctClient, object_name: str, select: tuple[str, ...]) -> Iterator[Record]:
    # From the top level, entity-owned records are visible only with showprivate.
    return client.query_all(object_name, select, show_private=True)


def load_catalog(client: IntacctClient) -> IntacctCatalog:
    """Every list a mapping may name, read from the top level (ReadFailed on refusal)."""
    lists: dict[str, tuple[IntacctRecord, ...]] = {}
    for name, object_name, select, build in _LISTS:
        lists[name] = tuple(build(r) for r in _records(client, object_name, select))
    return IntacctCatalog(**lists)
