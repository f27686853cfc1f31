"""`orsync map init|check|show`: write, check and preview the mapping file.

FILE defaults to the profile's mapping (`orsync connect --mapping FILE`), else ./mappings.yaml.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext, JsonOption
from orsync.errors import ExitCode

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from orsync.config import Profile
    from orsync.services.mapping import InitResult, MapCheckResult, ScanRequest, ShownDocument

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


SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DATE",
        help="Values in use by documents dated from DATE (YYYY-MM-DD); default: the last "
        "13 months.",
        show_default=False,
    ),
]
AllHistoryOption = Annotated[
    bool, typer.Option("--all-history", help="Values in use by every document ever issued.")
]
RefreshOption = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Read every document of the window again instead of only those changed since the "
        "last map init or check.",
    ),
]


def _scan_request(since: str | None, all_history: bool, refresh: bool) -> ScanRequest:
    from orsync.errors import UsageError
    from orsync.services.mapping import ScanRequest

    if since is not None and all_history:
        raise UsageError("give --since or --all-history, not both")
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since.strip())
        except ValueError:
            raise UsageError(
                f"--since {since!r} is not a day", hint="Write it as YYYY-MM-DD, e.g. 2025-11-01."
            ) from None
    return ScanRequest(since=day, all_history=all_history, refresh=refresh)


# -- progress of the scan ---------------------------------------------------------------------

_log = logging.getLogger("orsync.map")
LOG_EVERY_S = 5.0


@contextmanager
def _scan_progress(state: AppContext) -> Iterator[Any]:
    """A Rich bar on a terminal; log lines (seen at -v) off one; nothing under --json/-q."""
    if state.quiet or state.json:
        yield None
        return
    if not state.output.interactive:
        yield LogProgress()
        return
    from orsync.output import progress_bar

    with progress_bar(state.output.stderr, "reading {task.description:<18}") as progress:
        yield RichScanProgress(progress)


class RichScanProgress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._started = time.monotonic()

    def start(self, what: str, total: int | None) -> None:
        self._started = time.monotonic()
        self._task = self._progress.add_task(what, total=total, rate="")

    def advance(self, count: int) -> None:
        if self._task is None:
            self.start("documents", None)
        assert self._task is not None
        self._progress.advance(self._task, count)
        done = self._progress.tasks[self._task].completed
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._progress.update(self._task, rate=f"{done / elapsed:,.0f}/s")


class LogProgress:
    """A line every few seconds: ``read 12,000 documents (1,850/s)``, plus how many in all."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._what = "documents"
        self._total: int | None = None
        self._done = 0
        self._started = self._last = clock()

    def start(self, what: str, total: int | None) -> None:
        self._what, self._total, self._done = what, total, 0
        self._started = self._last = self._clock()
        about = f" (about {total:,} last time)" if total else ""
        _log.info("reading %s from OfficeRnD%s", what, about)

    def advance(self, count: int) -> None:
        self._done += count
        now = self._clock()
        if now - self._last < LOG_EVERY_S:
            return
        self._last = now
        rate = self._done / max(now - self._started, 1e-6)
        left = ""
        if self._total and self._total > self._done and rate > 0:
            left = f", about {(self._total - self._done) / rate:,.0f} s left"
        _log.info("read %s %s (%s/s%s)", f"{self._done:,}", self._what, f"{rate:,.0f}", left)


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
    since: SinceOption = None,
    all_history: AllHistoryOption = False,
    refresh: RefreshOption = False,
    json_output: JsonOption = False,
) -> None:
    """Read the values in use in both systems and write a commented mapping.

    \b
    Values in use are those of the documents dated in the last 13 months (--since,
    --all-history); what was found is kept in the profile's state, so the next `map check`
    reads only the documents changed since (--refresh reads them all again).

    Values are matched by code, then by name; anything else is written as an explicit
    UNRESOLVED entry for you to fill in (never guessed). The file is private (0600).

    Exit codes: 0 written; 2 the file exists (--force); 69 a service is unavailable;
    77 credentials refused; 78 configuration problem.
    """
    from orsync.services.mapping import init_mapping, mapping_path

    state: AppContext = ctx.obj
    state.request_json(json_output)
    request = _scan_request(since, all_history, refresh)
    name, profile = _profile(state, required=True)
    assert name is not None and profile is not None
    with _scan_progress(state) as progress:
        result = init_mapping(
            name,
            profile,
            mapping_path(profile, output),
            force=force,
            scan=request,
            progress=progress,
        )
    if state.json:
        state.output.json(result.to_dict())
        return
    _render_init(state, result)


def _render_init(state: AppContext, result: InitResult) -> None:
    out = state.output
    window = _window(result.usage)
    out.line(f"Wrote {result.path} from {result.documents} OfficeRnD document(s) {window}.")
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
    since: SinceOption = None,
    all_history: AllHistoryOption = False,
    refresh: RefreshOption = False,
    json_output: JsonOption = False,
) -> None:
    """Validate the file, then check it against both live systems.

    \b
    Every OfficeRnD value in use must be mapped, and every Intacct target must exist, be
    active and be usable from the entity it posts in. Prints coverage per map and each gap
    with its fix. Values in use: as `map init` (the last 13 months; only changes since the
    last scan).

    Exit codes: 0 complete; 69 a service is unavailable; 77 credentials refused; 78 the
    file is invalid or has gaps.
    """
    from orsync.services.mapping import check_mapping_file, mapping_path

    state: AppContext = ctx.obj
    state.request_json(json_output)
    request = _scan_request(since, all_history, refresh)
    name, profile = _profile(state, required=not offline)
    with _scan_progress(state) as progress:
        result = check_mapping_file(
            name,
            profile,
            mapping_path(profile, file),
            offline=offline,
            scan=request,
            progress=progress,
        )
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
    where = "offline"
    if result.usage is not None:
        where = f"values in use by {result.documents} OfficeRnD document(s) {_window(result.usage)}"
        if result.usage.incremental:
            where += f", {result.usage.read} read now (changed since the last scan)"
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
    if not gaps and result.offline:
        out.line(
            "No gaps in the file. Targets and values in use were not checked: run `orsync map "
            "check` without --offline to compare them with Intacct and OfficeRnD."
        )
        return
    if not gaps:
        out.line("No gaps: every value in use is mapped to an active Intacct target.")
        return
    out.line(f"{len(gaps)} gap(s):")
    for gap in gaps:
        out.line(f"  [{gap.kind}] {gap.message}")
        out.line(f"      fix: {gap.fix}")


def _window(usage: Any) -> str:
    return f"dated from {usage.since.isoformat()}" if usage.since else "of all history"


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
