"""Webhook signatures: known vectors, tampering, the timestamp window, malformed headers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orsync.officernd.webhooks import (
    WebhookSignatureError,
    compute_signature,
    parse_delivery,
    parse_signature_header,
    signature_header,
    verify_signature,
)

SECRET = "1b1b1b1b-1b1b-1b1b-1b1b-1b1b1b1b1b1b"
BODY = b'{"event":"5f8d6c9747120500116899e4","eventType":"invoice.updated","data":{}}'
T = 1764151200
# Computed independently: printf '%s.%s' "$BODY" 1764151200 | openssl dgst -sha256 -hmac "$SECRET"
KNOWN = "8e0a31295c8a92c3f76d118c70371a9283e304e1ec3790885b16e0e16224a1c0"


def test_known_vector_matches_hmac_of_body_dot_timestamp() -> None:
    assert compute_signature(SECRET, BODY, T) == KNOWN
    # Body first, then ".", then the timestamp: the reverse order must not match.
    assert compute_signature(SECRET, str(T).encode() + b"." + BODY, "") != KNOWN


def test_a_genuine_delivery_verifies_and_returns_its_timestamp() -> None:
    header = signature_header(SECRET, BODY, T)
    assert verify_signature(SECRET, BODY, header, clock=lambda: T + 10) == T


@pytest.mark.parametrize(
    "body",
    [BODY.replace(b"updated", b"removed"), BODY + b" ", BODY[:-1], b""],
)
def test_a_tampered_body_is_refused(body: bytes) -> None:
    header = signature_header(SECRET, BODY, T)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(SECRET, body, header, clock=lambda: T)


def test_a_wrong_secret_is_refused() -> None:
    header = signature_header("another-secret", BODY, T)
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, BODY, header, clock=lambda: T)


def test_a_replayed_timestamp_is_refused_even_with_a_valid_signature() -> None:
    header = signature_header(SECRET, BODY, T)
    with pytest.raises(WebhookSignatureError, match="301 s away"):
        verify_signature(SECRET, BODY, header, clock=lambda: T + 301)
    with pytest.raises(WebhookSignatureError, match="away from now"):
        verify_signature(SECRET, BODY, header, clock=lambda: T - 301)
    assert verify_signature(SECRET, BODY, header, clock=lambda: T + 300) == T
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, BODY, header, tolerance=60, clock=lambda: T + 61)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    header = signature_header(SECRET, BODY, T).replace(f"t={T}", f"t={T + 1}")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(SECRET, BODY, header, clock=lambda: T)


@pytest.mark.parametrize(
    "header",
    [None, "", "signature=abc", "t=abc,signature=abc", f"t={T}", f"v1=abc,t={T}"],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, BODY, header, clock=lambda: T)


def test_header_parsing_tolerates_spaces_and_upper_case_hex() -> None:
    signature = compute_signature(SECRET, BODY, T)
    parsed = parse_signature_header(f" t={T} , signature={signature.upper()} ")
    assert parsed.timestamp == str(T) and parsed.signatures == (signature,)
    verify_signature(SECRET, BODY, f"t={T}, signature={signature.upper()}", clock=lambda: float(T))


def test_the_simulators_signed_headers_verify_with_the_client() -> None:
    from orsync.sandbox.officernd import sign

    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, T), clock=lambda: T) == T


def test_the_official_example_delivery_parses_with_its_event_id() -> None:
    from pathlib import Path

    sample = (
        Path(__file__).resolve().parents[3]
        / "shared/reference/officernd-samples"
        / "webhook-delivery-company-paymentdetails-removed.official-example.json"
    )
    if not sample.exists():
        pytest.skip("../shared reference samples are absent")
    delivery = parse_delivery(sample.read_bytes())
    assert delivery.event_type == "company.paymentdetails.removed"
    assert delivery.dedupe_key == "5f8d6c9747120500116899e4"
    assert delivery.data["company"] == "5e1d8bd37f8759001051b0e8"


def test_a_delivery_without_event_id_dedupes_on_type_object_and_modified_at() -> None:
    body = (
        b'{"eventType":"invoice.updated","data":{"object":{"_id":"abc","total":10.10,'
        b'"modifiedAt":"2026-01-01T00:00:00.000Z"},"previousAttributes":{"total":9.9}}}'
    )
    delivery = parse_delivery(body)
    assert delivery.dedupe_key == "invoice.updated:abc:2026-01-01T00:00:00.000Z"
    assert str(delivery.object["total"]) == "10.10"
    assert delivery.previous_attributes == {"total": Decimal("9.9")}
    with pytest.raises(WebhookSignatureError):
        parse_delivery(b"not json")
