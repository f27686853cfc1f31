"""Reconcile reads payments with $select: the fields it asks for must describe a document fully."""

from __future__ import annotations

import json
from decimal import Decimal

from orsync.officernd.collections import PAYMENTS
from orsync.sandbox.seed.generator import generate
from orsync.services.convert import (
    SOURCE_DOCUMENT_FIELDS,
    SYNCED_DOCUMENT_TYPES,
    ReferenceData,
    source_document,
)


def test_the_selected_fields_give_the_same_engine_document_as_the_whole_record() -> None:
    world = generate(seed=7, invoices=120, companies=24)
    reference = ReferenceData()
    wanted = {"_id", *SOURCE_DOCUMENT_FIELDS}
    compared = 0
    for raw in world.officernd.collections["payments"]:
        wire = json.loads(json.dumps(raw, default=str), parse_float=Decimal)
        if wire.get("documentType") not in SYNCED_DOCUMENT_TYPES:
            continue
        whole = source_document(PAYMENTS.parse(wire), reference)
        selected = source_document(
            PAYMENTS.parse({k: v for k, v in wire.items() if k in wanted}), reference
        )
        assert selected == whole, raw["number"]
        compared += 1
    assert compared > 100
