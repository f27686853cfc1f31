"""Ctrl-C and SIGTERM while orsync is still starting (importing, parsing its command line).

Python raises KeyboardInterrupt wherever a SIGINT finds it, so a stop sent in the first half
second used to end in a traceback, exit 130, or exit 0, depending on how far startup had got.
``python -m orsync`` and the ``orsync`` script :func:`hold` both signals first thing; the one
that arrives is kept in :data:`pending`. ``main()`` then :func:`release`\\ s them (a kept
Ctrl-C becomes the usual "interrupted", 130), except for ``orsync sandbox``, which installs
its own handlers and treats a kept signal as a stop (exit 0). Imports nothing heavy.

After startup a SIGTERM (cron's ``timeout``, systemd, ``kill``) stops a command as Ctrl-C
does: a sync says what it wrote and what is left and records its run as interrupted (130),
where the default action ended the process mid-write, silently, its run "running" for ever.
``listen`` and ``sandbox`` install their own handlers for both signals.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)

pending: int | None = None  # the first signal kept while held
_held = False


def _keep(signum: int, _frame: FrameType | None) -> None:
    global pending
    if pending is None:
        pending = signum


def hold() -> None:
    """Keep SIGINT and SIGTERM for later instead of acting on them mid-startup."""
    global _held
    for sig in SIGNALS:
        signal.signal(sig, _keep)
    _held = True


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def release() -> None:
    """Ordinary handling from here on (Ctrl-C and SIGTERM raise KeyboardInterrupt); a signal
    kept meanwhile takes effect now. Nothing to do when never held."""
    global _held
    if not _held:
        return
    _held = False
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    if pending == signal.SIGINT:
        raise KeyboardInterrupt
    if pending == signal.SIGTERM:
        os.kill(os.getpid(), signal.SIGTERM)
