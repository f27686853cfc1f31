"""One command run for every profile: `sync`, `status` and `reconcile --all-profiles`.

Each profile runs in a process of its own (`orsync --profile NAME ... --json`), ``jobs`` at a
time: a profile's failure, memory or lock never touches another's, and each child keeps the
exactly-once rules of a single run (its own lock, ledger and run record). The child's stderr
(its log lines name the profile) goes straight to this process's stderr; its stdout is its one
JSON document, kept for the summary. The exit code is the worst of them (:func:`worst`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from orsync.errors import ExitCode

# Worst first: a bug, a stop, then what an admin must fix (a service down, access refused,
# configuration), then what settles by itself (75), records that failed (1), and done (0).
SEVERITY = (
    ExitCode.INTERNAL,
    ExitCode.INTERRUPTED,
    ExitCode.UNAVAILABLE,
    ExitCode.AUTH,
    ExitCode.CONFIG,
    ExitCode.USAGE,
    ExitCode.TEMPORARY,
    ExitCode.PARTIAL,
    ExitCode.OK,
)


def worst(codes: Sequence[int]) -> int:
    """The exit code that needs attention first; an unknown code counts as a bug."""
    if not codes:
        return int(ExitCode.OK)
    rank = {int(code): index for index, code in enumerate(SEVERITY)}
    return min(codes, key=lambda code: rank.get(code, -1))


@dataclass(frozen=True)
class ProfileRun:
    profile: str
    exit_code: int
    document: dict[str, Any] | None  # the child's JSON document (orsync.error/1 on failure)

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "exit_code": self.exit_code, "result": self.document}


def run_each_profile(
    profiles: Sequence[str], global_args: Sequence[str], command_args: Sequence[str], *, jobs: int
) -> list[ProfileRun]:
    """``orsync GLOBAL_ARGS --profile NAME COMMAND_ARGS --json`` for each profile, ``jobs`` at
    a time; results in the order of ``profiles``."""

    running: set[subprocess.Popen[bytes]] = set()
    guard = threading.Lock()
    stopping = threading.Event()

    def one(profile: str) -> ProfileRun:
        argv = [
            sys.executable,
            "-m",
            "orsync",
            *global_args,
            "--profile",
            profile,
            "--no-input",
            *command_args,
            "--json",
        ]
        with guard:  # never a new child once the stop has been passed on
            if stopping.is_set():
                return ProfileRun(profile, int(ExitCode.INTERRUPTED), None)
            child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            running.add(child)
        try:
            out, _ = child.communicate()
        finally:
            with guard:
                running.discard(child)
        try:
            document = json.loads(out.decode("utf-8"))
        except ValueError:
            document = None
        return ProfileRun(profile, child.returncode, document)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(one, profile) for profile in profiles]
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM to this process alone (cron's timeout, systemd): each profile's
        # run under way is stopped the same way, so that it records what it wrote and what is
        # left, and no profile still waiting starts.
        with guard:
            stopping.set()
            for child in running:
                child.send_signal(signal.SIGINT)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
