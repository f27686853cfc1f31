"""Deterministic fault injection and latency shared by both simulators.

A fault is named (``lost-response``, ``http-5xx`` …) and has a rate in [0, 1]. Each named fault
draws from its own random stream derived from the fault seed, so adding a fault does not change
when another one fires, and a run with the same seed fires the same faults in the same order.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


class UnknownFault(ValueError):
    """A fault name that the simulator does not implement."""


@dataclass
class FaultPlan:
    """Which faults fire, at what rate, from which seed."""

    rates: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    _streams: dict[str, random.Random] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def validate(self, known: Iterable[str]) -> None:
        """Refuse names the caller does not implement and rates outside [0, 1]."""
        allowed = set(known)
        for name, rate in self.rates.items():
            if name not in allowed:
                valid = ", ".join(sorted(allowed))
                msg = f"unknown fault {name!r}; valid faults: {valid}"
                raise UnknownFault(msg)
            if not 0.0 <= rate <= 1.0:
                msg = f"fault {name!r} rate {rate} is outside 0..1"
                raise UnknownFault(msg)

    def fires(self, name: str) -> bool:
        """Draw once from ``name``'s stream: True when the fault should happen now."""
        rate = self.rates.get(name, 0.0)
        if rate <= 0.0:
            return False
        with self._lock:
            stream = self._streams.get(name)
            if stream is None:
                digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
                stream = random.Random(int.from_bytes(digest[:8], "big"))
                self._streams[name] = stream
            return stream.random() < rate

    def set_rate(self, name: str, rate: float) -> None:
        """Change a rate at run time (tests turn a storm on and off)."""
        rates = dict(self.rates)
        rates[name] = rate
        self.rates = rates


@dataclass(frozen=True)
class Latency:
    """Simulated service time: a fixed cost per request plus a cost per unit of work."""

    per_request_ms: float = 0.0
    per_unit_ms: float = 0.0

    def seconds(self, units: int = 0) -> float:
        return (self.per_request_ms + self.per_unit_ms * units) / 1000.0

    def wait(self, units: int = 0, sleep: Callable[[float], None] = time.sleep) -> None:
        delay = self.seconds(units)
        if delay > 0:
            sleep(delay)
