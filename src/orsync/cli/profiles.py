"""`orsync profiles`: list, show and remove profiles."""

from __future__ import annotations

from typing import Annotated

import typer

from orsync.cli.context import AppContext, JsonOption

app = typer.Typer(help="List, show and remove profiles.", no_args_is_help=True)


@app.command("list")
def list_command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the configured profiles (no secrets are needed).

    Exit codes: 0 listed; 78 the config file cannot be read.
    """
    from orsync.output import table as make_table
    from orsync.services.setup import list_profiles

    state: AppContext = ctx.obj
    state.request_json(json_output)
    summaries = list_profiles(state.load_config())
    if state.json:
        state.output.json(
            {"schema": "orsync.profiles/1", "profiles": [s.to_dict() for s in summaries]}
        )
        return
    if not summaries:
        state.output.line("No profiles yet. Create one with `orsync connect`.")
        return
    table = make_table("profile", "OfficeRnD org", "Intacct company", "entity", "invoices")
    for s in summaries:
        marker = " (default)" if s.is_default else ""
        table.add_row(
            s.name + marker,
            s.officernd_org,
            s.intacct_company,
            s.intacct_entity or "top level",
            s.invoice_type.upper() if s.invoice_type == "ar" else "Sales",
        )
    state.output.result(table)


@app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(help="The profile to show (default: --profile, else the default one)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Show a profile's settings; secrets only as set/unset and where they come from.

    Exit codes: 0 shown; 78 no such profile, or the config file cannot be read.
    """
    from orsync.services.setup import describe_profile

    state: AppContext = ctx.obj
    state.request_json(json_output)
    if name is None:  # the profile the other commands use: hints name `orsync profiles show`
        name = state.selected_profile()[0]
    details = describe_profile(state.load_config(), name, state.resolved_config_path)
    if state.json:
        state.output.json(details.to_dict())
        return
    data = details.to_dict()
    out = state.output
    out.line(f"profile: {details.name}")
    for section, values in data["settings"].items():
        out.line(f"{section}:")
        for key, value in values.items():
            out.line(f"  {key}: {value if value not in (None, []) else '-'}")
    out.line("secrets:")
    for status in details.secrets:
        shown = f"set ({status.source})" if status.is_set else "unset"
        out.line(f"  {status.secret.value}: {shown}")


@app.command("remove")
def remove_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The profile to remove.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Remove a profile and its secrets (the ledger of what was posted is kept).

    Exit codes: 0 removed; 1 not confirmed; 2 --no-input without --yes; 78 no such profile.
    """
    from orsync.config import select_profile
    from orsync.errors import UsageError
    from orsync.services.setup import remove_profile

    state: AppContext = ctx.obj
    state.request_json(json_output)
    path = state.resolved_config_path
    select_profile(state.load_config(), name, path, named_by="orsync profiles remove")
    if not yes:
        if state.no_input:
            raise UsageError(
                f"removing profile {name!r} needs confirmation", hint="Pass --yes to confirm."
            )
        if not typer.confirm(f"Remove profile {name!r} and its stored secrets?", default=False):
            raise typer.Exit(1)
    removed = remove_profile(path, name)
    if state.json:
        state.output.json(removed.to_dict())
    else:
        state.output.line(
            f"Removed profile {name!r} ({len(removed.secrets_removed)} secret(s) deleted "
            "from the keyring)."
        )
