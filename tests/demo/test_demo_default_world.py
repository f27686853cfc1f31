"""The world a newcomer sees with a bare `orsync demo` (300 invoices, 60 companies)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import CliResult

pytestmark = pytest.mark.loopback


def test_invoices_of_a_company_that_has_since_left_still_post(
    run_cli: Callable[..., CliResult],
) -> None:
    # The seed has former companies (about 8 % beyond the sixth) with invoices from before
    # they left. Their Intacct customer may end up inactive, but their history must post:
    # creating the customer inactive first makes Intacct refuse every one of those invoices
    # ("Customer 'ORD-1042' is inactive"), and the newcomer's first run exits 1.
    result = run_cli("--json", "demo")
    report = json.loads(result.stdout)
    refused = [
        problem["number"]
        for problem in report["sync"]["problems"]
        if "is inactive" in problem["message"]
    ]
    assert refused == []
    assert result.exit_code == 0, result.stderr
