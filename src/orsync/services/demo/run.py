"""``orsync demo``: the whole product in one command, against the sandbox, for a newcomer.

Steps: a fresh private ``ORSYNC_HOME`` -> both simulators on loopback with a seeded world ->
a ``demo`` profile connected non-interactively (secrets only in this process's environment) ->
a mapping from ``map init`` with the seed's declared gaps filled (and listed) -> one sync ->
a summary of what Intacct now holds, read back from the simulator -> a card payment in OfficeRnD
and a cheque keyed in Intacct, each reaching the other system in a ``sync --only payments``.

The demo never touches the user's own configuration: it always works in a home of its own,
even when ``ORSYNC_HOME`` is set (that home may hold real profiles), and restores the process
environment afterwards. The home is a temporary folder removed at the end, unless the caller
names one (``home=``; it must be new or empty) to look at afterwards. Secrets are sandbox
fixtures, but they still go only to the environment, never to a file nor to the keyring
(a keyring entry would outlive the home, and could shadow a real profile named ``demo``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orsync.config import Profile
from orsync.env import EnvVars, ensure_private_dir, unwritable_reason, write_private_file
from orsync.errors import ExitCode, UsageError
from orsync.sandbox.launch import RunningSandbox, SandboxOptions, start_sandbox
from orsync.sandbox.seed.intacct_side import OVERPAYMENT_ACCOUNT
from orsync.services.demo.live import LiveReport, run_live
from orsync.services.demo.mapping import FilledGap, GapToFill, fill_gaps, state_books_close
from orsync.services.demo.payments import PaymentShown, payments_sync, show_payments, with_cheques
from orsync.services.demo.readback import (
    PostedDocument,
    TotalRow,
    issued_documents,
    posted_documents,
    seeded_name_matches,
    totals_by_entity,
)
from orsync.services.sync import SyncProgress

DEMO_PROFILE = "demo"
MAPPING_FILE_NAME = "demo-mapping.yaml"
SAMPLE_SIZE = 3

__all__ = [
    "DEMO_PROFILE",
    "DemoOptions",
    "DemoReport",
    "PaymentShown",
    "PostedDocument",
    "PreparedProfile",
    "TotalRow",
    "issued_documents",
    "keyring_disabled",
    "posted_documents",
    "prepare_profile",
    "run_demo",
    "sandbox_environment",
    "scoped_environment",
    "seeded_name_matches",
    "totals_by_entity",
]

# Variables the demo sets or hides for its duration; all restored afterwards.
_SCOPED_VARIABLES = (
    EnvVars.HOME,
    EnvVars.PROFILE,
    EnvVars.CONFIG,
    EnvVars.INTACCT_SENDER_PASSWORD,
    EnvVars.INTACCT_USER_PASSWORD,
    EnvVars.OFFICERND_CLIENT_SECRET,
    EnvVars.OFFICERND_WEBHOOK_SECRET,
)

Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoOptions:
    invoices: int = 300
    companies: int = 60
    seed: int = 42
    home: Path | None = None  # None: a temporary folder, removed at the end
    live_seconds: float = 0.0  # > 0: then `orsync listen` through an operator's changes
    live_activity: float = 120.0  # changes a minute during the live part


@dataclass
class DemoReport:
    """What the demo did and what Intacct holds afterwards (``to_dict`` is the ``--json``)."""

    options: DemoOptions
    home: Path | None
    world: dict[str, int] = field(default_factory=dict)
    filled_gaps: list[FilledGap] = field(default_factory=list)
    sync: dict[str, Any] = field(default_factory=dict)
    sync_line: str = ""
    held_on_purpose: list[dict[str, str]] = field(default_factory=list)
    exit_code: int = 0
    customers_created: int = 0
    customers_total: int = 0
    totals: list[TotalRow] = field(default_factory=list)
    samples: list[PostedDocument] = field(default_factory=list)
    intacct_requests: int = 0
    intacct_functions: int = 0
    officernd_requests: int = 0
    payments: list[PaymentShown] = field(default_factory=list)
    live: LiveReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "orsync.demo/1",
            "home": str(self.home) if self.home else None,
            "seed": self.options.seed,
            "officernd": self.world,
            "filled_gaps": [gap.to_dict() for gap in self.filled_gaps],
            "sync": self.sync,
            "held_on_purpose": self.held_on_purpose,
            "exit_code": self.exit_code,
            "intacct": {
                "customers_created": self.customers_created,
                "customers_total": self.customers_total,
                "documents": [row.to_dict() for row in self.totals],
                "samples": [doc.to_dict() for doc in self.samples],
            },
            "requests": {
                "intacct": self.intacct_requests,
                "intacct_functions": self.intacct_functions,
                "officernd": self.officernd_requests,
            },
            "payments": [payment.to_dict() for payment in self.payments],
            "live": None if self.live is None else self.live.to_dict(),
        }


# --- environment -------------------------------------------------------------------------------


@contextmanager
def scoped_environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, with None, hide) environment variables, restoring every one afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


@contextmanager
def demo_home(explicit: Path | None) -> Iterator[Path]:
    """A private home for the demo: ``explicit`` (new or empty, kept once the demo completes,
    restored to new or empty if it does not) or a temporary one."""
    if explicit is not None:
        hint = "The demo needs a new or empty folder, so it never mixes with real profiles."
        try:
            occupied = explicit.exists() and (not explicit.is_dir() or any(explicit.iterdir()))
        except OSError as error:
            raise UsageError(f"{explicit} cannot be used: {error.strerror}", hint=hint) from None
        if occupied:
            raise UsageError(f"{explicit} is not an empty folder", hint=hint)
        if (reason := unwritable_reason(explicit / MAPPING_FILE_NAME)) is not None:
            raise UsageError(f"{explicit} cannot be used: {reason}", hint=hint)
        existed = explicit.exists()
        try:
            yield ensure_private_dir(explicit)
        except BaseException:
            # A demo that did not finish (an error, Ctrl-C) leaves the folder as it found it:
            # half a demo is nothing to look at, and a re-run would refuse it as not empty.
            _clear(explicit, remove=not existed)
            raise
        return
    temporary = Path(tempfile.mkdtemp(prefix="orsync-demo-"))
    try:
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _clear(folder: Path, *, remove: bool) -> None:
    if remove:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for entry in folder.iterdir() if folder.is_dir() else ():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def sandbox_environment(sandbox: RunningSandbox) -> dict[str, str | None]:
    """The three secret variables of a profile pointing at ``sandbox``."""
    details = sandbox.details()
    return {
        EnvVars.INTACCT_SENDER_PASSWORD: details["intacct"]["sender_password"],
        EnvVars.INTACCT_USER_PASSWORD: details["intacct"]["user_password"],
        EnvVars.OFFICERND_CLIENT_SECRET: details["officernd"]["client_secret"],
    }


# --- setting the profile up ------------------------------------------------------------------


@contextmanager
def keyring_disabled() -> Iterator[None]:
    """No keyring for the demo: ``connect`` then keeps the secrets in the environment only
    (it stores into a keyring whenever one exists, and a sandbox secret there would outlive
    the demo and could shadow a real profile of the same name)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@dataclass(frozen=True)
