"""Say pydantic's validation errors in the terms of the YAML file they came from.

Shared by the config file and the mapping file: each error is placed on the key or value it is
about (positions from :mod:`orsync.yamlsource`), keys are named as written, and near misses get a
"did you mean". One wording for both files, so an admin learns it once.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from orsync.yamlsource import Path, Position, SourceDocument


@dataclass(frozen=True)
class Problem:
    """One located problem: ``mappings.yaml:12:5: revenue_accounts.values.x.gl_account: ...``."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        return where + (f"{self.path}: {self.message}" if self.path else self.message)


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f'text "{value}"'


def translate(
    detail: ErrorDetails, document: SourceDocument, root: type[BaseModel]
) -> tuple[Position, Path, str]:
    """One pydantic error of validating ``document``'s data as ``root``, placed on the node it
    is about and said in the file's terms (keys as written, "did you mean" for near misses)."""
    path = _known_prefix(tuple(detail["loc"]), document)
    kind = detail["type"]
    given = detail.get("input")
    if kind == "extra_forbidden":
        return document.position_of(path, key=True), path, _unknown_key(root, path)
    if kind == "missing":
        full = tuple(detail["loc"])
        return document.position_of(full[:-1]), full, "required key is missing"
    position = document.position_of(path)
    if kind == "string_type":
        return position, path, f"expected text, got {_describe(given)}"
    if kind == "bool_type":
        return position, path, f"expected true or false, got {_describe(given)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return position, path, f"expected a mapping, got {_describe(given)}"
    if kind == "literal_error":
        allowed = _literal_choices(root, path)
        message = f"expected one of {', '.join(allowed)}, got {_describe(given)}"
        if isinstance(given, str):
            close = difflib.get_close_matches(given, allowed, n=1, cutoff=0.6)
            if close:
                message += f'; did you mean "{close[0]}"?'
        return position, path, message
    if kind == "value_error" and "error" in detail.get("ctx", {}):
        return position, path, str(detail["ctx"]["error"])  # our validators' own text
    return position, path, detail["msg"]


def _known_prefix(loc: Path, document: SourceDocument) -> Path:
    # pydantic appends union/validator labels ("literal['a']", "function-after[...]"): drop
    # everything past the last element that is a real key of the file.
    for end in range(len(loc), -1, -1):
        prefix = loc[:end]
        if prefix in document.values or prefix in document.keys:
            return prefix
    return loc


def _model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model class that holds the key at ``path`` (walking fields and dict values)."""
    current: object = root
    for element in path:
        model = _as_model(current)
        if model is not None:
            field = next(
                (f for name, f in model.model_fields.items() if (f.alias or name) == element),
                None,
            )
            if field is None:
                return None
            current = field.annotation
            continue
        args = [a for a in typing.get_args(current) if a is not type(None)]
        if typing.get_origin(current) is dict and len(args) == 2:
            current = args[1]
            continue
        return None
    return _as_model(current)


def _as_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _unknown_key(root: type[BaseModel], path: Path) -> str:
    model = _model_at(root, path[:-1])
    if model is None:
        return "unknown key"
    allowed = sorted(f.alias or name for name, f in model.model_fields.items())
    key = str(path[-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f'unknown key; did you mean "{close[0]}"?'
    return f"unknown key; expected one of: {', '.join(allowed)}"


def _literal_choices(root: type[BaseModel], path: Path) -> list[str]:
    model = _model_at(root, path[:-1])
    if model is None:
        return []
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == path[-1]), None)
    if field is None:
        return []
    choices: list[str] = []
    pending: list[object] = [field.annotation]
    while pending:
        annotation = pending.pop(0)
        if typing.get_origin(annotation) is typing.Literal:
            choices.extend(str(arg) for arg in typing.get_args(annotation))
        else:
            pending.extend(typing.get_args(annotation))
    return choices
