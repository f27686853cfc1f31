"""A wrong URL names the URL it tried and says whether to fix the profile (a configuration
mistake, exit 78) or wait (an outage at an address that answered before, exit 69)."""

from __future__ import annotations

import socket

import httpx
import pytest

from orsync.config import load_config, save_config
from orsync.endpoints import INTACCT, OFFICERND_API, note_reached, unreachable
from orsync.env import default_config_path
from orsync.errors import ExitCode
from tests.conftest import CliRunner
from tests.sync.conftest import Configure

pytestmark = pytest.mark.usefixtures("fast_retries")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_url(profile_name: str, service: str, field: str, url: str) -> None:
    path = default_config_path()
    config = load_config(path)
    profile = config.profiles[profile_name]
    section = getattr(profile, service).model_copy(update={field: url})
    save_config(
        path, config.with_profile(profile_name, profile.model_copy(update={service: section}))
    )


def test_a_wrong_intacct_port_names_the_url_and_the_setting_to_fix(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    sandbox_profile = mapped_profile()
    url = f"http://127.0.0.1:{closed_port()}/ia/xml/xmlgw.phtml"
    set_url(sandbox_profile, "intacct", "url", url)
    result = run_cli("--profile", sandbox_profile, "sync")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert f"error: Intacct URL {url}: nothing answers there" in result.stderr
    assert "hint: Check the URL, and correct it with `orsync connect --intacct-url URL`" in (
        result.stderr
    )


def test_a_wrong_intacct_path_is_a_configuration_mistake_naming_the_url(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    sandbox_profile = mapped_profile()
    config = load_config(default_config_path())
    url = config.profiles[sandbox_profile].intacct.url.replace("xmlgw.phtml", "wrong.phtml")
    set_url(sandbox_profile, "intacct", "url", url)
    result = run_cli("--profile", sandbox_profile, "sync")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert f"error: Intacct URL {url}: the server answered HTTP 404" in result.stderr
    assert "`orsync connect --intacct-url URL`" in result.stderr


def test_a_wrong_officernd_api_url_names_it(run_cli: CliRunner, mapped_profile: Configure) -> None:
    sandbox_profile = mapped_profile()
    api = f"http://127.0.0.1:{closed_port()}"
    set_url(sandbox_profile, "officernd", "api_url", api)
    result = run_cli("--profile", sandbox_profile, "sync")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert f"error: OfficeRnD URL {api}/api/v2/organizations/" in result.stderr
    assert "`orsync connect --officernd-api-url URL`" in result.stderr


def test_a_wrong_officernd_token_url_names_it(
    run_cli: CliRunner, mapped_profile: Configure
) -> None:
    sandbox_profile = mapped_profile()
    token_url = f"http://127.0.0.1:{closed_port()}/oauth/token"
    set_url(sandbox_profile, "officernd", "token_url", token_url)
    result = run_cli("--profile", sandbox_profile, "sync")
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert f"error: OfficeRnD's token endpoint URL {token_url}: nothing answers" in result.stderr
    assert "`orsync connect --officernd-token-url URL`" in result.stderr


def test_a_host_that_does_not_exist_is_a_configuration_mistake() -> None:
    url = "https://api.intacct.invalid/ia/xml/xmlgw.phtml"
    error = unreachable(INTACCT, url, httpx.ConnectError("[Errno -2] Name or service not known"))
    assert error.exit_code == ExitCode.CONFIG
    assert error.message == f"Intacct URL {url}: the host api.intacct.invalid does not exist"


def test_a_refusal_where_the_service_answered_before_is_an_outage() -> None:
    url = "http://127.0.0.1:9/api/v2/organizations/acme/locations"
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    assert unreachable(OFFICERND_API, url, refused).exit_code == ExitCode.CONFIG
    note_reached(httpx.Response(200, request=httpx.Request("GET", "http://127.0.0.1:9/x")))
    outage = unreachable(OFFICERND_API, url, refused, attempts=2)
    assert outage.exit_code == ExitCode.UNAVAILABLE
    assert outage.message.startswith(f"OfficeRnD did not answer at {url} after 2 attempts")


@pytest.mark.parametrize("timeout", [httpx.ConnectTimeout("timed out"), httpx.ReadTimeout("x")])
def test_a_timeout_is_an_outage_naming_the_url(timeout: Exception) -> None:
    url = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    error = unreachable(INTACCT, url, timeout)
    assert error.exit_code == ExitCode.UNAVAILABLE and url in error.message
