import dataclasses

from orsync.engine.build import build_customer
from orsync.engine.canonical import version_hash
from orsync.engine.customers import (
    CustomerLookup,
    customers_to_look_up,
    name_key,
    plan_customers,
)
from orsync.engine.ledger import LedgerView
from orsync.engine.model import ActualCustomer, CustomerPosting, SourceCustomer
from orsync.engine.options import EngineOptions

from .factories import FakeResolver, company

OPTIONS = EngineOptions()
NOTHING_SEARCHED = CustomerLookup()


def pair(src: SourceCustomer):  # type: ignore[no-untyped-def]
    return src, build_customer(src, OPTIONS, FakeResolver())


def expected(src: SourceCustomer) -> CustomerPosting:
    built = build_customer(src, OPTIONS, FakeResolver())
    assert isinstance(built, CustomerPosting)
    return built


def in_intacct(posting: CustomerPosting, **kw) -> ActualCustomer:  # type: ignore[no-untyped-def]
    fields = {
        "record_key": "77",
        "customer_id": posting.customer_id,
        "name": posting.name,
        "print_as": posting.print_as,
        "contact_name": posting.contact_name,
        "email": posting.email,
        "address": posting.address,
        "currency": posting.currency,
        "status": posting.status,
    }
    fields.update(kw)
    return ActualCustomer(**fields)


def lookup(*found: ActualCustomer, searched=("C-co-1",)) -> CustomerLookup:  # type: ignore[no-untyped-def]
    by_name: dict[str, tuple[ActualCustomer, ...]] = {}
    for c in found:
        by_name.setdefault(name_key(c.name), ())
        by_name[name_key(c.name)] += (c,)
    return CustomerLookup(frozenset(searched), {c.customer_id: c for c in found}, by_name)


def only(src, ledger=None, found=NOTHING_SEARCHED, options=OPTIONS):  # type: ignore[no-untyped-def]
    actions = plan_customers([pair(src)], ledger or {}, found, options)
    assert len(actions) == 1
    return actions[0]


def test_new_customer_is_looked_up_then_created() -> None:
    src = company()
    assert customers_to_look_up([pair(src)], {}) == (["C-co-1"], ["Acme Ltd"])
    assert only(src).action == "lookup_first"
    action = only(src, found=lookup())
    assert action.action == "create"
    assert action.posting == expected(src)
    assert action.idempotency_key == ("company", "co-1", version_hash(expected(src)))


def test_unchanged_customer_costs_nothing() -> None:
    src = company()
    row = LedgerView(status="confirmed", version_hash=version_hash(expected(src)), target_key="77")
    assert customers_to_look_up([pair(src)], {("company", "co-1"): row}) == ([], [])
    assert only(src, {("company", "co-1"): row}).action == "skip"


def test_changed_customer_updates_only_the_changed_fields() -> None:
    old = company()
    new = dataclasses.replace(old, email="billing@acme.test")
    row = LedgerView(status="confirmed", version_hash=version_hash(expected(old)), target_key="77")
    assert customers_to_look_up([pair(new)], {("company", "co-1"): row}) == (["C-co-1"], [])
    action = only(new, {("company", "co-1"): row}, lookup(in_intacct(expected(old))))
    assert action.action == "update"
    assert [(c.field, c.old, c.new) for c in action.changes] == [
        ("email", "ap@acme.test", "billing@acme.test")
    ]
    assert action.target_key == "77"


def test_existing_intacct_customer_is_adopted_by_id_on_the_first_run() -> None:
    src = company()
    same = only(src, found=lookup(in_intacct(expected(src))))
    assert same.action == "adopt" and same.target_key == "77" and not same.changes
    curated = in_intacct(expected(src), email="accounts@acme.test")
    differs = only(src, found=lookup(curated))
    assert differs.action == "adopt"  # linked, never overwritten on adoption
    assert [c.field for c in differs.changes] == ["email"]


def test_name_only_match_is_reported_not_merged() -> None:
    src = company()
    namesake = in_intacct(expected(src), customer_id="CUST-0042", name="ACME  ltd")
    action = only(src, found=lookup(namesake))
    assert action.action == "conflict"
    assert "CUST-0042" in action.reason and action.fix and "CUST-0042" in action.fix
    allowed = only(src, found=lookup(namesake), options=EngineOptions(create_on_name_match=True))
    assert allowed.action == "create"


def test_unconfirmed_create_found_in_intacct_is_adopted_not_sent_again() -> None:
    src = company()
    row = LedgerView(status="unconfirmed", version_hash=version_hash(expected(src)))
    assert only(src, {("company", "co-1"): row}).action == "lookup_first"
    assert (
        only(src, {("company", "co-1"): row}, lookup(in_intacct(expected(src)))).action == "adopt"
    )
    resend = only(src, {("company", "co-1"): row}, lookup())
    assert resend.action == "create" and "did not reach" in resend.reason


def test_the_same_customer_twice_in_a_page_is_planned_once() -> None:
    src = company()
    actions = plan_customers([pair(src), pair(src)], {}, lookup(), OPTIONS)
    assert [a.action for a in actions] == ["create"]


def test_failed_customer_is_held_until_changed() -> None:
    src = company()
    row = LedgerView(
        status="failed", version_hash=version_hash(expected(src)), last_error="bad email"
    )
    assert only(src, {("company", "co-1"): row}).action == "failed"
    retry = EngineOptions(retry_failed=True)
    assert only(src, {("company", "co-1"): row}, lookup(), retry).action == "create"


def test_a_customer_finance_deactivated_in_intacct_is_not_reactivated_by_an_update() -> None:
    old = company()
    new = dataclasses.replace(old, email="billing@acme.test", status="former")
    row = LedgerView(status="confirmed", version_hash=version_hash(expected(old)), target_key="77")
    deactivated = in_intacct(expected(old), status="inactive")
    action = only(new, {("company", "co-1"): row}, lookup(deactivated))
    assert action.action == "update"
    assert [c.field for c in action.changes] == ["email"]


def test_status_compares_case_insensitively_and_none_fields_are_not_managed() -> None:
    src = dataclasses.replace(company(), email=None)
    actual = in_intacct(expected(src), status="Active", email="kept@acme.test")
    row = LedgerView(status="confirmed", version_hash="old", target_key="77")
    action = only(src, {("company", "co-1"): row}, lookup(actual))
    assert action.action == "adopt" and not action.changes
