"""Bulk runs raise the cyclic collector's thresholds and the thread switch interval, and always
put both back."""

from __future__ import annotations

import gc
import sys

import pytest

from orsync.bulk import BULK_SWITCH_INTERVAL, BULK_THRESHOLDS, bulk_run


def test_the_settings_are_changed_inside_and_restored_after_even_on_an_error() -> None:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    with bulk_run():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert sys.getswitchinterval() == pytest.approx(BULK_SWITCH_INTERVAL)
    assert (gc.get_threshold(), sys.getswitchinterval()) == (thresholds, interval)
    with pytest.raises(RuntimeError), bulk_run():
        raise RuntimeError("a failed run")
    assert (gc.get_threshold(), sys.getswitchinterval()) == (thresholds, interval)


def test_a_bulk_run_asks_glibc_for_two_malloc_arenas_and_gives_the_default_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import orsync.bulk as bulk

    asked: list[int] = []
    monkeypatch.setattr(bulk, "_set_malloc_arenas", lambda n: asked.append(n) or True)
    with bulk_run():
        assert asked == [bulk.BULK_ARENAS]
    assert asked == [bulk.BULK_ARENAS, bulk.DEFAULT_ARENAS]