class PreparedProfile:
    name: str
    mapping_path: Path
    filled_gaps: list[FilledGap]


def prepare_profile(
    sandbox: RunningSandbox, *, mapping_path: Path, profile: str = DEMO_PROFILE
) -> PreparedProfile:
    """Connect ``profile`` to ``sandbox`` and give it a complete mapping at ``mapping_path``.

    Works in the current ``ORSYNC_HOME``; leaves the secrets nowhere (the caller keeps them in
    the environment, see :func:`sandbox_environment`, for the commands that follow).
    """
    from orsync.services.setup import ConnectRequest, connect_profile

    details = sandbox.details()
    intacct, officernd = details["intacct"], details["officernd"]
    with keyring_disabled(), scoped_environment(sandbox_environment(sandbox)):
        request = ConnectRequest(
            profile=profile,
            intacct_url=intacct["url"],
            sender_id=intacct["sender_id"],
            company_id=intacct["company_id"],
            user_id=intacct["user_id"],
            officernd_org=officernd["org"],
            officernd_client_id=officernd["client_id"],
            officernd_api_url=officernd["api_url"],
            officernd_token_url=officernd["token_url"],
        )
        connected = connect_profile(request)
        text, gaps = _map_init(profile, connected.settings, mapping_path)
        filled_text, filled = fill_gaps(text, gaps)
        filled_text = with_cheques(filled_text)
        closed = sandbox.world.intacct.books_closed_before
        if closed is not None:
            filled_text = state_books_close(filled_text, closed - dt.timedelta(days=1))
        write_private_file(mapping_path, filled_text)
        # The seeded company's overpayment account, as an admin would name it.
        connect_profile(
            ConnectRequest(
                profile=profile,
                mapping=str(mapping_path),
                overpayment_account=OVERPAYMENT_ACCOUNT,
            ),
            verify=False,
        )
    return PreparedProfile(profile, mapping_path, filled)


