"""Giving the C heap's freed memory back to the system during a long run.

A first sync at 100,000 documents parses thousands of OfficeRnD pages and Intacct answers,
each freed once planned; glibc's malloc keeps what they freed inside its arenas (25-35 MB at
the peak, measured with ``mallinfo2``) unless asked to trim. :func:`trim` asks (``malloc_trim``,
a few milliseconds), so a long stream that calls it every few chunks keeps its resident
memory near what is live. Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        function: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return function


def trim() -> bool:
    """Return the heap's free pages to the system; False where that cannot be asked."""
    function = _malloc_trim()
    if function is None:
        return False
    function(0)
    return True


class Trimmer:
    """Calls :func:`trim` once every ``every`` ticks (chunks of a stream)."""

    def __init__(self, every: int) -> None:
        self._every = max(1, every)
        self._ticks = 0

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % self._every == 0:
            trim()
