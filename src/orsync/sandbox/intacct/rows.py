"""Record rows of read answers, serialised as lxml serialises them, without a tree per row.

A large read answers thousands of rows of twenty-odd fields; building an element per field
(``SubElement`` and ``.text``) cost more CPU than everything else the simulator does for it.
So a row becomes its bytes directly: each field ``<NAME>text</NAME>`` with the text escaped
exactly as lxml's serialiser does it in UTF-8 (``&``, ``<`` and ``>`` as entities, every other
character as itself). Anything outside that rule (a carriage return, which lxml writes as
``&#13;``; a control character, which lxml refuses; a name seen for the first time, which lxml
must accept first) goes through lxml itself, so the bytes are lxml's in every case. The rows
are then spliced into the serialised answer in place of a marker comment
(:func:`orsync.sandbox.intacct.protocol.success_response`); lxml escapes ``<`` in every text
and attribute, so a marker can only be the comment put there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

Row = Sequence[tuple[str, str]]


class KeptRow(list[tuple[str, str]]):
    """A row never changed once built (a record's own rows, which are immutable values like
    the record, or a kept query's projection): its bytes are written once and kept on it."""

    __slots__ = ("written",)

    written: tuple[str, bytes]  # (tag, bytes); unset until first written


# Characters lxml's UTF-8 serialiser writes, in text, other than as themselves: &, <, >
# (entities), CR (&#13;) and what XML does not allow at all (lxml refuses it).
_NOT_AS_IS = re.compile("[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
# Of those, the ones left to lxml.
_LEFT_TO_LXML = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")

# Element names lxml accepted (names come from the record types and from clients' custom
# fields, which arrived as element names of a parsed request, so the set stays small).
_NAMES: set[str] = set()


def lxml_row(tag: str, fields: Row) -> bytes:
    """The row as lxml writes it: the reference :func:`row_bytes` must equal."""
    element = etree.Element(tag)
    subelement = etree.SubElement
    for name, value in fields:
        subelement(element, name).text = value
    return bytes(etree.tostring(element, encoding="UTF-8"))


def _entities(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def row_bytes(tag: str, fields: Row) -> bytes:
    """``<tag><NAME>text</NAME>...</tag>`` exactly as lxml would write the element."""
    if type(fields) is KeptRow:
        written: tuple[str, bytes] | None = getattr(fields, "written", None)
        if written is not None and written[0] == tag:
            return written[1]
        data = _row_bytes(tag, fields)
        fields.written = (tag, data)
        return data
    return _row_bytes(tag, fields)


def _row_bytes(tag: str, fields: Row) -> bytes:
    names = [name for name, _ in fields]
    if tag not in _NAMES or not _NAMES.issuperset(names):
        data = lxml_row(tag, fields)  # raises as lxml does for a name it refuses
        _NAMES.add(tag)
        _NAMES.update(names)
        return data
    values = [value for _, value in fields]
    try:
        text = "".join(values)
    except TypeError:  # a value that is not text: lxml says what it makes of it
        return lxml_row(tag, fields)
    if _NOT_AS_IS.search(text) is not None:
        if _LEFT_TO_LXML.search(text) is not None:
            return lxml_row(tag, fields)
        values = [_entities(value) for value in values]
    body = "".join([f"<{name}>{value}</{name}>" for name, value in zip(names, values, strict=True)])
    return f"<{tag}>{body}</{tag}>".encode()
