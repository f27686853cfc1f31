"""``orsync connect``: create or edit a profile, after testing both connections live.

:func:`connect_profile` is the one entry point (the CLI and ``orsync demo`` call it). It merges
the request over the existing profile (unset fields keep their old values), checks that
nothing required is missing, loads the mapping file if one is named, asks for confirmation
before switching the invoice type of a profile that has already synced, signs in to both
services with the secrets supplied, and only then stores the secrets (keyring) and the
settings (config file). A failure at any step saves nothing.

Secrets come, per secret, from the request (typed at a prompt), else the environment
variable, else the keyring entry of the existing profile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from orsync import secrets
from orsync.config import (
    DEFAULT_INTACCT_URL,
    DEFAULT_OFFICERND_API_URL,
    DEFAULT_OFFICERND_TOKEN_URL,
    Config,
    IntacctSettings,
    InvoiceTypeChange,
    OfficeRndSettings,
    Profile,
    SyncSettings,
    load_config,
    resolve_config_path,
    save_config,
)
from orsync.env import unwritable_reason
from orsync.errors import (
    ConfigError,
    CredentialError,
    ExitCode,
    OrsyncError,
    UsageError,
)
from orsync.redact import register_secret
from orsync.secrets import Secret
from orsync.services.setup.probes import (
    IntacctSecrets,
    ProbeFailure,
    verify_intacct,
    verify_officernd,
)

SecretSource = Literal["input", "environment", "keyring"]
InvoiceType = Literal["ar", "sales"]


@dataclass(frozen=True)
class ConnectRequest:
    """What the user asked for; ``None`` means "keep the profile's value (or the default)".

    An empty string clears an optional setting (``entity``, ``overpayment_account``,
    ``mapping``). ``secrets`` holds values typed at a prompt; the environment and the keyring
    supply the rest.
    """

    profile: str = "default"
    intacct_url: str | None = None
    sender_id: str | None = None
    company_id: str | None = None
    user_id: str | None = None
    entity: str | None = None
    invoice_type: InvoiceType | None = None
    transaction_definition: str | None = None
    entity_level: Literal["top", "subsidiary"] | None = None
    numbering: Literal["officernd", "intacct"] | None = None
    overpayment_account: str | None = None
    officernd_org: str | None = None
    officernd_client_id: str | None = None
    officernd_api_url: str | None = None
    officernd_token_url: str | None = None
    mapping: str | None = None
    secrets: Mapping[Secret, str] = field(default_factory=dict, repr=False)
    confirm_invoice_type_change: bool = False
    config_path: Path | None = None


@dataclass(frozen=True)
class Setting:
    """One required input: its name, the flag or variable that supplies it, the prompt text."""

    name: str
    source: str
    label: str
    secret: bool = False


def _secret_setting(secret: Secret, description: str) -> Setting:
    """A secret is supplied through its environment variable (or a hidden prompt)."""
    return Setting(secret.value, secret.env_var, description, secret=True)


REQUIRED_SETTINGS: tuple[Setting, ...] = (
    Setting("sender_id", "--sender-id", "Intacct Web Services sender ID"),
    _secret_setting(Secret.INTACCT_SENDER_PASSWORD, "Intacct sender password"),
    Setting("company_id", "--company-id", "Intacct company ID"),
    Setting("user_id", "--user-id", "Intacct Web Services user ID"),
    _secret_setting(Secret.INTACCT_USER_PASSWORD, "Intacct user password"),
    Setting("officernd_org", "--officernd-org", "OfficeRnD organization slug"),
    Setting("officernd_client_id", "--officernd-client-id", "OfficeRnD application client ID"),
    _secret_setting(Secret.OFFICERND_CLIENT_SECRET, "OfficeRnD client secret"),
)


class MissingSettings(UsageError):
    """``--no-input`` and something required was not given; ``missing`` lists every one."""

    def __init__(self, missing: list[Setting]) -> None:
        listed = ", ".join(f"{s.label} ({s.source})" for s in missing)
        super().__init__(
            f"missing {len(missing)} required setting(s): {listed}",
            hint="Pass the flags and set the environment variables listed, or run "
            "`orsync connect` on a terminal without --no-input to be asked for them.",
        )
        self.missing = missing


class NeedsConfirmation(UsageError):
    """A change that must be confirmed (``--yes``) before it is made."""


class ConnectFailed(OrsyncError):
    """The live test failed; nothing was saved. The exit code is that of the worst failure."""

    def __init__(self, failures: list[ProbeFailure]) -> None:
        lines = [f"{_PART_LABELS[f.part]}: {f.error.message}" for f in failures]
        hints = [f.error.hint for f in failures if f.error.hint]
        super().__init__(
            "the connection test failed, nothing was saved; " + "; ".join(lines),
            hint=" ".join(dict.fromkeys(hints)) or None,
        )
        self.failures = failures
        self.exit_code = worst_exit_code([f.error for f in failures])


_PART_LABELS = {
    "sender": "Intacct sender ID or sender password",
    "login": "Intacct company ID, user ID or user password",
    "entity": "Intacct entity",
    "token": "OfficeRnD client ID or client secret",
    "scope": "OfficeRnD application permissions (scopes)",
    "organization": "OfficeRnD organization",
    "network": "connection",
}

# When several checks fail, the code that points at the most fundamental problem wins: a
# service that cannot be reached hides whether the credentials are right.
_EXIT_PRECEDENCE = (ExitCode.UNAVAILABLE, ExitCode.AUTH, ExitCode.CONFIG, ExitCode.TEMPORARY)


def worst_exit_code(errors: list[OrsyncError]) -> ExitCode:
    codes = {e.exit_code for e in errors}
    for code in _EXIT_PRECEDENCE:
        if code in codes:
            return code
    return max(codes) if codes else ExitCode.OK


@dataclass(frozen=True)
class ConnectResult:
    profile: str
    created: bool
    settings: Profile
    changed: tuple[str, ...]
    secrets_storage: Literal["keyring", "environment"]
    secret_sources: Mapping[Secret, SecretSource]
    config_path: Path
    verified: bool
    invoice_type_change: InvoiceTypeChange | None = None
    notice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "orsync.connect/1",
            "profile": self.profile,
            "created": self.created,
            "config_path": str(self.config_path),
            "verified": self.verified,
            "changed": list(self.changed),
            "secrets_storage": self.secrets_storage,
            "secret_sources": {s.value: src for s, src in self.secret_sources.items()},
            "invoice_type_change": (
                self.invoice_type_change.model_dump(mode="json")
                if self.invoice_type_change
                else None
            ),
            "notice": self.notice,
            "settings": self.settings.model_dump(mode="json"),
        }


# -- merging the request over the existing profile -------------------------------------------


def _pick(new: str | None, old: str | None, default: str | None = None) -> str | None:
    if new is not None:
        return new.strip() or None
    return old if old is not None else default


def find_secrets(
    request: ConnectRequest, existing: Profile | None
) -> dict[Secret, tuple[str, SecretSource]]:
    """Each secret's value and where it came from; absent when nobody supplied it."""
    found: dict[Secret, tuple[str, SecretSource]] = {}
    for secret in secrets.CONNECTION_SECRETS:
        typed = request.secrets.get(secret)
        if typed:
            found[secret] = (typed, "input")
        elif os.environ.get(secret.env_var):
            found[secret] = (os.environ[secret.env_var], "environment")
        elif existing is not None:
            status = secrets.status(request.profile, secret)
            if status.source == "keyring":
                found[secret] = (secrets.resolve(request.profile, secret), "keyring")
    return found


