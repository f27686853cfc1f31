"""`orsync demo`: sandbox, connect, map, sync and a summary, in one command, touching nothing of
the user's own configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext, CompaniesOption, InvoicesOption, JsonOption

if TYPE_CHECKING:
    from orsync.output import Output
    from orsync.services.demo import DemoReport


def demo_command(
    ctx: typer.Context,
    invoices: InvoicesOption = 300,
    companies: CompaniesOption = 60,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    home: Annotated[
        Path | None,
        typer.Option(
            help="Keep the demo's files (profile, mapping, ledger) in this new or empty folder "
            "instead of a temporary one that is removed at the end. A demo that stops early "
            "leaves the folder as it found it.",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Then run `orsync listen` while an operator changes both systems, and show "
            "it keeping them in step.",
        ),
    ] = False,
    live_seconds: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long the --live part lasts.")
    ] = 30.0,
    activity: Annotated[
        float,
        typer.Option(metavar="EVENTS_PER_MINUTE", help="Changes a minute during --live."),
    ] = 120.0,
    json_output: JsonOption = False,
) -> None:
    """Try orsync end to end against simulated OfficeRnD and Intacct services.

    Starts the sandbox on loopback, connects a 'demo' profile, writes a complete mapping
    (filling the seeded gaps, and saying so), runs a sync and shows what was posted. It works
    in a private folder of its own, even when ORSYNC_HOME is set, so your profiles, ledgers and
    keyring are never touched; the sandbox's secrets stay in this process's memory.

    Exits with the sync's code, except that the one customer the sandbox seeds with the name
    of an existing Intacct customer (held: orsync never merges by name) and the documents
    waiting on it are expected, shown, and not counted as failures.

    Exit codes: those of sync (0, 1, 75), or 70 when the demo itself broke.
    """
    from orsync.errors import UsageError
    from orsync.services.demo import DemoOptions, check_activity, run_demo

    state: AppContext = ctx.obj
    if live and not 1 <= live_seconds <= 3600:
        raise UsageError("--live-seconds must be between 1 and 3600")
    if live:
        check_activity(activity)
    output = state.output
    quiet = state.request_json(json_output) or state.quiet

    def step(text: str) -> None:
        if not quiet:
            output.stderr.print(text, markup=False, highlight=False)

    progress = _StageProgress(output, live=output.interactive) if not quiet else None
    try:
        report = run_demo(
            DemoOptions(
                invoices=invoices,
                companies=companies,
                seed=seed,
                home=home,
                live_seconds=live_seconds if live else 0.0,
                live_activity=activity,
            ),
            on_step=step,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if state.json:
        output.json(report.to_dict())
    else:
        _render(output, report)
    raise typer.Exit(report.exit_code)


class _StageProgress:
    """The sync's progress on stderr: Rich bars on a terminal, one line per stage otherwise."""

    def __init__(self, output: Output, *, live: bool) -> None:
        self._output = output
        self._counts: dict[str, int] = {}
        self._bars: Any = None
        self._tasks: dict[str, Any] = {}
        if live:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:>6}"),
                TimeElapsedColumn(),
                console=output.stderr,
                transient=False,
            )
            self._bars.start()

    def expect(self, stage: str, total: int) -> None:
        del stage, total  # the demo's worlds are read in seconds: counts, no estimate

    def advance(self, stage: str, count: int = 1) -> None:
        if stage not in self._counts:
            self._counts[stage] = 0
            if self._bars is not None:
                self._tasks[stage] = self._bars.add_task(f"  {stage}", total=None)
            else:
                self._output.stderr.print(f"  {stage}...", markup=False, highlight=False)
        self._counts[stage] += count
        if self._bars is not None:
            self._bars.advance(self._tasks[stage], count)

    def note(self, message: str) -> None:
        if self._bars is not None:
            self._bars.console.print(f"  {message}", markup=False, highlight=False)
        else:
            self._output.stderr.print(f"  {message}", markup=False, highlight=False)

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None


