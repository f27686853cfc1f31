"""Unauthenticated webhook input can only ever be refused as such (WebhookSignatureError),
never raise anything else; an empty secret is orsync's configuration error."""

from __future__ import annotations

import contextlib
import random

import pytest

from orsync.errors import ConfigError
from orsync.officernd.webhooks import (
    MAX_BODY_BYTES,
    WebhookSignatureError,
    compute_signature,
    parse_delivery,
    signature_header,
    verify_signature,
)

SECRET = "whsec-for-tests"
NOW = 1_800_000_000
BODY = b'{"eventType": "payment.updated", "data": {"object": {"_id": "1"}}}'

HOSTILE_HEADERS = {
    "non-ASCII signature": f"t={NOW},signature=é{'0' * 63}",
    "Arabic-Indic timestamp": "t=١٨٠٠٠٠٠٠٠٠,signature=" + "0" * 64,
    "full-width digits": "t=１８００,signature=" + "0" * 64,
    "signature of the wrong length": f"t={NOW},signature=abc",
    "upper-case hex only": f"t={NOW},signature=" + "A" * 64,
    "a megabyte of header": "t=1," + "signature=" + "0" * 1_000_000,
    "only separators": ",,,,===,,",
    "NUL bytes": f"t={NOW}\0,signature=\0",
    "a huge timestamp": "t=" + "9" * 400 + ",signature=" + "0" * 64,
}


@pytest.mark.parametrize("header", HOSTILE_HEADERS.values(), ids=HOSTILE_HEADERS.keys())
def test_a_malformed_signature_header_is_a_signature_refusal(header: str) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, BODY, header, clock=lambda: NOW)


def test_a_body_nested_a_hundred_thousand_deep_is_refused_not_a_recursion_error() -> None:
    body = b'{"eventType": "x", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    header = signature_header(SECRET, body, NOW)
    verify_signature(SECRET, body, header, clock=lambda: NOW)  # signed: it is well-formed
    with pytest.raises(WebhookSignatureError, match="not JSON orsync can read"):
        parse_delivery(body)


def test_a_body_over_the_cap_is_refused_before_hashing_or_parsing() -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    with pytest.raises(WebhookSignatureError, match="over"):
        verify_signature(SECRET, body, signature_header(SECRET, body, NOW), clock=lambda: NOW)
    with pytest.raises(WebhookSignatureError, match="over"):
        parse_delivery(body)


@pytest.mark.parametrize("secret", ["", "   ", "\t\n"])
def test_an_empty_secret_is_a_configuration_error_not_an_open_door(secret: str) -> None:
    header = f"t={NOW},signature={compute_signature(secret, BODY, NOW)}"
    with pytest.raises(ConfigError, match="secret is empty or blank"):
        verify_signature(secret, BODY, header, clock=lambda: NOW)


def test_listen_refuses_to_start_with_a_blank_secret_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ORSYNC_OFFICERND_WEBHOOK_SECRET= ` (an env file's stray space) is set, but blank."""
    from orsync.errors import ExitCode
    from orsync.services.listen.run import webhook_secret

    monkeypatch.setenv("ORSYNC_OFFICERND_WEBHOOK_SECRET", "   ")
    with pytest.raises(ConfigError) as refused:
        webhook_secret("main")
    assert refused.value.exit_code == ExitCode.CONFIG and "blank" in refused.value.message
    assert "listen --register" in refused.value.hint


def test_random_garbage_only_ever_raises_the_signature_error() -> None:
    rng = random.Random(21)
    alphabet = "t=signature,0123456789abcdef ١é\0\n;"
    for _ in range(2000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        with pytest.raises(WebhookSignatureError):
            verify_signature(SECRET, body, header, clock=lambda: NOW)
        with contextlib.suppress(WebhookSignatureError):  # parsed, or refused: nothing else
            parse_delivery(body)


def test_a_genuine_delivery_still_verifies() -> None:
    assert verify_signature(SECRET, BODY, signature_header(SECRET, BODY, NOW), clock=lambda: NOW)
