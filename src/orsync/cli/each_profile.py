"""`--all-profiles` for `sync`, `status` and `reconcile`: one cron line for every OfficeRnD
account and Intacct company, a line per profile, the exit code the worst of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from orsync.cli import context as ctx_module
from orsync.cli.context import AppContext
from orsync.errors import ExitCode

AllProfilesOption = Annotated[
    bool, typer.Option("--all-profiles", help="Run for every configured profile.")
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        metavar="N",
        min=1,
        max=32,
        help="With --all-profiles: profiles run at once (default 1, one after another).",
    ),
]

# Options of the parent that the children must not see, with whether they take a value.
_PARENT_ONLY = {"--all-profiles": False, "--jobs": True, "--json": False}
_PROFILE = {"--profile", "-p"}


def split_command_line(args: list[str], command: str) -> tuple[list[str], list[str]]:
    """(global options without the profile, the command and its options without the parent's
    own): what each profile's run is given."""
    at = args.index(command)
    global_args: list[str] = []
    skip = False
    for arg in args[:at]:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _PROFILE:
            skip = "=" not in arg
            continue
        if name != "--json":
            global_args.append(arg)
    command_args: list[str] = []
    for arg in args[at:]:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _PARENT_ONLY:
            skip = _PARENT_ONLY[name] and "=" not in arg
            continue
        command_args.append(arg)
    return global_args, command_args


def no_jobs_without_all_profiles(jobs: int | None, hint: str) -> None:
    """``--jobs`` alone was silently ignored (one profile ran): say what it needs."""
    if jobs is not None:
        from orsync.errors import UsageError

        raise UsageError("--jobs applies to --all-profiles only", hint=hint)


def run_for_all_profiles(
    state: AppContext, command: str, jobs: int | None, summary: Callable[[dict[str, Any]], str]
) -> None:
    """Run ``command`` for each profile and exit with the worst code."""
    from orsync.services.common import run_each_profile, worst

    config = state.load_config()
    if not config.profiles:
        state.selected_profile()  # raises ProfileNotFound with the fix
    global_args, command_args = split_command_line(ctx_module.command_line, command)
    runs = run_each_profile(sorted(config.profiles), global_args, command_args, jobs=jobs or 1)
    code = worst([run.exit_code for run in runs])
    out = state.output
    if state.json:
        out.json(
            {
                "schema": "orsync.all-profiles/1",
                "command": command,
                "ok": code == ExitCode.OK,
                "exit_code": code,
                "profiles": [run.to_dict() for run in runs],
            }
        )
    else:
        for run in runs:
            document = run.document or {}
            if document.get("schema") == "orsync.error/1":
                said = "error: " + str(document["error"]["message"])
            elif document:
                said = summary(document)
            else:
                said = "no result (see its messages above)"
            out.line(f"{run.profile}: exit {run.exit_code}: {said}")
        out.line(f"{len(runs)} profile(s), exit {code} (the worst of them).")
    if code:
        raise typer.Exit(code)
