"""Recorded contract exchanges with the OfficeRnD simulator (vcrpy), replayed offline in CI.

Re-record with ``ORSYNC_RECORD_CASSETTES=1 pytest tests/officernd/test_officernd_cassettes.py``.
The Authorization header, the form's ``client_secret`` and the token in the token answer are
scrubbed before anything is written; ``test_no_cassette_holds_a_secret`` guards that.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import vcr

from orsync.officernd import AccountingLink, NewCharge, NewOverpayment, OfficeRndClient, Query
from orsync.sandbox.officernd import DEFAULT_CLIENT_SECRET, SMALL_ORG_SLUG, OfficeRndSimulator

from .simulated import SIM_HOST, client_for, in_process, simulator

CASSETTES = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("ORSYNC_RECORD_CASSETTES") == "1"
TOKEN_PLACEHOLDER = "REDACTED-ACCESS-TOKEN"


def _scrub_token_answer(response: dict[str, Any]) -> dict[str, Any]:
    body = response["body"]["string"]
    text = body.decode() if isinstance(body, bytes) else body
    if '"access_token"' in text:
        data = json.loads(text)
        data["access_token"] = TOKEN_PLACEHOLDER
        response["body"]["string"] = json.dumps(data).encode()
    return response


RECORDER = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORDING else "none",
    match_on=["method", "scheme", "host", "path", "query"],
    filter_headers=["authorization"],
    filter_post_data_parameters=["client_secret"],
    before_record_response=_scrub_token_answer,
    decode_compressed_response=True,
)


def _client(sim: OfficeRndSimulator) -> OfficeRndClient:
    return client_for(in_process(sim), SIM_HOST, org=SMALL_ORG_SLUG)


def _played_back(sim: OfficeRndSimulator) -> None:
    if not RECORDING:
        assert sim.total_requests() == 0, "replay reached the simulator: cassette mismatch"


def test_token_and_invoice_paging_cassette() -> None:
    sim = simulator()
    with RECORDER.use_cassette("token_and_invoice_paging.yaml"):
        client = _client(sim)
        invoices = list(client.invoices(Query().page_size(2)))
    assert len(invoices) == 5
    assert all(isinstance(i.total, Decimal) for i in invoices)
    _played_back(sim)


def test_charge_and_accounting_write_back_cassette() -> None:
    sim = simulator()
    with RECORDER.use_cassette("charge_and_accounting_write_back.yaml"):
        client = _client(sim)
        invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
        charge = client.create_charge(
            NewCharge(
                invoice_id=invoice.id,
                amount=Decimal("25.00"),
                date=datetime(2026, 11, 20, tzinfo=UTC),
                account="Bank Transfer",
                reference="ARPYMT-1001",
            )
        )
        linked = client.update_invoice_accounting(
            invoice.id,
            AccountingLink(provider="orsync", provider_id="4411", external_org_id="acme-gl"),
            number="SI-4411",
        )
    assert charge.reference == "ARPYMT-1001" and charge.amount == Decimal("25.00")
    assert linked.number == "SI-4411" and linked.accounting is not None
    assert linked.accounting.provider_id == "4411"
    _played_back(sim)


def test_overpayment_and_allocation_cassette() -> None:
    sim = simulator()
    with RECORDER.use_cassette("overpayment_and_allocation.yaml"):
        client = _client(sim)
        invoice = next(client.invoices(Query().eq("status", "awaiting_payment")))
        overpayment = client.create_overpayment(
            NewOverpayment(
                amount=Decimal("15.00"),
                date=datetime(2026, 11, 21, tzinfo=UTC),
                currency=invoice.currency or "USD",
                reference="ARPYMT-2002",
                company=invoice.company,
                location=invoice.location,
            )
        )
        allocated = client.allocate(overpayment.id, invoice.id, Decimal("15.00"))
    assert overpayment.document_type == "overpayment"
    assert any(a.target == invoice.id for a in allocated.allocations)
    _played_back(sim)


_SECRET_PATTERNS = (
    re.compile(r"client_secret=(?!&|$)", re.M),
    re.compile(r"Bearer\s+[A-Za-z0-9]", re.I),
    re.compile(r'"access_token"\s*:\s*"(?!' + TOKEN_PLACEHOLDER + ")"),
    re.compile(r"^\s*[Aa]uthorization:", re.M),
)


def _secrets_in(text: str) -> list[str]:
    found = [p.pattern for p in _SECRET_PATTERNS if p.search(text)]
    if DEFAULT_CLIENT_SECRET in text:
        found.append("the sandbox client secret")
    return found


def test_no_cassette_holds_a_secret() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    if not files:
        pytest.skip("no cassettes recorded yet")
    for path in files:
        assert _secrets_in(path.read_text()) == [], path.name


def test_the_secret_guard_catches_an_unscrubbed_exchange() -> None:
    leaked = (
        "body: grant_type=client_credentials&client_secret=abc&scope=x\n"
        "    authorization:\n    - Bearer 0123abcd\n"
        '"access_token": "0123abcd"\n' + DEFAULT_CLIENT_SECRET
    )
    assert len(_secrets_in(leaked)) == 5
