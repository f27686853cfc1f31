"""What the root callback learns from the global options, handed to every command."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from orsync.config import Config, Profile
    from orsync.output import Output


# Every command that prints a result takes ``--json`` after its name too: admins write
# ``orsync sync --json`` as often as ``orsync --json sync``, and both must mean the same.
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")
]


# The size of a seeded sandbox world (`orsync sandbox`, `orsync demo`). Bounded: a mistyped
# 10,000,000 would fill memory before anything is served.
InvoicesOption = Annotated[
    int, typer.Option(min=1, max=100_000, help="Number of OfficeRnD invoices to seed.")
]
CompaniesOption = Annotated[
    int, typer.Option(min=1, max=20_000, help="Number of OfficeRnD companies to seed.")
]

ERROR_SCHEMA = "orsync.error/1"


@dataclass
class AppContext:
    profile: str | None = None
    profile_named_by: str = "--profile"  # or the environment variable that set it
    config_path: Path | None = None
    verbose: int = 0
    quiet: bool = False
    json: bool = False
    no_input: bool = False
    no_color: bool = False
    debug: bool = False
    _output: Output | None = field(default=None, repr=False)

    def request_json(self, requested: bool) -> bool:
        """Honour a command's own ``--json`` as the global one; whether JSON is wanted."""
        self.json = self.json or requested
        return self.json

    def report_failure(self, message: str, hint: str, exit_code: int) -> None:
        """Under ``--json``, a run that ends in an error still prints its one document on
        stdout (the message and hint also go to stderr), unless it already printed one."""
        if not self.json or (self._output is not None and self._output.documents):
            return
        error = {"message": message, "hint": hint or None}
        with contextlib.suppress(OSError):  # stdout already closed (a pipe's reader left)
            self.output.json(
                {"schema": ERROR_SCHEMA, "ok": False, "exit_code": exit_code, "error": error}
            )

    @property
    def output(self) -> Output:
        if self._output is None:
            from orsync.output import Output, OutputSettings

            self._output = Output(
                OutputSettings(
                    quiet=self.quiet,
                    verbose=self.verbose,
                    no_color=self.no_color,
                    profile=self.profile,
                    hint_profile=self.hint_profile,
                )
            )
        return self._output

    @property
    def hint_profile(self) -> str | None:
        """The profile a suggested command must name: the one chosen, unless it is the default
        one (which a command without ``--profile`` acts on anyway)."""
        if not self.profile:
            return None
        try:
            default = self.load_config().default_profile
        except Exception:  # noqa: BLE001 - an unreadable config: name the profile to be sure
            return self.profile
        return None if default == self.profile else self.profile

    @property
    def resolved_config_path(self) -> Path:
        from orsync.config import resolve_config_path

        return resolve_config_path(self.config_path)

    def load_config(self) -> Config:
        from orsync.config import load_config

        return load_config(self.resolved_config_path)

    def selected_profile(self) -> tuple[str, Profile]:
        from orsync.config import select_profile

        return select_profile(
            self.load_config(),
            self.profile,
            self.resolved_config_path,
            named_by=self.profile_named_by,
        )


# The run's context, kept where main() can read --debug after a command raised.
current = AppContext()
# The command line as main() parsed it (global options first): `--all-profiles` hands it on.
command_line: list[str] = []
