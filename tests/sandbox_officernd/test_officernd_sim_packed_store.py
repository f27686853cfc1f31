"""Records rest packed in the store (a 100,000-invoice world in a few hundred MiB) and come
back byte for byte; a record a caller took out to change is never packed under its feet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orsync.sandbox.officernd import store as store_module
from orsync.sandbox.officernd.packed import Packer, private, thaw
from orsync.sandbox.officernd.responses import encode_json
from orsync.sandbox.officernd.simulator import OfficeRndSimulator
from orsync.sandbox.officernd.store import Collection, Record, Store
from orsync.sandbox.seed.generator import generate

AWKWARD: dict[str, Any] = {
    "_id": "5f00000000000000000000a1",
    "int": 1,
    "float": 1.0,
    "bool": True,
    "negative_zero": -0.0,
    "zero": 0.0,
    "none": None,
    "text": 'Café "<&>" – 04 Nov',
    "empty": {},
    "nothing": [],
    "lines": [
        {"total": 10, "taxPercent": 20.5, "accounting": {"provider": None}},
        {"total": 10, "taxPercent": 20.5, "accounting": {"provider": None}},
        [1, 1.0, True, [False]],
    ],
}


def _clock() -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC)


def _collection(*records: Record) -> Collection:
    store = Store(_clock)
    store.load("payments", [dict(record) for record in records])
    return store["payments"]


def test_a_packed_record_thaws_to_the_same_json_types_and_key_order() -> None:
    thawed = thaw(Packer().pack(AWKWARD))
    assert encode_json(thawed) == encode_json(AWKWARD)
    assert list(thawed) == list(AWKWARD)
    assert type(thawed["float"]) is float
    assert type(thawed["bool"]) is bool
    assert thawed["lines"][0] is not thawed["lines"][1], "each thaw is a dict of its own"


def test_equal_sub_records_are_held_once_and_unequal_json_never_is() -> None:
    packer = Packer()
    first = packer.pack({"_id": "a", "accounting": {"provider": None, "total": 1}})
    second = packer.pack({"_id": "b", "accounting": {"provider": None, "total": 1}})
    third = packer.pack({"_id": "c", "accounting": {"provider": None, "total": 1.0}})
    fourth = packer.pack({"_id": "d", "accounting": {"provider": None, "total": True}})
    assert first[2] is second[2]
    assert len({id(first[2]), id(third[2]), id(fourth[2])}) == 3
    assert encode_json(thaw(fourth)) == b'{"_id":"d","accounting":{"provider":null,"total":true}}'


def test_reads_leave_the_record_packed_and_return_copies() -> None:
    collection = _collection(AWKWARD)
    read = collection.read(AWKWARD["_id"])
    assert read is not None
    read["text"] = "changed by a reader"
    view = collection.view(AWKWARD["_id"])
    assert view is not None
    assert view.get("text") == AWKWARD["text"]
    assert view.get("absent", "default") == "default"
    assert [record["text"] for record in collection.all()] == [AWKWARD["text"]]


def test_get_hands_out_the_stored_record_whose_changes_stay() -> None:
    collection = _collection(AWKWARD)
    taken = collection.get(AWKWARD["_id"])
    assert taken is not None
    assert collection.get(AWKWARD["_id"]) is taken
    taken["lines"][0]["total"] = 99
    collection.settle()
    assert collection.get(AWKWARD["_id"]) is taken, "a held record is never packed"
    taken["text"] = "changed after a settle"
    del taken
    collection.settle()
    stored = collection.read(AWKWARD["_id"])
    assert stored is not None
    assert (stored["text"], stored["lines"][0]["total"]) == ("changed after a settle", 99)


def test_a_record_nobody_holds_is_packed_again_once_enough_were_taken_out(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(store_module, "LIVE_RECORDS", 3)
    records = [{**AWKWARD, "_id": f"5f00000000000000000000b{n}"} for n in range(5)]
    collection = _collection(*records)
    held = collection.get(records[0]["_id"])
    for record in records[1:]:
        taken = collection.get(record["_id"])
        assert taken is not None
        taken["text"] = "edited"
    del taken
    collection.settle()
    assert collection.live_ids() == {records[0]["_id"]}
    assert [r["text"] for r in collection.all()] == [AWKWARD["text"]] + ["edited"] * 4
    assert held is collection.get(records[0]["_id"])


def test_a_nested_value_someone_holds_keeps_its_record_a_dict() -> None:
    holder = {"record": {"_id": "x", "lines": [{"total": 1}]}}
    record = holder["record"]
    assert private(record)
    line = record["lines"][0]
    assert not private(record)
    del line
    assert private(record)


def test_a_handed_over_world_is_compacted_and_served_byte_for_byte_as_a_copied_one() -> None:
    copied = OfficeRndSimulator(generate(7, invoices=60, companies=10).officernd)
    handed = OfficeRndSimulator(generate(7, invoices=60, companies=10).officernd, take_seed=True)
    for name in ("payments", "charges", "companies", "members", "fees", "payment-methods"):
        assert encode_json(handed.records(name)) == encode_json(copied.records(name))
