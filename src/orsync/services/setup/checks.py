"""``orsync test``: one row per check of a profile, with its result, latency and the fix.

The checks run in order; each is a small function that records :class:`CheckResult` rows on a
shared :class:`_Run`. A check that cannot run because an earlier one failed (no sign-in, no
token) is recorded as ``skip`` with the reason, so every row is always present and the output
has the same shape whatever goes wrong. :func:`exit_code_for` turns rows into the exit code
(69 unreachable before 77 credentials/permissions before 78 configuration/mapping).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from orsync import secrets
from orsync.config import Profile
from orsync.errors import AuthError, ConfigError, ExitCode, OrsyncError
from orsync.intacct import IntacctClient, ReadFailed
from orsync.intacct.xml import reads
from orsync.mapping import Mapping
from orsync.officernd import MissingScope, OfficeRndClient, scopes_needed
from orsync.secrets import Secret
from orsync.services.setup.probes import (
    IntacctSecrets,
    intacct_auth_part,
    intacct_client,
    intacct_fix,
    officernd_client,
    read_one_location,
)
from orsync.services.sync import officernd_features

CheckStatus = Literal["pass", "fail", "skip"]
FailureClass = Literal["unavailable", "auth", "config"]

_EXIT_FOR: dict[FailureClass, ExitCode] = {
    "unavailable": ExitCode.UNAVAILABLE,
    "auth": ExitCode.AUTH,
    "config": ExitCode.CONFIG,
}
_PRECEDENCE: tuple[FailureClass, ...] = ("unavailable", "auth", "config")

# The Intacct objects orsync reads, per invoice type (a cheap query of one row each).
COMMON_OBJECTS = (
    "CUSTOMER",
    "ARPYMT",
    "GLACCOUNT",
    "LOCATION",
    "LOCATIONENTITY",
    "DEPARTMENT",
    "CLASS",
    "TAXDETAIL",
    "CHECKINGACCOUNT",
)
AR_OBJECTS = ("ARINVOICE", "ARADJUSTMENT")
SALES_OBJECTS = ("SODOCUMENT", "ITEM")


@dataclass(frozen=True)
class CheckResult:
    profile: str
    id: str
    title: str
    status: CheckStatus
    latency_ms: float | None = None
    detail: str = ""
    fix: str = ""
    failure: FailureClass | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 1) if self.latency_ms is not None else None,
            "detail": self.detail,
            "fix": self.fix,
            "failure": self.failure,
        }


def failure_class(error: OrsyncError) -> FailureClass:
    if isinstance(error, AuthError):
        return "auth"
    if isinstance(error, ConfigError):
        return "config"
    return "unavailable"


def exit_code_for(results: list[CheckResult]) -> ExitCode:
    failed = {r.failure for r in results if r.status == "fail" and r.failure}
    for kind in _PRECEDENCE:
        if kind in failed:
            return _EXIT_FOR[kind]
    return ExitCode.OK


@dataclass
class _Run:
    """What the checks of one profile share: the rows so far and the open clients."""

    name: str
    profile: Profile
    intacct_transport: httpx.BaseTransport | None
    officernd_transport: httpx.BaseTransport | None
    stack: ExitStack
    results: list[CheckResult] = field(default_factory=list)
    intacct: IntacctClient | None = None  # set once the top-level sign-in worked
    officernd: OfficeRndClient | None = None  # set once a token was granted
    mapping: Mapping | None = None

    @property
    def officernd_scopes(self) -> tuple[str, ...]:
        """The scopes this profile's syncs need: the reads, and the writes of the directions
        its mapping and options turn on (charges back from Intacct, the write-back)."""
        return scopes_needed(officernd_features(self.profile))

    def add(
        self,
        check_id: str,
        title: str,
        status: CheckStatus,
        latency_ms: float | None = None,
        *,
        detail: str = "",
        fix: str = "",
        failure: FailureClass | None = None,
    ) -> None:
        self.results.append(
            CheckResult(self.name, check_id, title, status, latency_ms, detail, fix, failure)
        )

    def fail(self, check_id: str, title: str, error: OrsyncError, ms: float | None) -> None:
        self.add(
            check_id,
            title,
            "fail",
            ms,
            detail=error.message,
            fix=error.hint or "",
            failure=failure_class(error),
        )

    def skip(self, check_id: str, title: str, reason: str) -> None:
        self.add(check_id, title, "skip", detail=reason)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


# -- Intacct ----------------------------------------------------------------------------------


def _intacct_secrets(run: _Run) -> IntacctSecrets | None:
    started = time.perf_counter()
    try:
        values = IntacctSecrets(
            secrets.resolve(run.name, Secret.INTACCT_SENDER_PASSWORD),
            secrets.resolve(run.name, Secret.INTACCT_USER_PASSWORD),
        )
    except OrsyncError as error:
        run.fail("intacct.secrets", "Intacct passwords available", error, _ms(started))
        return None
    sources = ", ".join(
        f"{s.label} from {secrets.status(run.name, s).source}"
        for s in (Secret.INTACCT_SENDER_PASSWORD, Secret.INTACCT_USER_PASSWORD)
    )
    run.add("intacct.secrets", "Intacct passwords available", "pass", _ms(started), detail=sources)
    return values


def check_intacct_sign_in(run: _Run) -> None:
    """Sender authorised for the company, then the user's login (one getAPISession)."""
    sender, login = "intacct.sender", "intacct.login"
    sender_title, login_title = "Intacct sender authorised for the company", "Intacct user login"
    values = _intacct_secrets(run)
    if values is None:
        run.skip(sender, sender_title, "no passwords")
        run.skip(login, login_title, "no passwords")
        return
    top_level = run.profile.intacct.model_copy(update={"entity": None})
    started = time.perf_counter()
    try:
        client = run.stack.enter_context(
            intacct_client(top_level, values, transport=run.intacct_transport)
        )
        client.sign_in()
    except AuthError as error:
        ms = _ms(started)
        part = intacct_auth_part(error)
        refused = AuthError(error.message, hint=intacct_fix(part))
        if part == "sender":
            run.fail(sender, sender_title, refused, ms)
            run.skip(login, login_title, "the sender was refused")
        else:
            run.add(sender, sender_title, "pass", ms, detail="sender accepted")
            run.fail(login, login_title, refused, ms)
        return
    except OrsyncError as error:
        ms = _ms(started)
        run.fail(sender, sender_title, error, ms)
        run.skip(login, login_title, "Intacct was not reached")
        return
    ms = _ms(started)
    run.add(sender, sender_title, "pass", ms, detail=f"sender {top_level.sender_id}")
    run.add(
        login,
        login_title,
        "pass",
        ms,
        detail=f"user {top_level.user_id} in company {top_level.company_id}",
    )
    run.intacct = client


