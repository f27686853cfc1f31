"""Hand-built request documents (lxml, never strings) for driving the simulator."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from lxml import etree

from orsync.sandbox.intacct import GATEWAY_PATH, IntacctCredentials, IntacctSimulator

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def el(tag: str, *children: etree._Element | str | None, **attrs: str) -> etree._Element:
    """``el("a", el("b", "text"))``: element with children or text (None children skipped)."""
    element = etree.Element(tag, **attrs)
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            element.text = child
        else:
            element.append(child)
    return element


def triple(tag: str, day: date) -> etree._Element:
    return el(
        tag, el("year", str(day.year)), el("month", f"{day.month:02d}"), el("day", f"{day.day:02d}")
    )


def function(controlid: str, body: etree._Element) -> etree._Element:
    return el("function", body, controlid=controlid)


@dataclass
class Envelope:
    credentials: IntacctCredentials
    sessionid: str | None = None
    locationid: str | None = None
    uniqueid: bool = False
    transaction: bool | None = False
    sender_password: str | None = None
    user_password: str | None = None
    controlid: str = "req-1"
    extra_login: dict[str, Any] = field(default_factory=dict)

    def build(self, functions: Sequence[etree._Element]) -> bytes:
        creds = self.credentials
        control = el(
            "control",
            el("senderid", creds.sender_id),
            el("password", self.sender_password or creds.sender_password),
            el("controlid", self.controlid),
            el("uniqueid", "true" if self.uniqueid else "false"),
            el("dtdversion", "3.0"),
            el("includewhitespace", "false"),
        )
        if self.sessionid is not None:
            auth = el("authentication", el("sessionid", self.sessionid))
        else:
            login = el(
                "login",
                el("userid", creds.user_id),
                el("companyid", creds.company_id),
                el("password", self.user_password or creds.user_password),
            )
            if self.locationid is not None:
                login.append(el("locationid", self.locationid))
            auth = el("authentication", login)
        operation = el("operation", auth, el("content", *functions))
        if self.transaction is not None:
            operation.set("transaction", "true" if self.transaction else "false")
        return bytes(
            etree.tostring(
                el("request", control, operation), xml_declaration=True, encoding="UTF-8"
            )
        )


def post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post(GATEWAY_PATH, content=body, headers={"Content-Type": "application/xml"})


def parse(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content, PARSER)


def results(doc: etree._Element) -> list[etree._Element]:
    return doc.findall("operation/result")


def errornos(node: etree._Element) -> list[str]:
    return [e.findtext("errorno") or "" for e in node.findall("errormessage/error")]


def descriptions(node: etree._Element) -> list[str]:
    return [e.findtext("description2") or "" for e in node.findall("errormessage/error")]


def money(value: str | Decimal) -> str:
    return f"{Decimal(value):.2f}"


def lineitem(
    amount: str,
    glaccountno: str = "4000",
    locationid: str | None = "US-NYC",
    departmentid: str | None = None,
    classid: str | None = None,
    memo: str | None = None,
    taxes: Iterable[str] = (),
) -> etree._Element:
    tax_block = None
    details = list(taxes)
    if details:
        tax_block = el("taxentries", *(el("taxentry", el("detailid", d)) for d in details))
    return el(
        "lineitem",
        el("glaccountno", glaccountno),
        el("amount", amount),
        el("memo", memo) if memo else None,
        el("locationid", locationid) if locationid else None,
        el("departmentid", departmentid) if departmentid else None,
        el("classid", classid) if classid else None,
        tax_block,
    )


def payment(
    invoice_key: str, amount: str, total: str | None = None, action: str | None = None
) -> etree._Element:
    return el(
        "create",
        el(
            "ARPYMT",
            el("FINANCIALENTITY", "BOA-US"),
            el("PAYMENTMETHOD", "EFT"),
            el("CUSTOMERID", "C-0001"),
            el("DOCNUMBER", "CH-1"),
            el("RECEIPTDATE", "11/20/2026"),
            el("CURRENCY", "USD"),
            el("AMOUNTTOPAY", total or amount),
            el("ACTION", action) if action else None,
            el(
                "ARPYMTDETAILS",
                el("ARPYMTDETAIL", el("RECORDKEY", invoice_key), el("TRX_PAYMENTAMOUNT", amount)),
            ),
        ),
    )


def create_invoice(
    customerid: str = "C-0001",
    lines: Sequence[etree._Element] | None = None,
    invoiceno: str | None = None,
    created: date = date(2026, 11, 2),
    taxsolutionid: str | None = None,
    ponumber: str | None = None,
) -> etree._Element:
    return el(
        "create_invoice",
        el("customerid", customerid),
        triple("datecreated", created),
        triple("datedue", date(2026, 12, 2)),
        el("invoiceno", invoiceno) if invoiceno else None,
        el("ponumber", ponumber) if ponumber else None,
        el("taxsolutionid", taxsolutionid) if taxsolutionid else None,
        el("invoiceitems", *(lines if lines is not None else [lineitem("100.00")])),
    )


def read_by_query(
    obj: str, query: str = "", pagesize: int | None = None, fields: str = "*"
) -> etree._Element:
    return el(
        "readByQuery",
        el("object", obj),
        el("fields", fields),
        el("query", query),
        el("pagesize", str(pagesize)) if pagesize else None,
    )


def run(
    client: httpx.Client, sim: IntacctSimulator, *bodies: etree._Element, **env: object
) -> list[etree._Element]:
    """Send ``bodies`` as functions f1, f2 … of one request; the results in order."""
    functions = [function(f"f{n}", body) for n, body in enumerate(bodies, start=1)]
    envelope = Envelope(sim.credentials, **env)  # type: ignore[arg-type]
    return results(parse(post(client, envelope.build(functions))))
