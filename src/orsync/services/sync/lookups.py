"""What Intacct already holds, as ``sync`` looks it up before it writes.

- documents about to be updated, reversed or settled, by OfficeRnD number
  (:func:`find_actuals`, through ``services.convert``'s :class:`IntacctDocuments`); whether a
  change can still go (``orsync.engine.change_blocker``) and what a lookup proves
  (``orsync.engine.settle_document``) are the engine's decisions;
- customers by CUSTOMERID and by name (adopt existing ones, report name-only matches), one
  ``in`` query per 1000 values, with ``show_private`` so entity-owned customers are seen;
- the tax detail -> tax solution list (documents posted at the top level name the solution).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orsync.engine import (
    ActualCustomer,
    ActualDocument,
    DocumentAction,
    EngineOptions,
    SourceDocument,
)
from orsync.engine.build import posting_kind
from orsync.engine.customers import CustomerLookup, name_key
from orsync.engine.model import Posting, PostingKind, Problem
from orsync.intacct import IntacctClient
from orsync.intacct.xml.response import Record
from orsync.services.convert import IntacctDocuments
from orsync.state import LedgerRow

Built = Posting | Sequence[Problem]


def find_actuals(
    reader: IntacctDocuments,
    options: EngineOptions,
    actions: Sequence[DocumentAction],
    built: Mapping[tuple[str, str], tuple[SourceDocument, Built]],
    rows: Mapping[tuple[str, str], LedgerRow],
) -> dict[tuple[str, str], ActualDocument]:
    """The Intacct documents of these actions, found by OfficeRnD number and matched to the
    ledger's target key when it has one (the reference also sits on reversal entries).

    A document renumbered in OfficeRnD after it was posted is still in Intacct under the number
    it was posted with (the ledger's): it is looked up by that one too, and a document found by
    it counts only when it is the ledger's own (its key)."""
    wanted: dict[PostingKind, dict[str, tuple[str, str]]] = {}
    posted_as: dict[PostingKind, dict[str, tuple[str, str]]] = {}
    for action in actions:
        key = (action.source_kind, action.source_id)
        doc = built[key][0]
        kind = posting_kind(doc, options)
        wanted.setdefault(kind, {})[doc.number] = key
        row = rows.get(key)
        posted = row.target if row is not None else None
        # Under Intacct numbering the ledger's number is Intacct's, never a reference.
        if (
            posted is not None
            and posted.key
            and posted.number
            and posted.number != doc.number
            and options.numbering == "officernd"
        ):
            posted_as.setdefault(kind, {})[posted.number] = key
    found: dict[tuple[str, str], ActualDocument] = {}
    for kind in wanted.keys() | posted_as.keys():
        by_number = wanted.get(kind, {})
        old_numbers = {n: k for n, k in posted_as.get(kind, {}).items() if n not in by_number}
        for actual in reader.by_reference({**by_number, **old_numbers}, kinds=(kind,)):
            matched = by_number.get(actual.reference or "")
            if matched is None:
                renumbered = old_numbers.get(actual.reference or "")
                old_row = rows.get(renumbered) if renumbered is not None else None
                if renumbered is None or old_row is None:
                    continue
                if actual.record_key != old_row.target.key:
                    continue
                matched = renumbered
            key = matched
            row = rows.get(key)
            target = row.target.key if row is not None else None
            current = found.get(key)
            preferred = (
                (target is not None and actual.record_key == target)
                or current is None
                or (current.record_key != target and not current.is_live and actual.is_live)
            )
            if preferred:
                found[key] = actual
    return found


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
