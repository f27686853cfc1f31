"""The unit of work sent to the gateway: one ``<function controlid=…>`` and what it is for."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

MAX_CONTROLID_LENGTH = 256  # api.xsd: function/@controlid is a string of 0-256 characters


@dataclass(frozen=True)
class Function:
    """One gateway function, ready to be placed in a request's ``<content>``.

    ``controlid`` correlates the result with the request and, for writes sent with
    ``<uniqueid>true</uniqueid>``, is what the gateway checks for a previous execution: callers
    pass a deterministic one per business operation. ``record`` is the caller's own key for the
    record concerned (carried into errors and outcomes, never sent). ``payload`` holds the XML of
    the function's only child (``<create_invoice>`` …), serialised so the value stays immutable.
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

    def element(self) -> etree._Element:
        """A fresh ``<function>`` element holding the payload."""
        function = etree.Element("function", controlid=self.controlid)
        function.append(etree.fromstring(self.payload, parser=_PARSER))
        return function


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def make_function(
    body: etree._Element, controlid: str, *, is_write: bool, record: str | None = None
) -> Function:
    """Wrap a payload element built by one of the typed builders."""
    return Function(
        name=str(body.tag),
        controlid=controlid,
        payload=etree.tostring(body, encoding="UTF-8"),
        is_write=is_write,
        record=record,
    )
