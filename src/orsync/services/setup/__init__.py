"""Setting a profile up and checking it: `orsync connect` (`connect`, with the live `probes`),
`orsync test` (`checks`) and `orsync profiles` (`profiles`)."""

from orsync.services.setup.checks import (
    CheckResult,
    exit_code_for,
    profile_entities,
    run_checks,
)
from orsync.services.setup.connect import (
    ConnectRequest,
    ConnectResult,
    MissingSettings,
    NeedsConfirmation,
    connect_profile,
    existing_profile,
    find_secrets,
    has_synced,
    merge_profile,
    secrets_can_be_asked,
    worst_exit_code,
    writable_config_path,
)
from orsync.services.setup.profiles import (
    describe_profile,
    list_profiles,
    remove_profile,
)

__all__ = [
    "CheckResult",
    "ConnectRequest",
    "ConnectResult",
    "MissingSettings",
    "NeedsConfirmation",
    "connect_profile",
    "describe_profile",
    "existing_profile",
    "exit_code_for",
    "find_secrets",
    "has_synced",
    "list_profiles",
    "merge_profile",
    "profile_entities",
    "remove_profile",
    "run_checks",
    "secrets_can_be_asked",
    "worst_exit_code",
    "writable_config_path",
]
