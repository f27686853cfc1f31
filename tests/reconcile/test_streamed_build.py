"""Reconcile builds each posting as soon as its customer is looked up, while documents stream."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

from orsync.engine import Posting
from orsync.engine.model import CustomerRef
from orsync.engine.options import EngineOptions
from orsync.officernd.models import Company, Member
from orsync.services.convert import source_customer
from orsync.services.reconcile import CustomerFetcher, OfficeRndSide, build_all
from tests.engine.factories import FakeResolver, invoice
from tests.officernd.fake_api import FakeOfficeRnd, make_client, oid


@dataclasses.dataclass
class _Resolver(FakeResolver):
    """The engine's fake mapping plus the customer conversion reconcile's builder uses."""

    options: EngineOptions = dataclasses.field(default_factory=EngineOptions)
    ids: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def customer(self, record: Company | Member, *, currency: str | None = None):  # type: ignore[no-untyped-def]
        converted = source_customer(record, currency=currency)
        self.ids[(converted.kind, record.id)] = f"C-{record.id}"
        return converted

    def customer_id_of(self, ref: CustomerRef) -> str | None:
        return self.ids.get((ref.kind, ref.id))


def test_every_document_is_built_once_with_its_customer_even_when_one_is_missing() -> None:
    companies = [{"_id": oid(n), "name": f"Company {n}", "status": "active"} for n in range(130)]
    fake = FakeOfficeRnd(collections={"companies": companies})
    missing = CustomerRef("company", oid(999))
    docs = [
        invoice(f"INV-{n}", customer=CustomerRef("company", oid(n % 130)), currency="GBP")
        for n in range(400)
    ] + [invoice("INV-LOST", customer=missing, currency="GBP")]
    resolver, side = _Resolver(), OfficeRndSide()
    with ThreadPoolExecutor(8) as pool:
        built = list(build_all(CustomerFetcher(make_client(fake), pool), docs, resolver, side))  # type: ignore[arg-type]

    assert sorted(d.number for d, _ in built) == sorted(d.number for d in docs)
    by_number = {d.number: result for d, result in built}
    lost = by_number.pop("INV-LOST")
    assert not isinstance(lost, Posting) and lost[0].field == "customer"
    assert all(isinstance(result, Posting) for result in by_number.values())
    assert by_number["INV-7"].customer_id == f"C-{oid(7)}"  # type: ignore[union-attr]
    assert len(side.customers) == 130
    looked_up = [r for r in fake.api_requests if r.url.path.endswith("/companies")]
    assert len(looked_up) == 3  # 131 ids, 50 to a request
