"""Where output goes and how it looks.

Results go to stdout; progress, logs and warnings to stderr. A terminal gets Rich; a pipe or cron
gets plain log lines (ISO timestamp, level, profile, message) with no colour or progress bars.
User data is never interpreted as Rich markup. ``--json`` prints exactly one JSON document.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

from orsync.redact import MASK, RedactingFilter, is_sensitive_key, redact


@dataclass
class OutputSettings:
    quiet: bool = False
    verbose: int = 0
    no_color: bool = False
    profile: str | None = None
    hint_profile: str | None = None  # the profile suggested commands name (None: the default)


def _wants_no_color(no_color: bool) -> bool:
    return no_color or bool(os.environ.get("NO_COLOR"))


# A pipe, a log file or cron's mail gets every line whole: Rich would otherwise wrap text and
# fold table cells at 80 columns, splitting a message (and what someone greps for) over lines.
# No renderable of orsync's stretches to the console's width, so this only removes the wrapping.
UNWRAPPED_WIDTH = 1000


def make_console(stream: IO[str], no_color: bool) -> Console:
    console = Console(
        file=stream,
        no_color=_wants_no_color(no_color),
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    if not console.is_terminal:  # Rich's own test (it honours FORCE_COLOR and the like)
        console.width = UNWRAPPED_WIDTH
    return console


@dataclass
class Output:
    """The two consoles and the output mode of one command run."""

    settings: OutputSettings = field(default_factory=OutputSettings)
    stdout: Console = field(init=False)
    stderr: Console = field(init=False)
    documents: int = field(default=0, init=False)  # JSON documents printed so far

    def __post_init__(self) -> None:
        self.stdout = make_console(sys.stdout, self.settings.no_color)
        self.stderr = make_console(sys.stderr, self.settings.no_color)

    @property
    def interactive(self) -> bool:
        """A person is watching stderr: progress bars and Rich tables are welcome."""
        return self.stderr.is_terminal and not os.environ.get("CI")

    def json(self, document: Any) -> None:
        """Print one JSON document on stdout, and nothing else ever goes there."""
        # Redacted value by value *before* serialising: json.dumps escapes a secret holding
        # `"`, `\\` or non-ASCII characters into text the secret no longer matches.
        from orsync.hints import name_profile_in

        document = name_profile_in(document, self.settings.hint_profile)
        text = json.dumps(redact_values(document), indent=2, sort_keys=False)
        sys.stdout.write(redact(text) + "\n")
        sys.stdout.flush()
        self.documents += 1

    def result(self, renderable: Any) -> None:
        """A human-readable result on stdout (tables, summaries). Off a terminal no line ends
        in padding: a table's cells are padded to the column's width, which in a pipe (no
        wrapping) is the longest cell's, hundreds of spaces at a line's end."""
        renderable = self._named_cells(renderable)
        if self.stdout.is_terminal:
            self.stdout.print(renderable)
            return
        with self.stdout.capture() as captured:
            self.stdout.print(renderable)
        text = "\n".join(line.rstrip() for line in captured.get().splitlines())
        self.stdout.file.write(text + "\n")
        self.stdout.file.flush()

    def _named_cells(self, renderable: Any) -> Any:
        """A text, or a table whose text cells, with each suggested command naming the profile
        (before rendering, so that a longer cell still fits its column)."""
        from rich.table import Table

        if isinstance(renderable, str):
            return self._named(renderable)
        if isinstance(renderable, Table):
            for column in renderable.columns:
                column._cells = [  # Rich keeps a column's cells here
                    self._named(cell) if isinstance(cell, str) else cell for cell in column._cells
                ]
        return renderable

    def line(self, text: str) -> None:
        """A plain line of result text on stdout; never interpreted as markup."""
        self.stdout.print(self._named(redact(text)), markup=False, highlight=False)

    def warn(self, text: str) -> None:
        self.stderr.print(self._named(redact(text)), markup=False, highlight=False, style="yellow")

    def _named(self, text: str) -> str:
        """Each command the text suggests, given the profile this run is for."""
        from orsync.hints import name_profile

        return name_profile(text, self.settings.hint_profile)


def redact_values(document: Any) -> Any:
    """``document`` as plain JSON values with every string (keys included) redacted."""
    if isinstance(document, str):
        return redact(document)
    if isinstance(document, dict):
        return {
            redact_values(key): MASK
            if isinstance(key, str) and is_sensitive_key(key) and isinstance(value, str)
            else redact_values(value)
            for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [redact_values(item) for item in document]
    if document is None or isinstance(document, bool | int | float):
        return document
    return redact_values(_json_default(document))


def progress_bar(console: Console, description: str) -> Progress:
    """orsync's one progress bar, for every command that draws one (on a terminal only): the
    stage, a bar, done of total, the rate (a ``rate`` task field) and the time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=console, transient=True)


class StageBars:
    """One bar per stage on a :func:`progress_bar`, with its count, its rate and, once
    :meth:`expect` gave it an end, Rich's estimate of the time left (sync's and reconcile's
    progress on a terminal)."""

    def __init__(self, progress: Progress, labels: dict[str, str]) -> None:
        self._progress = progress
        self._labels = labels
        self._tasks: dict[str, TaskID] = {}
        self._started = time.monotonic()

    def _task(self, stage: str) -> TaskID:
        task = self._tasks.get(stage)
        if task is None:
            label = self._labels.get(stage, stage)
            task = self._progress.add_task(label, total=None, rate="")
            self._tasks[stage] = task
        return task

    def expect(self, stage: str, total: int) -> None:
        """A bar with an end, and Rich's estimate of the time left."""
        task = self._task(stage)
        known = self._progress.tasks[task].total or 0
        self._progress.update(task, total=known + total)

    def advance(self, stage: str, count: int = 1) -> None:
        task = self._task(stage)
        self._progress.advance(task, count)
        done = self._progress.tasks[task].completed
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._progress.update(task, rate=f"{done / elapsed:,.0f}/s")

    def note(self, message: str) -> None:
        self._progress.console.print(message, markup=False, highlight=False)


