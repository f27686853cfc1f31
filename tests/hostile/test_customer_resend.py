"""An unconfirmed customer create is never resent with a different body under the same
control id: the ledger's version leaves out the currency the create carries, so a create
proved absent is planned anew (a new control id) with the currency of its documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import CliRunner
from tests.sync.conftest import Configure, mapped_profile
from tests.sync.worlds import customer_ids, issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

__all__ = ["mapped_profile"]
pytestmark = pytest.mark.loopback


def test_customers_whose_create_met_a_503_are_created_later_with_their_currency(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner, fast_retries: None
) -> None:
    mapped_profile()
    before = {c.customer_id for c in sandbox.intacct.store.customers()}
    refused: list[bytes] = []
    send = httpx.HTTPTransport.handle_request

    def gateway_503_on_customer_creates(
        self: httpx.HTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        body = request.read()
        if b"<create><CUSTOMER>" in body.replace(b" ", b"").replace(b"\n", b""):
            refused.append(body)
            return httpx.Response(503, content=b"<html>Service Unavailable</html>")
        return send(self, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", gateway_503_on_customer_creates)
        first = run_cli("sync")
    assert refused and first.exit_code == 75, first.stderr  # the creates are unconfirmed
    assert {c.customer_id for c in sandbox.intacct.store.customers()} == before

    assert run_cli("sync").exit_code in (0, 1)

    ids = customer_ids(sandbox)
    expected = {ids[doc["company"]]: doc["currency"] for doc in issued(sandbox) if doc["company"]}
    created = {
        c.customer_id: c.currency
        for c in sandbox.intacct.store.customers()
        if c.customer_id not in before
    }
    assert len(created) >= 3
    for customer_id, currency in created.items():
        if customer_id in expected:
            assert currency == expected[customer_id], customer_id
