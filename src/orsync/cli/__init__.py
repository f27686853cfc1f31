"""The command line: parse, call one service function, render, pick an exit code.

``main()`` is the one place that turns errors into a stderr line, a hint and an exit code.
Heavy modules are imported inside commands so that ``orsync --help`` stays fast.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from typer import Abort, TyperException
from typer.core import TyperGroup

from orsync import __version__, interrupts
from orsync.cli import context as ctx_module
from orsync.cli.context import AppContext
from orsync.env import EnvVars
from orsync.errors import ExitCode, OrsyncError

EXIT_CODES_HELP = """\
\b
Exit codes:
   0  done, nothing left over
   1  done, but failed records are left over or differences were found
   2  usage error
  69  a service is unavailable
  70  internal error (a bug; the traceback is shown with --debug)
  75  temporary: lock held, rate limited, writes left unconfirmed; run again later
  77  authentication or permission failure
  78  configuration, mapping or credential problem
 130  interrupted (Ctrl-C)"""

# `orsync --help` lists the commands in the order an admin meets them.
WORKFLOW_ORDER = (
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
)


class WorkflowGroup(TyperGroup):
    """The root command group, listing its commands in workflow order."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(WORKFLOW_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))


app = typer.Typer(
    name="orsync",
    cls=WorkflowGroup,
    help="Keep OfficeRnD Flex and Sage Intacct in step: exactly-once, fast, transparent.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"orsync {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", "-p", envvar=EnvVars.PROFILE, help="Profile to use (default: the first)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(envvar=EnvVars.CONFIG, help="Config file (default: under ORSYNC_HOME)."),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="-v: a line per stage; -vv: every request too."
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only warnings and errors on stderr.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")
    ] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; fail with what is missing.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (also honoured: NO_COLOR).")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar=EnvVars.DEBUG, help="Show tracebacks of internal errors."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Keep OfficeRnD Flex and Sage Intacct in step: exactly-once, fast, transparent.

    ORSYNC_HOME relocates config, state and cache.
    """
    source = ctx.get_parameter_source("profile")
    from_environment = source is not None and source.name == "ENVIRONMENT"
    state = AppContext(
        profile=profile,
        profile_named_by=EnvVars.PROFILE if from_environment else "--profile",
        config_path=config,
        verbose=verbose,
        quiet=quiet,
        json=json_output,
        no_input=no_input or not sys.stdin.isatty(),
        no_color=no_color,
        debug=debug,
    )
    ctx_module.current = state
    ctx.obj = state
    from orsync.output import configure_logging

    configure_logging(state.output.settings)


def _register() -> None:
    """Each command with a short help that fits `orsync --help` whole (click cuts the
    docstring's first line at the terminal's width)."""
    from orsync.cli import check as check_cli
    from orsync.cli import connect as connect_cli
    from orsync.cli import demo as demo_cli
    from orsync.cli import listen as listen_cli
    from orsync.cli import map as map_cli
    from orsync.cli import profiles
    from orsync.cli import reconcile as reconcile_cli
    from orsync.cli import sandbox as sandbox_cli
    from orsync.cli import status as status_cli
    from orsync.cli import sync as sync_cli

    app.command("connect", short_help="Create or edit a profile; tests it before saving.")(
        connect_cli.connect_command
    )
    app.command("test", short_help="Check connections, permissions and the mapping.")(
        check_cli.test_command
    )
    app.add_typer(map_cli.app, name="map", short_help="Write, check and preview the mapping.")
    app.command("sync", short_help="Post customers, invoices and credit notes to Intacct.")(
        sync_cli.sync_command
    )
    app.command("status", short_help="The last runs and every record left over.")(
        status_cli.status_command
    )
    app.command("reconcile", short_help="Compare both systems for a period; apply safe fixes.")(
        reconcile_cli.reconcile_command
    )
    app.command("listen", short_help="Receive OfficeRnD webhooks and sync in real time.")(
        listen_cli.listen_command
    )
    app.add_typer(profiles.app, name="profiles", short_help="List, show and remove profiles.")
    app.command("demo", short_help="The whole flow against simulated services.")(
        demo_cli.demo_command
    )
    app.command("sandbox", short_help="Simulated OfficeRnD and Intacct with seeded data.")(
        sandbox_cli.sandbox_command
    )


_register()


def _debug_requested(argv: list[str] | None) -> bool:
    import os

    args = argv if argv is not None else sys.argv[1:]
    # Read as the --debug option reads it: ORSYNC_DEBUG=0 (or false, no, off) means off.
    env = os.environ.get(EnvVars.DEBUG, "").strip().lower()
    return ctx_module.current.debug or "--debug" in args or env in TRUE_WORDS


TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on"})


def _report(error: OrsyncError) -> None:
    from orsync.redact import redact

    sys.stderr.write(f"error: {redact(error.message)}\n")
    if error.hint:
        sys.stderr.write(f"hint: {redact(error.hint)}\n")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented code, whatever happens."""
    ctx_module.current = AppContext()
    args = hoist_global_options(list(argv) if argv is not None else sys.argv[1:])
    ctx_module.command_line = list(args)
    try:
        if _command_of(args) != "sandbox":  # the sandbox takes over the held signals itself
            interrupts.release()
        # Not standalone: a command line that does not parse comes back here, so that under
        # --json it still prints its one document on stdout.
        code = app(args=args, prog_name="orsync", standalone_mode=False)
    except SystemExit as exit_:
        if exit_.code == ExitCode.INTERRUPTED:
            _interrupted()
        raise
    except TyperException as error:  # the command line did not parse (click's UsageError)
        _usage_failure(error, args)
        raise SystemExit(getattr(error, "exit_code", int(ExitCode.USAGE))) from None
    except Abort:  # a prompt's input ended (EOF)
        sys.stderr.write("Aborted!\n")
        raise SystemExit(1) from None
    except OrsyncError as error:
        _report(error)
        if _debug_requested(argv):
            _print_traceback()
        ctx_module.current.report_failure(error.message, error.hint, int(error.exit_code))
        raise SystemExit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        _interrupted()
        raise SystemExit(int(ExitCode.INTERRUPTED)) from None
    except Exception as error:  # noqa: BLE001 - the last line of defence, exit 70
        from orsync.redact import redact

        sys.stderr.write(f"error: internal error: {redact(type(error).__name__)}: ")
        sys.stderr.write(f"{redact(str(error))}\n")
        if _debug_requested(argv):
            _print_traceback()
        else:
            sys.stderr.write("hint: this is a bug in orsync; run again with --debug for the ")
            sys.stderr.write("traceback and report it.\n")
        ctx_module.current.report_failure(
            f"internal error: {type(error).__name__}: {error}",
            "This is a bug in orsync; run again with --debug for the traceback and report it.",
            int(ExitCode.INTERNAL),
        )
        raise SystemExit(int(ExitCode.INTERNAL)) from None
    # A command's typer.Exit(code) comes back as its code; a finished command as None.
    code = code if isinstance(code, int) else 0
    if code == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into this exit itself
        _interrupted()
    raise SystemExit(code)


def _usage_failure(error: TyperException, args: list[str]) -> None:
    """A command line that does not parse, said as every other error is (``error:`` and a
    ``hint:`` that runs), and under --json its orsync.error/1 document (given before or after
    the command: the command's own --json was never read)."""
    state = ctx_module.current
    if "--json" in args:
        state.json = True
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "orsync"
    message = error.format_message()
    if context is not None and message == context.get_help():  # `orsync map`: no subcommand
        sys.stderr.write(message + "\n")
        message = f"`{command}` needs a command."
    hint = f"Run `{command} --help` to see its options."
    sys.stderr.write(f"error: {message}\nhint: {hint}\n")
    exit_code = getattr(error, "exit_code", int(ExitCode.USAGE))
    state.report_failure(message, hint, exit_code)


# Global options, accepted after the command as well as before it: `orsync connect --no-input`
# means `orsync --no-input connect`. Those that take a value, then the flags.
GLOBAL_VALUE_OPTIONS = frozenset({"--profile", "-p", "--config"})
GLOBAL_FLAGS = frozenset(
    {"--quiet", "-q", "--json", "--no-input", "--no-color", "--debug", "--version"}
)
GLOBAL_VERBOSE = ("--verbose", "-v")


def hoist_global_options(args: list[str]) -> list[str]:
    """``args`` with every global option found after the command moved before it, in order.

    Nothing after a ``--`` moves. ``--json`` stays where it is as well: every command that
    prints a result takes its own ``--json``, which means the global one."""
    hoisted: list[str] = []
    rest: list[str] = []
    seen_command = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if not seen_command:
            rest.append(arg)
            if name in GLOBAL_VALUE_OPTIONS and "=" not in arg and index + 1 < len(args):
                rest.append(args[index + 1])
                index += 1
            elif not arg.startswith("-"):
                seen_command = True
        elif name in GLOBAL_VALUE_OPTIONS:
            hoisted.append(arg)
            if "=" not in arg and index + 1 < len(args):
                hoisted.append(args[index + 1])
                index += 1
        elif (name in GLOBAL_FLAGS and name != "--json") or _is_verbose(arg):
            hoisted.append(arg)
        else:
            rest.append(arg)
        index += 1
    if not hoisted:
        return args
    first_command = next(i for i, a in enumerate(rest) if _is_command_at(rest, i))
    return [*rest[:first_command], *hoisted, *rest[first_command:]]


def _command_of(args: list[str]) -> str | None:
    return next((arg for i, arg in enumerate(args) if _is_command_at(args, i)), None)


def _is_verbose(arg: str) -> bool:
    return arg in GLOBAL_VERBOSE or (len(arg) > 1 and arg[0] == "-" and set(arg[1:]) == {"v"})


def _is_command_at(args: list[str], index: int) -> bool:
    arg = args[index]
    if arg.startswith("-"):
        return False
    previous = args[index - 1] if index else ""
    return not (previous in GLOBAL_VALUE_OPTIONS and "=" not in previous)


def _interrupted() -> None:
    sys.stderr.write("interrupted\n")
    ctx_module.current.report_failure(
        "interrupted", "Run the command again.", int(ExitCode.INTERRUPTED)
    )


def _print_traceback() -> None:
    from orsync.redact import redact

    # Plain traceback, no locals: a local variable may hold a password or a session id.
    sys.stderr.write(redact(traceback.format_exc()))
