"""Shared fixtures: the official request schema and the reference samples (from ../shared)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
XSD_PATH = SHARED / "reference" / "intacct-schemas" / "v3.0" / "api.xsd"
SAMPLES = SHARED / "reference" / "intacct-samples"

if XSD_PATH.exists():
    # The simulator validates every request it receives when this is set (HELPERS.md).
    os.environ.setdefault("ORSYNC_INTACCT_XSD", str(XSD_PATH))


@pytest.fixture(scope="session")
def api_schema() -> object:
    if not XSD_PATH.exists():
        pytest.skip(f"official Intacct schema not found at {XSD_PATH} (../shared is absent)")
    import xmlschema

    return xmlschema.XMLSchema11(str(XSD_PATH))


@pytest.fixture(scope="session")
def assert_valid_request(api_schema: object) -> Callable[[bytes], None]:
    def check(body: bytes) -> None:
        errors = list(api_schema.iter_errors(etree.fromstring(body)))  # type: ignore[attr-defined]
        assert not errors, "\n".join(str(e.reason) + " at " + str(e.path) for e in errors[:3])

    return check


@pytest.fixture(scope="session")
def sample() -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        path = SAMPLES / name
        if not path.exists():
            pytest.skip(f"reference sample {path} not found (../shared is absent)")
        return path.read_bytes()

    return read
