"""The run-long sets of ids a first sync keeps (invoices read, charges planned) are exact and
compact: a 100,000-invoice history must not hold 100 bytes of Python string per id."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable, Iterable, Iterator

from orsync.services.sync.idset import MERGE_EVERY, IdSet


def object_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def test_membership_is_exact_for_object_ids_payment_ids_and_any_other_id() -> None:
    rng = random.Random(7)
    invoices = [object_id(rng) for _ in range(3 * MERGE_EVERY)]
    payments = [f"{i}/{object_id(rng)}" for i in invoices[:MERGE_EVERY]]
    others = ["INV-1", "ABCDEF0123456789abcdef01", "x/y", ""]  # upper case is not packed
    ids = IdSet(invoices + payments + others)

    assert all(i in ids for i in invoices + payments + others)
    assert object_id(rng) not in ids
    assert invoices[0].upper() not in ids  # no case folding: ids are compared as written
    assert f"{invoices[1]}/{invoices[2]}" not in ids
    assert invoices[3][:12] not in ids
    assert len(ids) == len(invoices) + len(payments) + len(others)


def test_adding_an_id_twice_keeps_one_and_iteration_is_sorted() -> None:
    rng = random.Random(8)
    ids_in = [object_id(rng) for _ in range(MERGE_EVERY + 10)]
    ids = IdSet()
    for value in ids_in + ids_in[:50] + ["INV-2", f"{ids_in[0]}/{ids_in[1]}"]:
        ids.add(value)
        ids.add(value)

    expected = sorted({*ids_in, "INV-2", f"{ids_in[0]}/{ids_in[1]}"})
    assert list(ids) == expected
    assert len(ids) == len(expected)


def test_difference_update_forgets_ids_merged_or_recent() -> None:
    rng = random.Random(9)
    kept = [object_id(rng) for _ in range(MERGE_EVERY)]
    dropped = [object_id(rng) for _ in range(5)] + ["INV-3"]
    ids = IdSet(kept + dropped)
    ids.add(recent := object_id(rng))

    ids.difference_update([*dropped, recent, object_id(rng)])

    assert not any(i in ids for i in [*dropped, recent])
    assert all(i in ids for i in kept)
    assert list(ids) == sorted(kept)


def test_fifty_thousand_object_ids_hold_an_eighth_of_a_set_of_strings() -> None:
    rng = random.Random(10)
    values = [object_id(rng).encode() for _ in range(50_000)]  # not str: not counted below

    def held(build: Callable[[Iterator[str]], Iterable[str]]) -> int:
        tracemalloc.start()
        try:
            kept = build(v.decode() for v in values)
            list(kept)  # an IdSet merges what it buffered
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    assert held(IdSet) * 8 < held(set)
