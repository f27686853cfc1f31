"""The origin marker: how a document in Intacct says "orsync created me".

ONE place decides it. Choice: a fixed prefix on the document description (ARINVOICE and
ARADJUSTMENT ``DESCRIPTION``, SODOCUMENT ``MESSAGE``). Why not a custom field: it would have to be
created in every customer's Intacct company first, and a missing custom field fails every create.
Why not ``externalid``: the create functions accept it, but whether every object returns it on
read is unverified. The description is writable and readable on all three document types, and a
human reading the document in Intacct sees where it came from.

Limits: someone editing the description in Intacct removes the mark; reconcile then lists the
document as not created by orsync (a manual-only item), which is the safe direction.
"""

from __future__ import annotations

ORIGIN_PREFIX = "orsync:"


def mark_origin(text: str) -> str:
    """Return ``text`` carrying the origin marker exactly once."""
    if has_origin_marker(text):
        return text
    return f"{ORIGIN_PREFIX} {text}".rstrip()


def has_origin_marker(description: str | None) -> bool:
    return description is not None and description.lstrip().startswith(ORIGIN_PREFIX)
