"""Compare the element structure of a response with a captured sample."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.sandbox_intacct.requests_xml import PARSER


def skeleton(root: etree._Element, record_depth: int = 99) -> set[str]:
    """Every element path (``response/control/status``), plus ``@attr`` names, down to the
    ``data`` element's own attributes; record contents (which differ per object) are skipped."""
    found: set[str] = set()

    def walk(node: etree._Element, path: str, depth: int) -> None:
        if not isinstance(node.tag, str):
            return
        here = f"{path}/{node.tag}" if path else str(node.tag)
        found.add(here)
        for name in node.attrib:
            found.add(f"{here}@{name}")
        if node.tag == "data" and depth >= record_depth:
            return
        for child in node:
            walk(child, here, depth + 1 if node.tag == "data" or depth else depth)

    walk(root, "", 0)
    return {p for p in found if "/data/" not in p or (p.count("/") <= 5 and "/api" in p)}


def sample(samples: Path, name: str) -> etree._Element:
    return etree.fromstring((samples / name).read_bytes(), PARSER)
