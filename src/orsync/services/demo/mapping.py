"""Fill the gaps ``map init`` leaves in the demo's mapping, in the file's own text.

The sandbox seeds three gaps on purpose (``SeedWorld.mapping_gaps``): an OfficeRnD location with
no Intacct counterpart (BKN), a revenue account whose GL account and item are inactive (4500) and
one with none at all (4600). A real user decides where those post; the demo decides for them, in
ONE table (:data:`DEMO_GAP_TARGETS`), and says so in its output.

The draft's text is edited line by line rather than re-dumped so that its comments (what each
entry matched, and why) stay in the file the newcomer can open afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from orsync.errors import InternalError

UNRESOLVED_MARK = "null  # UNRESOLVED"

# (map name, OfficeRnD code) -> {field: Intacct target}; a field not named here is left alone.
# Brooklyn is a new US site: its invoices post as New York until the accountant opens a BKN
# location. Virtual office (4500, inactive) goes to membership fees; event tickets (4600, no
# account) to one-off fees. Items carry the same ids as GL accounts in the seeded company.
DEMO_GAP_TARGETS: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("locations", "BKN"): {"location": "NYC", "entity": "US"},
    ("revenue_accounts", "4500"): {"gl_account": "4000", "item": "4000"},
    ("revenue_accounts", "4600"): {"gl_account": "4300", "item": "4300"},
}

# Unresolved entries that are not declared gaps (the seed says every other value has an active
# counterpart, but a tax rate without tax, e.g. NOTAX, has no tax detail to match): the demo
# posts them without one.
_FALLBACK_FIELDS: Mapping[str, tuple[str, str]] = {"tax_detail": ("no_tax", "true")}


@dataclass(frozen=True)
class FilledGap:
    """One entry the demo filled: which map and key, which field, the target, and why."""

    map_name: str
    key: str
    code: str | None
    field: str
    target: str
    reason: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "map": self.map_name,
            "key": self.key,
            "code": self.code,
            "field": self.field,
            "target": self.target,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class GapToFill:
    """What ``map init`` reported unresolved: map, key written in the file, OfficeRnD code."""

    map_name: str
    key: str
    code: str | None
    reason: str


def _entry_span(lines: Sequence[str], map_name: str, key: str) -> tuple[int, int]:
    """Line range (start, end) of the entry ``key`` in section ``map_name``: the lines after its
    header that are indented deeper than it."""
    try:
        section = lines.index(f"{map_name}:")
    except ValueError:
        raise InternalError(f"the drafted mapping has no {map_name} section") from None
    header = f"    {json.dumps(key, ensure_ascii=False)}:"
    for index in range(section + 1, len(lines)):
        line = lines[index]
        if line and not line.startswith(" "):
            break  # next top-level section
        if line == header or line.startswith(header + " "):
            end = index + 1
            while end < len(lines) and lines[end].startswith("      "):
                end += 1
            return index + 1, end
    raise InternalError(f"the drafted mapping has no entry {key!r} under {map_name}")


def state_books_close(text: str, closed_through: dt.date) -> str:
    """``text`` stating the seeded company's last closed day, with documents dated before it
    posted on the first open day (``closed_period: shift``): what finance states after a close
    (Intacct's XML API has no read of it). The seed dates one invoice in the closed month."""
    lines = text.split("\n")
    block = [
        f"  books_closed_through: {closed_through.isoformat()}  # stated by orsync demo",
        "  closed_period: shift  # stated by orsync demo",
    ]
    if "options:" in lines:
        at = lines.index("options:") + 1
    else:
        at = lines.index("version: 1") + 1
        block.insert(0, "options:")
    lines[at:at] = block
    return "\n".join(lines)


def fill_gaps(text: str, gaps: Iterable[GapToFill]) -> tuple[str, list[FilledGap]]:
    """``text`` with every unresolved target of ``gaps`` filled from :data:`DEMO_GAP_TARGETS`
    (or the fallback), and the list of what was filled.

    InternalError when a gap has no demo target: the seed and this table disagree, and the
    demo must not post a half-mapped world while claiming a complete mapping.
    """
    lines = text.split("\n")
    filled: list[FilledGap] = []
    for gap in gaps:
        targets = DEMO_GAP_TARGETS.get((gap.map_name, gap.code or gap.key), {})
        start, end = _entry_span(lines, gap.map_name, gap.key)
        for index in range(start, end):
            stripped = lines[index].strip()
            field, sep, rest = stripped.partition(": ")
            if not sep or not rest.startswith(UNRESOLVED_MARK):
                continue
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            if field in targets:
                new_field, target = field, targets[field]
                value = json.dumps(target)
            elif field in _FALLBACK_FIELDS:
                new_field, target = _FALLBACK_FIELDS[field]
                value = target
            else:
                msg = (
                    f"orsync demo has no target for {gap.map_name} {gap.key!r} ({field}); "
                    "the seed's declared gaps and DEMO_GAP_TARGETS disagree"
                )
                raise InternalError(msg)
            lines[index] = f"{indent}{new_field}: {value}  # filled by orsync demo ({gap.reason})"
            filled.append(FilledGap(gap.map_name, gap.key, gap.code, new_field, target, gap.reason))
    return "\n".join(lines), filled