def check_intacct_session(run: _Run) -> None:
    """The session endpoint getAPISession returned answers a request made with the session."""
    title = "Intacct session endpoint"
    if run.intacct is None:
        run.skip("intacct.session", title, "no Intacct sign-in")
        return
    started = time.perf_counter()
    try:
        run.intacct.read_one(reads.get_api_session("orsync-test-session"))
    except OrsyncError as error:
        run.fail("intacct.session", title, error, _ms(started))
        run.intacct = None
        return
    run.add("intacct.session", title, "pass", _ms(started))


def profile_entities(profile: Profile, mapping: Mapping | None) -> list[str]:
    """The entities this profile posts to: its own, and at subsidiary level the mapping's."""
    entities: list[str] = []
    if profile.intacct.entity:
        entities.append(profile.intacct.entity)
    if profile.sync.entity_level == "subsidiary" and mapping is not None:
        locations = mapping.locations
        if locations is not None:
            for entry in [*locations.values.values(), locations.default]:
                if entry is not None and entry.entity:
                    entities.append(entry.entity)
    return list(dict.fromkeys(entities))


def check_intacct_entities(run: _Run) -> None:
    """Each entity of the profile exists and a session in it can read."""
    for entity in profile_entities(run.profile, run.mapping):
        check_id, title = f"intacct.entity.{entity}", f"Intacct entity {entity} reachable"
        if run.intacct is None:
            run.skip(check_id, title, "no Intacct sign-in")
            continue
        started = time.perf_counter()
        try:
            run.intacct.sign_in(entity)
            run.intacct.read_one(
                reads.query("LOCATION", ["RECORDNO"], f"test:entity:{entity}", pagesize=1),
                entity=entity,
            )
        except AuthError as error:
            run.fail(
                check_id,
                title,
                AuthError(
                    error.message,
                    hint=f"Check that entity {entity!r} exists (Company > Entities) and that "
                    "the Web Services user may sign in to it.",
                ),
                _ms(started),
            )
            continue
        except OrsyncError as error:
            run.fail(check_id, title, error, _ms(started))
            continue
        run.add(check_id, title, "pass", _ms(started))


