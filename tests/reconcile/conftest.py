"""Reconcile scenario fixtures: the sandbox profile with a complete mapping for its world."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reconcile.helpers import give_profile_mapping


@pytest.fixture
def mapped_profile(sandbox_profile: str) -> str:
    """``sandbox_profile`` (named demo) with the seeded world's complete mapping."""
    give_profile_mapping(sandbox_profile, Path(os.environ["ORSYNC_HOME"]) / "mapping.yaml")
    return sandbox_profile
