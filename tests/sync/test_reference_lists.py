"""OfficeRnD's reference lists kept across runs (listen's batches): read once, kept for a
bounded time, read again when a record names a value they lack, never more than once a run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from orsync.officernd import Location, OfficeRndClient, PaymentDocument, RevenueAccount, TaxRate
from orsync.services.convert import ReferenceData
from orsync.services.sync.reference import KeptReference, RunReference, refers_outside


class FakeClient:
    """The three list reads of an OfficeRnD client, counted."""

    def __init__(self) -> None:
        self.reads: Counter[str] = Counter()
        self.accounts = ["ra1"]

    def locations(self) -> Iterator[Location]:
        self.reads["locations"] += 1
        yield Location.model_validate({"_id": "loc1", "name": "Dublin"})

    def revenue_accounts(self) -> Iterator[RevenueAccount]:
        self.reads["revenue_accounts"] += 1
        for account in self.accounts:
            yield RevenueAccount.model_validate({"_id": account, "code": "4000"})

    def tax_rates(self) -> Iterator[TaxRate]:
        self.reads["tax_rates"] += 1
        yield TaxRate.model_validate({"_id": "tr1", "rate": "23"})


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(fake: FakeClient) -> OfficeRndClient:
    return fake  # type: ignore[return-value]


def test_kept_lists_are_read_once_then_again_after_their_age() -> None:
    fake, clock = FakeClient(), Clock()
    kept = KeptReference(300.0, monotonic=clock)
    first, read_now = kept.lists(client(fake))
    assert read_now and [a.id for a in first.revenue_accounts] == ["ra1"]
    clock.now += 299
    again, read_now = kept.lists(client(fake))
    assert again is first and not read_now
    assert fake.reads == Counter(locations=1, revenue_accounts=1, tax_rates=1)
    clock.now += 2
    fake.accounts.append("ra2")
    fresh, read_now = kept.lists(client(fake))
    assert read_now and [a.id for a in fresh.revenue_accounts] == ["ra1", "ra2"]
    assert fake.reads == Counter(locations=2, revenue_accounts=2, tax_rates=2)


def test_a_run_on_kept_lists_may_read_them_again_once() -> None:
    fake = FakeClient()
    kept = KeptReference(300.0, monotonic=Clock())
    first_run = RunReference(client(fake), kept)
    first_run.lists()
    assert not first_run.may_reread, "read by this run: reading again would find the same"
    second_run = RunReference(client(fake), kept)
    second_run.lists()
    assert second_run.may_reread
    fake.accounts.append("ra2")
    assert [a.id for a in second_run.reread().revenue_accounts] == ["ra1", "ra2"]
    assert not second_run.may_reread
    third_run = RunReference(client(fake), kept)
    assert [a.id for a in third_run.lists().revenue_accounts] == ["ra1", "ra2"]
    assert fake.reads["revenue_accounts"] == 2


def test_a_run_without_kept_lists_reads_them_itself_every_time() -> None:
    fake = FakeClient()
    for _ in range(2):
        run = RunReference(client(fake))
        run.lists()
        assert not run.may_reread
    assert fake.reads == Counter(locations=2, revenue_accounts=2, tax_rates=2)


REFERENCE = ReferenceData.from_records(
    locations=[Location.model_validate({"_id": "loc1"})],
    revenue_accounts=[RevenueAccount.model_validate({"_id": "ra1"})],
    tax_rates=[TaxRate.model_validate({"_id": "tr1"})],
)


def document(**fields: Any) -> PaymentDocument:
    line = {"account": "ra1", "taxRate": "tr1", "location": "loc1", **fields.pop("line", {})}
    record = {"_id": "p1", "location": "loc1", "lines": [line], **fields}
    return PaymentDocument.model_validate(record)


@pytest.mark.parametrize(
    ("fields", "outside"),
    [
        ({}, False),
        ({"line": {"account": None, "taxRate": None, "location": None}}, False),
        ({"location": "loc2"}, True),
        ({"line": {"location": "loc2"}}, True),
        ({"line": {"account": "ra2"}}, True),
        ({"line": {"taxRate": "tr2"}}, True),
        ({"processingFeeLine": {"account": "ra2"}}, True),
        ({"taxAmounts": [{"taxRate": "tr2", "total": "1.00"}]}, True),
    ],
)
def test_a_record_naming_a_value_the_lists_lack_is_found(
    fields: dict[str, Any], outside: bool
) -> None:
    assert refers_outside([document(), document(**fields)], REFERENCE) is outside
