"""A seed handed to the simulator (``orsync sandbox``, benchmarks) is held once, not copied, and
served exactly as a copied one: a 100,000-invoice world must fit well under a gigabyte."""

from __future__ import annotations

from orsync.sandbox.officernd.simulator import OfficeRndSimulator
from orsync.sandbox.seed.generator import generate


def test_a_handed_over_seed_is_served_as_a_copied_one_and_left_empty() -> None:
    copied_world = generate(7, invoices=60, companies=10)
    handed_world = generate(7, invoices=60, companies=10)
    copied = OfficeRndSimulator(copied_world.officernd)
    handed = OfficeRndSimulator(handed_world.officernd, take_seed=True)
    for name in ("payments", "charges", "companies", "fees"):
        assert handed.records(name) == copied.records(name)
        assert copied_world.officernd.collections[name], "a copied seed stays the caller's"
        assert handed_world.officernd.collections[name] == [], "a handed seed is held once"
