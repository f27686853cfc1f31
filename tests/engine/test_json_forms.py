import json

from orsync.engine import (
    CustomerLookup,
    EngineOptions,
    Plan,
    build_customer,
    build_posting,
    plan_customers,
    plan_documents,
    reconcile,
)

from .factories import FakeResolver, company, credit_note, invoice


def test_plan_and_report_serialise_to_json_without_help() -> None:
    options = EngineOptions()
    docs = [invoice("INV-1"), credit_note("CN-1"), invoice("INV-2", location_id="loc-x")]
    pairs = [(d, build_posting(d, "C-co-1", options, FakeResolver())) for d in docs]
    src = company()
    customers = plan_customers(
        [(src, build_customer(src, FakeResolver()))],
        {},
        CustomerLookup(searched_ids=frozenset({"C-co-1"})),
        options,
    )
    plan = plan_documents(pairs, {}, options) + Plan(customers=customers)
    text = json.dumps(plan.to_dict(), sort_keys=True)
    data = json.loads(text)
    assert data["counts"]["documents"]["create"] == 2
    assert data["counts"]["documents"]["failed"] == 1
    assert data["customers"][0]["posting"]["customer_id"] == "C-co-1"
    report = reconcile(pairs, [], options)
    assert json.loads(json.dumps(report.to_dict()))["counts"]["missing"] == 3
