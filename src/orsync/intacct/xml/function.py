"""The unit of work sent to the gateway: one ``<function controlid=…>`` and what it is for."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

MAX_CONTROLID_LENGTH = 256  # api.xsd: function/@controlid is a string of 0-256 characters
_XML_DECLARATION = b"<?xml"
# What lxml escapes in an attribute value, so a spliced <function> reads as lxml would write it.
_ATTRIBUTE_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)


@dataclass(frozen=True)
class Function:
    """One gateway function, ready to be placed in a request's ``<content>``.

    ``controlid`` correlates the result with the request and, for writes sent with
    ``<uniqueid>true</uniqueid>``, is what the gateway checks for a previous execution: callers
    pass a deterministic one per business operation. ``record`` is the caller's own key for the
    record concerned (carried into errors and outcomes, never sent). ``payload`` holds the XML of
    the function's only child (``<create_invoice>`` …), serialised once by the builder so the
    value stays immutable; requests splice it in as it is, never parsing it again.
    """

    name: str
    controlid: str
    payload: bytes = field(repr=False)
    is_write: bool
    record: str | None = None

    def __post_init__(self) -> None:
        if not 0 < len(self.controlid) <= MAX_CONTROLID_LENGTH:
            raise ValueError(
                f"a function controlid must have 1 to {MAX_CONTROLID_LENGTH} characters"
            )

    def serialised(self) -> bytes:
        """The ``<function>`` element as UTF-8 bytes: the payload wrapped, not re-serialised."""
        payload = self.payload
        if payload.startswith(_XML_DECLARATION):  # a payload written with its declaration
            payload = payload[payload.index(b"?>") + 2 :].lstrip()
        return b'<function controlid="%s">%s</function>' % (_attribute(self.controlid), payload)


def _attribute(value: str) -> bytes:
    for char, escape in _ATTRIBUTE_ESCAPES:
        value = value.replace(char, escape)
    return value.encode("utf-8")


def make_function(
    body: etree._Element, controlid: str, *, is_write: bool, record: str | None = None
) -> Function:
    """Wrap a payload element built by one of the typed builders (its only serialisation)."""
    return Function(
        name=str(body.tag),
        controlid=controlid,
        payload=etree.tostring(body, encoding="UTF-8"),
        is_write=is_write,
        record=record,
    )
