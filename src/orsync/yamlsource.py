"""Turn the text of orsync's YAML files (config and mapping) into plain data while remembering
where every key and value sits.

PyYAML's constructors lose positions and silently keep the last of two duplicate keys, so we
only *compose* the document (a safe operation that builds nodes, never objects) and walk the
nodes ourselves. Scalars follow a deliberately small rule set, because both files are full of
account numbers, company and entity ids that YAML's implicit typing would corrupt (``0400`` is
octal 256 in YAML 1.1, ``NO`` is false, ``100`` is not text): plain ``null``/``~``/empty is
nothing, plain ``true``/``false`` is a boolean, and every other scalar (numbers and dates
included) is text, exactly as written; the schema converts text where it wants a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath

import yaml

Path = tuple[str | int, ...]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")

# Bounds on what a file may make orsync build, whatever its size: both files are written by
# people, and the largest real mapping holds a few thousand values a few levels deep. Aliases
# are expanded, so a few hundred bytes of nested aliases (a "billion laughs") could otherwise
# ask for billions of values; a deeply nested file would exhaust the stack.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_VALUES = 50_000
MAX_DEPTH = 64
# More than MAX_DEPTH brackets opened in a row: refused before PyYAML's scanner, which spends
# time on every open level, gets to it (a real file never has a run of them, even in a value).
_BRACKET_RUN = re.compile(r"[\[{](?:[ \t\r\n]*[\[{]){" + str(MAX_DEPTH) + "}")


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the source text."""

    line: int
    column: int


@dataclass(frozen=True)
class SourceProblem:
    """A problem found while reading the file, before any schema applies."""

    position: Position
    path: Path
    message: str


