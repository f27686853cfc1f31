"""Which gateway error means what for the caller, kept in one place.

Several of these are unverified against a live company (intacct-api.md sections 5 and 10); each
such rule says so, and changing it is a one-line edit here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orsync.intacct.xml.response import ErrorDetail

# Bad sender/user credentials, sender not authorised, invalid or expired session.
AUTH_CODES = frozenset({"XL03000006", "XMLGW_JPP0002", "UJPP0002"})
# "Too many requests" (HTTP 429 body) and the concurrency cap ("too many operations running").
RATE_LIMIT_CODES = frozenset({"GW-0010"})
TOO_MANY_OPERATIONS = "200024"
ROLLED_BACK = "XL03000009"
MALFORMED_REQUEST = "XL03000003"
DUPLICATE_RECORD = "BL34000061"

# UNVERIFIED: with uniqueid=true the gateway refuses a function controlid it has seen. The only
# public text is "A request's function with the control ID X is in process" (still running);
# for an already completed one neither code nor text is documented (a field report even shows a
# result with no <status>). We match the phrase around "control ID" rather than an errorno so
# that both the simulator's wording and plausible real ones are recognised. Either way the
# outcome is "unconfirmed": the earlier execution may have committed.
_DUPLICATE_CONTROLID = re.compile(
    r"function with the control ?ID\b.*\b"
    r"(in process|already (been )?(executed|completed|processed))",
    re.I | re.S,
)


# UNVERIFIED: a write dated in a closed period. The field notes quote the text ("Your
# transaction date is within a period that's been closed") but no errorno, so the text is
# matched, loosely enough for "closed period" wordings too.
_CLOSED_PERIOD = re.compile(r"period that.{0,3}s been closed|\bclosed (accounting )?period", re.I)
CLOSED_PERIOD_HINT = (
    "Reopen the period in Intacct and run sync again; or state the close in the mapping file "
    "(options.books_closed_through: its last closed day) so that options.closed_period "
    "(fail, shift or skip) decides before anything is sent."
)


def _mentions(errors: Iterable[ErrorDetail], code: str) -> bool:
    return any(
        e.errorno == code or f"({code})" in e.description2 or f"({code})" in e.description
        for e in errors
    )


def is_auth_failure(errors: Iterable[ErrorDetail]) -> bool:
    return any(e.errorno in AUTH_CODES for e in errors)


def is_rate_limited(errors: Iterable[ErrorDetail]) -> bool:
    errors = tuple(errors)
    return any(e.errorno in RATE_LIMIT_CODES for e in errors) or _mentions(
        errors, TOO_MANY_OPERATIONS
    )


def is_rolled_back_only(errors: Iterable[ErrorDetail]) -> bool:
    """Only the rollback notice: this function was fine, another one in the group failed."""
    errors = tuple(errors)
    return bool(errors) and all(e.errorno == ROLLED_BACK for e in errors)


def is_duplicate_controlid(errors: Iterable[ErrorDetail]) -> bool:
    return any(_DUPLICATE_CONTROLID.search(f"{e.description} {e.description2}") for e in errors)


def summary(errors: Iterable[ErrorDetail]) -> str:
    """The specific texts, most specific first, without the generic wrappers' repetition."""
    texts: list[str] = []
    for error in errors:
        if error.errorno == ROLLED_BACK:
            continue
        text = error.text
        if text and text not in texts:
            texts.append(text)
    return "; ".join(texts) or "Intacct refused the function without an explanation"


def is_closed_period(errors: Iterable[ErrorDetail]) -> bool:
    return any(_CLOSED_PERIOD.search(f"{e.description} {e.description2}") for e in errors)


def correction(errors: Iterable[ErrorDetail]) -> str | None:
    """Intacct's own correction; for a closed period, orsync's setting that avoids the refusal."""
    errors = tuple(errors)
    if is_closed_period(errors):
        return CLOSED_PERIOD_HINT
    for error in errors:
        if error.correction:
            return error.correction
    return None
