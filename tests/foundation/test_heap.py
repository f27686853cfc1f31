"""A long run gives the C heap's freed memory back to the system every few chunks."""

from __future__ import annotations

import platform
import sys

import pytest

from orsync import heap


def test_a_stream_trims_the_heap_once_every_few_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1) or True)
    trimmer = heap.Trimmer(5)

    for _chunk in range(12):
        trimmer.tick()

    assert len(trims) == 2


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim"
)
def test_freed_heap_pages_leave_the_process_when_trimmed() -> None:
    def resident_kb() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

    heap.trim()
    # Buffers of 100 kB come from malloc's heap (under its mmap threshold); every other one
    # is kept so that the heap's top stays in use and only a trim can release the holes.
    buffers = [bytearray(100_000) for _ in range(400)]
    kept = buffers[1::2]
    del buffers
    before = resident_kb()

    assert heap.trim()

    assert resident_kb() < before - 10_000  # most of the 20 MB freed left the process
    assert len(kept) == 200
