"""The fault-free reference: what a clean sync of the test world leaves in Intacct.

Computed once per session (a clean sync takes about a second) in a home of its own, then each
fault scenario must converge to exactly the same documents and customers.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterator

import pytest

from orsync.env import EnvVars
from tests.sync_faults.harness import (
    Reference,
    faulty_sandbox,
    intacct_truth,
    officernd_totals,
    scoped_environment,
)


def cli(*args: str) -> tuple[int, str, str]:
    """The real entry point, in process, streams captured (usable outside function fixtures)."""
    from orsync.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 0
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def reference() -> Iterator[Reference]:
    pytest.importorskip("orsync.services.sync.run", reason="the sync service has not landed yet")
    with (
        tempfile.TemporaryDirectory(prefix="orsync-reference-") as home,
        scoped_environment({EnvVars.HOME: home, EnvVars.PROFILE: None}),
        faulty_sandbox({}, fault_seed=0) as sandbox,
    ):
        code, out, err = cli("--profile", "demo", "--json", "sync")
        assert code in (0, 1), err
        problems = json.loads(out)["problems"]
        held = frozenset(str(p["number"]) for p in problems if p["stage"] != "customers")
        yield Reference(intacct_truth(sandbox), officernd_totals(sandbox), held)