def secrets_can_be_asked(request: ConnectRequest, existing: Profile | None) -> None:
    """Refused before the first question when a secret would have to be typed at a prompt
    and this machine has no keyring to keep it: say so before asking 17 questions, not after."""
    # The connection's secrets only: the webhook secret is `listen --register`'s to make.
    found = find_secrets(request, existing)
    missing = [s for s in secrets.CONNECTION_SECRETS if s not in found]
    if missing and not secrets.keyring_available():
        variables = ", ".join(s.env_var for s in missing)
        raise CredentialError(
            "this machine has no keyring backend, so secrets typed at a prompt could not be "
            f"kept; nothing was asked and nothing was saved (not set: {variables})",
            hint=f"Set {variables} in the environment, then run `orsync connect` again "
            "(or install a keyring backend).",
        )


def writable_config_path(request: ConnectRequest) -> Path:
    """The config file ``connect`` will save to, refused up front when it cannot be written:
    before the prompts and the live tests, not after the user typed every secret."""
    path = resolve_config_path(request.config_path)
    reason = unwritable_reason(path)
    if reason is not None:
        raise ConfigError(
            f"cannot save profiles to {path}: {reason}",
            hint="Fix the folder's permissions, or choose another file with --config or "
            "another folder with ORSYNC_HOME.",
        )
    return path


def existing_profile(request: ConnectRequest) -> Profile | None:
    config = load_config(resolve_config_path(request.config_path))
    return config.profiles.get(request.profile)


