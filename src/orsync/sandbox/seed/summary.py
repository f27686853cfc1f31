"""Counts that describe a seeded world (for test messages, ``orsync demo`` and benchmarks)."""

from __future__ import annotations

from collections import Counter

from orsync.sandbox.world import SeedWorld


def describe(world: SeedWorld) -> dict[str, int]:
    """Record counts by kind, e.g. ``{"companies": 60, "invoice:paid": 259, "charge:fail": 6,
    "allocations": 16, ...}``; keys are sorted, so the result is stable for a seed."""
    collections = world.officernd.collections
    counts: Counter[str] = Counter()
    for name in ("companies", "members", "locations", "fees", "charges"):
        counts[name] = len(collections.get(name, []))
    for doc in collections.get("payments", []):
        counts[f"{doc['documentType']}:{doc['status']}"] += 1
        counts[str(doc["documentType"])] += 1
        if doc["documentType"] == "invoice":
            allocations = doc["allocations"]
            counts["allocations"] += len(allocations) if isinstance(allocations, list) else 0
            counts["personal_invoices"] += doc["member"] is not None
    for charge in collections.get("charges", []):
        counts[f"charge:{charge['status']}"] += 1
    counts["mapping_gaps"] = len(world.mapping_gaps)
    return dict(sorted(counts.items()))
