"""Load a mapping file, reporting every problem at once with file, line, column and key path."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path as FilePath

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orsync.errors import ConfigError
from orsync.mapping import rules
from orsync.mapping.model import REQUIRED_MAPS, Mapping
from orsync.mapping.yamlsource import Path, Position, SourceDocument, format_path, read_source


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


class MappingError(ConfigError):
    """The mapping file is unusable; ``problems`` lists every reason, in file order."""

    default_hint = "Fix each line listed, then run `orsync map check` to validate again."

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column, p.path, p.message))
        super().__init__("\n".join(str(problem) for problem in self.problems))


def load_mapping(path: str | FilePath) -> Mapping:
    """Read and validate a mapping file; raises :class:`MappingError` (exit 78) on any problem."""
    file_path = FilePath(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError([Problem(str(file_path), 1, 1, "", "file not found")]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start})"
        raise MappingError([Problem(str(file_path), 1, 1, "", message)]) from None
    except OSError as error:
        message = f"cannot be read: {error.strerror}"
        raise MappingError([Problem(str(file_path), 1, 1, "", message)]) from None
    return parse_mapping(text, str(file_path))


def parse_mapping(text: str, filename: str = "mappings.yaml") -> Mapping:
    """Validate mapping ``text``; ``filename`` only labels the problems."""
    document = read_source(text)
    located: list[tuple[Position, Path, str]] = [
        (p.position, p.path, p.message) for p in document.problems
    ]
    mapping: Mapping | None = None
    if document.data is not None:
        data = document.data
        if not isinstance(data, dict):
            located.append((Position(1, 1), (), "expected a mapping of keys at the top level"))
        else:
            for name in REQUIRED_MAPS:
                if name not in data:
                    located.append((Position(1, 1), (name,), _REQUIRED[name]))
            located.extend(rules.empty_maps(data, document))
            mapping, schema_problems = _validate(data, document)
            located.extend(schema_problems)
            if mapping is not None:
                located.extend(
                    (document.position_of(path, key=on_key), path, message)
                    for path, message, on_key in rules.check(mapping)
                )
    if located or mapping is None or document.data is None:
        raise MappingError(
            [
                Problem(filename, pos.line, pos.column, format_path(path), msg)
                for pos, path, msg in located
            ]
        )
    return mapping


_REQUIRED = {
    "revenue_accounts": "required section is missing: every invoice line has a revenue account",
    "locations": "required section is missing: every invoice has a location",
}


def _validate(
    data: dict[str, object], document: SourceDocument
) -> tuple[Mapping | None, list[tuple[Position, Path, str]]]:
    """Validate; on errors, validate again without the broken sections so that the cross-key
    rules still run on the rest and every problem is reported in one go."""
    try:
        return Mapping.model_validate(data), []
    except ValidationError as error:
        details = error.errors()
    problems = [_translate(detail, document) for detail in details]
    broken = {detail["loc"][0] for detail in details if detail["loc"]}
    if not broken:
        return None, problems
    rest = {key: value for key, value in data.items() if key not in broken}
    try:
        partial = Mapping.model_validate(rest)
    except ValidationError:
        return None, problems
    # Rules about a section that did not validate would speak about what is not there.
    return partial, problems


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


def _translate(detail: ErrorDetails, document: SourceDocument) -> tuple[Position, Path, str]:
    path = _known_prefix(tuple(detail["loc"]), document)
    kind = detail["type"]
    given = detail.get("input")
    if kind == "extra_forbidden":
        return document.position_of(path, key=True), path, _unknown_key(path)
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
        allowed = _literal_choices(path)
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


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model class that holds the key at ``path`` (walking fields and dict values)."""
    current: object = Mapping
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


def _unknown_key(path: Path) -> str:
    model = _model_at(path[:-1])
    if model is None:
        return "unknown key"
    allowed = sorted(f.alias or name for name, f in model.model_fields.items())
    key = str(path[-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f'unknown key; did you mean "{close[0]}"?'
    return f"unknown key; expected one of: {', '.join(allowed)}"


def _literal_choices(path: Path) -> list[str]:
    model = _model_at(path[:-1])
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
