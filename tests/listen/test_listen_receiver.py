"""The receiver alone (in process, no server): each delivery goes to the profile whose secret
signed it, duplicates are answered and ignored, and nothing else is served."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orsync.officernd.webhooks import signature_header
from orsync.services.listen import Health
from orsync.services.listen.health import ProfileHealth
from orsync.services.listen.receiver import Endpoint, Receiver
from orsync.state import StateStore, database_path
from tests.conftest import CliRunner


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[dict[str, StateStore]]:
    opened = {
        name: StateStore.open(database_path(tmp_path, name), profile=name)
        for name in ("dublin", "london")
    }
    yield opened
    for store in opened.values():
        store.close()


def _client(stores: dict[str, StateStore], woken: list[str]) -> httpx.Client:
    health = Health(listening=True)
    endpoints = []
    for name, store in stores.items():
        health.profiles[name] = ProfileHealth(name, store.inbox.backlog)
        endpoints.append(
            Endpoint(name, f"secret-{name}", store.inbox, lambda n=name: woken.append(n))
        )
    app = Receiver(endpoints, health)
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://listen")


def _body(event: str | None, object_id: str = "inv1") -> bytes:
    envelope: dict[str, object] = {
        "eventType": "invoice.updated",
        "data": {"object": {"_id": object_id, "modifiedAt": "2026-12-01T10:00:00.000Z"}},
    }
    if event is not None:
        envelope["event"] = event
    return json.dumps(envelope).encode()


def _post(client: httpx.Client, secret: str, body: bytes) -> httpx.Response:
    header = signature_header(secret, body, int(time.time()))
    return client.post("/webhooks/officernd", content=body, headers={"officernd-signature": header})


def test_each_delivery_goes_to_the_profile_whose_secret_signed_it(
    stores: dict[str, StateStore],
) -> None:
    woken: list[str] = []
    client = _client(stores, woken)
    assert _post(client, "secret-london", _body("e1")).json() == {
        "received": True,
        "duplicate": False,
    }
    assert _post(client, "secret-london", _body("e1")).json()["duplicate"] is True
    # Without an event id the documented fallback key dedupes: type, object id, modifiedAt.
    assert _post(client, "secret-dublin", _body(None)).json()["duplicate"] is False
    assert _post(client, "secret-dublin", _body(None)).json()["duplicate"] is True
    assert woken == ["london", "dublin"]
    london = stores["london"].inbox.get("e1")
    assert london is not None and (london.record_kind, london.record_id) == ("document", "inv1")
    assert stores["dublin"].inbox.get("e1") is None
    assert stores["dublin"].inbox.count_pending() == 1


def test_health_answers_and_nothing_else_is_served(stores: dict[str, StateStore]) -> None:
    client = _client(stores, [])
    health = client.get("/healthz")
    assert health.status_code == 200
    document = health.json()
    assert document["schema"] == "orsync.health/1" and document["ok"] is True
    assert [p["profile"] for p in document["profiles"]] == ["dublin", "london"]
    assert client.get("/webhooks/officernd").status_code == 405
    assert client.post("/healthz").status_code == 405
    assert client.get("/").status_code == 404


def test_listen_without_a_webhook_secret_says_how_to_get_one(
    run_cli: CliRunner, sandbox_profile: str
) -> None:
    result = run_cli("listen", "--port", "0")
    assert result.exit_code == 78
    assert "--register" in result.stderr
    assert run_cli("listen", "--register").exit_code == 2  # needs --public-url


def test_a_refused_delivery_is_logged_with_its_reason_never_its_body(
    stores: dict[str, StateStore], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    logger = logging.getLogger("orsync.listen")
    logger.addHandler(caplog.handler)
    try:
        caplog.set_level(logging.INFO, logger="orsync.listen")
        client = _client(stores, [])
        body = _body("e-secret", object_id="PRIVATE-CUSTOMER-DATA")
        assert _post(client, "a-forged-secret", body).status_code == 401
    finally:
        logger.removeHandler(caplog.handler)
    assert "signature does not match" in caplog.text
    assert "PRIVATE-CUSTOMER-DATA" not in caplog.text and "a-forged-secret" not in caplog.text
    assert all(store.inbox.count_pending() == 0 for store in stores.values())


@pytest.mark.usefixtures("no_keyring_backend")
def test_without_a_keyring_the_missing_secret_hint_is_the_route_that_works() -> None:
    # `--register` refuses on a machine with no keyring (it could not keep the secret): a hint
    # naming it sent the operator of a headless server into a second error.
    from orsync.errors import CredentialError
    from orsync.services.listen import webhook_secret

    with pytest.raises(CredentialError) as missing:
        webhook_secret("main")
    hint = missing.value.hint or ""
    assert "--register" not in hint
    assert "ORSYNC_OFFICERND_WEBHOOK_SECRET" in hint and "Developer Tools" in hint


def test_an_address_this_machine_does_not_have_is_named_as_the_host_not_the_port() -> None:
    import errno
    from unittest import mock

    from orsync.errors import ConfigError
    from orsync.services.listen.server import serve

    refused = OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address")
    with (
        mock.patch("orsync.services.listen.server.create_server", side_effect=refused),
        pytest.raises(ConfigError) as error,
    ):
        serve(object(), "10.255.255.1", 8787, max_body=1024)
    assert "--host" in (error.value.hint or "")
    assert "--port" not in (error.value.hint or "")


def test_health_is_503_with_the_reason_while_events_wait_on_a_sync_that_does_not_end() -> None:
    # A service that accepts the connection and never answers (hung, not down) keeps a batch
    # in its retries for minutes: /healthz said ok, with no reason, the whole time.
    from datetime import UTC, datetime, timedelta

    from orsync.state import InboxBacklog

    now = datetime.now(UTC)
    backlog = InboxBacklog(pending=2, oldest_received_at=now, last_received_at=now, last_error=None)
    health = Health(listening=True)
    health.profiles["main"] = ProfileHealth("main", lambda: backlog)
    health.update("main", working_since=now - timedelta(seconds=5))
    assert health.to_dict()["ok"] is True  # a batch under way is no failure
    health.update("main", working_since=now - timedelta(seconds=600), last_answer_at=now)
    assert health.to_dict()["ok"] is True  # a long sync that services keep answering
    health.update("main", last_answer_at=now - timedelta(seconds=300))
    document = health.to_dict()
    assert document["ok"] is False
    profile = document["profiles"][0]
    assert profile["working_since"] is not None
    assert "no answer from Intacct or OfficeRnD" in profile["waiting_for"]
    health.update("main", working_since=None)
    assert health.to_dict()["ok"] is True
