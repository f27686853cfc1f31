"""Reads as third-party clients send them: readByQuery + readMore, query, read, lookup."""

from __future__ import annotations

import json

import httpx
import pytest
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.conftest import SAMPLES, needs_shared
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
from tests.sandbox_intacct.shapes import sample, skeleton


def one(client: httpx.Client, sim: IntacctSimulator, body: etree._Element) -> etree._Element:
    doc = parse(post(client, Envelope(sim.credentials).build([function("r", body)])))
    (result,) = results(doc)
    return result


@pytest.fixture
def five_invoices(client: httpx.Client, sim: IntacctSimulator) -> None:
    amounts = ["10.00", "20.00", "30.00", "40.00", "50.00"]
    body = Envelope(sim.credentials).build(
        [function(f"i{n}", create_invoice(lines=[lineitem(a)])) for n, a in enumerate(amounts)]
    )
    post(client, body)


@needs_shared()
@pytest.mark.usefixtures("five_invoices")
def test_read_by_query_pages_and_read_more_continues_by_result_id(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    first = one(
        client,
        sim,
        read_by_query("ARINVOICE", "TOTALDUE >= 20", pagesize=3, fields="RECORDNO,TOTALDUE"),
    )
    data = first.find("data")
    assert data is not None
    result_id = data.get("resultId") or ""
    second = one(client, sim, el("readMore", el("resultId", result_id)))
    data2 = second.find("data")
    assert data2 is not None

    assert [data.get(a) for a in ("listtype", "count", "totalcount", "numremaining")] == [
        "arinvoice",
        "3",
        "4",
        "1",
    ]
    assert list(data.attrib) == list(
        sample(SAMPLES, "resp-readbyquery-page1.xml").find("operation/result/data").attrib
    )  # type: ignore[union-attr]
    assert second.findtext("function") == "readMore"
    assert [data2.get(a) for a in ("count", "numremaining", "resultId")] == ["1", "0", result_id]
    assert [
        r.findtext("TOTALDUE") for r in data.findall("arinvoice") + data2.findall("arinvoice")
    ] == [
        "20.00",
        "30.00",
        "40.00",
        "50.00",
    ]
    assert skeleton(second.getroottree().getroot()) >= {"response/operation/result/data@resultId"}


def test_read_more_with_an_unknown_result_id_fails(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    result = one(client, sim, el("readMore", el("resultId", "nope")))

    assert result.findtext("status") == "failure"
    assert result.findtext("errormessage/error/errorno") == "readMore failed"


def test_read_by_query_refuses_a_page_over_1000(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    result = one(client, sim, read_by_query("CUSTOMER", pagesize=1001))

    assert result.findtext("status") == "failure"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CUSTOMERID = 'C-0001'", ["C-0001"]),
        ("CUSTOMERID in ('C-0001','C-0003')", ["C-0001", "C-0003"]),
        ("NAME like '%Ltd' AND STATUS = 'active'", ["C-0002"]),
        ("STATUS <> 'active' OR CUSTOMERID = 'C-0002'", ["C-0002", "C-0099"]),
        ("NOT (STATUS = 'active')", ["C-0099"]),
        ("DISPLAYCONTACT.EMAIL1 IS NULL", ["C-0099"]),
        ("NAME = 'Gone Away Inc.'", ["C-0099"]),
        ("NAME not like 'C%' AND CURRENCY in ('USD')", ["C-0001", "C-0099"]),
    ],
)
def test_read_by_query_understands_the_sql_like_operators(
    client: httpx.Client, sim: IntacctSimulator, query: str, expected: list[str]
) -> None:
    result = one(client, sim, read_by_query("CUSTOMER", query, fields="CUSTOMERID"))

    assert [c.findtext("CUSTOMERID") for c in result.findall("data/customer")] == expected


def test_read_by_query_return_format_json_sends_only_the_data(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = read_by_query("CUSTOMER", "CUSTOMERID = 'C-0001'", fields="CUSTOMERID,NAME")
    body.append(el("returnFormat", "json"))

    response = post(client, Envelope(sim.credentials).build([function("r", body)]))

    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content) == [{"CUSTOMERID": "C-0001", "NAME": "Acme Widgets LLC"}]


def query(*children: etree._Element | None) -> etree._Element:
    return el("query", *children)


@needs_shared()
@pytest.mark.usefixtures("five_invoices")
def test_query_pages_with_offset_and_orders_as_asked(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    def page(offset: int) -> etree._Element:
        return one(
            client,
            sim,
            query(
                el("select", el("field", "RECORDNO"), el("field", "TOTALDUE")),
                el("object", "ARINVOICE"),
                el("filter", el("greaterthan", el("field", "TOTALDUE"), el("value", "10"))),
                el("orderby", el("order", el("field", "TOTALDUE"), el("descending"))),
                el("pagesize", "3"),
                el("offset", str(offset)),
            ),
        )

    first, second = page(0), page(3)
    data = first.find("data")
    assert data is not None

    assert list(data.attrib) == list(
        sample(SAMPLES, "resp-query-success.xml").find("operation/result/data").attrib
    )  # type: ignore[union-attr]
    assert [data.get(a) for a in ("listtype", "totalcount", "offset", "count", "numremaining")] == [
        "ARINVOICE",
        "4",
        "0",
        "3",
        "1",
    ]
    assert [r.findtext("TOTALDUE") for r in data.findall("ARINVOICE")] == [
        "50.00",
        "40.00",
        "30.00",
    ]
    assert [r.findtext("TOTALDUE") for r in second.findall("data/ARINVOICE")] == ["20.00"]


@pytest.mark.usefixtures("five_invoices")
def test_query_selecting_count_answers_one_row(client: httpx.Client, sim: IntacctSimulator) -> None:
    result = one(
        client,
        sim,
        query(
            el("select", el("count", "RECORDNO")),
            el("object", "ARINVOICE"),
            el(
                "filter",
                el(
                    "and",
                    el("between", el("field", "TOTALDUE"), el("value", "20"), el("value", "40")),
                    el("isnotnull", el("field", "RECORDID")),
                ),
            ),
        ),
    )

    assert result.findtext("data/ARINVOICE/COUNT.RECORDNO") == "3"


def test_query_filters_in_like_and_case_insensitive(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    result = one(
        client,
        sim,
        query(
            el("select", el("field", "CUSTOMERID")),
            el("object", "CUSTOMER"),
            el(
                "filter",
                el(
                    "or",
                    el(
                        "in",
                        el("field", "CUSTOMERID"),
                        el("value", "C-0001"),
                        el("value", "C-0003"),
                    ),
                    el("like", el("field", "NAME"), el("value", "bright%")),
                ),
            ),
            el("orderby", el("order", el("field", "CUSTOMERID"), el("ascending"))),
            el("options", el("caseinsensitive", "true")),
        ),
    )

    assert [c.findtext("CUSTOMERID") for c in result.findall("data/CUSTOMER")] == [
        "C-0001",
        "C-0002",
        "C-0003",
    ]


@pytest.mark.usefixtures("five_invoices")
def test_query_at_top_level_sees_entity_records_only_with_showprivate(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    post(
        client,
        Envelope(sim.credentials, locationid="US").build(
            [function("i", create_invoice(lines=[lineitem("5.00")]))]
        ),
    )

    def count(showprivate: str) -> str | None:
        result = one(
            client,
            sim,
            query(
                el("select", el("field", "RECORDNO")),
                el("object", "ARINVOICE"),
                el("options", el("showprivate", showprivate)),
            ),
        )
        return result.find("data").get("totalcount")  # type: ignore[union-attr]

    assert (count("false"), count("true")) == ("5", "6")


@needs_shared()
def test_read_and_read_by_name_answer_upper_case_records(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    by_name = one(
        client,
        sim,
        el("readByName", el("object", "CUSTOMER"), el("keys", "C-0001,C-0003"), el("fields", "*")),
    )
    recordno = by_name.findtext("data/CUSTOMER/RECORDNO") or ""
    by_key = one(
        client,
        sim,
        el(
            "read",
            el("object", "CUSTOMER"),
            el("keys", recordno),
            el("fields", "RECORDNO,CUSTOMERID,STATUS"),
        ),
    )

    assert by_name.find("data").attrib == {"listtype": "CUSTOMER", "count": "2"}  # type: ignore[union-attr]
    assert skeleton(by_key.getroottree().getroot()) == skeleton(
        sample(SAMPLES, "resp-read-customer.xml")
    )
    assert [e.tag for e in by_key.find("data/CUSTOMER")] == ["RECORDNO", "CUSTOMERID", "STATUS"]  # type: ignore[union-attr]


def test_read_of_an_unknown_object_fails_cleanly(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    result = one(client, sim, el("read", el("object", "SPACESHIP"), el("keys", "1")))

    assert result.findtext("status") == "failure"


def test_lookup_lists_the_fields_of_an_object(client: httpx.Client, sim: IntacctSimulator) -> None:
    result = one(client, sim, el("lookup", el("object", "ARINVOICE")))

    ids = [f.findtext("ID") for f in result.findall("data/Type/Fields/Field")]
    assert {"RECORDNO", "RECORDID", "STATE", "TOTALDUE", "WHENMODIFIED", "MEGAENTITYID"} <= set(ids)


def test_master_data_reads(client: httpx.Client, sim: IntacctSimulator) -> None:
    locations = one(client, sim, read_by_query("LOCATION", "PARENTID = 'UK'", fields="LOCATIONID"))
    details = one(
        client,
        sim,
        read_by_query("TAXDETAIL", "TAXSOLUTIONID = 'Ireland - VAT'", fields="DETAILID,VALUE"),
    )

    assert [x.findtext("LOCATIONID") for x in locations.findall("data/location")] == [
        "UK-LON",
        "UK-MAN",
    ]
    assert [x.findtext("VALUE") for x in details.findall("data/taxdetail")] == ["23.00", "0.00"]


@pytest.mark.usefixtures("five_invoices")
def test_read_more_by_object_continues_the_latest_query_of_that_object(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    one(client, sim, read_by_query("ARINVOICE", pagesize=4))

    more = one(client, sim, el("readMore", el("object", "ARINVOICE")))

    assert more.find("data").get("count") == "1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad", ["CUSTOMERID in ('C-0001'", "CUSTOMERID ==", "CUSTOMERID = 'x' AND", "(STATUS = 'a'"]
)
def test_a_malformed_read_by_query_fails_the_function_not_the_gateway(
    client: httpx.Client, sim: IntacctSimulator, bad: str
) -> None:
    result = one(client, sim, read_by_query("CUSTOMER", bad))

    assert result.findtext("status") == "failure"
    assert result.findtext("errormessage/error/errorno") == "PL03000006"
