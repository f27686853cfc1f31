"""`orsync sync`: post OfficeRnD customers, invoices and credit notes to Intacct, exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext, JsonOption
from orsync.cli.each_profile import (
    AllProfilesOption,
    JobsOption,
    no_jobs_without_all_profiles,
    run_for_all_profiles,
)
from orsync.errors import ExitCode, UsageError
from orsync.output import StageBars

if TYPE_CHECKING:
    from rich.progress import Progress

    from orsync.engine import Plan
    from orsync.services.sync import Stage, SyncOptions, SyncResult, SyncSummary

ONLY_NAMES = {
    "customers": "customers",
    "invoices": "invoices",
    "credit-notes": "credit_notes",
    "payments": "payments",
}
STAGE_LABELS = {
    "reading": "Reading OfficeRnD",
    "planning": "Planning",
    "customers": "Customers",
    "invoices": "Invoices",
    "credit_notes": "Credit notes",
    "payments": "Payments",
}
MAX_PROBLEM_LINES = 50  # on a terminal; --json and `orsync status` list them all


def sync_command(
    ctx: typer.Context,
    full: Annotated[
        bool, typer.Option("--full", help="Re-scan everything (still writing only what differs).")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Read records modified since DATE (YYYY-MM-DD or ISO)."
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only", help="Comma list of stages: customers, invoices, credit-notes, payments."
        ),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try records that failed before again.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the exact plan; write nothing anywhere.")
    ] = False,
    all_profiles: AllProfilesOption = False,
    jobs: JobsOption = None,
    json_output: JsonOption = False,
) -> None:
    """Post new and changed customers, invoices and credit notes to Intacct.

    Safe to run from cron every few minutes: one run per profile at a time (a second one exits
    75), every write recorded before it is sent, and nothing is ever posted twice.

    Exit codes: 0 done; 1 records failed (each is reported with the fix); 69 a service is
    unavailable; 75 lock held, rate limited or writes left unconfirmed (the next run
    settles them); 77 credentials refused; 78 configuration or mapping problem.
    """
    from orsync.services.sync import SyncOptions, plan_sync, run_sync

    state: AppContext = ctx.obj
    state.request_json(json_output)
    if all_profiles:
        run_for_all_profiles(state, "sync", jobs, _profile_summary)
        return
    no_jobs_without_all_profiles(
        jobs, f"Run `orsync sync --all-profiles --jobs {jobs}`, or leave --jobs out."
    )
    options = SyncOptions(
        full=full,
        since=_since(since),
        only=_only(only),
        retry_failed=retry_failed,
        dry_run=dry_run,
    )
    name, profile = state.selected_profile()
    with _progress(state) as progress:
        if dry_run:
            result = plan_sync(name, profile, options, progress=progress)
        else:
            result = run_sync(name, profile, options, progress=progress)
    _render(state, result, options)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {value!r} is not a date", hint="Write YYYY-MM-DD or an ISO date and time."
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _only(value: str | None) -> frozenset[Stage]:
    from orsync.services.sync import STAGES

    if value is None:
        return frozenset(STAGES)
    chosen = set()
    for part in (p.strip() for p in value.split(",")):
        if part not in ONLY_NAMES:
            raise UsageError(
                f"--only {part!r} is not a stage",
                hint="Choose from: " + ", ".join(ONLY_NAMES) + ".",
            )
        chosen.add(ONLY_NAMES[part])
    return frozenset(chosen)  # type: ignore[arg-type]


# -- progress -------------------------------------------------------------------------------


@contextmanager
def _progress(state: AppContext) -> Iterator[Any]:
    if not state.output.interactive or state.json or state.quiet:
        # Cron and pipes: a plain line per stage, shown with -v (logged at INFO).
        from orsync.output import StageLog

        log = StageLog("sync", STAGE_LABELS)
        try:
            yield log
        finally:
            log.close()
        return
    from orsync.output import progress_bar

    with progress_bar(state.output.stderr, "{task.description:<18}") as progress:
        yield RichProgress(progress)


class RichProgress(StageBars):
    """Counts per stage with a rate, on stderr (only when a person is watching)."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(progress, STAGE_LABELS)


# -- results --------------------------------------------------------------------------------


def _render(state: AppContext, result: SyncResult, options: SyncOptions) -> None:
    out = state.output
    if state.json:
        out.json(result.to_dict())
        return
    if result.plan is not None:
        _render_plan(state, result.plan, result.summary)
        return
    summary = result.summary
    if state.quiet and result.exit_code == ExitCode.OK:
        return
    if out.interactive:
        _summary_table(state, summary)
    else:
        out.line(_summary_line(summary))
    _totals(state, summary)
    if summary.mapping_changed:
        out.line("The mapping changed since the last sync: records that failed were tried again.")
    _problems(state, summary)
    del options


DOCUMENT_LABELS = {"invoice": "invoices", "credit_note": "credit notes", "payment": "payments"}


