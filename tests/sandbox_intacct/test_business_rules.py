"""Business rules: the real error shapes for bad references, duplicates, periods, VAT."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from lxml import etree

from orsync.sandbox.intacct import IntacctSimulator
from tests.sandbox_intacct.conftest import SAMPLES, needs_shared
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    descriptions,
    el,
    errornos,
    function,
    lineitem,
    parse,
    post,
    results,
    run,
)
from tests.sandbox_intacct.shapes import sample, skeleton


@pytest.mark.parametrize(
    ("invoice", "cause"),
    [
        (create_invoice(customerid="NOPE"), "Invalid Customer 'NOPE' specified."),
        (create_invoice(customerid="C-0099"), "Customer 'C-0099' is inactive."),
        (
            create_invoice(lines=[lineitem("10", glaccountno="9999")]),
            "Invalid GL Account '9999' specified.",
        ),
        (
            create_invoice(lines=[lineitem("10", glaccountno="4950")]),
            "GL Account '4950' is inactive.",
        ),
        (
            create_invoice(lines=[lineitem("10", locationid="MARS")]),
            "Invalid Location 'MARS' specified.",
        ),
        (
            create_invoice(lines=[lineitem("10", locationid="IE-COR")]),
            "Location 'IE-COR' is inactive.",
        ),
        (
            create_invoice(lines=[lineitem("10", departmentid="NOPE")]),
            "Invalid Department 'NOPE' specified.",
        ),
        (
            create_invoice(lines=[lineitem("10", departmentid="OLD")]),
            "Department 'OLD' is inactive.",
        ),
        (create_invoice(lines=[lineitem("10", classid="NOPE")]), "Invalid Class 'NOPE' specified."),
        (create_invoice(lines=[lineitem("10", classid="LEGACY")]), "Class 'LEGACY' is inactive."),
    ],
)
def test_a_bad_reference_fails_the_function_with_its_cause_then_the_generic_wrapper(
    client: httpx.Client, sim: IntacctSimulator, invoice: etree._Element, cause: str
) -> None:
    (result,) = run(client, sim, invoice)

    assert result.findtext("status") == "failure"
    assert set(errornos(result)) == {"BL01001973"}
    assert cause in descriptions(result)
    assert descriptions(result)[-1] == "Could not create Invoice record!"
    assert result.find("key") is None
    assert sim.store.invoices() == []


def test_lines_need_a_location_at_the_top_level_of_a_multi_entity_company(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (top,) = run(client, sim, create_invoice(lines=[lineitem("10", locationid=None)]))
    (entity,) = run(
        client, sim, create_invoice(lines=[lineitem("10", locationid=None)]), locationid="US"
    )

    assert top.findtext("status") == "failure"
    assert "location is required" in descriptions(top)[0]
    assert entity.findtext("status") == "success"


def test_a_location_of_another_entity_is_refused_in_an_entity_session(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (result,) = run(
        client, sim, create_invoice(lines=[lineitem("10", locationid="UK-LON")]), locationid="US"
    )

    assert descriptions(result)[0] == "Invalid Location 'UK-LON' specified."


def test_vat_lines_need_active_tax_details_of_the_solution(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    def uk(taxes: list[str], solution: str | None = "United Kingdom - VAT") -> etree._Element:
        return create_invoice(
            customerid="C-0002",
            taxsolutionid=solution,
            lines=[lineitem("100.00", locationid="UK-LON", taxes=taxes)],
        )

    missing, inactive, foreign, no_solution, good = run(
        client,
        sim,
        uk([]),
        uk(["UK Sale Goods Old Rate"]),
        uk(["IE Sale Goods Standard Rate"]),
        uk(["UK Sale Goods Standard Rate"], solution=None),
        uk(["UK Sale Goods Standard Rate"]),
    )

    assert "tax entries are required" in descriptions(missing)[0]
    assert descriptions(inactive)[0] == "Tax Detail 'UK Sale Goods Old Rate' is inactive."
    assert descriptions(foreign)[0] == "Invalid Tax Detail 'IE Sale Goods Standard Rate' specified."
    assert "tax solution is required" in descriptions(no_solution)[0]
    assert good.findtext("status") == "success"
    (invoice,) = sim.store.invoices()
    assert str(invoice.total_entered) == "120.00"
    assert invoice.lines[0].taxes[0].detail_id == "UK Sale Goods Standard Rate"


def test_an_invoice_number_supplied_twice_is_refused_as_a_duplicate(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    first, second = run(
        client, sim, create_invoice(invoiceno="ORD-1"), create_invoice(invoiceno="ORD-1")
    )

    assert first.findtext("status") == "success"
    assert errornos(second)[0] == "BL34000061"
    assert (
        descriptions(second)[0] == "Another Invoice with the given value(s) ORD-1  already exists"
    )
    assert len(sim.store.invoices()) == 1


def test_an_invoice_without_a_number_gets_the_next_of_the_sequence_skipping_used_ones(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    run(client, sim, create_invoice(invoiceno="INV-001001"))
    run(client, sim, create_invoice(), create_invoice())

    numbers = [inv.record_id for inv in sim.store.invoices()]
    assert numbers == ["INV-001001", "INV-001000", "INV-001002"]


def test_closed_periods_refuse_postings(client: httpx.Client, sim: IntacctSimulator) -> None:
    (closed,) = run(client, sim, create_invoice(created=date(2025, 12, 31)))
    sim.store.set_books_closed_before(date(2026, 11, 15))
    (now_closed,) = run(client, sim, create_invoice(created=date(2026, 11, 2)))

    assert descriptions(closed)[0] == (
        "Your transaction date 12/31/2025 is within a period that's been closed."
    )
    assert now_closed.findtext("status") == "failure"
    assert sim.store.invoices() == []


@needs_shared()
def test_a_failure_in_a_transaction_rolls_back_the_others_with_XL03000009(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    env = Envelope(sim.credentials, transaction=True)
    body = env.build(
        [
            function("ok", create_invoice(invoiceno="T-1")),
            function("bad", create_invoice(customerid="NOPE")),
            function("later", create_invoice(invoiceno="T-3")),
        ]
    )

    doc = parse(post(client, body))

    ok, bad, later = results(doc)
    assert (ok.findtext("status"), bad.findtext("status"), later.findtext("status")) == (
        "aborted",
        "failure",
        "aborted",
    )
    assert errornos(ok) == ["XL03000009"]
    assert errornos(bad)[-1] == "XL03000009"
    assert ok.find("key") is None
    assert sim.store.invoices() == []
    reference = sample(SAMPLES, "resp-transaction-aborted-XL03000009.xml")
    assert skeleton(doc) == skeleton(reference) | {
        "response/operation/authentication/sessiontimeout"
    }


def test_without_a_transaction_each_function_stands_alone(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    ok, bad = run(client, sim, create_invoice(), create_invoice(customerid="NOPE"))

    assert (ok.findtext("status"), bad.findtext("status")) == ("success", "failure")
    assert len(sim.store.invoices()) == 1


def customer(customer_id: str, name: str = "New Co") -> etree._Element:
    return el(
        "CUSTOMER",
        el("CUSTOMERID", customer_id),
        el("NAME", name),
        el("DISPLAYCONTACT", el("PRINTAS", name), el("EMAIL1", "ap@new.example")),
        el("CURRENCY", "USD"),
    )


@needs_shared()
def test_generic_create_answers_objects_data_and_a_duplicate_customerid_is_BL34000061(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    created, partial = run(
        client,
        sim,
        el("create", customer("N-1")),
        el("create", customer("N-2"), customer("C-0001")),
    )

    data = created.find("data")
    assert data is not None and data.attrib == {"listtype": "objects", "count": "1"}
    assert data.findtext("customer/CUSTOMERID") == "N-1"
    assert partial.findtext("status") == "failure"
    assert partial.find("data").get("count") == "1"  # type: ignore[union-attr]
    assert partial.findtext("data/customer/CUSTOMERID") == "N-2"
    assert errornos(partial) == ["BL34000061", "BL01001973"]
    assert (
        descriptions(partial)[0]
        == "Another Customer with the given value(s) C-0001  already exists"
    )
    reference = skeleton(sample(SAMPLES, "resp-result-partial-failure-BL34000061.xml"))
    assert {p for p in skeleton(parse_doc(partial)) if "result" in p} <= reference | {
        "response/operation/result/data/customer"
    }
    assert sim.store.customer("N-1").email == "ap@new.example"  # type: ignore[union-attr]


def parse_doc(result: etree._Element) -> etree._Element:
    return result.getroottree().getroot()


def test_generic_update_of_a_customer_by_customerid(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (result,) = run(
        client,
        sim,
        el("update", el("CUSTOMER", el("CUSTOMERID", "C-0001"), el("STATUS", "inactive"))),
    )

    assert result.findtext("status") == "success"
    assert sim.store.customer("C-0001").status == "inactive"  # type: ignore[union-attr]


def test_a_generic_create_of_an_unsupported_object_is_refused(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    (result,) = run(client, sim, el("create", el("ARINVOICE", el("CUSTOMERID", "C-0001"))))

    assert result.findtext("status") == "failure"
    assert result.find("data").get("count") == "0"  # type: ignore[union-attr]
