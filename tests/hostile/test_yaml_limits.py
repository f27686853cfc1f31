"""orsync's YAML files cannot make it build without bound: an alias bomb, a recursive alias or
nesting thousands deep is a problem placed in the file (exit 78), found in well under a second
and a few MB, never a MemoryError, RecursionError or a wait of minutes."""

from __future__ import annotations

import tracemalloc

import pytest

from orsync.yamlsource import MAX_VALUES, read_source


def alias_bomb(levels: int) -> str:
    """The issue's reproduction: ``levels`` levels of 9 aliases to the level below."""
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [7, 10])
def test_an_alias_bomb_is_a_problem_in_the_file_not_gigabytes(levels: int) -> None:
    text = alias_bomb(levels)
    assert len(text) < 600  # a few hundred bytes asking for 9**levels values
    tracemalloc.start()
    try:
        document = read_source(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.data is None
    (problem,) = document.problems
    assert f"more than {MAX_VALUES:,} values" in problem.message
    assert problem.position.line >= 1
    assert peak < 200 * 1024 * 1024


def test_a_recursive_alias_is_named_as_such() -> None:
    document = read_source("values: &loop\n  - *loop\n")
    assert [p.message for p in document.problems] == ["an alias refers to a value that contains it"]


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 20_000 + "]" * 20_000 + "\n", "".join(f"{' ' * i}k:\n" for i in range(3000))],
    ids=["flow", "block"],
)
def test_nesting_thousands_deep_is_a_problem_not_a_recursion_error(text: str) -> None:
    document = read_source(text)
    assert document.data is None
    assert any("nested more than" in p.message for p in document.problems)


def test_an_ordinary_alias_still_reads() -> None:
    document = read_source("base: &b {x: '1'}\nother: *b\n")
    assert document.problems == [] and document.data == {"base": {"x": "1"}, "other": {"x": "1"}}
