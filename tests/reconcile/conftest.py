"""Reconcile scenario fixtures: the sandbox profile with a complete mapping for its world."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orsync.sandbox.launch import RunningSandbox
from tests.reconcile.helpers import give_profile_mapping, stated_close


@pytest.fixture
def mapped_profile(sandbox: RunningSandbox, sandbox_profile: str) -> str:
    """``sandbox_profile`` (named demo) with the seeded world's complete mapping.

    A month-end scenario runs a dozen commands within a minute, each its own process with its
    own OfficeRnD token; the simulator's 5-tokens-a-minute rule (which a cron never meets) is
    lifted for these tests only.
    """
    sandbox.officernd._token_limit.per_minute = None
    give_profile_mapping(
        sandbox_profile, Path(os.environ["ORSYNC_HOME"]) / "mapping.yaml", **stated_close(sandbox)
    )
    return sandbox_profile