def missing_settings(request: ConnectRequest, existing: Profile | None = None) -> list[Setting]:
    """Every required input that neither the request, the environment nor the profile gives."""
    found = find_secrets(request, existing)
    current: dict[str, str | None] = {
        "sender_id": _pick(request.sender_id, existing.intacct.sender_id if existing else None),
        "company_id": _pick(request.company_id, existing.intacct.company_id if existing else None),
        "user_id": _pick(request.user_id, existing.intacct.user_id if existing else None),
        "officernd_org": _pick(request.officernd_org, existing.officernd.org if existing else None),
        "officernd_client_id": _pick(
            request.officernd_client_id, existing.officernd.client_id if existing else None
        ),
    }
    missing: list[Setting] = []
    for setting in REQUIRED_SETTINGS:
        if setting.secret:
            if Secret(setting.name) not in found:
                missing.append(setting)
        elif not current.get(setting.name):
            missing.append(setting)
    return missing


def merge_profile(request: ConnectRequest, existing: Profile | None) -> Profile:
    """The profile the request describes, unset fields taken from ``existing`` or defaults."""
    old_i = existing.intacct if existing else None
    old_o = existing.officernd if existing else None
    old_s = existing.sync if existing else SyncSettings()
    mapping = request.mapping
    if mapping:
        try:
            mapping = str(Path(mapping).expanduser().resolve())
        except (RuntimeError, OSError) as error:  # ~unknown-user, a symlink loop
            raise UsageError(f"--mapping {mapping}: {error}") from None
    try:
        return Profile(
            intacct=IntacctSettings(
                url=_pick(request.intacct_url, old_i.url if old_i else None, DEFAULT_INTACCT_URL),
                sender_id=_pick(request.sender_id, old_i.sender_id if old_i else None) or "",
                company_id=_pick(request.company_id, old_i.company_id if old_i else None) or "",
                user_id=_pick(request.user_id, old_i.user_id if old_i else None) or "",
                entity=_pick(request.entity, old_i.entity if old_i else None),
            ),
            officernd=OfficeRndSettings(
                org=_pick(request.officernd_org, old_o.org if old_o else None) or "",
                client_id=_pick(request.officernd_client_id, old_o.client_id if old_o else None)
                or "",
                api_url=_pick(
                    request.officernd_api_url,
                    old_o.api_url if old_o else None,
                    DEFAULT_OFFICERND_API_URL,
                ),
                token_url=_pick(
                    request.officernd_token_url,
                    old_o.token_url if old_o else None,
                    DEFAULT_OFFICERND_TOKEN_URL,
                ),
            ),
            sync=old_s.model_copy(
                update={
                    "invoice_type": request.invoice_type or old_s.invoice_type,
                    "transaction_definition": _pick(
                        request.transaction_definition, old_s.transaction_definition
                    )
                    or SyncSettings().transaction_definition,
                    "entity_level": request.entity_level or old_s.entity_level,
                    "numbering": request.numbering or old_s.numbering,
                    "overpayment_account": _pick(
                        request.overpayment_account, old_s.overpayment_account
                    ),
                    "mapping": _pick(mapping, old_s.mapping),
                }
            ),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"invalid connect settings: {problems}") from None


def _changed_fields(old: Profile | None, new: Profile) -> tuple[str, ...]:
    if old is None:
        return ()
    before = old.model_dump(mode="json")
    after = new.model_dump(mode="json")
    return tuple(
        f"{section}.{key}"
        for section in after
        for key in after[section]
        if before[section].get(key) != after[section][key]
    )


# -- checks that need no network -------------------------------------------------------------


def _validate_urls(profile: Profile) -> None:
    from orsync.intacct.transport import require_safe_endpoint
    from orsync.officernd.client import require_https

    require_safe_endpoint(profile.intacct.url)
    for url in (profile.officernd.api_url, profile.officernd.token_url):
        require_https(url)


def _validate_mapping(profile: Profile) -> None:
    if profile.sync.mapping is None:
        return
    from orsync.mapping import load_mapping

    load_mapping(profile.sync.mapping)  # MappingError (78) lists every located problem


def has_synced(profile_name: str) -> bool:
    """The profile's ledger exists and holds at least one confirmed write."""
    from orsync.env import state_dir
    from orsync.state import StateStore, Status, database_path

    path = database_path(state_dir(), profile_name)
    if not path.exists():
        return False
    with StateStore.open(path, profile=profile_name) as store:
        counts = store.ledger.counts()
    return any(by_status.get(Status.CONFIRMED, 0) for by_status in counts.values())


