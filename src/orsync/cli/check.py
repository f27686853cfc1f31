"""`orsync test`: check connections, permissions and the mapping of one or every profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orsync.cli.context import AppContext
from orsync.errors import ExitCode

if TYPE_CHECKING:
    from orsync.services.setup import CheckResult

_MARK = {"pass": "ok", "fail": "FAIL", "skip": "skip"}


def test_command(
    ctx: typer.Context,
    all_profiles: Annotated[
        bool, typer.Option("--all-profiles", help="Check every configured profile.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Check the profile's connections, permissions and mapping; one row per check.

    \b
    Intacct: sender authorised, user login, each entity, session endpoint, read access
    to every object orsync uses. OfficeRnD: token, each scope orsync needs, organization.
    Mapping: the file is valid and every Intacct target in it exists and is active.
    Exit codes: 0 all passed; 69 a service is unreachable; 77 credentials or
    permissions refused; 78 configuration, secret or mapping problem (the first of
    these that applies, in this order).
    """
    from orsync.services.setup import exit_code_for, run_checks

    state: AppContext = ctx.obj
    state.request_json(json_output)
    if all_profiles:
        config = state.load_config()
        if not config.profiles:
            state.selected_profile()  # raises ProfileNotFound with the fix
        targets = sorted(config.profiles.items())
    else:
        targets = [state.selected_profile()]
    per_profile = [(name, run_checks(name, profile)) for name, profile in targets]
    every = [row for _name, rows in per_profile for row in rows]
    code = exit_code_for(every)
    if state.json:
        state.output.json(
            {
                "schema": "orsync.test/1",
                "ok": code == ExitCode.OK,
                "exit_code": int(code),
                "profiles": [
                    {
                        "profile": name,
                        "ok": exit_code_for(rows) == 0,
                        "exit_code": int(exit_code_for(rows)),
                        "checks": [row.to_dict() for row in rows],
                    }
                    for name, rows in per_profile
                ],
            }
        )
    else:
        for name, rows in per_profile:
            _render(state, name, rows)
    if code:
        raise typer.Exit(int(code))


def _render(state: AppContext, name: str, rows: list[CheckResult]) -> None:
    from orsync.output import table as make_table

    out = state.output
    table = make_table(title=f"profile {name}")
    table.add_column("check", no_wrap=True)
    table.add_column("result")
    table.add_column("ms", justify="right")
    table.add_column("details / fix", overflow="fold")
    shown = _folded_scopes(rows)
    for row in shown:
        ms = f"{row.latency_ms:.0f}" if row.latency_ms is not None else ""
        text = row.detail
        if row.status == "fail" and row.fix:
            text = f"{row.detail}\nfix: {row.fix}" if row.detail else f"fix: {row.fix}"
        table.add_row(row.title, _MARK[row.status], ms, _redacted(text))
    out.result(table)
    # Counted as shown: the granted scopes are one row, and count once.
    failed = [r for r in shown if r.status == "fail"]
    passed = sum(1 for r in shown if r.status == "pass")
    skipped = sum(1 for r in shown if r.status == "skip")
    summary = f"{passed} passed, {len(failed)} failed, {skipped} skipped"
    out.line(f"profile {name}: {summary}")


def _folded_scopes(rows: list[CheckResult]) -> list[CheckResult]:
    """One row for the granted OfficeRnD scopes; each refused scope keeps its own row."""
    from dataclasses import replace

    scopes = [r for r in rows if r.id.startswith("officernd.scope.")]
    granted = [r for r in scopes if r.status == "pass"]
    if len(granted) < 2:
        return rows
    folded: list[CheckResult] = []
    for row in rows:
        if row in granted:
            if row is granted[0]:
                folded.append(
                    replace(
                        row,
                        id="officernd.scopes",
                        title=f"OfficeRnD scopes granted ({len(granted)} of {len(scopes)})",
                    )
                )
            continue
        folded.append(row)
    return folded


def _redacted(text: str) -> str:
    from orsync.redact import redact

    return redact(text)
