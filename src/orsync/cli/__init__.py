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
from typer import Abort

# typer vendors click (pinned <0.30): the parser's errors, raised here outside standalone mode.
from typer._click.core import ParameterSource
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from orsync import __version__
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

app = typer.Typer(
    name="orsync",
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
        int, typer.Option("--verbose", "-v", count=True, help="More logging; -vv shows requests.")
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
    from_environment = ctx.get_parameter_source("profile") == ParameterSource.ENVIRONMENT
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
    from orsync.cli import profiles

    app.add_typer(profiles.app, name="profiles")

    from orsync.cli import sandbox as sandbox_cli

    app.command("sandbox")(sandbox_cli.sandbox_command)

    from orsync.cli import connect as connect_cli

    app.command("connect")(connect_cli.connect_command)

    from orsync.cli import check as check_cli

    app.command("test")(check_cli.test_command)

    from orsync.cli import map as map_cli

    app.add_typer(map_cli.app, name="map")

    from orsync.cli import reconcile as reconcile_cli

    app.command("reconcile")(reconcile_cli.reconcile_command)

    from orsync.cli import status as status_cli
    from orsync.cli import sync as sync_cli

    app.command("sync")(sync_cli.sync_command)
    app.command("status")(status_cli.status_command)

    from orsync.cli import listen as listen_cli

    app.command("listen")(listen_cli.listen_command)

    from orsync.cli import demo as demo_cli

    app.command("demo")(demo_cli.demo_command)


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
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        # Not standalone: a command line that does not parse comes back here, so that under
        # --json it still prints its one document on stdout.
        code = app(args=args, prog_name="orsync", standalone_mode=False)
    except SystemExit as exit_:
        if exit_.code == ExitCode.INTERRUPTED:
            _interrupted()
        raise
    except ClickException as error:
        error.show()  # as click words it: usage line, "Try ... -h", "Error: ..."
        _usage_failure(error, args)
        raise SystemExit(error.exit_code) from None
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


def _usage_failure(error: ClickException, args: list[str]) -> None:
    """The orsync.error/1 document of a command line that did not parse, under --json (given
    before or after the command: the command's own --json was never read)."""
    state = ctx_module.current
    if "--json" in args:
        state.json = True
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "orsync"
    message = error.format_message()
    if isinstance(error, NoArgsIsHelpError):  # `orsync map`: its message is the whole help
        message = "Missing command."
    state.report_failure(message, f"Run `{command} --help` to see its options.", error.exit_code)


def _interrupted() -> None:
    sys.stderr.write("interrupted\n")
    ctx_module.current.report_failure(
        "interrupted", "Run the command again.", int(ExitCode.INTERRUPTED)
    )


def _print_traceback() -> None:
    from orsync.redact import redact

    # Plain traceback, no locals: a local variable may hold a password or a session id.
    sys.stderr.write(redact(traceback.format_exc()))