def table(*columns: str, title: str | None = None, **options: Any) -> Table:
    """orsync's one table style, for every command: the title on the left, a rule under the
    header, no outer box."""
    from rich import box
    from rich.table import Table

    return Table(*columns, title=title, title_justify="left", box=box.SIMPLE_HEAD, **options)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    msg = f"cannot render {type(value).__name__} as JSON"
    raise TypeError(msg)


class _ProfileFilter(logging.Filter):
    def __init__(self, profile: str | None) -> None:
        super().__init__()
        self.profile = profile or "-"

    def filter(self, record: logging.LogRecord) -> bool:
        record.profile = self.profile
        return True


class _HintFilter(logging.Filter):
    """Each command a log line suggests names the profile (after RedactingFilter rendered it)."""

    def __init__(self, profile: str | None) -> None:
        super().__init__()
        self.profile = profile

    def filter(self, record: logging.LogRecord) -> bool:
        from orsync.hints import name_profile

        record.msg = name_profile(str(record.msg), self.profile)
        return True


class _PlainFormatter(logging.Formatter):
    """``2026-11-26T10:02:11Z WARNING main message`` — greppable, no colour."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def formatMessage(self, record: logging.LogRecord) -> str:
        """One line per record (a request body logged with -vv included): a line that began
        with "<request>" had no time, level or profile for grep to find. A traceback, added
        after the message, keeps its lines."""
        return " ".join(part for part in super().formatMessage(record).splitlines() if part)


def _level_for(settings: OutputSettings) -> int:
    if settings.quiet:
        return logging.WARNING
    if settings.verbose >= 2:
        return logging.DEBUG
    if settings.verbose == 1:
        return logging.INFO
    return logging.WARNING if not sys.stderr.isatty() else logging.INFO


def configure_logging(settings: OutputSettings, stream: IO[str] | None = None) -> None:
    """Send orsync's log records to stderr, redacted, in the style the stream deserves."""
    logger = logging.getLogger("orsync")
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    target = stream or sys.stderr
    handler: logging.Handler
    if target.isatty() and not os.environ.get("CI"):
        from rich.logging import RichHandler

        handler = RichHandler(
            console=make_console(target, settings.no_color),
            show_path=False,
            markup=False,
            rich_tracebacks=False,
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(target)
        handler.setFormatter(_PlainFormatter("%(asctime)s %(levelname)s %(profile)s %(message)s"))
    handler.addFilter(_ProfileFilter(settings.profile))
    handler.addFilter(RedactingFilter())
    handler.addFilter(_HintFilter(settings.hint_profile))
    logger.addHandler(handler)
    logger.setLevel(_level_for(settings))
    logger.propagate = False


def progress_text(done: int, total: int | None, elapsed: float) -> str:
    """``12,000 of about 100,000, about 9 min left``: the count, the expected total when
    known and the time left at the rate so far (``12,000`` alone without a total)."""
    if not total:
        return f"{done:,}"
    text = f"{done:,} of about {total:,}"
    if done <= 0 or elapsed <= 0:
        return text
    left = max(total - done, 0) * elapsed / done
    if left < 90:
        return f"{text}, about {left:.0f} s left"
    if left < 90 * 60:
        return f"{text}, about {left / 60:.0f} min left"
    return f"{text}, about {left / 3600:.1f} h left"


class StageLog:
    """Progress as plain log lines (INFO, so shown with ``-v``) for cron mail and pipes, where
    no bar is drawn: one line when a stage starts, one at most every ``every`` seconds while it
    runs (with the expected total and the time left once :meth:`expect` said how many), and
    each stage's count when the run moves on or ends (:meth:`close`)."""

    def __init__(
        self,
        command: str,
        labels: dict[str, str],
        *,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logging.getLogger(f"orsync.{command}")
        self._labels = labels
        self._every = every
        self._clock = clock
        self._stage: str | None = None
        self._count = 0
        self._last = 0.0
        self._totals: dict[str, int] = {}  # expected records per stage, when known
        self._done: dict[str, int] = {}  # records per stage since it first started
        self._first: dict[str, float] = {}  # when each stage first started

    def expect(self, stage: str, total: int) -> None:
        self._totals[stage] = self._totals.get(stage, 0) + total
        self._first.setdefault(stage, self._clock())
        self._log.info("%s: about %s to go", self._label(stage), f"{total:,}")

    def _label(self, stage: str) -> str:
        return self._labels.get(stage, stage)

    def advance(self, stage: str, count: int = 1) -> None:
        now = self._clock()
        if stage != self._stage:
            self._finish()
            self._stage, self._count, self._last = stage, 0, now
            self._log.info("%s: started", self._label(stage))
        self._count += count
        self._done[stage] = done = self._done.get(stage, 0) + count
        first = self._first.setdefault(stage, now)
        if now - self._last >= self._every:
            self._last = now
            if stage in self._totals:
                text = progress_text(done, self._totals[stage], now - first)
                self._log.info("%s: %s", self._label(stage), text)
            else:
                self._log.info("%s: %d so far", self._label(stage), self._count)

    def note(self, message: str) -> None:
        self._log.info("%s", message)

    def close(self) -> None:
        self._finish()
        self._stage = None

    def _finish(self) -> None:
        if self._stage is not None:
            self._log.info("%s: %d done", self._label(self._stage), self._count)