def intacct_objects(profile: Profile) -> tuple[str, ...]:
    specific = SALES_OBJECTS if profile.sync.invoice_type == "sales" else AR_OBJECTS
    return (*specific, *COMMON_OBJECTS)


def check_intacct_reads(run: _Run) -> None:
    """Read access to every object orsync uses: a query of one row each."""
    for object_name in intacct_objects(run.profile):
        check_id, title = f"intacct.read.{object_name}", f"Intacct read {object_name}"
        if run.intacct is None:
            run.skip(check_id, title, "no Intacct sign-in")
            continue
        docparid = run.profile.sync.transaction_definition if object_name == "SODOCUMENT" else None
        started = time.perf_counter()
        try:
            run.intacct.read_one(
                reads.query(
                    object_name,
                    ["RECORDNO"],
                    f"test:read:{object_name}",
                    pagesize=1,
                    docparid=docparid,
                )
            )
        except ReadFailed as error:
            fix = (
                f"Give the Web Services user read permission on {object_name} "
                "(its role's permissions in the module that owns it)."
            )
            if docparid:
                fix += f" Also check the transaction definition {docparid!r} exists."
            run.fail(check_id, title, AuthError(error.message, hint=fix), _ms(started))
            continue
        except OrsyncError as error:
            run.fail(check_id, title, error, _ms(started))
            continue
        run.add(check_id, title, "pass", _ms(started))


# -- OfficeRnD --------------------------------------------------------------------------------


def check_officernd(run: _Run) -> None:
    """Token (client credentials), each scope orsync needs, and the organization."""
    token_id, token_title = "officernd.token", "OfficeRnD token (client credentials)"
    org_id, org_title = "officernd.organization", "OfficeRnD organization reachable"
    settings = run.profile.officernd
    started = time.perf_counter()
    try:
        client_secret = secrets.resolve(run.name, Secret.OFFICERND_CLIENT_SECRET)
    except OrsyncError as error:
        run.fail("officernd.secrets", "OfficeRnD client secret available", error, _ms(started))
        run.skip(token_id, token_title, "no client secret")
        _skip_scopes(run, "no client secret")
        run.skip(org_id, org_title, "no client secret")
        return
    source = secrets.status(run.name, Secret.OFFICERND_CLIENT_SECRET).source
    run.add(
        "officernd.secrets",
        "OfficeRnD client secret available",
        "pass",
        _ms(started),
        detail=f"from {source}",
    )
    started = time.perf_counter()
    missing: tuple[str, ...] = ()
    try:
        client = run.stack.enter_context(
            officernd_client(
                settings,
                client_secret,
                scopes=run.officernd_scopes,
                transport=run.officernd_transport,
                # A new token proves the secret; kept, it spares the next commands a request.
                token_store=secrets.fresh_token_store(run.name),
            )
        )
        client.tokens.token()
    except MissingScope as error:
        missing = error.scopes
        granted = tuple(s for s in run.officernd_scopes if s not in missing)
        client = run.stack.enter_context(
            officernd_client(
                settings, client_secret, scopes=granted, transport=run.officernd_transport
            )
        )
        run.add(token_id, token_title, "pass", _ms(started), detail="client credentials accepted")
        _scope_rows(run, missing)
    except OrsyncError as error:
        run.fail(token_id, token_title, error, _ms(started))
        _skip_scopes(run, "no token")
        run.skip(org_id, org_title, "no token")
        return
    else:
        run.add(token_id, token_title, "pass", _ms(started), detail=f"client {settings.client_id}")
        _scope_rows(run, ())
    started = time.perf_counter()
    try:
        read_one_location(client)
    except MissingScope as error:
        run.skip(org_id, org_title, f"cannot read locations: {error.message}")
        return
    except OrsyncError as error:
        run.fail(org_id, org_title, error, _ms(started))
        return
    run.add(org_id, org_title, "pass", _ms(started), detail=f"organization {settings.org}")
    run.officernd = client


def _scope_rows(run: _Run, missing: tuple[str, ...]) -> None:
    for scope in run.officernd_scopes:
        title = f"OfficeRnD scope {scope}"
        if scope in missing:
            run.add(
                f"officernd.scope.{scope}",
                title,
                "fail",
                detail="refused by the token endpoint",
                fix=f"Grant {scope} to the application in OfficeRnD (Developer Tools → "
                "Applications → permissions).",
                failure="auth",
            )
        else:
            run.add(f"officernd.scope.{scope}", title, "pass")


def _skip_scopes(run: _Run, reason: str) -> None:
    for scope in run.officernd_scopes:
        run.skip(f"officernd.scope.{scope}", f"OfficeRnD scope {scope}", reason)


