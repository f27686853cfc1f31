"""`orsync map init|check|show`: write, check and preview the mapping file.

FILE defaults to the profile's mapping (`orsync connect --mapping FILE`), else ./mappings.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orsync.cli.context import AppContext, JsonOption
from orsync.errors import ExitCode

if TYPE_CHECKING:
    from orsync.config import Profile
    from orsync.services.mapping import InitResult, MapCheckResult, ShownDocument

app = typer.Typer(
    help="Write, check and preview the mapping between OfficeRnD values and Intacct.",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="FILE",
        help="Mapping file (default: the profile's, else ./mappings.yaml).",
        show_default=False,
    ),
]


def _profile(state: AppContext, *, required: bool) -> tuple[str | None, Profile | None]:
    from orsync.config import ProfileNotFound

    try:
        name, profile = state.selected_profile()
    except ProfileNotFound:
        if required:
            raise
        return None, None
    return name, profile


@app.command("init", short_help="Draft a mapping file from both systems.")
def init_command(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write (default: the profile's mapping file, else ./mappings.yaml).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Read the values in use in both systems and write a commented mapping.

    Values are matched by code, then by name; anything else is written as an explicit
    UNRESOLVED entry for you to fill in (never guessed). The file is private (0600).

    Exit codes: 0 written; 2 the file exists (--force); 69 a service is unavailable;
    77 credentials refused; 78 configuration problem.
    """
    from orsync.services.mapping import init_mapping, mapping_path

    state: AppContext = ctx.obj
    state.request_json(json_output)
    name, profile = _profile(state, required=True)
    assert name is not None and profile is not None
    result = init_mapping(name, profile, mapping_path(profile, output), force=force)
    if state.json:
        state.output.json(result.to_dict())
        return
    _render_init(state, result)


def _render_init(state: AppContext, result: InitResult) -> None:
    out = state.output
    out.line(f"Wrote {result.path} from {result.documents} OfficeRnD document(s).")
    if result.customers.reason:
        out.line(f"Customer ids: {result.customers.templates.company} ({result.customers.reason}).")
    unresolved = result.draft.unresolved
    if not unresolved:
        out.line("Every value in use is mapped.")
        out.line(f"Next: orsync map check {result.path}")
        return
    out.line(f"{len(result.draft.gaps())} entr(ies) need an Intacct id (UNRESOLVED in the file):")
    for gap in unresolved:
        out.line(f"  {gap.map_name}.values.{gap.key}.{gap.field}: {gap.reason}")
    out.line(
        f"Next: fill them in {result.path}, then run `orsync map check {result.path}`; "
        "`orsync connect --mapping FILE` makes it the profile's mapping."
    )


