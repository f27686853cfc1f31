"""Bulk runs raise the cyclic collector's thresholds and always put them back."""

from __future__ import annotations

import gc

import pytest

from orsync.bulk import BULK_THRESHOLDS, fewer_collections


def test_the_thresholds_are_raised_inside_and_restored_after_even_on_an_error() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == BULK_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
