"""Commands suggested to the user name the profile they are about.

A hint or fix such as "run `orsync sync --retry-failed`" is written once, without a profile.
Run for a profile named with ``--profile`` or ``ORSYNC_PROFILE`` (cron's, ``--all-profiles``'
children), that command as printed would act on the *default* profile: the wrong company's
records, or worse, ``orsync connect --intacct-url URL`` repointing a profile that worked. So
every suggested command of a profile's own is given that profile when output leaves orsync.
"""

from __future__ import annotations

import re
import shlex

# The commands that act on one profile; `sandbox`, `demo`, `profiles NAME` and `--help` do not.
_PROFILE_COMMANDS = "connect|test|map|sync|status|reconcile|listen"
# A suggestion opens with "`orsync " or "(orsync " (how messages quote a command), never one
# that already names a profile.
_SUGGESTION = re.compile(rf"(?<=[`(])orsync (?=(?:{_PROFILE_COMMANDS})\b)")


def name_profile(text: str, profile: str | None) -> str:
    """``text`` with each suggested per-profile command given ``--profile PROFILE``."""
    if not profile or "orsync " not in text:
        return text
    return _SUGGESTION.sub(f"orsync --profile {shlex.quote(profile)} ", text)


# Keys of JSON documents whose string values are messages, hints or fixes (never data read from
# a service, which is printed as it was read).
MESSAGE_KEYS = frozenset({"hint", "fix", "text", "message", "detail"})


def name_profile_in(document: object, profile: str | None) -> object:
    """A JSON document with :func:`name_profile` applied to its message values."""
    if not profile:
        return document
    if isinstance(document, dict):
        return {
            key: name_profile(value, profile)
            if key in MESSAGE_KEYS and isinstance(value, str)
            else name_profile_in(value, profile)
            for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [name_profile_in(item, profile) for item in document]
    return document
