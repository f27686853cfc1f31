"""Fixtures for sync scenarios: the sandbox profile with a complete mapping of its world."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.sync.worlds import write_mapping

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

Configure = Callable[..., str]


@pytest.fixture
def mapped_profile(sandbox: RunningSandbox, sandbox_profile: str, tmp_path: Path) -> Configure:
    """``configure(**mapping_options)`` gives the ``demo`` profile a mapping of the seeded world
    (see tests/sync/worlds.py) and returns the profile name."""
    from orsync.config import load_config, save_config
    from orsync.env import default_config_path

    def configure(**options: Any) -> str:
        path = write_mapping(sandbox, tmp_path / "mapping.yaml", **options)
        config_path = default_config_path()
        config = load_config(config_path)
        profile = config.profiles[sandbox_profile]
        sync = profile.sync.model_copy(update={"mapping": str(path)})
        save_config(
            config_path,
            config.with_profile(sandbox_profile, profile.model_copy(update={"sync": sync})),
        )
        return sandbox_profile

    return configure