# -- mapping ----------------------------------------------------------------------------------


def check_mapping_file(run: _Run) -> None:
    """The mapping file exists and is valid (every problem at once, located)."""
    title = "Mapping file valid"
    path = run.profile.sync.mapping
    if path is None:
        run.skip(
            "mapping.file",
            title,
            "no mapping file in this profile yet; run `orsync map init`, then "
            "`orsync connect --mapping FILE`",
        )
        return
    from orsync.mapping import load_mapping

    started = time.perf_counter()
    try:
        run.mapping = load_mapping(path)
    except OrsyncError as error:
        run.fail("mapping.file", title, error, _ms(started))
        return
    run.add("mapping.file", title, "pass", _ms(started), detail=path)


def check_mapping_targets(run: _Run) -> None:
    """Every Intacct target the mapping names exists, is active and is reachable."""
    title = "Mapping targets present and active in Intacct"
    if run.mapping is None:
        run.skip("mapping.targets", title, "no valid mapping file")
        return
    if run.intacct is None:
        run.skip("mapping.targets", title, "no Intacct sign-in")
        return
    from orsync.mapping import check_mapping
    from orsync.services.mapping import load_catalog

    started = time.perf_counter()
    try:
        catalog = load_catalog(run.intacct)
    except ReadFailed as error:
        run.fail(
            "mapping.targets",
            title,
            AuthError(error.message, hint="Give the user read access to the Intacct lists."),
            _ms(started),
        )
        return
    except OrsyncError as error:
        run.fail("mapping.targets", title, error, _ms(started))
        return
    report = check_mapping(run.mapping, None, catalog, invoice_type=run.profile.sync.invoice_type)
    ms = _ms(started)
    if not report.gaps:
        run.add("mapping.targets", title, "pass", ms)
        return
    shown = "; ".join(gap.message for gap in report.gaps[:5])
    more = f" (and {len(report.gaps) - 5} more)" if len(report.gaps) > 5 else ""
    run.add(
        "mapping.targets",
        title,
        "fail",
        ms,
        detail=f"{len(report.gaps)} problem(s): {shown}{more}",
        fix=f"{report.gaps[0].fix} `orsync map check` lists every gap with its fix.",
        failure="config",
    )


# -- the entry point --------------------------------------------------------------------------


def check_webhook(run: _Run) -> None:
    """With a stored webhook secret (`orsync listen --register`): an enabled OfficeRnD webhook
    signed with it sends the billing events."""
    from orsync.services.listen import check_registration

    check_id, title = "officernd.webhook", "OfficeRnD webhook for orsync listen"
    if not secrets.status(run.name, Secret.OFFICERND_WEBHOOK_SECRET).is_set:
        run.skip(check_id, title, "not registered (orsync listen --register sets it up)")
        return
    started = time.perf_counter()
    try:
        found = check_registration(run.name, run.profile)
    except OrsyncError as error:
        run.fail(check_id, title, error, _ms(started))
        return
    if found.ok:
        run.add(check_id, title, "pass", _ms(started), detail=found.detail)
    else:
        run.add(
            check_id,
            title,
            "fail",
            _ms(started),
            detail=found.detail,
            fix=found.fix or "",
            failure="config",
        )


# The order the checks run in. A row's id starts with its group, one of GROUPS (the order the
# rows are shown in): a check adding a row in another group adds the group there too.
GROUPS = ("intacct", "officernd", "mapping")
CHECKS: tuple[Callable[[_Run], None], ...] = (
    check_mapping_file,  # first: at subsidiary level the mapping names the entities
    check_intacct_sign_in,
    check_intacct_session,
    check_intacct_entities,
    check_intacct_reads,
    check_officernd,
    check_mapping_targets,
    check_webhook,
)


def run_checks(
    name: str,
    profile: Profile,
    *,
    intacct_transport: httpx.BaseTransport | None = None,
    officernd_transport: httpx.BaseTransport | None = None,
) -> list[CheckResult]:
    """Every check of one profile: Intacct rows, then OfficeRnD, then the mapping."""
    with ExitStack() as stack:
        run = _Run(name, profile, intacct_transport, officernd_transport, stack)
        for check in CHECKS:
            check(run)
    return sorted(run.results, key=lambda r: GROUPS.index(r.id.split(".", 1)[0]))


__all__ = [
    "CHECKS",
    "CheckResult",
    "exit_code_for",
    "failure_class",
    "run_checks",
]
