"""Worlds shared by the seed tests (generated once per session: generation is deterministic)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from orsync.sandbox.seed import generate, small_world
from orsync.sandbox.world import SeedWorld


def wire(world: SeedWorld) -> dict[str, list[dict[str, Any]]]:
    """The OfficeRnD collections as a client would read them: JSON, numbers as Decimal."""
    text = json.dumps(world.officernd.collections)
    loaded: dict[str, list[dict[str, Any]]] = json.loads(
        text, parse_float=Decimal, parse_int=Decimal
    )
    return loaded


@pytest.fixture(scope="session")
def default_world() -> SeedWorld:
    return generate()


@pytest.fixture(scope="session")
def tiny_world() -> SeedWorld:
    return small_world()


@pytest.fixture(scope="session", params=["tiny", "default", "wide"])
def any_world(request: pytest.FixtureRequest) -> SeedWorld:
    if request.param == "tiny":
        return small_world()
    if request.param == "wide":
        return generate(seed=3, invoices=1500, companies=400, months=18)
    return generate()
