"""The Intacct reads ``sync`` needs beyond documents (those come from ``intacct_docs``).

- customers by CUSTOMERID and by name (adopt existing ones, report name-only matches), one
  ``in`` query per 1000 values, with ``show_private`` so entity-owned customers are seen;
- the tax detail -> tax solution list (documents posted at the top level name the solution).
"""

from __future__ import annotations

from collections.abc import Sequence

from orsync.engine import ActualCustomer
from orsync.engine.customers import CustomerLookup, name_key
from orsync.intacct import IntacctClient
from orsync.intacct.xml.response import Record

# The customer fields every company has; print-as, the contact name and the mailing address are
# not read (a field absent from every record makes some gateways refuse the whole query).
_CUSTOMER_FIELDS = ("RECORDNO", "CUSTOMERID", "NAME", "STATUS", "CURRENCY", "DISPLAYCONTACT.EMAIL1")
# The engine's updatable fields that _CUSTOMER_FIELDS carries: the planner compares only these
# with OfficeRnD, and resends the others only when orsync's last write of them is out of date.
# Keep in step with _CUSTOMER_FIELDS and _customer().
READ_BACK_FIELDS = frozenset({"name", "email"})


def look_up_customers(
    client: IntacctClient, ids: Sequence[str], names: Sequence[str]
) -> CustomerLookup:
    """What Intacct holds for these customer ids and names (one query per 1000 of each)."""
    by_id: dict[str, ActualCustomer] = {}
    by_name: dict[str, list[ActualCustomer]] = {}
    if ids:
        for record in client.query_in(
            "CUSTOMER", "CUSTOMERID", ids, _CUSTOMER_FIELDS, show_private=True
        ):
            customer = _customer(record)
            by_id[customer.customer_id] = customer
    if names:
        for record in client.query_in(
            "CUSTOMER", "NAME", names, _CUSTOMER_FIELDS, show_private=True
        ):
            customer = _customer(record)
            by_name.setdefault(name_key(customer.name), []).append(customer)
    return CustomerLookup(
        searched_ids=frozenset(ids),
        by_id=by_id,
        by_name={key: tuple(values) for key, values in by_name.items()},
        read_fields=READ_BACK_FIELDS,
    )


def _customer(record: Record) -> ActualCustomer:
    email = record.get("DISPLAYCONTACT.EMAIL1") or record.get("EMAIL1")
    return ActualCustomer(
        record_key=record.get("RECORDNO") or "",
        customer_id=record.get("CUSTOMERID") or "",
        name=record.get("NAME") or "",
        email=email or None,
        currency=record.get("CURRENCY") or None,
        status=(record.get("STATUS") or "active").lower(),
    )


def tax_solutions(client: IntacctClient) -> dict[str, str]:
    """Tax detail id -> tax solution id (one short query)."""
    return {
        record.get("DETAILID") or "": record.get("TAXSOLUTIONID") or ""
        for record in client.query_all("TAXDETAIL", ("DETAILID", "TAXSOLUTIONID"))
        if record.get("TAXSOLUTIONID")
    }


class CustomerDirectory:
    """Every Intacct customer, read once: a first run, where nearly every customer is new,
    answers its lookups from memory instead of two queries per chunk of documents.

    Memory holds one compact record per Intacct customer (not per document), and customers
    created during the run are added, so two OfficeRnD companies sharing a name are still
    reported as a name-only match, as a live lookup would.
    """

    def __init__(self, client: IntacctClient) -> None:
        self._by_id: dict[str, ActualCustomer] = {}
        self._by_name: dict[str, list[ActualCustomer]] = {}
        for record in client.query_all("CUSTOMER", _CUSTOMER_FIELDS, show_private=True):
            self.add(_customer(record))

    def add(self, customer: ActualCustomer) -> None:
        self._by_id[customer.customer_id] = customer
        self._by_name.setdefault(name_key(customer.name), []).append(customer)

    def lookup(self, ids: Sequence[str], names: Sequence[str]) -> CustomerLookup:
        wanted = {name_key(n) for n in names}
        return CustomerLookup(
            searched_ids=frozenset(ids),
            by_id={i: self._by_id[i] for i in ids if i in self._by_id},
            by_name={k: tuple(v) for k, v in self._by_name.items() if k in wanted},
            read_fields=READ_BACK_FIELDS,
        )
