"""One cron line for every OfficeRnD account x Intacct company: `sync`, `status` and
`reconcile --all-profiles` run each profile in its own process (`--jobs N` at once), print a
line per profile, and exit with the worst code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from orsync.config import load_config, save_config
from orsync.env import default_config_path
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from tests.conftest import REPO_ROOT, CliRunner
from tests.sync.conftest import Configure

pytestmark = pytest.mark.loopback


@pytest.fixture
def second_company() -> Iterator[RunningSandbox]:
    """Another OfficeRnD account and Intacct company (same seed: the same secrets)."""
    options = SandboxOptions(
        invoices=40, companies=8, officernd_rate_limit=None, intacct_concurrency_wait_s=2.0
    )
    with start_sandbox(options) as running:
        yield running


@pytest.fixture
def children_run_this_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each profile's process imports this worktree's orsync (and the test keyring stays out)."""
    paths = [str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))


def add_profile(name: str, like: str, sandbox: RunningSandbox, *, broken: bool = False) -> None:
    path = default_config_path()
    config = load_config(path)
    template = config.profiles[like]
    details = sandbox.details()
    url = details["intacct"]["url"]
    if broken:
        url = url.replace("xmlgw.phtml", "nowhere.phtml")  # a 404: a configuration mistake
    intacct = template.intacct.model_copy(update={"url": url})
    officernd = template.officernd.model_copy(
        update={
            "api_url": details["officernd"]["api_url"],
            "token_url": details["officernd"]["token_url"],
        }
    )
    profile = template.model_copy(update={"intacct": intacct, "officernd": officernd})
    save_config(path, config.with_profile(name, profile))


@pytest.mark.usefixtures("children_run_this_tree")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sync_all_profiles_runs_each_and_exits_with_the_worst(
    run_cli: CliRunner,
    mapped_profile: Configure,
    second_company: RunningSandbox,
    tmp_path: Path,
    jobs: str,
) -> None:
    first = mapped_profile()
    add_profile("second", first, second_company)
    add_profile("zz-broken", first, second_company, broken=True)

    result = run_cli("sync", "--all-profiles", "--jobs", jobs, "-q")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{first}: exit 1: customers: 6 created")  # seeded failures
    assert lines[1].startswith("second: exit 1: customers: 6 created")
    assert lines[2].startswith("zz-broken: exit 78: error: Intacct URL ")
    assert lines[3] == "3 profile(s), exit 78 (the worst of them)."
    assert result.exit_code == 78
    # Each company got its own documents, once.
    assert second_company.intacct.stats.functions > 0

    status = run_cli("status", "--all-profiles", "--json")
    document = json.loads(status.stdout)
    assert document["schema"] == "orsync.all-profiles/1" and document["command"] == "status"
    by_profile = {p["profile"]: p for p in document["profiles"]}
    assert by_profile["second"]["result"]["runs"][0]["exit_code"] == 1
    assert by_profile["zz-broken"]["result"]["runs"][0]["exit_code"] == 78
    assert status.exit_code == 0


@pytest.mark.usefixtures("children_run_this_tree")
def test_reconcile_all_profiles_prints_a_line_per_profile(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    first = mapped_profile()
    result = run_cli("reconcile", "--all-profiles", "--dry-run", "--from", "2025-11-01")
    assert result.stdout.splitlines()[0].startswith(f"{first}: exit 1: differences: ")
    assert result.exit_code == 1


def test_the_parent_hands_each_profile_its_own_command_line() -> None:
    from orsync.cli.each_profile import split_command_line

    args = ["-p", "main", "-v", "--json", "sync", "--full", "--all-profiles", "--jobs", "3"]
    assert split_command_line(args, "sync") == (["-v"], ["sync", "--full"])
    assert split_command_line(["status", "--jobs=2", "--all-profiles"], "status") == (
        [],
        ["status"],
    )


def test_the_worst_exit_code_is_the_one_to_act_on() -> None:
    from orsync.services.common import worst

    assert worst([0, 1, 75]) == 75
    assert worst([1, 78, 69]) == 69
    assert worst([0, 0]) == 0
    assert worst([77, 70]) == 70


def test_a_profile_line_gives_its_totals_as_the_summary_does() -> None:
    """--all-profiles said "(14 invoice created 47370.08 EUR, 1 credit_note created ...)"
    where the profile's own summary says "created 14 invoices in the top level: 47,370.08
    EUR": one wording, with the thousands separated, for the same figures."""
    from orsync.cli.sync import _profile_summary

    document = {
        "counts": {"invoices": {"created": 14}, "credit_notes": {"created": 1}},
        "totals": [
            {"entity": None, "currency": "EUR", "kind": "invoice", "action": "created"}
            | {"count": 14, "amount": "47370.08"},
            {"entity": "US", "currency": "USD", "kind": "credit_note", "action": "created"}
            | {"count": 1, "amount": "597.72"},
        ],
    }
    assert _profile_summary(document) == (
        "customers: nothing to do; invoices: 14 created; credit notes: 1 created;"
        " payments: nothing to do (created 14 invoices in the top level: 47,370.08 EUR;"
        " created 1 credit note in US: 597.72 USD)"
    )


def test_a_stop_is_passed_on_to_the_profile_under_way_and_no_other_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGTERM (cron's timeout, systemd) or Ctrl-C sent to the --all-profiles process alone:
    it waited for the profile under way to finish its whole run, however long, and the child
    never heard of the stop. Now the child is stopped as its own Ctrl-C would (it records what
    it wrote), and no profile still waiting starts."""
    import signal
    import threading
    import time

    from orsync.services.common import each_profile

    marks = tmp_path / "started"
    child = tmp_path / "python"
    child.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{marks}"\n'
        "trap 'echo {}; exit 130' INT\n"
        "sleep 30 >/dev/null & wait\n",
        encoding="utf-8",
    )
    child.chmod(0o755)
    monkeypatch.setattr(each_profile.sys, "executable", str(child))
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        each_profile.run_each_profile(["a", "b"], [], ["sync"], jobs=1)
    assert time.monotonic() - started < 10
    assert [line.split("--profile ")[1].split()[0] for line in marks.read_text().splitlines()] == [
        "a"
    ]