@dataclass
class SourceDocument:
    """The data of a mapping file plus the position of each value and each key."""

    data: object = None  # None when the text holds no document or could not be read
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)

    def position_of(self, path: Path, *, key: bool = False) -> Position:
        """Best position for ``path``: the node itself, else its nearest known ancestor."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return Position(1, 1)


def format_path(path: Path) -> str:
    """Dotted key path; keys that are not plain words are quoted: ``values."Membership fees"``."""
    parts: list[str] = []
    for element in path:
        if isinstance(element, int):
            parts.append(f"[{element}]")
            continue
        text = element if _PLAIN_KEY.fullmatch(element) else _quote(element)
        parts.append(("." if parts else "") + text)
    return "".join(parts)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _position(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


def _tab_problems(text: str) -> list[SourceProblem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                SourceProblem(
                    Position(number, indent.index("\t") + 1),
                    (),
                    "tab character in indentation: YAML indents with spaces only",
                )
            )
    return problems


FILE_NOT_FOUND = "file not found"


def read_file(path: FilePath) -> str | SourceProblem:
    """The file's text, or why it cannot be read, placed where a person can find it: a byte
    that is not UTF-8 (an editor saving Latin-1, say) is named with its line and column."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return SourceProblem(Position(1, 1), (), FILE_NOT_FOUND)
    except IsADirectoryError:
        return SourceProblem(Position(1, 1), (), "is a folder, not a file")
    except OSError as error:
        return SourceProblem(Position(1, 1), (), f"cannot be read: {error.strerror}")
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return SourceProblem(Position(1, 1), (), f"is larger than {limit} MB: not an orsync file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        where = Position(raw.count(b"\n", 0, error.start) + 1, error.start - line_start + 1)
        byte = raw[error.start]
        message = f"not UTF-8 text (byte 0x{byte:02X}); save the file as UTF-8"
        return SourceProblem(where, (), message)


def read_source(text: str) -> SourceDocument:
    """Compose ``text`` and convert it to plain data; problems are collected, never raised."""
    document = SourceDocument()
    tabs = _tab_problems(text)
    document.problems.extend(tabs)
    if len(text) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        document.problems.append(
            SourceProblem(Position(1, 1), (), f"the text is larger than {limit} MB")
        )
        return document
    if (run := _BRACKET_RUN.search(text)) is not None:
        before = text[: run.start()]
        where = Position(before.count("\n") + 1, run.start() - (before.rfind("\n") + 1) + 1)
        document.problems.append(SourceProblem(where, (), _DEPTH_MESSAGE))
        return document
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:  # PyYAML composes recursively: a file nested thousands deep
        document.problems.append(SourceProblem(Position(1, 1), (), _DEPTH_MESSAGE))
        return document
    except yaml.MarkedYAMLError as error:
        # A tab in the indentation makes the scanner fail with a less helpful message.
        if not tabs:
            mark = error.problem_mark or error.context_mark
            reason = error.problem or error.context or "unreadable"
            document.problems.append(SourceProblem(_position(mark), (), f"invalid YAML: {reason}"))
        return document
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        where = Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"invalid YAML: character U+{code:04X} is not allowed in YAML text"
        document.problems.append(SourceProblem(where, (), message))
        return document
    except yaml.YAMLError as error:
        document.problems.append(SourceProblem(Position(1, 1), (), f"invalid YAML: {error}"))
        return document
    if root is None:  # empty, or comments only: the caller decides what that means
        return document
    try:
        document.data = _convert(root, (), document, _Walk())
    except _TooBig as error:
        document.data = None
        document.problems.append(error.problem)
    return document


_DEPTH_MESSAGE = f"nested more than {MAX_DEPTH} levels deep: not an orsync file"


class _TooBig(Exception):
    def __init__(self, problem: SourceProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class _Walk:
    """What the conversion has built so far: the value count and the nodes being expanded."""

    values: int = 0
    open: set[int] = field(default_factory=set)


def _convert(node: yaml.Node, path: Path, document: SourceDocument, walk: _Walk) -> object:
    where = _position(node.start_mark)
    walk.values += 1
    if walk.values > MAX_VALUES:
        message = f"expands to more than {MAX_VALUES:,} values (aliases repeated within aliases?)"
        raise _TooBig(SourceProblem(where, path, message))
    if len(path) > MAX_DEPTH:
        raise _TooBig(SourceProblem(where, path, _DEPTH_MESSAGE))
    if id(node) in walk.open:
        raise _TooBig(SourceProblem(where, path, "an alias refers to a value that contains it"))
    document.values[path] = where
    if isinstance(node, yaml.ScalarNode):
        _check_tag(node, path, document)
        return _scalar(node)
    walk.open.add(id(node))
    try:
        _check_tag(node, path, document)
        return _collection(node, path, document, walk)
    finally:
        walk.open.discard(id(node))


def _check_tag(node: yaml.Node, path: Path, document: SourceDocument) -> None:
    if node.tag not in _ALLOWED_TAGS and node.tag != "!":
        # Reported, then read as if untagged so the rest of the node is still checked.
        shown = node.tag.replace("tag:yaml.org,2002:", "!!")
        document.problems.append(
            SourceProblem(_position(node.start_mark), path, f"unsupported YAML tag {shown}")
        )


def _collection(node: yaml.Node, path: Path, document: SourceDocument, walk: _Walk) -> object:
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), document, walk) for index, item in enumerate(node.value)
        ]
    assert isinstance(node, yaml.MappingNode)
    result: dict[str, object] = {}
    first_seen: dict[str, Position] = {}
    for key_node, value_node in node.value:
        key_position = _position(key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            document.problems.append(
                SourceProblem(key_position, path, "a key must be plain text, not a list or mapping")
            )
            continue
        key = key_node.value
        if key == "<<" and key_node.tag.endswith(":merge"):
            document.problems.append(
                SourceProblem(key_position, (*path, key), "YAML merge keys (<<) are not supported")
            )
            continue
        if key in first_seen:
            document.problems.append(
                SourceProblem(
                    key_position,
                    (*path, key),
                    f"duplicate key (first defined at line {first_seen[key].line})",
                )
            )
            continue
        first_seen[key] = key_position
        document.keys[(*path, key)] = key_position
        result[key] = _convert(value_node, (*path, key), document, walk)
    return result


def _scalar(node: yaml.ScalarNode) -> object:
    if node.style is None:  # plain, unquoted
        if node.value in _NULLS:
            return None
        if node.value in _TRUE:
            return True
        if node.value in _FALSE:
            return False
    return node.value
