"""Request validation against the official ``api.xsd`` (XSD 1.1 mode; loaded once per path)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from lxml import etree

XSD_ENV = "ORSYNC_INTACCT_XSD"


class SchemaUnavailable(RuntimeError):
    """Validation was asked for, but the optional ``xmlschema`` package is not installed."""


_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def resolve_xsd_path(configured: str | None) -> str | None:
    """The configured path wins; an empty string disables validation; else the environment."""
    if configured is not None:
        return configured or None
    return os.environ.get(XSD_ENV) or None


def load_schema(path: str) -> Any:
    """The compiled schema for ``path``; compiling takes about a second, so it is shared
    process-wide (every simulator instance in a test run uses the same object)."""
    key = str(Path(path).resolve())
    with _cache_lock:
        schema = _cache.get(key)
        if schema is None:
            try:
                import xmlschema
            except ImportError:
                raise SchemaUnavailable(
                    f"validating requests against {path} needs the xmlschema package: "
                    f"pip install 'orsync[sandbox]', or unset {XSD_ENV}"
                ) from None

            # XSD 1.1 mode: api.xsd's `arguments` element violates UPA, which 1.1 relaxes.
            schema = xmlschema.XMLSchema11(key)
            _cache[key] = schema
        return schema


def validation_errors(schema: Any, tree: etree._ElementTree, limit: int = 3) -> list[str]:
    """Up to ``limit`` one-line messages, empty when the document is valid."""
    messages = []
    for error in schema.iter_errors(tree):
        reason = (error.reason or str(error.message)).strip().replace("\n", " ")
        path = error.path or ""
        messages.append(f"{reason} (at {path})" if path else reason)
        if len(messages) >= limit:
            break
    return messages
