"""A wrong Intacct password fails cron the day it changes, not the day a change arrives: a
sync with nothing to write still signs in once a day (a session it already holds is enough)."""

from __future__ import annotations

import datetime as dt

import pytest

from orsync.env import state_dir
from orsync.errors import ExitCode
from orsync.sandbox.launch import RunningSandbox
from orsync.state import StateStore, database_path
from tests.conftest import CliRunner
from tests.sync.conftest import Configure


def age_the_proof(profile: str, days: int) -> None:
    with StateStore.open(database_path(state_dir(), profile), profile=profile) as store:
        proved = store.settings.intacct_credentials_proved_at()
        assert proved is not None
        store.settings.remember_intacct_credentials_proved(proved - dt.timedelta(days=days))


@pytest.mark.parametrize("full", [False, True])
def test_a_wrong_password_fails_the_first_run_a_day_after_the_last_sign_in(
    run_cli: CliRunner,
    mapped_profile: Configure,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    full: bool,
) -> None:
    profile = mapped_profile()
    flags = ("--full",) if full else ()
    assert run_cli("--profile", profile, "sync").exit_code in (0, 1)
    monkeypatch.setenv("ORSYNC_INTACCT_USER_PASSWORD", "changed-in-intacct")

    # Within the day: nothing to write, and the last sign-in is recent enough.
    assert run_cli("--profile", profile, "sync", *flags).exit_code in (0, 1)

    age_the_proof(profile, days=1)
    result = run_cli("--profile", profile, "sync", *flags)
    assert result.exit_code == ExitCode.AUTH, result.stderr
    assert "Intacct refused the sign-in" in result.stderr


def test_a_run_with_nothing_to_do_signs_in_once_a_day_only(
    run_cli: CliRunner, mapped_profile: Configure, sandbox: RunningSandbox
) -> None:
    profile = mapped_profile()
    run_cli("--profile", profile, "sync")
    stats = sandbox.intacct.stats

    before = stats.requests
    run_cli("--profile", profile, "sync")
    assert stats.requests == before  # signed in within the day: no Intacct request at all

    age_the_proof(profile, days=1)
    run_cli("--profile", profile, "sync")
    assert stats.requests == before + 1  # one sign-in (getAPISession), nothing else
    run_cli("--profile", profile, "sync")
    assert stats.requests == before + 1
