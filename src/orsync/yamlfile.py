"""Load a YAML file so that every problem can be reported with its line, column and key path.

PyYAML accepts duplicate keys silently and reports tabs and syntax errors one at a time; here
the document is composed into nodes first (which keep their marks), checked, and only then
turned into plain data for pydantic. Pydantic's error locations are mapped back to the nodes.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class YamlProblem:
    """One problem in a YAML file: 1-based line and column, dotted key path, message."""

    line: int
    column: int
    path: str
    message: str

    def render(self, filename: str | Path) -> str:
        where = f"{filename}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def format_problems(path: Path, problems: list[YamlProblem]) -> str:
    count = len(problems)
    head = f"{path} has {count} problem{'s' if count != 1 else ''}:"
    return "\n".join([head, *(f"  {p.render(path)}" for p in problems)])


def _mark_problem(mark: yaml.Mark | None, path: str, message: str) -> YamlProblem:
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    return YamlProblem(line, column, path, message)


def _tab_problems(text: str) -> list[YamlProblem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            column = indent.index("\t") + 1
            problems.append(
                YamlProblem(number, column, "", "tab used for indentation; indent with spaces")
            )
    return problems


def _duplicate_problems(node: yaml.Node, path: str = "") -> list[YamlProblem]:
    problems: list[YamlProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                first = seen[key].start_mark.line + 1
                problems.append(
                    _mark_problem(
                        key_node.start_mark, child, f"duplicate key (first defined on line {first})"
                    )
                )
            else:
                seen[key] = key_node
            problems.extend(_duplicate_problems(value_node, child))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems.extend(_duplicate_problems(item, f"{path}[{index}]"))
    return problems


def load_located(text: str) -> tuple[Any, yaml.Node | None, list[YamlProblem]]:
    """Parse ``text``: (plain data, root node, problems). Data is None when there are problems."""
    problems = _tab_problems(text)
    if problems:
        return None, None, problems
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        return None, None, [_mark_problem(mark, "", f"invalid YAML: {reason}")]
    if node is None:
        return None, None, []
    problems = _duplicate_problems(node)
    if problems:
        return None, node, problems
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # e.g. an unknown tag, caught by construction only
        return None, node, [_mark_problem(getattr(exc, "problem_mark", None), "", str(exc))]
    return data, node, []


def _find_node(
    root: yaml.Node | None, loc: tuple[int | str, ...], *, key: bool
) -> yaml.Node | None:
    """The node at ``loc`` (its key node when ``key``), or its nearest existing ancestor."""
    node = root
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    node = key_node if (last and key) else value_node
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        candidates = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(candidates[0]) if len(candidates) == 1 else annotation
    return annotation


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names valid at ``loc``'s parent, walking models and dict values."""
    current: Any = model
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) in (list, tuple):
            current = typing.get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def locate(
    error: ValidationError, root: yaml.Node | None, model: type[BaseModel] | None = None
) -> list[YamlProblem]:
    """Turn pydantic's errors into located problems, with "did you mean" for unknown keys."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        node = _find_node(root, loc, key=item["type"] == "extra_forbidden")
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
        path = path.replace(".[", "[")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
            if model is not None:
                close = difflib.get_close_matches(str(loc[-1]), _allowed_keys(model, loc), n=1)
                if close:
                    message += f"; did you mean {close[0]!r}?"
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = f"{item['msg']}, got {_describe(item.get('input'))}"
        problems.append(_mark_problem(node.start_mark if node else None, path, message))
    return sorted(problems, key=lambda p: (p.line, p.column, p.path))
