"""Indexed reads answer exactly what a scan of every row answers (they are only faster)."""

from __future__ import annotations

import httpx
import pytest

from orsync.sandbox.intacct import IntacctSimulator
from orsync.sandbox.intacct.filters import (
    compare,
    key_candidates,
    membership,
    parse_query_string,
)
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    el,
    function,
    lineitem,
    parse,
    post,
    read_by_query,
    results,
)

VALUES = ["12", "12.0", "0012", "1e1", "10", "abc", "ABC", "", "11/02/2026", "11/2/2026", " 7"]


@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("listed", [["12"], ["10.00", "abc"], ["11/02/2026 00:00:00"], ["x", " 7"]])
def test_in_membership_agrees_with_one_comparison_per_value(
    listed: list[str], casefold: bool
) -> None:
    member = membership(listed, casefold)

    for value in VALUES:
        expected = any(compare(value, v, casefold) == 0 for v in listed)
        assert member(value) is expected, (value, listed)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RECORDKEY >= 3 AND RECORDKEY <= 5", [3, 4, 5]),
        ("recordkey >= '2.5' AND RECORDKEY <= 4.9", [3, 4]),
        ("RECORDKEY IN ('7', 8, 'x', '9.5')", [7, 8]),
        ("RECORDKEY >= 3 OR RECORDKEY <= 5", None),
        ("RECORDKEY >= 3 AND RECORDKEY <= 5 AND AMOUNT > 0", None),
        ("RECORDKEY >= 'a' AND RECORDKEY <= 'b'", None),
        ("RECORDKEY NOT IN (1, 2)", None),
        ("RECORDKEY IN (1 2)", None),
    ],
)
def test_key_candidates_cover_every_row_the_condition_selects(
    query: str, expected: list[int] | None
) -> None:
    found = key_candidates(query, "RECORDKEY")

    assert (None if found is None else sorted(found)) == expected
    if found is not None:
        predicate = parse_query_string(query)
        selected = [n for n in range(0, 20) if predicate({"RECORDKEY": str(n)})]
        assert set(selected) <= set(found)


def test_line_reads_by_record_key_range_or_list_equal_a_scan(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    post(
        client,
        Envelope(sim.credentials).build(
            [
                function(f"i{n}", create_invoice(lines=[lineitem("10.00"), lineitem(f"{n}.50")]))
                for n in range(1, 6)
            ]
        ),
    )
    keys = sorted(d.recordno for d in sim.store.invoices())

    def lines(query: str) -> list[tuple[str | None, str | None]]:
        body = Envelope(sim.credentials).build(
            [function("r", read_by_query("ARINVOICEITEM", query, pagesize=1000))]
        )
        (result,) = results(parse(post(client, body)))
        return [
            (r.findtext("RECORDKEY"), r.findtext("AMOUNT"))
            for r in result.findall("data/arinvoiceitem")
        ]

    low, high = keys[1], keys[3]
    scanned = [line for line in lines("AMOUNT <> 'none'") if low <= int(line[0] or 0) <= high]
    ranged = lines(f"RECORDKEY >= {low} AND RECORDKEY <= {high}")
    listed = lines("RECORDKEY IN (" + ",".join(f"'{k}'" for k in keys[1:4]) + ",'zz')")

    assert len(scanned) == 6
    assert ranged == scanned
    assert listed == scanned


def test_a_query_paged_by_offset_sees_documents_posted_between_its_pages(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    def post_invoice(amount: str) -> None:
        post(
            client,
            Envelope(sim.credentials).build(
                [function("i", create_invoice(lines=[lineitem(amount)]))]
            ),
        )

    def page(offset: int) -> list[str | None]:
        body = el(
            "query",
            el("select", el("field", "RECORDNO"), el("field", "TOTALDUE")),
            el("object", "ARINVOICE"),
            el("filter", el("greaterthan", el("field", "TOTALDUE"), el("value", "10"))),
            el("orderby", el("order", el("field", "TOTALDUE"))),
            el("pagesize", "2"),
            el("offset", str(offset)),
        )
        sent = Envelope(sim.credentials).build([function("q", body)])
        (result,) = results(parse(post(client, sent)))
        return [r.findtext("TOTALDUE") for r in result.findall("data/ARINVOICE")]

    for amount in ("20.00", "30.00", "40.00"):
        post_invoice(amount)
    assert page(0) == ["20.00", "30.00"]
    assert page(2) == ["40.00"]
    post_invoice("50.00")
    assert page(2) == ["40.00", "50.00"]
