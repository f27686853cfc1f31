"""The layering rules of DESIGN.md section 3, read from the source's imports.

A rule broken here is a design change: say it in the architecture document, not in an exception
list below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "orsync"
SERVICES = SRC / "services"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _submodules(module: str, names: tuple[str, ...]) -> list[str]:
    """The names of ``from module import names`` that are orsync modules themselves: ``from
    orsync.services.convert import postings`` reaches inside a package as surely as ``from
    orsync.services.convert.postings import ...`` does, and ``from orsync import cli`` imports
    the CLI."""
    if module != "orsync" and not module.startswith("orsync."):
        return []
    folder = SRC.parent.joinpath(*module.split("."))
    return [
        f"{module}.{name}"
        for name in names
        if (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()
    ]


def _imports(path: Path) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, module imported, names taken from it) for every import in ``path``; a module taken
    by name (``from package import module``) is reported as imported itself too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            names = tuple(alias.name for alias in node.names)
            yield node.lineno, module, names
            for submodule in _submodules(module, names):
                yield node.lineno, submodule, ()


def _sources(folder: Path = SRC) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(SRC.parent)}:{line}"


def test_the_engine_imports_nothing_from_the_rest_of_orsync() -> None:
    allowed = ("orsync.engine",)
    found = [
        f"{_where(path, line)} imports {module}"
        for path in _sources(SRC / "engine")
        for line, module, _ in _imports(path)
        if module.startswith("orsync") and not module.startswith(allowed)
    ]
    assert found == []


def test_nothing_but_the_entry_point_imports_the_cli() -> None:
    found = [
        f"{_where(path, line)} imports {module}"
        for path in _sources()
        if not path.is_relative_to(SRC / "cli") and path != SRC / "__main__.py"
        for line, module, _ in _imports(path)
        if module == "orsync.cli" or module.startswith("orsync.cli.")
    ]
    assert found == []


def test_the_sandbox_depends_on_no_orsync_layer_that_talks_to_a_service() -> None:
    """It must stand in for the real services anywhere, so it shares value types only."""
    forbidden = ("orsync.services", "orsync.engine", "orsync.state", "orsync.intacct")
    forbidden += ("orsync.officernd", "orsync.mapping", "orsync.cli")
    found = [
        f"{_where(path, line)} imports {module}"
        for path in _sources(SRC / "sandbox")
        for line, module, _ in _imports(path)
        if module.startswith(forbidden)
    ]
    assert found == []


def test_every_service_module_lives_in_a_package() -> None:
    loose = [p.name for p in SERVICES.glob("*.py") if p.name != "__init__.py"]
    assert loose == []


def test_every_service_package_has_a_face() -> None:
    """A folder without ``__init__.py`` would be a namespace package: no face to import."""
    faceless = [
        str(folder.relative_to(SRC))
        for folder in sorted(SERVICES.rglob("*"))
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
        if not (folder / "__init__.py").is_file()
    ]
    assert faceless == []


def test_a_module_imported_by_name_counts_as_imported() -> None:
    """The checks below see ``from package import module`` as an import of the module."""
    assert _submodules("orsync.services.convert", ("postings", "IntacctDocuments")) == [
        "orsync.services.convert.postings"
    ]
    assert _submodules("orsync", ("cli", "__version__")) == ["orsync.cli"]
    assert _submodules("httpx", ("Client",)) == []


def _service_package(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["orsync", "services"] and len(parts) >= 3:
        return parts[2]
    return None


def test_code_outside_a_service_package_imports_only_its_face() -> None:
    found = []
    for path in _sources():
        own = _service_package(_module_name(path))
        for line, module, _ in _imports(path):
            target = _service_package(module)
            if target is not None and target != own and module.count(".") > 2:
                found.append(f"{_where(path, line)} imports {module}")
    assert found == []


def test_code_outside_the_state_imports_only_its_face() -> None:
    """``orsync.state`` exports everything a caller needs (its docstring says so)."""
    found = [
        f"{_where(path, line)} imports {module}"
        for path in _sources()
        if not path.is_relative_to(SRC / "state")
        for line, module, _ in _imports(path)
        if module.startswith("orsync.state.")
    ]
    assert found == []


def _top_package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3] if parts[1:2] == ["services"] else parts[:2])


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_name_is_imported_across_packages(path: Path) -> None:
    own = _top_package(_module_name(path))
    found = []
    for line, module, names in _imports(path):
        if not module.startswith("orsync") or _top_package(module) == own:
            continue
        private_module = any(part.startswith("_") for part in module.split("."))
        private_names = [n for n in names if n.startswith("_") and n != "__version__"]
        if private_module or private_names:
            found.append(f"{_where(path, line)} imports {module} {private_names or ''}")
    assert found == []


def test_no_private_module_of_a_third_party_library_is_imported() -> None:
    found = [
        f"{_where(path, line)} imports {module}"
        for path in _sources()
        for line, module, _ in _imports(path)
        if not module.startswith("orsync")
        and any(part.startswith("_") and part != "__future__" for part in module.split("."))
    ]
    assert found == []
