"""Compare the element structure of a response with a captured sample."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.sandbox_intacct.requests_xml import PARSER


def skeleton(root: etree._Element) -> set[str]:
    """Every element path (``response/control/status``) and ``path@attribute`` name.

    Inside ``data`` only the ``api`` block of getAPISession is followed: records differ per
    object, so what is compared there is the ``data`` element and its attribute names.
    """
    found: set[str] = set()

    def walk(node: etree._Element, path: str) -> None:
        if not isinstance(node.tag, str):
            return
        here = f"{path}/{node.tag}" if path else str(node.tag)
        found.add(here)
        found.update(f"{here}@{name}" for name in node.attrib)
        for child in node:
            if node.tag != "data" or child.tag == "api":
                walk(child, here)

    walk(root, "")
    return found


def sample(samples: Path, name: str) -> etree._Element:
    return etree.fromstring((samples / name).read_bytes(), PARSER)