def _invoice_type_switch(
    request: ConnectRequest,
    old: Profile | None,
    new: Profile,
    clock: Callable[[], datetime],
) -> tuple[Profile, InvoiceTypeChange | None]:
    if old is None or old.sync.invoice_type == new.sync.invoice_type:
        return new, None
    if has_synced(request.profile) and not request.confirm_invoice_type_change:
        raise NeedsConfirmation(
            f"profile {request.profile!r} has already synced {old.sync.invoice_type.upper()} "
            f"invoices; switching it to {new.sync.invoice_type.upper()} needs confirmation",
            hint="Documents already posted stay as they are; new ones use the new type, and "
            "reconcile compares each with its own type. Pass --yes to confirm.",
        )
    change = InvoiceTypeChange(
        changed_at=clock(), from_type=old.sync.invoice_type, to_type=new.sync.invoice_type
    )
    sync = new.sync.model_copy(
        update={"invoice_type_changes": (*new.sync.invoice_type_changes, change)}
    )
    return new.model_copy(update={"sync": sync}), change


# -- the entry point -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def connect_profile(
    request: ConnectRequest,
    *,
    verify: bool = True,
    intacct_transport: httpx.BaseTransport | None = None,
    officernd_transport: httpx.BaseTransport | None = None,
    clock: Callable[[], datetime] = _now,
) -> ConnectResult:
    """Create or edit ``request.profile``; see the module docstring for the order of steps.

    Raises MissingSettings (2), NeedsConfirmation (2), ConfigError/MappingError (78),
    CredentialError (78: secrets typed but no keyring to keep them), ConnectFailed (77 for
    credentials or permissions, 69 when a service cannot be reached).
    """
    from orsync.state import check_profile_name

    check_profile_name(request.profile)
    path = writable_config_path(request)
    config: Config = load_config(path)
    old = config.profiles.get(request.profile)
    missing = missing_settings(request, old)
    if missing:
        raise MissingSettings(missing)
    found = find_secrets(request, old)
    for value, _source in found.values():
        register_secret(value)
    profile = merge_profile(request, old)
    _validate_urls(profile)
    _validate_mapping(profile)
    profile, change = _invoice_type_switch(request, old, profile, clock)

    storing = {s: v for s, (v, src) in found.items() if src != "keyring"}
    has_backend = secrets.keyring_available()
    typed = [s for s, (_v, src) in found.items() if src == "input"]
    if typed and not has_backend:
        raise CredentialError(
            "this machine has no keyring backend, so the secrets typed at the prompt cannot "
            "be kept; nothing was saved",
            hint=secrets.NO_BACKEND_HINT + " Then run `orsync connect --no-input` with the "
            "same settings.",
        )

    if verify:
        failures = [
            f
            for f in (
                verify_intacct(
                    profile.intacct,
                    IntacctSecrets(
                        found[Secret.INTACCT_SENDER_PASSWORD][0],
                        found[Secret.INTACCT_USER_PASSWORD][0],
                    ),
                    transport=intacct_transport,
                ),
                verify_officernd(
                    profile.officernd,
                    found[Secret.OFFICERND_CLIENT_SECRET][0],
                    transport=officernd_transport,
                ),
            )
            if f is not None
        ]
        if failures:
            raise ConnectFailed(failures)

    notice = None
    storage: Literal["keyring", "environment"] = "keyring"
    if has_backend:
        for secret, value in storing.items():
            secrets.store(request.profile, secret, value)
    else:
        storage = "environment"
        notice = (
            "This machine has no keyring backend: the secrets were not stored anywhere. "
            "Keep them in the environment of every job that runs orsync "
            f"({', '.join(s.env_var for s in secrets.CONNECTION_SECRETS)})."
        )
    save_config(path, config.with_profile(request.profile, profile))
    return ConnectResult(
        profile=request.profile,
        created=old is None,
        settings=profile,
        changed=_changed_fields(old, profile),
        secrets_storage=storage,
        secret_sources={s: src for s, (_v, src) in found.items()},
        config_path=path,
        verified=verify,
        invoice_type_change=change,
        notice=notice,
    )


__all__ = [
    "REQUIRED_SETTINGS",
    "ConnectFailed",
    "ConnectRequest",
    "ConnectResult",
    "MissingSettings",
    "NeedsConfirmation",
    "Setting",
    "connect_profile",
    "existing_profile",
    "has_synced",
    "merge_profile",
    "missing_settings",
    "worst_exit_code",
]
