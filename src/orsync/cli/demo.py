"""`orsync demo`: sandbox, connect, map, sync and a summary, in one command, touching nothing of
the user's own configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orsync.cli.context import AppContext

if TYPE_CHECKING:
    from orsync.output import Output
    from orsync.services.demo import DemoReport


def demo_command(
    ctx: typer.Context,
    invoices: Annotated[
        int, typer.Option(min=1, max=100_000, help="OfficeRnD invoices to seed.")
    ] = 300,
    companies: Annotated[
        int, typer.Option(min=1, max=20_000, help="OfficeRnD companies to seed.")
    ] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    home: Annotated[
        Path | None,
        typer.Option(
            help="Keep the demo's files (profile, mapping, ledger) in this new or empty folder "
            "instead of a temporary one that is removed at the end.",
        ),
    ] = None,
) -> None:
    """Try orsync end to end against simulated OfficeRnD and Intacct services.

    Starts the sandbox on loopback, connects a 'demo' profile, writes a complete mapping
    (filling the seeded gaps, and saying so), runs a sync and shows what was posted. It works
    in a private folder of its own, even when ORSYNC_HOME is set, so your profiles, ledgers and
    keyring are never touched; the sandbox's secrets stay in this process's memory.
    """
    from orsync.services.demo import DemoOptions, run_demo

    state: AppContext = ctx.obj
    output = state.output
    quiet = state.json or state.quiet

    def step(text: str) -> None:
        if not quiet:
            output.stderr.print(text, markup=False, highlight=False)

    report = run_demo(
        DemoOptions(invoices=invoices, companies=companies, seed=seed, home=home),
        on_step=step,
        interactive=output.interactive and not quiet,
    )
    if state.json:
        output.json(report.to_dict())
    else:
        _render(output, report)
    raise typer.Exit(report.exit_code)


def _render(output: Output, report: DemoReport) -> None:
    from rich.table import Table

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
    output.line(
        f"Intacct now holds {report.customers_total} customers "
        f"({report.customers_created} created by this sync) and these documents from orsync:"
    )
    table = Table(show_edge=False, pad_edge=False)
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
    if report.home is not None:
        output.line(f"The demo's files are in {report.home} (ORSYNC_HOME={report.home}).")
