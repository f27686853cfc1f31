"""The README's cron recipe, run the way cron runs it: PATH=/usr/bin:/bin, no terminal, no
keyring session, only the variables the crontab sets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orsync.env import EnvVars
from tests.conftest import REPO_ROOT
from tests.sync.conftest import Configure

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback

CRON_PATH = "/usr/bin:/bin"


def cron_recipe() -> tuple[dict[str, str], str]:
    """The crontab block under "Cron recipe": its variable lines and the job's command."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Cron recipe", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None
    variables: dict[str, str] = {}
    command = ""
    for line in block.group(1).splitlines():
        if "=" in line and not line.startswith(("*", "#")):
            name, value = line.split("=", 1)
            variables[name] = value
        elif line.strip():
            command = line.split(None, 5)[5]  # after the five schedule fields
    return variables, command


def test_cron_recipe_runs_under_crons_minimal_path_without_a_tty(
    sandbox: RunningSandbox, mapped_profile: Configure, tmp_path: Path
) -> None:
    variables, command = cron_recipe()
    program, *arguments = command.split()
    known = {v for k, v in vars(EnvVars).items() if k.isupper()}
    assert set(variables) <= known
    # cron looks commands up in /usr/bin:/bin only; a virtual environment's orsync is not there
    assert Path(program).is_absolute(), f"cron would not find {program!r} on {CRON_PATH}"

    profile = mapped_profile()
    env = {
        "HOME": str(tmp_path),
        "LOGNAME": "cron",
        "SHELL": "/bin/sh",
        "PATH": CRON_PATH,
        EnvVars.HOME: os.environ[EnvVars.HOME],
    }
    for name in variables:
        env[name] = profile if name == EnvVars.PROFILE else os.environ[name]
    if EnvVars.INTACCT_XSD in os.environ:
        env[EnvVars.INTACCT_XSD] = os.environ[EnvVars.INTACCT_XSD]
    installed = Path(sys.executable).with_name("orsync")  # where this install put it
    done = subprocess.run(
        ["/bin/sh", "-c", " ".join([str(installed), *arguments])],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal, as under cron
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stderr  # the seeded world fails some records on purpose
    assert done.stdout.startswith(f"sync {profile}: customers:")
    assert "Traceback" not in done.stderr