# --- the other services, behind one adapter each ------------------------------------------------


def _map_init(profile_name: str, profile: Profile, output: Path) -> tuple[str, list[GapToFill]]:
    """``map init``'s text for ``profile`` (written to ``output``) and what it left unresolved."""
    from orsync.services.mapping import ScanRequest, init_mapping

    # The sandbox's world is a fixed stretch of the past: every document of it is in use.
    scan = ScanRequest(all_history=True)
    result = init_mapping(profile_name, profile, output, force=True, scan=scan)
    gaps = {
        (gap.map_name, gap.key): GapToFill(gap.map_name, gap.key, gap.value.code, gap.reason)
        for gap in result.draft.unresolved
    }
    return result.draft.text, list(gaps.values())


def _run_sync(
    profile_name: str, profile: Profile, progress: SyncProgress | None
) -> tuple[dict[str, Any], int]:
    """One sync of ``profile``: its ``--json`` summary and exit code."""
    from orsync.services.sync import SyncOptions, run_sync

    result = run_sync(profile_name, profile, SyncOptions(), progress=progress)
    return result.to_dict(), result.exit_code


def _sync_line(summary: Mapping[str, Any]) -> str:
    counts = summary.get("counts", {})
    parts = []
    for stage, label in (
        ("customers", "customers"),
        ("invoices", "invoices"),
        ("credit_notes", "credit notes"),
        ("payments", "payments"),
    ):
        outcomes = counts.get(stage, {})
        shown = ", ".join(f"{n} {what}" for what, n in outcomes.items() if n)
        parts.append(f"{label}: {shown or 'nothing to do'}")
    duration = summary.get("duration_s")
    took = f" in {duration:.1f} s" if isinstance(duration, int | float) else ""
    return "; ".join(parts) + took


# --- the demo ------------------------------------------------------------------------------------


def run_demo(
    options: DemoOptions, *, on_step: Step | None = None, progress: SyncProgress | None = None
) -> DemoReport:
    """Run the whole demo; the sandbox is stopped and the environment restored on any exit."""
    step: Step = on_step or (lambda _text: None)
    with demo_home(options.home) as home, keyring_disabled():
        hidden: dict[str, str | None] = {name: None for name in _SCOPED_VARIABLES}
        hidden[EnvVars.HOME] = str(home)
        with scoped_environment(hidden):
            step(
                f"Starting the sandbox ({options.invoices} invoices, "
                f"{options.companies} companies, seed {options.seed})..."
            )
            sandbox_options = SandboxOptions(
                seed=options.seed, invoices=options.invoices, companies=options.companies
            )
            with start_sandbox(sandbox_options) as sandbox:
                return _run_against(sandbox, options, home, step, progress)


