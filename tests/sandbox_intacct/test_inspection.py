"""The Python inspection and mutation API that scenario tests and benchmarks use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator, default_company_seed
from orsync.sandbox.server import in_process_transport
from orsync.sandbox.world import Entity, ExistingCustomer, GLAccount, IntacctCompanySeed
from tests.sandbox_intacct.conftest import FakeClock
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    descriptions,
    el,
    function,
    lineitem,
    parse,
    post,
    read_by_query,
    results,
    run,
)


def test_the_default_seed_is_deterministic_and_multi_entity() -> None:
    seed = default_company_seed()

    assert seed == default_company_seed()
    assert [(e.id, e.currency) for e in seed.entities] == [
        ("US", "USD"),
        ("UK", "GBP"),
        ("IE", "EUR"),
    ]
    assert {s.id for s in seed.tax_solutions} == {"United Kingdom - VAT", "Ireland - VAT"}
    assert {d.name for d in seed.transaction_definitions} == {"Sales Invoice", "Sales Credit Memo"}


def test_two_simulators_with_the_same_seed_answer_byte_for_byte_alike(clock: FakeClock) -> None:
    def transcript() -> list[bytes]:
        sim = IntacctSimulator(config=IntacctSimConfig(clock=clock, seed=5))
        with httpx.Client(transport=in_process_transport(sim), base_url="http://h") as c:
            env = Envelope(sim.credentials)
            return [
                post(c, env.build([function("s", el("getAPISession"))])).content,
                post(c, env.build([function("i", create_invoice())])).content,
                post(c, env.build([function("q", read_by_query("ARINVOICE"))])).content,
            ]

    assert transcript() == transcript()


def test_counters_count_requests_and_functions_by_name(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    env = Envelope(sim.credentials)
    post(client, env.build([function("a", create_invoice()), function("b", create_invoice())]))
    post(client, env.build([function("q", read_by_query("ARINVOICE"))]))

    assert (sim.stats.requests, sim.stats.functions) == (2, 3)
    assert sim.stats.by_function == {"create_invoice": 2, "readByQuery": 1}
    sim.reset_stats()
    assert sim.stats.requests == 0


def test_reconcile_helpers_change_the_company_behind_orsyncs_back(
    client: httpx.Client, sim: IntacctSimulator, clock: FakeClock
) -> None:
    env = Envelope(sim.credentials)
    post(
        client,
        env.build(
            [
                function("a", create_invoice(invoiceno="A")),
                function("b", create_invoice(invoiceno="B")),
            ]
        ),
    )
    a, b = sim.store.invoices()

    sim.store.delete_invoice(a.recordno)
    sim.store.set_line_amount(b.recordno, 1, Decimal("77.00"), clock())
    extra = sim.store.add_invoice(
        "C-0001", Decimal("5.00"), date(2026, 11, 5), clock(), location_id="US-NYC"
    )
    sim.store.deactivate_customer("C-0001", clock())
    (refused,) = results(parse(post(client, env.build([function("c", create_invoice())]))))

    assert [i.record_id for i in sim.store.invoices()] == ["B", extra.record_id]
    assert str(sim.store.invoice_by_number("B").total_due) == "77.00"  # type: ignore[union-attr]
    assert descriptions(refused)[0] == "Customer 'C-0001' is inactive."
    sim.store.set_master_status("gl_accounts", "4000", "inactive")
    assert sim.store.gl_accounts["4000"].status == "inactive"


def test_credentials_have_deterministic_defaults_and_no_secret_in_repr() -> None:
    sim = IntacctSimulator(config=IntacctSimConfig(xsd_path=""))

    assert sim.credentials.sender_id == "orsync-sandbox"
    assert sim.credentials.company_id == "ORSYNC-DEMO"
    assert sim.credentials.user_password not in repr(sim.credentials)
    assert sim.credentials.sender_password not in repr(sim.credentials)


def test_any_seed_loads_and_a_single_entity_company_needs_no_line_locations(
    clock: FakeClock,
) -> None:
    seed = IntacctCompanySeed(
        company_id="SOLO",
        entities=[Entity("MAIN", "Solo Ltd", "GBP")],
        gl_accounts=[GLAccount("4000", "Revenue")],
        customers=[ExistingCustomer(f"K-{n:04d}", f"Member {n}") for n in range(2000)],
        first_invoice_number=42,
    )
    sim = IntacctSimulator(seed, IntacctSimConfig(clock=clock, invoice_number_format="S{n}"))
    with httpx.Client(transport=in_process_transport(sim), base_url="http://h") as c:
        (created,) = run(
            c, sim, create_invoice(customerid="K-1999", lines=[lineitem("9.99", locationid=None)])
        )
        (page,) = run(
            c, sim, read_by_query("CUSTOMER", "CUSTOMERID >= 'K-1990'", fields="CUSTOMERID")
        )

    assert created.findtext("status") == "success"
    assert sim.store.invoices()[0].record_id == "S42"
    assert sim.store.invoices()[0].currency == "GBP"
    assert page.find("data").get("count") == "10"  # type: ignore[union-attr]
