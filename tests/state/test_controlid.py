"""Function controlids: the same write always gets the same id, and it fits Intacct's limits."""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
from lxml import etree

from orsync.errors import InternalError
from orsync.state import CONTROLID_MAX_LENGTH, controlid

REPO_ROOT = Path(__file__).resolve().parents[2]
API_XSD = REPO_ROOT.parent / "shared" / "reference" / "intacct-schemas" / "v3.0" / "api.xsd"
SHAPE = re.compile(r"orsync:[a-z][a-z0-9_]{0,31}:[0-9a-f]{32}")


def test_the_same_inputs_give_the_same_controlid_in_another_process() -> None:
    here = controlid("acme", "invoice", "65a1b2c3d4e5f60718293a4b", "9f2c")
    code = (
        "from orsync.state import controlid;"
        "print(controlid('acme', 'invoice', '65a1b2c3d4e5f60718293a4b', '9f2c'))"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert here == there


def test_the_controlid_format_is_pinned() -> None:
    # Changing the derivation would give every pending write a new id after an upgrade;
    # that must be a deliberate, versioned change, not an accident. Reproduce with:
    # printf "19:orsync-controlid-v14:acme7:invoice4:inv12:v1" | sha256sum | cut -c1-32
    assert controlid("acme", "invoice", "inv1", "v1") == (
        "orsync:invoice:f5c26aa5c01ae350abecb03a5cbf7e3b"
    )


def test_every_input_changes_the_controlid() -> None:
    base = ("acme", "invoice", "inv1", "v1")
    variants = [
        ("acme2", "invoice", "inv1", "v1"),
        ("acme", "credit_note", "inv1", "v1"),
        ("acme", "invoice", "inv2", "v1"),
        ("acme", "invoice", "inv1", "v2"),
    ]
    ids = {controlid(*base), *(controlid(*variant) for variant in variants)}
    assert len(ids) == 5
    assert controlid(*base, send_round=0) == controlid(*base)
    assert len({controlid(*base, send_round=n) for n in range(50)}) == 50


def test_parts_cannot_run_into_each_other() -> None:
    assert controlid("ab", "invoice", "c", "v") != controlid("a", "invoice", "bc", "v")
    assert controlid("p", "invoice", "a:b", "c") != controlid("p", "invoice", "a", "b:c")


def test_controlids_are_short_and_plain_for_any_input() -> None:
    long_kind = "k" * 32
    samples = product(
        ["acme", "é" * 300], [long_kind, "invoice"], ["1", "x" * 1000], ["v", "h" * 128]
    )
    for profile, kind, source_id, version in samples:
        value = controlid(profile, kind, source_id, version, send_round=2**40)
        assert SHAPE.fullmatch(value), value
        assert len(value) <= 72 <= CONTROLID_MAX_LENGTH


def test_a_malformed_kind_or_round_is_refused() -> None:
    with pytest.raises(InternalError):
        controlid("acme", "Invoice", "inv1", "v1")
    with pytest.raises(InternalError):
        controlid("acme", "invoice", "inv1", "v1", send_round=-1)


@pytest.mark.skipif(not API_XSD.exists(), reason=f"Intacct schema not found at {API_XSD}")
def test_the_length_limit_is_the_one_in_intacct_schema() -> None:
    tree = etree.parse(str(API_XSD), etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    limits = tree.xpath(
        "//xs:element[@name='function']//xs:attribute[@name='controlid']//xs:maxLength/@value",
        namespaces=ns,
    )
    assert [int(limit) for limit in limits] == [CONTROLID_MAX_LENGTH]
