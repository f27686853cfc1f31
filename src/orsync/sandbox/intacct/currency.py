"""Transaction currencies: each entity's base currency and the others it enables, exchange
rates by type and date, and the rate a document posts at (base amounts: ``records``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.records import ONE
from orsync.sandbox.intacct.request import legacy_date, text
from orsync.sandbox.intacct.rules import Checks

# The rate types the simulated company has (Intacct's built-in one).
RATE_TYPES = frozenset({"Intacct Daily Rate"})


@dataclass(frozen=True)
class Conversion:
    currency: str
    base_currency: str
    rate: Decimal


def base_currency_of(checks: Checks, entity_id: str) -> str:
    entity = checks.store.entities.get(entity_id)
    if entity is None:
        entity = next(iter(checks.store.entities.values()), None)
    return entity.currency if entity is not None else "USD"


def conversion(checks: Checks, el: etree._Element, entity_id: str, when: date | None) -> Conversion:
    """The currency block of a legacy create (``basecurr?, currency, exchratedate?,
    exchratetype | exchrate``), checked against the entity the document belongs to."""
    base = base_currency_of(checks, entity_id)
    currency = text(el, "currency") or base
    given_base = text(el, "basecurr")
    if given_base and given_base != base:
        checks.add(messages.wrong_base_currency(given_base, base))
    entity = checks.store.entities.get(entity_id)
    enabled = {base, *(entity.currencies if entity is not None else ())}
    if currency not in enabled:
        checks.add(messages.currency_not_enabled(currency, entity_id))
        return Conversion(currency, base, ONE)
    rate_text = text(el, "exchrate")
    if currency == base:
        if rate_text and _decimal(rate_text) != ONE:
            checks.add(messages.rate_for_base_currency(rate_text))
        return Conversion(currency, base, ONE)
    if rate_text:
        rate = _decimal(rate_text)
        if rate is None or rate <= 0:
            checks.add(messages.invalid_exchange_rate(rate_text))
            return Conversion(currency, base, ONE)
        return Conversion(currency, base, rate)
    rate_type = text(el, "exchratetype")
    if rate_type not in RATE_TYPES:
        checks.add(messages.unknown_rate_type(rate_type))
        return Conversion(currency, base, ONE)
    day = legacy_date(el, "exchratedate") or when
    found = checks.store.exchange_rate(rate_type, currency, base, day) if day else None
    if found is None:
        shown = day.strftime("%m/%d/%Y") if day else "the date"
        checks.add(messages.no_exchange_rate(currency, base, rate_type, shown))
        return Conversion(currency, base, ONE)
    return Conversion(currency, base, found)


def updated_conversion(
    checks: Checks, el: etree._Element, entity_id: str, when: date | None
) -> Conversion | None:
    """The currency block of an update (``update_invoice``, ``update_aradjustment``,
    ``update_sotransaction`` all take ``currency`` then ``exchrate`` or a rate type): None when
    the update leaves the document's currency and rate as they are."""
    if el.find("currency") is None and el.find("exchrate") is None:
        return None
    return conversion(checks, el, entity_id, when)


def rated_changes(rated: Conversion) -> dict[str, object]:
    """A document's fields an update's currency block sets (base amounts follow the rate)."""
    return {
        "currency": rated.currency,
        "base_currency": rated.base_currency,
        "exchange_rate": rated.rate,
    }


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
