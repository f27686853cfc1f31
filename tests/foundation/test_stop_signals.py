"""SIGTERM, as cron's timeout, systemd and `kill` send it, stops a command as Ctrl-C does."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

# Past startup (held signals released), a SIGTERM to itself, then what came of it.
PROGRAM = """
import os, signal, time
from orsync import interrupts
interrupts.hold()
interrupts.release()
try:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
except KeyboardInterrupt:
    print("stopped as by Ctrl-C")
"""


def test_sigterm_after_startup_stops_the_command_as_ctrl_c_does() -> None:
    """It ended the process on the spot: no "written before the stop / left" lines, exit 143,
    and the run left "running" in `orsync status` for ever. Raised as Ctrl-C is, the command
    says what it wrote and what is left, records the run as interrupted and exits 130."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "stopped as by Ctrl-C\n"), done.stderr
