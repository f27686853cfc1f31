"""The same seed gives the same world, byte for byte; flags scale it as asked."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from orsync.sandbox.seed import generate, small_world, world_clock
from orsync.sandbox.world import SeedWorld


def dump(world: SeedWorld) -> str:
    return json.dumps(dataclasses.asdict(world), default=str, sort_keys=False)


def test_two_runs_with_one_seed_are_identical_byte_for_byte() -> None:
    assert dump(generate(seed=11, invoices=400, companies=30)) == dump(
        generate(seed=11, invoices=400, companies=30)
    )


def test_different_seeds_give_different_worlds() -> None:
    first, second = generate(seed=1), generate(seed=2)
    ids_first = {p["_id"] for p in first.officernd.collections["payments"]}
    ids_second = {p["_id"] for p in second.officernd.collections["payments"]}
    assert not ids_first & ids_second
    assert first.officernd.applications != second.officernd.applications
    names = [[c["name"] for c in w.officernd.collections["companies"]] for w in (first, second)]
    assert names[0] != names[1]


def test_the_invoice_and_company_counts_are_exactly_the_flags() -> None:
    world = generate(seed=5, invoices=777, companies=33, months=7)
    payments = world.officernd.collections["payments"]
    assert sum(p["documentType"] == "invoice" for p in payments) == 777
    assert len(world.officernd.collections["companies"]) == 33


def test_invoice_dates_stay_inside_the_requested_months_but_one_in_the_closed_month() -> None:
    start = date(2024, 3, 1)
    world = generate(seed=5, invoices=200, companies=20, start=start, months=4)
    days = [
        p["date"][:10]
        for p in world.officernd.collections["payments"]
        if p["documentType"] == "invoice"
    ]
    assert {day[:7] for day in days} == {"2024-02", "2024-03", "2024-04", "2024-05", "2024-06"}
    # Issued late, for the day before the books' first open day (the Intacct seed's close).
    assert [day for day in days if day < "2024-03"] == ["2024-02-29"]
    assert world.intacct.books_closed_before == start


def test_every_instant_is_before_the_world_clock_and_modified_follows_created() -> None:
    world = generate(seed=8, invoices=500, companies=40)
    clock = world_clock().isoformat().replace("+00:00", "")
    for name, records in world.officernd.collections.items():
        for record in records:
            if "createdAt" in record and "modifiedAt" in record:
                assert record["createdAt"] <= record["modifiedAt"] < clock + "Z", (name, record)


def test_ids_are_unique_object_ids_in_ascending_order_per_collection() -> None:
    world = generate(seed=9, invoices=600, companies=50)
    seen: set[str] = set()
    for name, records in world.officernd.collections.items():
        ids = [str(r["_id"]) for r in records if "_id" in r]
        assert ids == sorted(ids), name
        for record_id in ids:
            assert len(record_id) == 24 and int(record_id, 16) >= 0
        assert not seen & set(ids)
        seen.update(ids)


def test_object_id_time_part_is_the_record_creation_second() -> None:
    world = generate(seed=9, invoices=100, companies=10)
    for record in world.officernd.collections["payments"]:
        created = str(record["createdAt"])
        seconds = int(str(record["_id"])[:8], 16)
        from datetime import UTC, datetime

        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        assert created.startswith(stamp)


def test_small_world_is_the_documented_small_case() -> None:
    assert dump(small_world()) == dump(generate(7, invoices=20, companies=5, months=3))


def test_billing_lock_date_is_stored_and_precedes_the_last_three_months() -> None:
    world = generate()
    assert world.officernd.billing_lock_date == date(2026, 7, 31)


def test_applications_are_one_full_scope_and_one_read_only() -> None:
    full, read_only = generate(seed=4).officernd.applications
    assert "flex.billing.charges.create" in full.scopes
    assert all(scope.endswith(".read") for scope in read_only.scopes)
    assert set(read_only.scopes) < set(full.scopes)
    assert full.client_id != read_only.client_id and full.client_secret != read_only.client_secret


def test_the_world_does_not_depend_on_the_process_hash_seed() -> None:
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import dataclasses, hashlib, json\n"
        "from orsync.sandbox.seed import generate\n"
        "w = generate(42, invoices=300, companies=20)\n"
        "print(hashlib.sha256(json.dumps(dataclasses.asdict(w), default=str).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "4242")
    }
    here = hashlib.sha256(dump(generate(42, invoices=300, companies=20)).encode()).hexdigest()
    assert digests == {here}


def test_charges_and_allocations_come_after_their_invoice_and_touch_it() -> None:
    world = generate(seed=12, invoices=800, companies=60)
    docs = {str(d["_id"]): d for d in world.officernd.collections["payments"]}
    for charge in world.officernd.collections["charges"]:
        invoice = docs[str(charge["payment"])]
        assert invoice["createdAt"] < charge["createdAt"] <= invoice["modifiedAt"]
        assert str(invoice["date"]) <= str(charge["date"])
    for doc in docs.values():
        if doc["documentType"] == "invoice" and doc["allocations"]:
            # An allocation is a change to the invoice (credit documents may be allocated in
            # the same instant they are created).
            assert doc["modifiedAt"] > doc["createdAt"]
