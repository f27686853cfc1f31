import dataclasses
from decimal import Decimal

from orsync.engine.build import build_posting
from orsync.engine.canonical import version_hash
from orsync.engine.model import Posting
from orsync.engine.options import EngineOptions

from .factories import FakeResolver, invoice, line

DEFAULTS = EngineOptions()


def posting(doc, options=DEFAULTS, resolver=None) -> Posting:  # type: ignore[no-untyped-def]
    result = build_posting(doc, "C-co-1", options, resolver or FakeResolver())
    assert isinstance(result, Posting)
    return result


def test_same_posting_same_hash_across_builds() -> None:
    assert version_hash(posting(invoice())) == version_hash(posting(invoice()))


def test_hash_is_pinned_so_an_accidental_change_in_serialization_is_caught() -> None:
    # If this fails, every record already synced would be seen as changed and updated:
    # change the canonical form only on purpose (and bump canonical.HASH_SCHEME with a migration).
    assert version_hash(posting(invoice())) == "00168484856a0cdf12f27b4f4d7b1b7e"


def test_number_formatting_of_the_source_does_not_change_the_hash() -> None:
    a = invoice("INV-1", line("100", "20"))
    b = invoice("INV-1", line("100.000", "20.0"))
    assert version_hash(posting(a)) == version_hash(posting(b))


def test_every_field_that_is_sent_changes_the_hash() -> None:
    base = posting(invoice())
    variants = [
        dataclasses.replace(base, customer_id="C-2"),
        dataclasses.replace(base, currency="EUR"),
        dataclasses.replace(base, entity_id="E-UK"),
        dataclasses.replace(base, description="other"),
        dataclasses.replace(base, lines=(dataclasses.replace(base.lines[0], account="40500"),)),
        dataclasses.replace(base, lines=(dataclasses.replace(base.lines[0], class_id="K1"),)),
        dataclasses.replace(
            base, lines=(dataclasses.replace(base.lines[0], tax_amount=Decimal("20.01")),)
        ),
    ]
    hashes = {version_hash(v) for v in variants}
    assert version_hash(base) not in hashes and len(hashes) == len(variants)


def test_mapping_change_changes_the_hash() -> None:
    assert version_hash(posting(invoice())) != version_hash(
        posting(invoice(), resolver=FakeResolver(taxes={"tax-vat20": "UK Reduced"}))
    )


def test_the_encoder_writes_exactly_the_walked_canonical_form() -> None:
    # canonical_json encodes with a default hook for speed; stored hashes depend on it giving
    # the very text that to_jsonable + json.dumps gives, for every kind of value it meets.
    import datetime as dt
    import json
    from types import MappingProxyType

    from orsync.engine.canonical import canonical_json, to_jsonable

    @dataclasses.dataclass(frozen=True)
    class Inner:
        amount: Decimal
        note: str | None = None

    @dataclasses.dataclass(frozen=True)
    class Outer:
        when: dt.date
        at: dt.datetime
        inners: tuple[Inner, ...]
        tags: frozenset[str]
        extra: object = None

    values: list[object] = [
        posting(invoice()),
        posting(invoice("INV-2", line("100.000", "20.0"), line("-3.10", "0"))),
        Outer(
            dt.date(2026, 11, 26),
            dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC),
            (Inner(Decimal("1.500")), Inner(Decimal("0E-7"), "x")),
            frozenset({"b", "a", "é"}),
            MappingProxyType({"k": [Decimal("2.0"), None, True, 3]}),
        ),
        [None, "text", 1.5, {"z": 1, "a": Inner(Decimal("10"))}],
    ]
    for value in values:
        walked = json.dumps(
            to_jsonable(value, for_hash=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert canonical_json(value) == walked