@app.command("check", short_help="Validate the mapping, offline and live.")
def check_command(
    ctx: typer.Context,
    file: FileArgument = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Validate the file only; contact nothing.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Validate the file, then check it against both live systems.

    \b
    Every OfficeRnD value in use must be mapped, and every Intacct target must exist, be
    active and be usable from the entity it posts in. Prints coverage per map and each gap
    with its fix.

    Exit codes: 0 complete; 69 a service is unavailable; 77 credentials refused; 78 the
    file is invalid or has gaps.
    """
    from orsync.services.mapping import check_mapping_file, mapping_path

    state: AppContext = ctx.obj
    state.request_json(json_output)
    name, profile = _profile(state, required=not offline)
    result = check_mapping_file(name, profile, mapping_path(profile, file), offline=offline)
    if state.json:
        state.output.json(result.to_dict())
    else:
        _render_check(state, result)
    if not result.ok:
        raise typer.Exit(int(ExitCode.CONFIG))


def _render_check(state: AppContext, result: MapCheckResult) -> None:
    from orsync.output import table as make_table

    out = state.output
    for warning in result.warnings:
        out.warn(f"warning: {warning}")
    where = "offline" if result.offline else f"{result.documents} OfficeRnD document(s) read"
    out.line(f"{result.path}: valid ({where}).")
    if result.report.coverage:
        table = make_table(title="coverage")
        for column in ("map", "in use", "mapped", "by default", "by policy", "covered"):
            table.add_column(column, justify="left" if column == "map" else "right")
        for cov in result.report.coverage:
            table.add_row(
                cov.map_name,
                str(cov.total),
                str(cov.mapped),
                str(cov.by_default),
                str(cov.by_policy),
                f"{cov.covered}/{cov.total}",
            )
        out.result(table)
    gaps = result.report.gaps
    if not gaps:
        out.line("No gaps: every value in use is mapped to an active Intacct target.")
        return
    out.line(f"{len(gaps)} gap(s):")
    for gap in gaps:
        out.line(f"  [{gap.kind}] {gap.message}")
        out.line(f"      fix: {gap.fix}")


@app.command("show", short_help="Preview how documents would post.")
def show_command(
    ctx: typer.Context,
    file: FileArgument = None,
    invoice: Annotated[
        str | None,
        typer.Option("--invoice", metavar="NUMBER", help="One OfficeRnD invoice or credit note."),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", metavar="N", help="The first N issued documents (default 3)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Render how documents would post in Intacct; writes nothing anywhere.

    Shows each document's header, lines with accounts, dimensions and tax, and totals
    against OfficeRnD's.

    Exit codes: 0 every shown document would post; 1 some would not; 69 a service is
    unavailable; 77 credentials refused; 78 configuration or mapping problem.
    """
    from orsync.errors import UsageError
    from orsync.services.mapping import DEFAULT_SAMPLE, mapping_path, show_postings

    if invoice is not None and sample is not None:
        raise UsageError("give --invoice or --sample, not both")
    state: AppContext = ctx.obj
    state.request_json(json_output)
    name, profile = _profile(state, required=True)
    assert name is not None and profile is not None
    result = show_postings(
        name,
        profile,
        mapping_path(profile, file),
        invoice=invoice,
        sample=sample if sample is not None else DEFAULT_SAMPLE,
    )
    if state.json:
        state.output.json(result.to_dict())
    else:
        for document in result.documents:
            _render_document(state, document)
    if any(document.outcome == "failed" for document in result.documents):
        raise typer.Exit(int(ExitCode.PARTIAL))


def _render_document(state: AppContext, doc: ShownDocument) -> None:
    from orsync.output import table as make_table

    out = state.output
    posting = doc.posting
    title = f"{doc.kind.replace('_', ' ')} {doc.number} ({doc.status})"
    if posting is None:
        out.line(f"{title}: {doc.outcome.upper()}")
        if doc.skipped:
            out.line(f"  skipped: {doc.skipped}")
        for problem in doc.problems:
            out.line(f"  {problem.field}: {problem.message}")
            out.line(f"      fix: {problem.fix}")
        out.line("")
        return
    entity = posting.entity_id or "top level"
    out.line(
        f"{title} -> Intacct {posting.kind.replace('_', ' ')} in {entity}, customer "
        f"{posting.customer_id}, dated {posting.date_created}"
        + (f", due {posting.date_due}" if posting.date_due else "")
    )
    number = posting.invoice_number or "numbered by Intacct"
    out.line(f"  number {number}, reference {posting.reference}, {posting.description}")
    if posting.transaction_definition:
        out.line(f"  transaction definition {posting.transaction_definition}")
    table = make_table(show_footer=True)
    sales = posting.kind in ("so_invoice", "so_credit")
    table.add_column("#", justify="right", footer="")
    table.add_column("item" if sales else "account", footer="")
    table.add_column("location", footer="")
    table.add_column("dept", footer="")
    table.add_column("class", footer="")
    table.add_column("tax detail", footer="total")
    table.add_column("net", justify="right", footer=f"{posting.total_net:.2f}")
    table.add_column("tax", justify="right", footer=f"{posting.total_tax:.2f}")
    table.add_column("memo", overflow="fold", footer=f"{posting.total:.2f} {posting.currency}")
    for index, line in enumerate(posting.lines, start=1):
        table.add_row(
            str(index),
            line.account,
            line.location_id or "",
            line.department_id or "",
            line.class_id or "",
            "(sales tax line)" if line.role == "tax" else line.tax_detail_id or "-",
            "" if line.role == "tax" else f"{line.net_amount:.2f}",
            f"{line.net_amount if line.role == 'tax' else line.tax_amount:.2f}",
            line.memo,
        )
    out.result(table)
    officernd = f"{doc.officernd_total:.2f}" if doc.officernd_total is not None else "?"
    out.line(f"  total {posting.total:.2f} {posting.currency} (OfficeRnD {officernd})")
    out.line("")
