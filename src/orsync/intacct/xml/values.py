"""Rendering of values into Intacct XML: money, dates, optional elements, custom fields.

Amounts are rendered here and nowhere else. Intacct rounds anything past two decimals itself;
we round first (ROUND_HALF_UP, the commercial rule) so the amount we record in the ledger is
the amount Intacct stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

Element = etree._Element

_CENTS = Decimal("0.01")


def money(amount: Decimal) -> str:
    """Two decimal places and a ``.`` separator, whatever the locale: ``Decimal("5") -> "5.00"``."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts must be Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"amount is not a finite number: {amount}")
    return format(amount.quantize(_CENTS, rounding=ROUND_HALF_UP), "f")


def quantity(value: Decimal) -> str:
    """A quantity or unit price: exact, plain notation, no exponent, no trailing zeros."""
    if not isinstance(value, Decimal):
        raise TypeError(f"quantities must be Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"quantity is not a finite number: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def object_date(value: date) -> str:
    """The date format of generic objects (``create``/``update``/queries): ``mm/dd/yyyy``."""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


def boolean(value: bool) -> str:
    return "true" if value else "false"


def sub(parent: Element, tag: str, text: str | None = None) -> Element:
    """Append ``<tag>text</tag>`` to ``parent`` and return it."""
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def optional(parent: Element, tag: str, text: str | None) -> None:
    """Append ``<tag>text</tag>`` only when there is a value (the schema's ``minOccurs=0``)."""
    if text is not None:
        sub(parent, tag, text)


def optional_money(parent: Element, tag: str, amount: Decimal | None) -> None:
    if amount is not None:
        sub(parent, tag, money(amount))


def legacy_date(parent: Element, tag: str, value: date) -> None:
    """Legacy functions take dates as ``<year>``, ``<month>``, ``<day>`` children."""
    element = sub(parent, tag)
    sub(element, "year", f"{value.year:04d}")
    sub(element, "month", f"{value.month:02d}")
    sub(element, "day", f"{value.day:02d}")


def optional_legacy_date(parent: Element, tag: str, value: date | None) -> None:
    if value is not None:
        legacy_date(parent, tag, value)


def legacy_custom_fields(parent: Element, fields: Mapping[str, str]) -> None:
    """Legacy style: ``<customfields><customfield><customfieldname>…`` (skipped when empty)."""
    if not fields:
        return
    container = sub(parent, "customfields")
    for name, value in fields.items():
        field = sub(container, "customfield")
        sub(field, "customfieldname", name)
        sub(field, "customfieldvalue", value)


def object_custom_fields(parent: Element, fields: Mapping[str, str]) -> None:
    """Generic-object style: the custom field's integration name is a direct child element."""
    for name, value in fields.items():
        sub(parent, name, value)
