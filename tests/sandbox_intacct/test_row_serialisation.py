"""Rows written without a tree per row are byte for byte what lxml writes, alone and spliced
into whole answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from orsync.sandbox.intacct.protocol import FunctionResult, record_element
from orsync.sandbox.intacct.records import fmt_date
from orsync.sandbox.intacct.rows import lxml_row, row_bytes
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    el,
    function,
    lineitem,
    payment,
    post,
    read_by_query,
)


def _same_as_lxml(tag: str, fields: list[tuple[str, str]]) -> None:
    try:
        expected = lxml_row(tag, fields)
    except ValueError as refused:
        with pytest.raises(type(refused)):
            row_bytes(tag, fields)
        return
    assert row_bytes(tag, fields) == expected, fields
    assert row_bytes(tag, fields) == expected, fields  # names now known: the direct path


def test_every_character_is_written_as_lxml_writes_it() -> None:
    step = 509
    for start in range(0, 0x110000, step):
        chunk = "".join(chr(c) for c in range(start, min(start + step, 0x110000)))
        _same_as_lxml("row", [("A", chunk), ("B", "plain"), ("C", "")])
        for c in chunk[:: max(1, len(chunk) // 7)]:  # one at a time, among plain text too
            _same_as_lxml("row", [("A", f"x{c}y"), ("B", c)])


@pytest.mark.parametrize(
    "value",
    ["", " ", "a & b", "<tag>", "]]>", "x\r\ny", "\t tab", '"quoted"', "'", "caf\u00e9 \U0001f600"],
)
def test_tricky_text_is_written_as_lxml_writes_it(value: str) -> None:
    _same_as_lxml("ARINVOICE", [("RECORDNO", "1"), ("MEMO", value), ("DESCRIPTION", value)])


@pytest.mark.parametrize("name", ["CUSTOM FIELD", "1ST", "", "A<B", "DISPLAYCONTACT.EMAIL1", "X_1"])
def test_a_name_lxml_refuses_is_refused_the_same_way(name: str) -> None:
    _same_as_lxml("CUSTOMER", [("RECORDNO", "1"), (name, "v")])
    _same_as_lxml(name, [("RECORDNO", "1")])


def _tree_rows(
    self: FunctionResult,
    parent: etree._Element,
    tag: str,
    rows: Sequence[Sequence[tuple[str, str]]],
) -> None:
    """How rows were appended before they were spliced: one element tree per row."""
    for row in rows:
        parent.append(record_element(tag, row))


def _reads() -> list[etree._Element]:
    def select() -> etree._Element:  # an element has one parent: one per query
        return el("select", *(el("field", f) for f in ("RECORDNO", "CUSTOMERID", "DESCRIPTION")))

    return [
        read_by_query("ARINVOICEITEM", pagesize=3),
        el("readMore", el("object", "arinvoiceitem")),
        read_by_query("ARINVOICE", "RECORDNO > 0", fields="RECORDNO,DESCRIPTION,TOTALDUE"),
        read_by_query("ARINVOICE", "RECORDNO < 0"),
        el("query", select(), el("object", "ARINVOICE"), el("pagesize", "2")),
        el("query", select(), el("object", "ARINVOICE"), el("pagesize", "2"), el("offset", "2")),
        el(
            "query",
            el("select", el("field", "CUSTOMERID"), el("count", "RECORDNO")),
            el("object", "ARINVOICE"),
        ),
        el("read", el("object", "ARINVOICE"), el("keys", ""), el("fields", "*")),
        el("readByName", el("object", "CUSTOMER"), el("keys", "C-0001"), el("fields", "*")),
        el(
            "query",
            el("select", el("field", "CUSTOMERID"), el("field", "NAME")),
            el("object", "CUSTOMER"),
        ),
    ]


def test_answers_with_spliced_rows_equal_answers_built_as_trees(
    client: httpx.Client, sim: IntacctSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    memos = ["Desks & chairs", "<b>bold</b>", "line\r\nbreak", "caf\u00e9 \U0001f600", "]]>", ""]
    invoices = [
        function(
            f"i{n}",
            create_invoice(
                lines=[lineitem("10.00", memo=memo or None), lineitem("2.50", memo="plain")],
                created=date(2026, 11, 1 + n),
                ponumber=memo or None,
            ),
        )
        for n, memo in enumerate(memos)
    ]
    post(client, Envelope(sim.credentials).build(invoices))

    def answers() -> list[bytes]:
        out = []
        for transaction in (False, True):
            functions = [function(f"r{n}", body) for n, body in enumerate(_reads())]
            if transaction:  # the reads' payloads are dropped when a later function fails
                functions.append(function("bad", create_invoice(customerid="NOPE")))
            envelope = Envelope(sim.credentials, transaction=transaction)
            body = post(client, envelope.build(functions)).content
            out.append(re.sub(rb'resultId="[^"]*"', b'resultId=""', body))
        return out

    spliced = answers()
    monkeypatch.setattr(FunctionResult, "append_rows", _tree_rows)
    as_trees = answers()

    assert spliced == as_trees
    assert spliced[0].count(b"<arinvoiceitem>") == 6
    assert b"<MEMO>Desks &amp; chairs</MEMO>" in spliced[0]
    assert b"<!--" not in spliced[0] + spliced[1]
    parsed = etree.fromstring(spliced[0])
    assert parsed.findtext("operation/result/data/arinvoiceitem/MEMO") == "Desks & chairs"


def _header_and_line_reads() -> list[etree._Element]:
    fields = ("RECORDNO", "STATE", "TOTALDUE", "TOTALPAID", "WHENMODIFIED", "CUSTOMERID")
    return [
        el(
            "query",
            el("select", *(el("field", f) for f in fields)),
            el("object", "ARINVOICE"),
            el("orderby", el("order", el("field", "RECORDNO"))),
            el("options", el("showprivate", "true")),
            el("pagesize", "2000"),
        ),
        el(
            "query",
            el("select", el("field", "CUSTOMERID"), el("field", "STATUS")),
            el("object", "CUSTOMER"),
            el("orderby", el("order", el("field", "RECORDNO"))),
        ),
        read_by_query("ARINVOICEITEM", "RECORDKEY > 0", pagesize=1000),
        # the same record rows under both letter cases of their tag
        el("read", el("object", "ARINVOICE"), el("keys", ""), el("fields", "*")),
        read_by_query("ARINVOICE", "RECORDNO > 0"),
    ]


def test_kept_rows_and_their_bytes_follow_every_write(
    client: httpx.Client, sim: IntacctSimulator, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    post(
        client,
        Envelope(sim.credentials).build(
            [function(f"i{n}", create_invoice(lines=[lineitem("100.00")])) for n in range(3)]
        ),
    )
    first, second, third = (d.recordno for d in sim.store.invoices())

    def answer() -> bytes:
        functions = [function(f"r{n}", body) for n, body in enumerate(_header_and_line_reads())]
        body = post(client, Envelope(sim.credentials).build(functions)).content
        results = body[body.index(b"<result>") :]  # the authentication block has the time
        return re.sub(rb'resultId="[^"]*"', b'resultId=""', results)

    def as_trees() -> bytes:
        with monkeypatch.context() as patched:
            patched.setattr(FunctionResult, "append_rows", _tree_rows)
            patched.setattr("orsync.sandbox.intacct.queries.QUERY_ROWS_KEPT", 0)
            return answer()

    def gateway(body: etree._Element, transaction: bool = False) -> None:
        envelope = Envelope(sim.credentials, transaction=transaction)
        functions = [function("w", body)]
        if transaction:  # then rolled back: what the write changed is undone
            functions.append(function("bad", create_invoice(customerid="NOPE")))
        post(client, envelope.build(functions))

    when = sim.config.clock()
    writes = {
        "payment applied": lambda: gateway(payment(str(first), "40.00")),
        "line amount edited": lambda: sim.store.set_line_amount(second, 1, Decimal("7.00"), when),
        "invoice updated": lambda: gateway(
            el(
                "update_invoice",
                el("updateinvoiceitems", el("updatelineitem", el("amount", "9.00"), line_num="1")),
                key=str(third),
            )
        ),
        "invoice reversed": lambda: gateway(
            el(
                "reverse_invoice",
                el("datereversed", el("year", "2026"), el("month", "11"), el("day", "20")),
                key=str(second),
            )
        ),
        "payment rolled back": lambda: gateway(payment(str(third), "1.00"), transaction=True),
        "payment reversed": lambda: sim.store.reverse_payment(
            sim.store.payments()[0].recordno, when
        ),
        "invoice added": lambda: sim.store.add_invoice(
            "C-0001", Decimal("5.00"), date(2026, 11, 3), when
        ),
        "invoice deleted": lambda: sim.store.delete_invoice(third),
        "customer deactivated": lambda: sim.store.deactivate_customer("C-0001", when),
    }
    before = answer()
    assert answer() == before  # a second read is answered from kept rows
    for what, write in writes.items():
        clock.advance(minutes=1)
        write()
        after = answer()
        if what == "payment rolled back":
            assert after == before, what
        else:
            assert after != before, what
        assert after == as_trees(), what
        before = after


def test_days_are_written_as_strftime_writes_them_whatever_was_written_before() -> None:
    day = date(2026, 2, 3)
    for value in (day, datetime(2026, 2, 3, 23, 59), day, date(999, 12, 31), None):
        assert fmt_date(value) == (value.strftime("%m/%d/%Y") if value else "")
