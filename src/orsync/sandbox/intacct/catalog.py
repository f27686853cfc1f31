"""Which objects reads can name, and how a stored record becomes a row of Intacct fields."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from orsync.sandbox.intacct.records import (
    ArDocument,
    Customer,
    Fields,
    Line,
    Payment,
    PaymentDetail,
    SoDocument,
    SoLine,
    fmt_money,
)
from orsync.sandbox.intacct.store import IntacctStore

# (owning entity or "" for top level, fields)
OwnedRow = tuple[str, Fields]


@dataclass(frozen=True)
class ObjectType:
    name: str
    id_field: str  # what readByName keys name
    rows: Callable[[IntacctStore, str], Iterator[OwnedRow]]  # (store, docparid)
    # Line objects: the rows of only the documents with these record numbers (what the
    # lines' RECORDKEY holds), in the order ``rows`` gives them; an index, not a filter.
    rows_of: Callable[[IntacctStore, Collection[int]], Iterator[OwnedRow]] | None = None


def visible(owner: str, session_entity: str, showprivate: bool) -> bool:
    """Entity visibility, kept in this one place.

    An entity session sees top-level records and its own entity's. A top-level session sees
    entity-owned records only with ``showprivate`` (queries page: top-level queries do not see
    private entity records by default).
    """
    if not owner:
        return True
    if session_entity:
        return owner == session_entity
    return showprivate


def _customers(store: IntacctStore, _: str) -> Iterator[OwnedRow]:
    for c in store.customers():
        yield c.entity_id, c.fields()


def _ar(kind: str, lines: bool) -> Callable[[IntacctStore, str], Iterator[OwnedRow]]:
    def rows(store: IntacctStore, _: str) -> Iterator[OwnedRow]:
        docs = store.invoices() if kind == "invoice" else store.adjustments()
        for doc in docs:
            if not lines:
                yield doc.entity_id, doc.header_fields()
                continue
            for row in doc.line_rows():
                yield doc.entity_id, row

    return rows


def _ar_lines_of(kind: str) -> Callable[[IntacctStore, Collection[int]], Iterator[OwnedRow]]:
    def rows(store: IntacctStore, recordnos: Collection[int]) -> Iterator[OwnedRow]:
        for doc in store.ar_documents(kind, recordnos):
            for row in doc.line_rows():
                yield doc.entity_id, row

    return rows


def _so(lines: bool) -> Callable[[IntacctStore, str], Iterator[OwnedRow]]:
    def rows(store: IntacctStore, docparid: str) -> Iterator[OwnedRow]:
        for doc in store.sales_documents():
            if docparid and doc.definition != docparid:
                continue
            if not lines:
                yield doc.entity_id, doc.header_fields()
                continue
            for row in doc.line_rows():
                yield doc.entity_id, row

    return rows


def _payments(details: bool) -> Callable[[IntacctStore, str], Iterator[OwnedRow]]:
    def rows(store: IntacctStore, _: str) -> Iterator[OwnedRow]:
        for payment in store.payments():
            if not details:
                yield payment.entity_id, payment.header_fields()
                continue
            for detail in payment.details:
                yield payment.entity_id, payment.detail_fields(detail)

    return rows


def _master(store: IntacctStore, kind: str) -> Iterator[OwnedRow]:
    if kind == "LOCATION":
        for n, loc in enumerate(store.locations.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("LOCATIONID", loc.id),
                    ("NAME", loc.name),
                    ("PARENTID", loc.entity_id),
                    ("ENTITY", loc.entity_id),
                    ("STATUS", loc.status),
                ],
            )
    elif kind == "LOCATIONENTITY":
        for n, ent in enumerate(store.entities.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("LOCATIONID", ent.id),
                    ("NAME", ent.name),
                    ("CURRENCY", ent.currency),
                    ("STATUS", "active"),
                ],
            )
    elif kind in ("DEPARTMENT", "CLASS"):
        table = store.departments if kind == "DEPARTMENT" else store.classes
        for n, dim in enumerate(table.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    (f"{kind}ID", dim.id),
                    ("TITLE" if kind == "DEPARTMENT" else "NAME", dim.name),
                    ("STATUS", dim.status),
                ],
            )
    elif kind == "GLACCOUNT":
        for n, acct in enumerate(store.gl_accounts.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("ACCOUNTNO", acct.account_no),
                    ("TITLE", acct.title),
                    ("ACCOUNTTYPE", acct.account_type),
                    ("STATUS", acct.status),
                ],
            )
    elif kind == "ITEM":
        for n, item in enumerate(store.items.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("ITEMID", item.id),
                    ("NAME", item.name),
                    ("GLACCOUNTNO", item.gl_account_no),
                    ("STATUS", item.status),
                ],
            )
    elif kind == "TAXDETAIL":
        for n, detail in enumerate(store.tax_details.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("DETAILID", detail.id),
                    ("TAXSOLUTIONID", detail.tax_solution_id),
                    ("VALUE", fmt_money(detail.rate)),
                    ("TAXTYPE", "Sale"),
                    ("STATUS", detail.status),
                ],
            )
    elif kind == "TAXSOLUTION":
        for n, solution in enumerate(store.tax_solutions.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("SOLUTIONID", solution.id),
                    ("ENTITIES", "#~#".join(solution.entity_ids)),
                    ("STATUS", "active"),
                ],
            )
    elif kind == "CHECKINGACCOUNT":
        for n, account in enumerate(store.checking_accounts.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("BANKACCOUNTID", account.id),
                    ("BANKNAME", account.name),
                    ("CURRENCY", account.currency),
                    ("GLACCOUNTNO", account.gl_account_no),
                    ("MEGAENTITYID", account.entity_id),
                    ("STATUS", "active"),
                ],
            )
    elif kind == "SODOCUMENTPARAMS":
        for n, definition in enumerate(store.definitions.values(), start=1):
            yield (
                "",
                [
                    ("RECORDNO", str(n)),
                    ("DOCID", definition.name),
                    ("CATEGORY", "Invoice" if definition.kind == "invoice" else "Return"),
                    ("STATUS", definition.status),
                ],
            )


def _master_rows(kind: str) -> Callable[[IntacctStore, str], Iterator[OwnedRow]]:
    def rows(store: IntacctStore, _: str) -> Iterator[OwnedRow]:
        with store.lock:
            yield from list(_master(store, kind))

    return rows


OBJECTS: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType("CUSTOMER", "CUSTOMERID", _customers),
        ObjectType("ARINVOICE", "RECORDNO", _ar("invoice", lines=False)),
        ObjectType(
            "ARINVOICEITEM", "RECORDNO", _ar("invoice", lines=True), _ar_lines_of("invoice")
        ),
        ObjectType("ARADJUSTMENT", "RECORDNO", _ar("adjustment", lines=False)),
        ObjectType(
            "ARADJUSTMENTITEM",
            "RECORDNO",
            _ar("adjustment", lines=True),
            _ar_lines_of("adjustment"),
        ),
        ObjectType("SODOCUMENT", "DOCID", _so(lines=False)),
        ObjectType("SODOCUMENTENTRY", "RECORDNO", _so(lines=True)),
        ObjectType("ARPYMT", "RECORDNO", _payments(details=False)),
        ObjectType("ARPYMTDETAIL", "RECORDNO", _payments(details=True)),
        ObjectType("LOCATION", "LOCATIONID", _master_rows("LOCATION")),
        ObjectType("LOCATIONENTITY", "LOCATIONID", _master_rows("LOCATIONENTITY")),
        ObjectType("DEPARTMENT", "DEPARTMENTID", _master_rows("DEPARTMENT")),
        ObjectType("CLASS", "CLASSID", _master_rows("CLASS")),
        ObjectType("GLACCOUNT", "ACCOUNTNO", _master_rows("GLACCOUNT")),
        ObjectType("ITEM", "ITEMID", _master_rows("ITEM")),
        ObjectType("TAXDETAIL", "DETAILID", _master_rows("TAXDETAIL")),
        ObjectType("TAXSOLUTION", "SOLUTIONID", _master_rows("TAXSOLUTION")),
        ObjectType("CHECKINGACCOUNT", "BANKACCOUNTID", _master_rows("CHECKINGACCOUNT")),
        ObjectType("SODOCUMENTPARAMS", "DOCID", _master_rows("SODOCUMENTPARAMS")),
    )
}


def listtype_for(object_name: str, function: str) -> str:
    """Letter case of ``listtype`` and record elements, in one place: readByQuery/readMore
    answer lower case (resp-readbyquery-page1.xml), read/readByName/query upper case."""
    return object_name.lower() if function in ("readByQuery", "readMore") else object_name


def field_names(object_name: str, store: IntacctStore) -> list[str]:
    """The fields an object has, even when the company holds none of it yet (for lookup)."""
    day, at = date(2000, 1, 1), datetime(2000, 1, 1)  # noqa: DTZ001 - a shape, not an instant
    line = Line(1, "", Decimal(0))
    ar = ArDocument("invoice", 0, "", "", day, at, lines=(line,))
    adj = ArDocument("adjustment", 0, "", "", day, at, lines=(line,))
    so = SoDocument(0, "", "", "", day, at, lines=(SoLine(1, "", Decimal(0), Decimal(0)),))
    payment = Payment(0, "", day, at, Decimal(0))
    shapes: dict[str, Fields] = {
        "CUSTOMER": Customer(0, "", "", at).fields(),
        "ARINVOICE": ar.header_fields(),
        "ARINVOICEITEM": [("RECORDNO", ""), *ar.line_fields(line)],
        "ARADJUSTMENT": adj.header_fields(),
        "ARADJUSTMENTITEM": [("RECORDNO", ""), *adj.line_fields(line)],
        "SODOCUMENT": so.header_fields(),
        "SODOCUMENTENTRY": [("RECORDNO", ""), *so.line_fields(so.lines[0])],
        "ARPYMT": payment.header_fields(),
        "ARPYMTDETAIL": payment.detail_fields(PaymentDetail(0, 0, 0, Decimal(0))),
    }
    if object_name in shapes:
        return [name for name, _ in shapes[object_name]]
    rows = list(OBJECTS[object_name].rows(store, ""))
    return [name for name, _ in rows[0][1]] if rows else ["RECORDNO"]
