"""`orsync status`: last runs, and what is pending, unconfirmed or failed and why."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from orsync.cli.context import AppContext, JsonOption
from orsync.cli.each_profile import (
    AllProfilesOption,
    JobsOption,
    no_jobs_without_all_profiles,
    run_for_all_profiles,
)


def status_command(
    ctx: typer.Context,
    runs: Annotated[int, typer.Option("--runs", min=1, help="How many recent runs.")] = 10,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Unresolved records to list (oldest first).")
    ] = 200,
    run_id: Annotated[
        int | None,
        typer.Option("--run", metavar="N", min=1, help="What run N wrote, one line each."),
    ] = None,
    all_profiles: AllProfilesOption = False,
    jobs: JobsOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the last runs of a profile and every record left over, oldest first.

    With --run N: each document and customer run N wrote (action, OfficeRnD number, Intacct
    key, entity, amount, currency), then totals per entity and currency.

    Reads the state only (safe beside a running sync).

    Exit codes: 0 whatever it shows; 2 usage error (--run N: no such run); 78 no such
    profile, or an unreadable state file.
    """
    from orsync.services.status import profile_status

    state: AppContext = ctx.obj
    state.request_json(json_output)
    if all_profiles:
        run_for_all_profiles(state, "status", jobs, _profile_summary)
        return
    no_jobs_without_all_profiles(
        jobs, f"Run `orsync status --all-profiles --jobs {jobs}`, or leave --jobs out."
    )
    name, _profile = state.selected_profile()
    if run_id is not None:
        _run_detail(state, name, run_id)
        return
    report = profile_status(name, runs=runs, rows=limit)
    out = state.output
    if state.json:
        out.json(report.to_dict())
        return
    if report.state_file is None:
        out.line(f"Profile {name!r} has never been synced. Run `orsync sync`.")
        return
    if report.running is not None:
        holder = report.running
        out.line(f"Running now: pid {holder.pid} on {holder.hostname} ({holder.command}).")
    out.line(f"Last runs of {name!r}:")
    for run in report.runs:
        ended = run.ended_at.strftime("%Y-%m-%d %H:%M:%SZ") if run.ended_at else "-"
        started = run.started_at.strftime("%Y-%m-%d %H:%M:%SZ")
        outcome = run.outcome.value if run.outcome else "running"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items())) or "nothing"
        message = f" - {run.message}" if run.message else ""
        out.line(
            f"  #{run.id} {run.command} {started} -> {ended} {outcome} "
            f"(exit {run.exit_code if run.exit_code is not None else '-'}): {counts}{message}"
        )
    out.line("Ledger:")
    for kind, by_status in report.ledger.items():
        shown = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
        out.line(f"  {kind}: {shown}")
    inbox = report.inbox
    if inbox is not None and inbox.pending:
        oldest = inbox.oldest_received_at
        since = f" since {oldest.strftime('%Y-%m-%d %H:%M:%SZ')}" if oldest else ""
        reason = f": {inbox.last_error}" if inbox.last_error else ""
        out.line(f"Webhook events waiting (orsync listen): {inbox.pending}{since}{reason}")
    if not report.unresolved:
        out.line("Nothing pending, unconfirmed or failed.")
        return
    out.line(f"Left over ({report.unresolved_total}), oldest first:")
    for row in report.unresolved:
        error = row.error
        where = f" [{error.field}]" if error is not None and error.field else ""
        message, fix = report.explain(row)
        since = row.status_at.strftime("%Y-%m-%d %H:%M")
        # Messages start with the OfficeRnD number (or customer name) the ledger recorded.
        out.line(f"  {row.status.value:<11} {row.kind}{where} since {since}: {message}")
        if fix:
            out.line(f"              fix: {fix}")
    if report.unresolved_not_listed:
        out.line(f"  ... and {report.unresolved_not_listed} more (--limit, or --json).")


KIND_LABELS = {"invoice": "invoice", "credit_note": "credit note"}


def _run_detail(state: AppContext, name: str, run_id: int) -> None:
    from orsync.services.status import run_detail

    detail = run_detail(name, run_id)
    out = state.output
    if state.json:
        out.json(detail.to_dict())
        return
    run = detail.run
    ended = run.ended_at.strftime("%Y-%m-%d %H:%M:%SZ") if run.ended_at else "-"
    outcome = run.outcome.value if run.outcome else "running"
    out.line(
        f"Run #{run.id} of {name!r}: {run.command} {run.started_at:%Y-%m-%d %H:%M:%SZ} -> "
        f"{ended} {outcome} (exit {run.exit_code if run.exit_code is not None else '-'})"
        + (f" - {run.message}" if run.message else "")
    )
    if not detail.writes:
        out.line("It wrote nothing.")
        return
    out.line(f"Wrote ({len(detail.writes)}):")
    for write in detail.writes:
        kind = KIND_LABELS.get(write.kind, write.kind)
        money = f" {write.amount:,.2f} {write.currency}" if write.amount is not None else ""
        where = f" in {write.entity}" if write.entity else ""
        key = f" -> Intacct {write.target_key}" if write.target_key else ""
        out.line(f"  {write.action:<8} {kind} {write.number or write.source_id}{key}{where}{money}")
    totals = detail.totals()
    if totals:
        out.line("Totals:")
        for row in totals:
            kind = KIND_LABELS.get(row["kind"], row["kind"])
            out.line(
                f"  {row['entity'] or 'top level'} {row['currency']}: {row['action']} "
                f"{row['count']} {kind}(s), {Decimal(row['amount']):,.2f}"
            )


def _profile_summary(document: dict[str, Any]) -> str:
    """One profile's line under --all-profiles, from its orsync.status/1 document."""
    if document.get("state_file") is None:
        return "never synced"
    runs = document.get("runs") or []
    last = runs[0] if runs else None
    said = (
        f"last run #{last['id']} {last['command']} {last['outcome'] or 'running'} "
        f"(exit {last['exit_code'] if last['exit_code'] is not None else '-'})"
        if last
        else "no runs"
    )
    left = len(document.get("unresolved", [])) + int(document.get("unresolved_not_listed", 0))
    return f"{said}; {left} record(s) left over"