def _run_against(
    sandbox: RunningSandbox,
    options: DemoOptions,
    home: Path,
    step: Step,
    progress: SyncProgress | None,
) -> DemoReport:
    from orsync.config import load_config
    from orsync.env import default_config_path

    report = DemoReport(options, home if options.home is not None else None)
    report.world = issued_documents(sandbox.officernd)
    step(f"Connecting profile {DEMO_PROFILE!r} (secrets stay in this process's memory)...")
    prepared = prepare_profile(sandbox, mapping_path=home / MAPPING_FILE_NAME)
    report.filled_gaps = prepared.filled_gaps
    for gap in prepared.filled_gaps:
        step(
            f"Mapping gap filled: {gap.map_name} {gap.code or gap.key} {gap.field} -> "
            f"{gap.target} (map init: {gap.reason})"
        )
    with sandbox.intacct.store.lock:
        customers_before = len(sandbox.intacct.store.customer_table)
    sandbox.intacct.reset_stats()
    sandbox.officernd.reset_request_counts()
    step("Syncing OfficeRnD to Intacct...")
    profile = load_config(default_config_path()).profiles[DEMO_PROFILE]
    with scoped_environment(sandbox_environment(sandbox)):
        summary, code = _run_sync(DEMO_PROFILE, profile, progress)
    report.sync, report.exit_code = summary, code
    problems = list(summary.get("problems", []))
    seeded = seeded_name_matches(sandbox)
    report.held_on_purpose = [
        {"stage": p["stage"], "number": str(p["number"]), "message": str(p["message"])}
        for p in problems
        if any(customer_id in str(p.get("message", "")) for customer_id in seeded)
    ]
    if code == ExitCode.PARTIAL and problems and len(report.held_on_purpose) == len(problems):
        # Only the name-only match the sandbox seeds on purpose (and what waits on it): the
        # demo showed what it is meant to show, orsync refusing to merge customers by name.
        report.exit_code = ExitCode.OK
    report.sync_line = _sync_line(summary)
    report.intacct_requests = sandbox.intacct.stats.requests
    report.intacct_functions = sandbox.intacct.stats.functions
    report.officernd_requests = sandbox.officernd.total_requests()
    documents = posted_documents(sandbox.intacct)
    report.totals = totals_by_entity(documents)
    live = sorted((d for d in documents if d.live), key=lambda d: (d.kind, d.date, d.number))
    report.samples = _samples(live)
    with sandbox.intacct.store.lock:
        report.customers_total = len(sandbox.intacct.store.customer_table)
    report.customers_created = report.customers_total - customers_before
    with scoped_environment(sandbox_environment(sandbox)):
        report.payments = show_payments(sandbox, payments_sync(DEMO_PROFILE, profile), step)
    if options.live_seconds > 0:
        step(
            f"Live: `orsync listen` for {options.live_seconds:g} s while an operator makes "
            f"{options.live_activity:g} changes a minute in both systems..."
        )
        with scoped_environment(sandbox_environment(sandbox)):
            report.live = run_live(
                sandbox,
                DEMO_PROFILE,
                profile,
                seconds=options.live_seconds,
                per_minute=options.live_activity,
                step=step,
            )
        if not report.live.in_step and report.exit_code == ExitCode.OK:
            report.exit_code = ExitCode.PARTIAL
    step("Stopping the sandbox.")
    return report


def _samples(documents: list[PostedDocument]) -> list[PostedDocument]:
    """A few documents worth looking at: one per currency, and a credit note if any."""
    picked: list[PostedDocument] = []
    seen: set[str] = set()
    for doc in documents:
        if doc.kind == "invoice" and doc.currency not in seen:
            seen.add(doc.currency)
            picked.append(doc)
    picked += [doc for doc in documents if doc.kind == "credit_note"][:1]
    return picked[: SAMPLE_SIZE + 1]
