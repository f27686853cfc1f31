"""The config file: named profiles of non-secret settings.

One YAML file (``config.yaml`` under the config dir or ``ORSYNC_HOME``) holds every profile.
Each profile ties one OfficeRnD organization to one Intacct company (and entity). Secrets are
never stored here: see :mod:`orsync.secrets`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from orsync.env import default_config_path, may_exist, write_private_file
from orsync.errors import ConfigError
from orsync.yamlschema import Problem, translate
from orsync.yamlsource import SourceDocument, SourceProblem, format_path, read_file, read_source

DEFAULT_INTACCT_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
DEFAULT_OFFICERND_API_URL = "https://app.officernd.com"
DEFAULT_OFFICERND_TOKEN_URL = "https://identity.officernd.com/oauth/token"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntacctSettings(_Strict):
    url: str = DEFAULT_INTACCT_URL
    sender_id: str
    company_id: str
    user_id: str
    entity: str | None = None


class OfficeRndSettings(_Strict):
    org: str
    client_id: str
    api_url: str = DEFAULT_OFFICERND_API_URL
    token_url: str = DEFAULT_OFFICERND_TOKEN_URL


class InvoiceTypeChange(_Strict):
    """A recorded switch of invoice type on a profile that had already synced."""

    changed_at: datetime
    from_type: Literal["ar", "sales"]
    to_type: Literal["ar", "sales"]


class SyncSettings(_Strict):
    invoice_type: Literal["ar", "sales"] = "ar"
    transaction_definition: str = "Sales Invoice"
    credit_definition: str = "Sales Credit Memo"
    entity_level: Literal["top", "subsidiary"] = "top"
    numbering: Literal["officernd", "intacct"] = "officernd"
    overpayment_account: str | None = None
    mapping: str | None = None
    invoice_type_changes: tuple[InvoiceTypeChange, ...] = ()


class Profile(_Strict):
    intacct: IntacctSettings
    officernd: OfficeRndSettings
    sync: SyncSettings = Field(default_factory=SyncSettings)


def _whole_number(value: Any) -> Any:
    # The file's scalars are read as text (so ids like 0400 survive): a version is a number.
    return int(value) if isinstance(value, str) and value.isdigit() else value


class Config(_Strict):
    version: Annotated[Literal[1], BeforeValidator(_whole_number)] = 1
    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)

    def with_profile(self, name: str, profile: Profile) -> Config:
        profiles = dict(self.profiles)
        profiles[name] = profile
        default = self.default_profile or name
        return self.model_copy(update={"profiles": profiles, "default_profile": default})

    def without_profile(self, name: str) -> Config:
        profiles = {k: v for k, v in self.profiles.items() if k != name}
        default = self.default_profile
        if default == name:
            default = next(iter(sorted(profiles)), None)
        return self.model_copy(update={"profiles": profiles, "default_profile": default})


class ConfigFileError(ConfigError):
    """The config file is malformed; the message names file, line and key of each problem."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        count = len(problems)
        head = f"{path} has {count} problem{'s' if count != 1 else ''}:"
        super().__init__(
            "\n".join([head, *(f"  {problem}" for problem in problems)]),
            hint=f"Fix {path} by hand, or remove it and run `orsync connect` again.",
        )
        self.problems = problems


class ProfileNotFound(ConfigError):
    """The selected profile does not exist in the config file."""


def resolve_config_path(explicit: Path | None) -> Path:
    return explicit if explicit is not None else default_config_path()


def load_config(path: Path) -> Config:
    """Load and validate the config; a missing file is an empty config."""
    if not may_exist(path):
        return Config()
    text = read_file(path)
    if isinstance(text, SourceProblem):
        document = SourceDocument(problems=[text])
    else:
        document = read_source(text)
    located = [(p.position, p.path, p.message) for p in document.problems]
    if not located:
        if document.data is None:
            return Config()
        try:
            return Config.model_validate(document.data)
        except ValidationError as exc:
            located = [translate(detail, document, Config) for detail in exc.errors()]
    problems = [
        Problem(str(path), position.line, position.column, format_path(key_path), message)
        for position, key_path, message in located
    ]
    raise ConfigFileError(path, sorted(problems, key=lambda p: (p.line, p.column, p.path)))


def save_config(path: Path, config: Config) -> None:
    data: dict[str, Any] = config.model_dump(mode="json", exclude_defaults=False)
    text = "# orsync configuration: non-secret settings only (secrets: env vars or keyring).\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    write_private_file(path, text)


def select_profile(
    config: Config, name: str | None, path: Path, *, named_by: str = "--profile"
) -> tuple[str, Profile]:
    """The named profile, or the default one; ProfileNotFound names what exists and where the
    name came from (``named_by``: the option, the variable cron's crontab sets, or the command
    that takes it as an argument, such as ``orsync profiles show``)."""
    chosen = name or config.default_profile
    if chosen is None:
        raise ProfileNotFound(
            f"no profile is configured in {path}",
            hint="Run `orsync connect` to create one.",
        )
    profile = config.profiles.get(chosen)
    if profile is None:
        import difflib

        known = ", ".join(sorted(config.profiles)) or "none"
        close = difflib.get_close_matches(chosen, sorted(config.profiles), n=1, cutoff=0.6)
        guess = f'; did you mean "{close[0]}"?' if close else ""
        raise ProfileNotFound(
            f"profile {chosen!r} does not exist in {path} (profiles: {known}){guess}",
            hint=_unknown_profile_hint(chosen, close[0] if close else None, config, named_by),
        )
    return chosen, profile


def _unknown_profile_hint(chosen: str, close: str | None, config: Config, named_by: str) -> str:
    create = f"run `orsync --profile {chosen} connect` to create it."
    if close is not None:
        if named_by.startswith("orsync "):  # a command's argument: `orsync profiles show NAME`
            use = f"`{named_by} {close}`"
        elif named_by.startswith("-"):
            use = f"{named_by} {close}"
        else:
            use = f"{named_by}={close}"
        return f"Use {use}, or {create}"
    if config.profiles:
        how = f"`{named_by} NAME`" if named_by.startswith("orsync ") else named_by
        return f"Name one of them with {how}, or {create}"
    return create[0].upper() + create[1:]
