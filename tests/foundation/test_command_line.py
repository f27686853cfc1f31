"""The command line as a user meets it: usage errors in orsync's own words, global options
wherever they are typed, and every command a hint suggests one that orsync accepts."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pytest

from orsync.cli import hoist_global_options
from tests.conftest import REPO_ROOT, CliRunner

SOURCE = REPO_ROOT / "src" / "orsync"


def test_a_usage_error_is_an_error_and_a_hint_not_clicks_usage_block(run_cli: CliRunner) -> None:
    result = run_cli("connect", "--frobnicate")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: No such option: --frobnicate\n"
        "hint: Run `orsync connect --help` to see its options.\n"
    )


def test_a_missing_subcommand_shows_the_help_then_the_error(run_cli: CliRunner) -> None:
    result = run_cli("map")
    assert result.exit_code == 2
    assert "init" in result.stderr and "check" in result.stderr
    assert result.stderr.endswith(
        "error: `orsync map` needs a command.\nhint: Run `orsync map --help` to see its options.\n"
    )


def test_the_cli_uses_no_private_typer_or_click_module() -> None:
    users = [
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if re.search(r"\b_click\b", path.read_text(encoding="utf-8"))
    ]
    assert users == []


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--profile", "ghost"),
        ("status", "-p", "ghost"),
        ("status", "--profile=ghost"),
        ("sync", "--dry-run", "-p", "ghost", "-vv", "--no-color"),
        ("map", "show", "--sample", "1", "-q", "--profile", "ghost", "--debug"),
    ],
)
def test_global_options_are_accepted_after_the_command(
    run_cli: CliRunner, args: tuple[str, ...]
) -> None:
    result = run_cli(*args)
    assert "No such option" not in result.stderr
    assert "'ghost'" in result.stderr
    assert result.exit_code == 78


def test_global_options_after_the_command_mean_what_they_mean_before_it() -> None:
    assert hoist_global_options(["connect", "--no-input", "--yes"]) == [
        "--no-input",
        "connect",
        "--yes",
    ]
    assert hoist_global_options(["-p", "a", "map", "show", "-vv", "--config", "c.yaml"]) == [
        "-p",
        "a",
        "-vv",
        "--config",
        "c.yaml",
        "map",
        "show",
    ]
    assert hoist_global_options(["sync", "--version"]) == ["--version", "sync"]
    # A command's own --json means the global one already; nothing after -- moves.
    assert hoist_global_options(["sync", "--json", "--", "-q"]) == ["sync", "--json", "--", "-q"]


def message_texts(tree: ast.AST) -> Iterator[str]:
    """The text of every string a module builds (an f-string's fields as ``1``), docstrings
    left out: what a user may read in a message, hint or fix."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(
                part.value if isinstance(part, ast.Constant) else "1" for part in node.values
            )


COMMANDS = "connect|test|map|sync|status|reconcile|profiles"
SUGGESTION = re.compile(rf"`(orsync [^`]*)`|\((orsync (?:{COMMANDS})\b[^)]*)\)")


def suggested_commands() -> list[tuple[str, str]]:
    """Every orsync command a message suggests: quoted in backticks, or in parentheses."""
    found: set[tuple[str, str]] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        if "sandbox" in path.relative_to(SOURCE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for text in message_texts(tree):
            for match in SUGGESTION.finditer(text):
                command = match.group(1) or match.group(2)
                found.add((path.relative_to(SOURCE).as_posix(), command))
    return sorted(found)


def test_the_source_suggests_commands() -> None:
    assert len(suggested_commands()) > 20


def parse_only(args: list[str]) -> None:
    """Parse ``orsync ARGS`` as main() does, down to the command, running nothing: a
    command line that does not parse raises the parser's error."""
    import typer.main

    from orsync.cli import app

    args = hoist_global_options(args)
    command = typer.main.get_command(app)
    values = {"-p", "--profile", "--config"}
    first = next(
        i
        for i, arg in enumerate(args)
        if not arg.startswith("-") and (i == 0 or args[i - 1] not in values)
    )
    context = command.make_context("orsync", list(args))
    rest = args[first:]
    while hasattr(command, "resolve_command"):
        name, found, rest = command.resolve_command(context, rest)
        assert found is not None and name is not None
        command = found
        context = command.make_context(name, list(rest), parent=context)


@pytest.mark.parametrize(("where", "command"), suggested_commands())
def test_every_command_a_message_suggests_parses(where: str, command: str) -> None:
    parse_only(command.split()[1:])


def test_a_command_that_does_not_parse_is_caught() -> None:
    from typer import TyperException

    with pytest.raises(TyperException, match="unexpected extra argument"):
        parse_only(["connect", "intacct"])
    with pytest.raises(TyperException, match="No such option"):
        parse_only(["--profile", "x", "sync", "--rebuild"])


def test_a_mistyped_profile_name_gets_a_did_you_mean(run_cli: CliRunner) -> None:
    from tests.foundation.profiles_data import write_profiles

    write_profiles("production", "staging")
    result = run_cli("--profile", "prodution", "status")
    assert result.exit_code == 78
    assert '(profiles: production, staging); did you mean "production"?' in result.stderr
    assert "hint: Use --profile production, or run `orsync --profile prodution connect`" in (
        result.stderr
    )


def help_of(run_cli: CliRunner, *command: str) -> str:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_help_lists_the_commands_in_workflow_order_and_whole(run_cli: CliRunner) -> None:
    text = help_of(run_cli)
    listed = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.split()[0] for line in listed]
    assert names == [
        "connect",
        "test",
        "map",
        "sync",
        "status",
        "reconcile",
        "listen",
        "profiles",
        "demo",
        "sandbox",
    ]
    assert not [line for line in listed if line.rstrip().endswith("...")]
    map_help = help_of(run_cli, "map")
    assert "..." not in map_help.split("Commands:\n", 1)[1]


LEAF_COMMANDS = [
    ("connect",),
    ("test",),
    ("map", "init"),
    ("map", "check"),
    ("map", "show"),
    ("sync",),
    ("status",),
    ("reconcile",),
    ("profiles", "list"),
    ("profiles", "show"),
    ("profiles", "remove"),
    ("demo",),
    ("sandbox",),
]


@pytest.mark.parametrize("command", LEAF_COMMANDS)
def test_every_command_documents_its_exit_codes(
    run_cli: CliRunner, command: tuple[str, ...]
) -> None:
    assert "Exit codes:" in help_of(run_cli, *command)


@pytest.mark.parametrize(
    ("command", "option"),
    [(("sync",), "--since"), (("reconcile",), "--from"), (("reconcile",), "--to")],
)
def test_date_options_show_date(run_cli: CliRunner, command: tuple[str, ...], option: str) -> None:
    assert re.search(rf"{option} DATE\b", help_of(run_cli, *command))