_CHANGES = {
    "new_invoice": "new invoices",
    "credit_note": "credit notes",
    "edit_invoice": "edits",
    "void_invoice": "voids",
    "charge": "payments in OfficeRnD",
    "intacct_payment": "payments keyed in Intacct",
    "intacct_reversal": "payments reversed in Intacct",
}


def _render(output: Output, report: DemoReport) -> None:
    from orsync.output import table as make_table

    world = report.world
    output.line(
        f"OfficeRnD (seed {report.options.seed}): {world.get('invoice_issued', 0)} issued "
        f"invoices, {world.get('creditNote_issued', 0)} credit notes, "
        f"{world.get('invoice_draft', 0)} drafts and {world.get('invoice_voided', 0)} voided "
        f"invoices (not posted), {world.get('companies', 0)} companies."
    )
    if report.filled_gaps:
        output.line("The mapping had gaps the sandbox seeds on purpose; the demo filled them:")
        for gap in report.filled_gaps:
            output.line(f"  {gap.map_name} {gap.code or gap.key}: {gap.field} -> {gap.target}")
    output.line(f"Sync: {report.sync_line}")
    if report.held_on_purpose:
        output.line(
            "Held on purpose (the sandbox seeds a customer whose name matches an existing "
            "Intacct customer under another id; orsync never merges by name):"
        )
        for held in report.held_on_purpose:
            output.line(f"  {held['number']}: {held['message']}")
    output.line(
        f"Intacct now holds {report.customers_total} customers "
        f"({report.customers_created} created by this sync) and these documents from orsync:"
    )
    table = make_table()
    for column in ("document", "entity", "currency", "count", "total"):
        table.add_column(column, justify="right" if column in ("count", "total") else "left")
    for row in report.totals:
        kind = "invoices" if row.kind == "invoice" else "credit notes"
        table.add_row(kind, row.entity or "-", row.currency, str(row.count), f"{row.total:,.2f}")
    output.result(table)
    if report.samples:
        output.line("A few of them:")
        for doc in report.samples:
            output.line(
                f"  {doc.number} -> Intacct {doc.intacct_id}: {doc.customer_id}, {doc.date}, "
                f"{doc.lines} line(s), {doc.total:,.2f} {doc.currency} ({doc.entity or '-'})"
            )
    output.line(
        f"Requests: Intacct {report.intacct_requests} ({report.intacct_functions} functions), "
        f"OfficeRnD {report.officernd_requests}."
    )
    for payment in report.payments:
        before, after = payment.before, payment.after
        where = (
            "taken in OfficeRnD -> Intacct"
            if payment.direction == "officernd_to_intacct"
            else "keyed in Intacct -> OfficeRnD"
        )
        output.line(
            f"Payment {where}: {payment.method} {payment.amount:,.2f} {payment.currency} on "
            f"{payment.number}; due before {before.officernd:,.2f} in OfficeRnD, "
            f"{before.intacct:,.2f} in Intacct; after {after.officernd:,.2f} in OfficeRnD, "
            f"{after.intacct:,.2f} in Intacct ({payment.reference or 'not synced'})."
        )
    if report.live is not None:
        live = report.live
        changes = ", ".join(f"{n} {_CHANGES.get(k, k)}" for k, n in sorted(live.changes.items()))
        again = live.events_duplicate
        output.line(
            f"Live ({live.seconds:g} s): {changes or 'no changes'}; "
            f"{live.events_received} webhook events in {live.batches} batches"
            f"{f' ({again} redelivered, ignored)' if again else ''}."
        )
        p50, p95 = live.percentile(0.5), live.percentile(0.95)
        latency = f"; OfficeRnD -> Intacct p50 {p50:.2f} s, p95 {p95:.2f} s" if p50 else ""
        verdict = "in step" if live.in_step else f"NOT in step ({live.backlog_left} waiting)"
        output.line(
            f"  {live.new_invoices_posted} of {live.new_invoices} new invoices in Intacct"
            f"{latency}: {verdict}."
        )
    if report.home is not None:
        output.line(f"The demo's files are in {report.home} (ORSYNC_HOME={report.home}).")
