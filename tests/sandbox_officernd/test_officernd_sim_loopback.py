"""The simulator served on 127.0.0.1: the same answers over a real socket."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from orsync.sandbox.officernd import SMALL_ORG_SLUG, OfficeRndSimConfig, OfficeRndSimulator
from orsync.sandbox.server import serve
from tests.sandbox_officernd.bulk import bulk_seed
from tests.sandbox_officernd.conftest import BASE, token_form

pytestmark = pytest.mark.loopback


def test_token_paging_write_lost_response_and_webhook_over_loopback(
    config: OfficeRndSimConfig,
) -> None:
    received: list[tuple[bytes, str]] = []

    def receiver(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        received.append((body, environ["HTTP_OFFICERND_SIGNATURE"]))
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    config.read_requests_per_minute = None
    sim = OfficeRndSimulator(bulk_seed(120), config)
    with (
        serve(sim) as served,
        serve(receiver) as hook,
        httpx.Client(base_url=served.base_url, timeout=5) as client,
    ):
        token = client.post("/oauth/token", data=token_form()).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        subscription = client.post(
            f"{BASE}/webhooks",
            json={"url": f"{hook.base_url}/ornd", "eventTypes": ["invoice.charge.created"]},
        ).json()

        seen: list[str] = []
        params: dict[str, Any] = {"$limit": 50}
        while True:
            body = client.get(f"/api/v2/organizations/{SMALL_ORG_SLUG}/payments", params=params)
            page = body.json()
            seen.extend(r["_id"] for r in page["results"])
            if "cursorNext" not in page:
                break
            params = {"$limit": 50, "$cursorNext": page["cursorNext"]}
        assert seen == [r["_id"] for r in sim.records("payments")]

        invoice = sim.records("payments", documentType="invoice", status="awaiting_payment")[-1]
        sim.config.faults.set_rate("lost-response", 1.0)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(
                f"{BASE}/charges",
                json={"payment": invoice["_id"], "amount": 10, "account": "Cash"},
            )
        sim.config.faults.set_rate("lost-response", 0.0)
        assert len(sim.records("charges", payment=invoice["_id"])) == 1

        assert [r.ok for r in sim.deliver_pending()] == [True]
    body, header = received[0]
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        subscription["secret"].encode(), body + b"." + parts["t"].encode(), hashlib.sha256
    ).hexdigest()
    assert parts["signature"] == expected
    assert json.loads(body)["data"]["payment"] == invoice["_id"]