def total_text(row: dict[str, Any]) -> str:
    """``created 14 invoices in UK: 47,370.08 GBP``: one total of a run, as every summary
    (one profile's, and each line of --all-profiles) says it."""
    count = int(row["count"])
    kind = str(row["kind"])
    label = DOCUMENT_LABELS.get(kind, kind) if count != 1 else kind.replace("_", " ")
    return (
        f"{row['action']} {count} {label} in {row['entity'] or 'the top level'}: "
        f"{Decimal(str(row['amount'])):,.2f} {row['currency']}"
    )


def _totals(state: AppContext, summary: SyncSummary) -> None:
    """What the run wrote, per entity and currency, for how much."""
    out = state.output
    for row in summary.totals_list():
        out.line(f"  {total_text(row)}")
    if summary.totals and summary.run_id is not None:
        out.line(f"  (each document: `orsync status --run {summary.run_id}`)")


def _profile_summary(document: dict[str, Any]) -> str:
    """One profile's line under --all-profiles, from its orsync.sync/1 (or plan) document."""
    counts = document.get("counts", {})
    parts = []
    for stage, label in (
        ("customers", "customers"),
        ("invoices", "invoices"),
        ("credit_notes", "credit notes"),
        ("payments", "payments"),
    ):
        shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.get(stage, {}).items() if n)
        parts.append(f"{label}: {shown or 'nothing to do'}")
    posted = [total_text(t) for t in document.get("totals", [])]
    return "; ".join(parts) + (f" ({'; '.join(posted)})" if posted else "")


def _summary_line(summary: SyncSummary) -> str:
    parts = []
    for stage, label in (
        ("customers", "customers"),
        ("invoices", "invoices"),
        ("credit_notes", "credit notes"),
        ("payments", "payments"),
    ):
        counts = summary.counts[stage]  # type: ignore[index]
        shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
        parts.append(f"{label}: {shown or 'nothing to do'}")
    took = f" in {summary.duration_s:.1f} s" if summary.duration_s is not None else ""
    return f"sync {summary.profile}: " + "; ".join(parts) + took


def _summary_table(state: AppContext, summary: SyncSummary) -> None:
    """One row per outcome that happened, one column per stage (narrow terminals fit)."""
    from orsync.output import table as make_table
    from orsync.services.sync import OUTCOMES, STAGES

    labels = {
        "customers": "Customers",
        "invoices": "Invoices",
        "credit_notes": "Credit notes",
        "payments": "Payments",
    }
    table = make_table("", *(labels[stage] for stage in STAGES), title=f"sync {summary.profile}")
    for outcome in dict.fromkeys((*OUTCOMES["invoices"], *OUTCOMES["payments"])):
        counts = [summary.counts[stage].get(outcome) for stage in STAGES]
        if any(counts):
            table.add_row(outcome, *("-" if n is None else str(n) for n in counts))
    if table.row_count:
        state.output.result(table)
    else:
        state.output.line("Nothing to do.")
    if summary.duration_s is not None:
        state.output.line(f"Done in {summary.duration_s:.1f} s (run {summary.run_id}).")


def _problems(state: AppContext, summary: SyncSummary) -> None:
    out = state.output
    for problem in summary.problems[:MAX_PROBLEM_LINES]:
        where = f" [{problem.field}]" if problem.field else ""
        out.line(f"{problem.status}: {problem.kind} {problem.number}{where}: {problem.message}")
        if problem.fix:
            out.line(f"  fix: {problem.fix}")
    hidden = len(summary.problems) - MAX_PROBLEM_LINES + summary.problems_not_listed
    if hidden > 0:
        out.line(f"... and {hidden} more: see `orsync status` or `orsync sync --json`.")
    if summary.unconfirmed_left:
        out.warn(
            f"{summary.unconfirmed_left} write(s) left unconfirmed: run sync again; it looks "
            "each one up in Intacct before anything is resent (exit 75)."
        )


def _render_plan(state: AppContext, plan: Plan, summary: SyncSummary) -> None:
    out = state.output
    counts = plan.counts()
    out.line("Dry run: nothing was written (not even the ledger).")
    if summary.mapping_changed:
        out.line("The mapping changed since the last sync: records that failed are tried again.")
    if not plan.writebacks:  # said only with Intacct numbering, when there are some
        counts.pop("writebacks", None)
    for what, by_action in counts.items():
        shown = ", ".join(f"{n} {action}" for action, n in by_action.items() if n)
        out.line(f"{what}: {shown or 'nothing to do'}")
    for customer in plan.customers:
        if customer.action == "skip":
            continue
        out.line(
            f"  {customer.action:<12} {customer.source_kind} {customer.customer_id or '-'}: "
            f"{customer.reason}"
        )
        if customer.fix:
            out.line(f"               fix: {customer.fix}")
    for action in plan.documents:
        if action.action == "skip" and action.reason == "unchanged":
            continue
        total = f" {action.posting.total} {action.posting.currency}" if action.posting else ""
        out.line(
            f"  {action.action:<12} {action.source_kind} {action.number}{total}: {action.reason}"
        )
        if action.fix:
            out.line(f"               fix: {action.fix}")
