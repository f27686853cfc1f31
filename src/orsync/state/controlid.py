"""Deterministic Intacct function controlids (DESIGN.md section 4).

Intacct, with ``<uniqueid>true</uniqueid>``, refuses to execute a function whose controlid it
has already executed. A controlid derived only from what is being written (profile, kind,
source id, version) makes a resend of the same change carry the same id, so that protection
applies across retries, crashes and restarts, and a rebuilt ledger derives the same ids again.

Format: ``orsync:<kind>:<32 lowercase hex digits>`` (the first 128 bits of a SHA-256 over a
length-prefixed encoding of the inputs). The kind is kept readable so that a controlid in
Intacct's audit trail says what it was; the digest hides ids and keeps the length bounded.
The schema (api.xsd, ``function/@controlid``) allows 0 to 256 characters; ours are at most
``len("orsync:") + 32 + 1 + 32 = 72``.
"""

from __future__ import annotations

import hashlib
import re

from orsync.errors import InternalError

CONTROLID_MAX_LENGTH = 256  # api.xsd: function/@controlid is xs:string, maxLength 256
DIGEST_LENGTH = 32  # hex digits: 128 bits
KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")
_FORMAT_TAG = "orsync-controlid-v1"


def check_kind(kind: str) -> str:
    if not KIND_PATTERN.fullmatch(kind):
        raise InternalError(
            f"ledger kind {kind!r} must be 1-32 characters of a-z, 0-9 and _, "
            "starting with a letter"
        )
    return kind


def controlid(
    profile: str, kind: str, source_id: str, version_hash: str, *, send_round: int = 0
) -> str:
    """The function controlid for writing ``version_hash`` of ``(kind, source_id)``.

    ``send_round`` starts a fresh id for a deliberate second send of the same version after a
    definite outcome (a business failure, or a confirmed document that has to be posted
    again). Round 0 is the plain four-part form, so ``controlid(p, k, s, v)`` is stable.
    """
    check_kind(kind)
    if send_round < 0:
        raise InternalError(f"send_round must not be negative (got {send_round})")
    parts = [_FORMAT_TAG, profile, kind, source_id, version_hash]
    if send_round:
        parts.append(str(send_round))
    # Length prefixes make the encoding injective whatever characters the parts contain.
    encoded = "".join(f"{len(part)}:{part}" for part in parts).encode("utf-8")
    return f"orsync:{kind}:{hashlib.sha256(encoded).hexdigest()[:DIGEST_LENGTH]}"
