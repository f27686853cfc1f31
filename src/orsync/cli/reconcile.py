"""`orsync reconcile`: compare both systems for a period; show, or apply, the safe fixes."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext, JsonOption
from orsync.cli.each_profile import (
    AllProfilesOption,
    JobsOption,
    no_jobs_without_all_profiles,
    run_for_all_profiles,
)
from orsync.env import unwritable_reason, write_private_file
from orsync.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from orsync.engine.report import Finding, ReconcileReport
    from orsync.output import StageBars
    from orsync.services.reconcile import ReconcileOutcome, ReconcileRun

PROGRESS_LABELS = {"reading": "Reading OfficeRnD"}
MAX_ROWS = 200  # findings shown on a terminal; --json / --csv carry every one
_TITLES = {
    "missing": "Missing in Intacct",
    "duplicated": "Duplicated in Intacct",
    "different": "Different",
    "unmappable": "Cannot be mapped",
    "ambiguous": "Ambiguous OfficeRnD numbers",
    "orphan": "In Intacct, unknown to OfficeRnD (created by orsync)",
    "not_orsync": "In Intacct, not created by orsync",
    "customer_missing": "Customers missing in Intacct",
    "customer_different": "Customers that differ",
    "balance_different": "Invoices paid differently",
    "payment_missing": "Payments missing in Intacct",
    "payment_orphan": "Payments whose other side is gone",
    "payment_unrecorded": "Payments keyed in Intacct, not in OfficeRnD",
    "payment_different": "Payments that differ",
}


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{flag} {value!r} is not a date", hint="Write dates as YYYY-MM-DD."
        ) from None


def reconcile_command(
    ctx: typer.Context,
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="First document date (YYYY-MM-DD). Default: start of last month.",
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="DATE",
            help="Last document date (YYYY-MM-DD). Default: end of last month.",
        ),
    ] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only this Intacct entity.")
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(
            "--location", help="Only this location (Intacct location id, or OfficeRnD's)."
        ),
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Only this Intacct CUSTOMERID.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the fixes; change nothing anywhere.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the safe fixes unasked.")] = False,
    rebuild_ledger: Annotated[
        bool,
        typer.Option(
            "--rebuild-ledger",
            help="Record every match in the ledger (e.g. after the state folder was lost). "
            "Without --from/--to: all history, and the ledger is cleared first.",
        ),
    ] = False,
    all_profiles: AllProfilesOption = False,
    jobs: JobsOption = None,
    json_output: JsonOption = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the findings to this CSV file.")
    ] = None,
) -> None:
    """Compare OfficeRnD and Intacct for a period: missing, duplicated, different, extra.

    \b
    Reads both systems (the ledger is only a hint: an empty ORSYNC_HOME gives the same
    verdict), matches documents by the OfficeRnD number in Intacct's reference field,
    and reports field-level differences and totals per entity, currency and account.
    --dry-run prints the fixes and changes nothing. Otherwise, after a confirmation
    (or --yes), only the safe fixes are applied through sync's exactly-once path: post
    missing documents, update unpaid ones orsync created, reverse voided ones, relink
    the ledger. Duplicates, paid or closed-period documents and anything orsync did not
    create are listed with the manual fix and never touched.
    Exit codes: 0 both sides agree; 1 differences found; 2 usage; 69 a service is
    unavailable; 75 lock held, rate limited or writes left unconfirmed; 77 auth; 78
    configuration or mapping problem.
    """
    from orsync.services.reconcile import (
        HISTORY_START,
        ReconcileRequest,
        previous_month,
        run_reconcile,
    )

    state: AppContext = ctx.obj
    as_json = state.request_json(json_output)
    if all_profiles:
        if csv_file is not None:
            raise UsageError(
                "--csv names one file, and --all-profiles runs several reconciles",
                hint="Run `orsync reconcile --csv FILE` for one profile at a time.",
            )
        run_for_all_profiles(state, "reconcile", jobs, _profile_summary)
        return
    no_jobs_without_all_profiles(
        jobs, f"Run `orsync reconcile --all-profiles --jobs {jobs}`, or leave --jobs out."
    )
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if csv_file is not None and (reason := unwritable_reason(csv_file)) is not None:
        # Refused before the reads (and any fixes), not after them.
        raise UsageError(
            f"cannot write the CSV to {csv_file}: {reason}",
            hint="Give --csv a file in a folder you can write to.",
        )
    today = dt.datetime.now(dt.UTC).date()
    if rebuild_ledger and start is None and end is None:
        start, end = HISTORY_START, today
    default_start, default_end = previous_month(today)
    request = ReconcileRequest(
        start or default_start,
        end or (today if start is not None and end is None else default_end),
        entity=entity,
        location=location,
        customer=customer,
    )
    if not dry_run and not yes and state.no_input:
        # Refused before the (long) reads: whether any fix is found, the run could not ask.
        raise UsageError(
            "reconcile without --dry-run asks before it applies any fix, and there is no one to "
            "ask here (--no-input, or no terminal)",
            hint="Add --dry-run to only report the differences and the fixes (a month-end check "
            "from cron), or --yes to apply the safe fixes unasked.",
        )
    name, profile = state.selected_profile()

    def confirm(outcome: ReconcileOutcome) -> bool:
        if yes:
            return True
        if not as_json:
            _render_outcome(state, outcome)
        return _ask(state, outcome, rebuild_ledger)

    with ExitStack() as stack:
        progress: StageBars | None = None
        if state.output.interactive and (dry_run or yes) and not as_json and not state.quiet:
            # No prompt will interrupt it: a bar counts the (long) read of OfficeRnD's
            # documents against OfficeRnD's count of the period, with the time left.
            from orsync.output import StageBars, progress_bar

            bar = stack.enter_context(progress_bar(state.output.stderr, "{task.description:<18}"))
            progress = StageBars(bar, PROGRESS_LABELS)
        run = run_reconcile(
            name,
            profile,
            request,
            dry_run=dry_run,
            rebuild_ledger=rebuild_ledger,
            confirm=confirm,
            progress=progress,
        )
    if csv_file is not None:
        try:
            _write_csv(csv_file, run.outcome.report)
        except OSError as error:  # found only by writing (a full disk, a special file system)
            raise UsageError(
                f"cannot write the CSV to {csv_file}: {error.strerror or error}",
                hint="The reconcile itself ran; run it again with --csv in another folder.",
            ) from None
    if as_json:
        state.output.json(run.to_dict())
    else:
        if yes or dry_run or not (run.outcome.report.safe_fixes() or run.outcome.report.relinks):
            _render_outcome(state, run.outcome)
        _render_run(state, run)
    raise typer.Exit(run.exit_code)


def _ask(state: AppContext, outcome: ReconcileOutcome, rebuild: bool) -> bool:
    from rich.prompt import Confirm

    report = outcome.report
    console = state.output.stderr
    if rebuild:
        question = (
            f"Record {len(report.relinks)} documents and {len(outcome.customer_keys)} customers "
            "in the ledger?"
        )
    else:
        question = (
            f"Apply {len(report.safe_fixes())} safe fixes and {len(report.relinks)} ledger "
            "relinks? (manual fixes are never applied)"
        )
    return bool(Confirm.ask(question, default=False, console=console))


# --- rendering ---------------------------------------------------------------------------------


# Excel (the finance team's spreadsheet) reads a CSV without a byte-order mark in the legacy
# code page, which garbles every accented customer name; Python's csv, pandas and LibreOffice
# all read the mark as UTF-8's.
_CSV_BOM = "\ufeff"


def _write_csv(path: Path, report: ReconcileReport) -> None:
    import csv
    import io

    from orsync.engine.report import CSV_COLUMNS

    out = io.StringIO(_CSV_BOM)
    out.seek(0, io.SEEK_END)
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.csv_rows())
    write_private_file(path, out.getvalue())
    totals = io.StringIO(_CSV_BOM)
    totals.seek(0, io.SEEK_END)
    columns = ["entity", "currency", "account", "officernd", "intacct", "variance"]
    totals_writer = csv.DictWriter(totals, fieldnames=columns, lineterminator="\n")
    totals_writer.writeheader()
    totals_writer.writerows(report.totals_csv_rows())
    write_private_file(
        path.with_name(f"{path.stem}-totals{path.suffix or '.csv'}"), totals.getvalue()
    )


def _render_outcome(state: AppContext, outcome: ReconcileOutcome) -> None:
    out = state.output
    request = outcome.request
    report = outcome.report
    scope = ", ".join(
        f"{k} {v}" for k, v in request.to_dict().items() if k not in ("from", "to") and v
    )
    out.line(
        f"Reconcile {request.start.isoformat()} .. {request.end.isoformat()}"
        + (f" ({scope})" if scope else "")
        + f": {outcome.officernd_documents} OfficeRnD documents, "
        f"{outcome.intacct_documents} Intacct documents"
    )
    if outcome.books_closed_through is not None:
        out.line(
            f"Intacct books closed through {outcome.books_closed_through.isoformat()} (mapping "
            "options.books_closed_through): documents dated on or before it are never changed."
        )
    if out.stdout.is_terminal:
        _tables(out.stdout, outcome)
    else:
        _plain(state, outcome)
    for error in outcome.unreadable:
        out.line(
            f"unreadable: {error.record} {error.message}"
            + (f" fix: {error.hint}" if error.hint else "")
        )
    if report.agree and not outcome.unreadable:
        out.line("Both sides agree.")
    else:
        counts = {k: v for k, v in report.counts().items() if v and k != "relink"}
        if outcome.unreadable:
            counts["unreadable"] = len(outcome.unreadable)
        out.line(
            "Differences: "
            + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
            + f"; {len(report.safe_fixes())} safe fixes, {len(report.manual_fixes())} manual."
        )


def _plain(state: AppContext, outcome: ReconcileOutcome) -> None:
    out = state.output
    for finding in outcome.report.findings:
        diffs = "; ".join(f"{d.field}: {d.officernd} -> {d.intacct}" for d in finding.diffs)
        keys = ",".join(finding.target_keys)
        out.line(
            f"{finding.category} {finding.kind} {finding.number or '-'}"
            + (f" [{keys}]" if keys else "")
            + (f" {diffs}" if diffs else "")
            + f" | fix ({'safe' if finding.fix.safe else 'manual'}): {finding.fix.text}"
        )
    for row in outcome.report.variances():
        out.line(
            f"variance {row.entity} {row.currency} {row.account}: OfficeRnD {row.officernd} "
            f"Intacct {row.intacct} ({row.variance:+})"
        )


def _tables(console: Console, outcome: ReconcileOutcome) -> None:
    from rich.text import Text

    from orsync.output import table as make_table

    report = outcome.report
    summary = make_table(title="Summary")
    summary.add_column("category")
    summary.add_column("count", justify="right")
    for category, count in report.counts().items():
        if count:
            summary.add_row(_TITLES.get(category, category), str(count))
    if summary.row_count:
        console.print(summary)
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault(finding.category, []).append(finding)
    shown = 0
    for category, findings in groups.items():
        table = make_table(title=_TITLES.get(category, category))
        table.add_column("kind")
        table.add_column("number", no_wrap=True)
        table.add_column("Intacct")
        table.add_column("field")
        table.add_column("OfficeRnD -> Intacct", overflow="fold")
        table.add_column("fix", overflow="fold")
        for finding in findings:
            if shown >= MAX_ROWS:
                break
            shown += 1
            fix = Text(finding.fix.text, style="green" if finding.fix.safe else "yellow")
            rows = finding.diffs or (None,)
            for index, diff in enumerate(rows):
                change = Text()
                field_name = ""
                if diff is not None:
                    field_name = diff.field
                    change.append(diff.officernd or "(none)", style="bold")
                    change.append(" -> ")
                    change.append(diff.intacct or "(none)", style="bold red")
                table.add_row(
                    finding.kind if index == 0 else "",
                    (finding.number or "-") if index == 0 else "",
                    ",".join(finding.target_keys) if index == 0 else "",
                    field_name,
                    change,
                    fix if index == 0 else "",
                )
        console.print(table)
    if shown < len(report.findings):
        console.print(f"... {len(report.findings) - shown} more (use --json or --csv for all)")
    totals = make_table(title="Totals (variance = Intacct - OfficeRnD)")
    for column in ("entity", "currency", "account", "OfficeRnD", "Intacct", "variance"):
        totals.add_column(
            column, justify="right" if column[0].isupper() or column == "variance" else "left"
        )
    for row in report.totals:
        variance = Text(f"{row.variance:+}", style="bold red" if row.variance else "")
        totals.add_row(
            row.entity, row.currency, row.account, str(row.officernd), str(row.intacct), variance
        )
    if totals.row_count:
        console.print(totals)


def _render_run(state: AppContext, run: ReconcileRun) -> None:
    out = state.output
    if run.mode == "dry_run":
        report = run.outcome.report
        if report.safe_fixes() or report.relinks:
            out.line(
                f"Dry run: {len(report.safe_fixes())} safe fixes and {len(report.relinks)} "
                "ledger relinks would be applied; nothing was changed."
            )
    if run.ledger is not None:
        writes = run.ledger
        out.line(
            f"Ledger: {writes.documents} documents and {writes.customers} customers recorded"
            + (f", {writes.cleared} rows cleared first" if writes.cleared else "")
            + "."
        )
    if run.fixes is not None:
        requested = ", ".join(f"{n} {action}" for action, n in sorted(run.fixes.requested.items()))
        out.line(f"Fixes sent through sync: {requested}.")
        for problem in run.fixes.problems:
            out.line(
                f"  {problem.get('status', 'problem')}: {problem.get('kind')} "
                f"{problem.get('number')}: {problem.get('message')}"
                + (f" fix: {problem['fix']}" if problem.get("fix") else "")
            )
        if run.fixes.unconfirmed:
            out.line(f"{run.fixes.unconfirmed} writes are unconfirmed: run sync again.")
    for note in run.notes:
        out.line(note)


def _profile_summary(document: dict[str, Any]) -> str:
    """One profile's line under --all-profiles, from its orsync.reconcile/1 document."""
    if document.get("agree"):
        return "both sides agree"
    counts = {k: v for k, v in document.get("counts", {}).items() if v and k != "relink"}
    fixes = document.get("fixes", {})
    return (
        "differences: "
        + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        + f"; {len(fixes.get('safe', []))} safe fixes, {len(fixes.get('manual', []))} manual"
    )
