"""Load a mapping file, reporting every problem at once with file, line, column and key path."""

from __future__ import annotations

from pathlib import Path as FilePath

from pydantic import ValidationError

from orsync.errors import ConfigError
from orsync.mapping import rules
from orsync.mapping.model import REQUIRED_MAPS, Mapping
from orsync.yamlschema import Problem, translate
from orsync.yamlsource import (
    FILE_NOT_FOUND,
    Path,
    Position,
    SourceDocument,
    SourceProblem,
    format_path,
    read_file,
    read_source,
)


class MappingError(ConfigError):
    """The mapping file is unusable; ``problems`` lists every reason, in file order."""

    default_hint = "Fix each line listed, then run `orsync map check` to validate again."

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column, p.path, p.message))
        super().__init__("\n".join(str(problem) for problem in self.problems), hint=hint)


def load_mapping(path: str | FilePath) -> Mapping:
    """Read and validate a mapping file; raises :class:`MappingError` (exit 78) on any problem."""
    file_path = FilePath(path)
    text = read_file(file_path)
    if isinstance(text, SourceProblem):
        where = text.position
        hint = None
        if text.message == FILE_NOT_FOUND:  # no line to fix: say how to get a file
            hint = (
                f"Write one with `orsync map init --output {file_path}`, or give the path of "
                "your mapping file."
            )
        raise MappingError(
            [Problem(str(file_path), where.line, where.column, "", text.message)], hint=hint
        )
    return parse_mapping(text, str(file_path))


def parse_mapping(text: str, filename: str = "mappings.yaml") -> Mapping:
    """Validate mapping ``text``; ``filename`` only labels the problems."""
    document = read_source(text)
    located: list[tuple[Position, Path, str]] = [
        (p.position, p.path, p.message) for p in document.problems
    ]
    mapping: Mapping | None = None
    if document.data is None and not located:
        located.append((Position(1, 1), (), "the file is empty"))
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
    problems = [translate(detail, document, Mapping) for detail in details]
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
