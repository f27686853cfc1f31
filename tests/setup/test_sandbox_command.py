"""`orsync sandbox` as scripts use it: a real process, one JSON line, SIGTERM ends it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orsync.errors import UsageError
from orsync.sandbox.launch import SANDBOX_FAULTS
from orsync.services.demo import parse_rate_limit, sandbox_options
from tests.conftest import CliRunner

pytestmark = pytest.mark.loopback

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30


def _environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ORSYNC_HOME"] = str(tmp_path / "home")
    env.pop("ORSYNC_INTACCT_XSD", None)  # schema loading is tested elsewhere; keep start fast
    return env


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orsync",
            "sandbox",
            "--json",
            "--invoices",
            "20",
            "--companies",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path),
        cwd=REPO_ROOT,
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def _wait_until_orsync_holds_signals(process: subprocess.Popen[str]) -> None:
    """Until the child's first line of orsync has run (``orsync.interrupts.hold`` catches
    SIGTERM, which nothing catches before it). A signal sent earlier meets the interpreter's
    own startup (the OS default action, or a KeyboardInterrupt inside ``site``), which no line
    of orsync can change."""
    import time

    caught_sigterm = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text(encoding="utf-8")
        except OSError:
            return
        caught = next(
            (
                int(line.split()[1], 16)
                for line in status.splitlines()
                if line.startswith("SigCgt:")
            ),
            0,
        )
        if caught & caught_sigterm:
            return
        time.sleep(0.001)


def test_sandbox_prints_one_json_line_serves_both_apis_and_stops_on_sigterm(
    sandbox_process: subprocess.Popen[str],
) -> None:
    assert sandbox_process.stdout is not None
    line = sandbox_process.stdout.readline()
    details = json.loads(line)
    assert details["schema"] == "orsync.sandbox/1"
    intacct, officernd = details["intacct"], details["officernd"]
    for key in ("url", "sender_id", "sender_password", "company_id", "user_id", "user_password"):
        assert intacct[key]
    assert intacct["entities"]
    for key in ("api_url", "token_url", "org", "client_id", "client_secret"):
        assert officernd[key]
    assert intacct["url"].endswith("/ia/xml/xmlgw.phtml")

    with httpx.Client(timeout=10) as http:
        token = http.post(
            officernd["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": officernd["client_id"],
                "client_secret": officernd["client_secret"],
                "scope": "flex.space.locations.read",
            },
        )
        assert token.status_code == 200
        locations = http.get(
            f"{officernd['api_url']}/api/v2/organizations/{officernd['org']}/locations",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert locations.status_code == 200
        assert locations.json()["results"]
        gateway = http.post(intacct["url"], content=b"<request/>")
        assert gateway.status_code == 200
        assert b"<response>" in gateway.content

    sandbox_process.send_signal(signal.SIGTERM)
    assert sandbox_process.wait(timeout=10) == 0
    assert sandbox_process.stdout.read() == ""  # nothing after the one JSON line


def test_sigint_also_stops_it_cleanly(sandbox_process: subprocess.Popen[str]) -> None:
    assert sandbox_process.stdout is not None
    json.loads(sandbox_process.stdout.readline())
    sandbox_process.send_signal(signal.SIGINT)
    assert sandbox_process.wait(timeout=10) == 0


def test_an_unknown_fault_is_a_usage_error_listing_the_valid_names(run_cli: CliRunner) -> None:
    result = run_cli("sandbox", "--fault", "intacct.meteor=0.5")

    assert result.exit_code == 2
    assert result.stdout == ""
    for name in SANDBOX_FAULTS:
        assert name in result.stderr


def test_a_port_in_use_is_a_usage_error_naming_it_not_a_crash(run_cli: CliRunner) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("sandbox", "--intacct-port", str(port), "--invoices", "1")

    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1 (ports {port} and 0): Address already in use" in (
        result.stderr
    )
    assert result.stdout == ""


@pytest.mark.parametrize(("flag", "value"), [("--invoices", "100001"), ("--companies", "20001")])
def test_a_world_larger_than_the_demos_is_refused_before_seeding(
    run_cli: CliRunner, flag: str, value: str
) -> None:
    result = run_cli("sandbox", flag, value)
    assert result.exit_code == 2
    assert flag in result.stderr and result.stdout == ""


@pytest.mark.parametrize("flag", ["--invoices", "--companies"])
def test_an_empty_world_is_a_usage_error_as_in_the_demo_not_an_internal_error(
    run_cli: CliRunner, flag: str
) -> None:
    result = run_cli("sandbox", flag, "0")
    assert result.exit_code == 2, result.stderr
    assert flag in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_flag_is_a_usage_error(run_cli: CliRunner) -> None:
    assert run_cli("sandbox", "--invoicez", "3").exit_code == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("400/min", 400), ("400", 400), ("25 / MIN", 25), ("none", None), ("0", None)],
)
def test_rate_limit_is_requests_per_minute(text: str, expected: int | None) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["400/s", "fast", "-3/min", ""])
def test_a_rate_limit_that_is_not_r_per_min_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="R/min"):
        parse_rate_limit(text)


def test_options_carry_faults_and_their_seed() -> None:
    options = sandbox_options(
        faults=["intacct.lost-response=0.25", "officernd.http-5xx=1"],
        fault_seed=7,
        officernd_rate_limit="60/min",
    )
    assert dict(options.faults) == {"intacct.lost-response": 0.25, "officernd.http-5xx": 1.0}
    assert options.fault_seed == 7
    assert options.officernd_rate_limit == 60


def test_a_fault_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(UsageError, match=r"outside 0\.\.1"):
        sandbox_options(faults=["intacct.http-5xx=2"])


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e308, -5.0])
@pytest.mark.parametrize(
    "flag", ["intacct_latency_ms", "intacct_function_ms", "officernd_latency_ms"]
)
def test_a_latency_no_sleep_can_take_is_refused_before_serving(flag: str, value: float) -> None:
    # inf and 1e308 made every request fail with OverflowError (a traceback in the sandbox's
    # terminal and HTTP 500 to the client); nan slept not at all.
    with pytest.raises(UsageError, match="--" + flag.replace("_", "-")):
        sandbox_options(**{flag: value})


def test_a_long_latency_is_still_allowed() -> None:
    assert sandbox_options(intacct_latency_ms=120_000).intacct_latency_ms == 120_000


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_the_world_is_being_seeded_ends_it_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # The handlers that let the serving loop finish cleanly were installed before seeding,
    # so Ctrl-C was ignored until a large world was built (minutes, gigabytes).
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "orsync", "sandbox", "--json", "--invoices", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path),
        cwd=REPO_ROOT,
    )
    try:
        time.sleep(1.5)  # imported, seeding
        assert process.poll() is None
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert out == ""  # it never served, so it announced nothing
    assert "Traceback" not in err


@pytest.mark.parametrize("delay_s", [0.05, 0.25, 0.5])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_sent_while_orsync_is_still_starting_has_the_same_outcome(
    tmp_path: Path, sig: signal.Signals, delay_s: float
) -> None:
    """Before orsync held the signals, Ctrl-C at 0.1 s gave a KeyboardInterrupt traceback,
    at 0.3-0.5 s exit 130, and from 0.8 s exit 0: one outcome at any time, exit 0."""
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "orsync", "sandbox", "--json", "--invoices", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path),
        cwd=REPO_ROOT,
    )
    try:
        _wait_until_orsync_holds_signals(process)
        time.sleep(delay_s)
        process.send_signal(sig)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert out == ""
    assert "Traceback" not in err


def test_ctrl_c_while_another_command_starts_is_interrupted_130(tmp_path: Path) -> None:
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "orsync", "status"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path),
        cwd=REPO_ROOT,
    )
    _wait_until_orsync_holds_signals(process)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert "Traceback" not in err
    assert process.returncode in (130, 78)  # interrupted, or done before it arrived
    if process.returncode == 130:
        assert err.endswith("interrupted\n")
