"""The error taxonomy: classes grouped by what the caller should do next.

Every orsync error carries a one-line message, a ``hint`` (the fix, in the user's words) and the
exit code of DESIGN.md section 6. ``orsync.cli.main`` is the one place that turns them into
output; library code raises them and never prints.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in ``orsync --help`` and the README."""

    OK = 0
    PARTIAL = 1  # done, but failed records are left over (sync) or differences found (reconcile)
    USAGE = 2
    UNAVAILABLE = 69
    INTERNAL = 70
    TEMPORARY = 75
    AUTH = 77
    CONFIG = 78
    INTERRUPTED = 130


class OrsyncError(Exception):
    """Root of every error orsync raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL
    default_hint: str = "Run the command again with --debug for the details."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Every error reaches the user with a fix: a hint left empty falls back to the class's.
        self.hint = hint or self.default_hint

    def __str__(self) -> str:
        return self.message


class UsageError(OrsyncError):
    """The command line itself is wrong: fix the invocation."""

    exit_code = ExitCode.USAGE
    default_hint = "Run the command with --help to see its options."


class ConfigError(OrsyncError):
    """Configuration, mapping or credential setup is wrong: fix the file or the environment."""

    exit_code = ExitCode.CONFIG
    default_hint = "Fix the file or setting named above, then run the command again."


class CredentialError(ConfigError):
    """A secret is missing or cannot be stored/resolved (no keyring backend, unset variable)."""


class AuthError(OrsyncError):
    """The remote service refused our credentials or permissions: re-authenticate or fix access."""

    exit_code = ExitCode.AUTH
    default_hint = "Check the credentials with `orsync test`; change them with `orsync connect`."


class ServiceUnavailable(OrsyncError):
    """A remote service cannot be reached or keeps failing: try later or check the URL."""

    exit_code = ExitCode.UNAVAILABLE
    default_hint = (
        "Check the service's status page and the URL in `orsync profiles show PROFILE`, then run "
        "again later; a repeated run is safe."
    )


class TemporaryError(OrsyncError):
    """Nothing is wrong with the input; run again later (the run is safe to repeat)."""

    exit_code = ExitCode.TEMPORARY
    default_hint = "Run the command again later; it is safe to repeat."


class RateLimited(TemporaryError):
    """The service asked us to slow down and the retry budget ran out."""

    default_hint = "The service is rate limiting orsync: wait a few minutes and run again."

    def __init__(
        self, message: str, *, retry_after: float | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class LockHeld(TemporaryError):
    """Another orsync process holds this profile's lock."""


class Unconfirmed(TemporaryError):
    """A write may or may not have been executed remotely.

    Never resend blindly: look the record up by its stable key first (DESIGN.md section 4).
    """

    default_hint = "Run the command again: orsync looks the record up before resending it."


class RecordError(OrsyncError):
    """A definite business error on one record: skip it, report it, carry on with the rest."""

    exit_code = ExitCode.PARTIAL
    # None by default: a record's failure is listed in the summary and `status` with the fix
    # its source gave (Intacct's correction, say); a generic one there would only send the
    # reader to where they are already looking.
    default_hint = ""

    def __init__(
        self,
        message: str,
        *,
        record: str | None = None,
        field: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.record = record
        self.field = field
        self.code = code


class ResponseTooLarge(ServiceUnavailable):
    """A service sent more than orsync reads in one answer (a broken gateway, a proxy, a bomb)."""

    default_hint = (
        "Check that the URL in `orsync profiles show PROFILE` points at the service itself, not a "
        "proxy or portal; nothing was written from this answer."
    )


class DeadlineExceeded(ServiceUnavailable):
    """A call or a run went past its time budget: a stalled or trickling service."""

    default_hint = (
        "The service stalled or answers too slowly; check its status and the URL, then run "
        "again (a repeated run is safe)."
    )


class InternalError(OrsyncError):
    """A bug in orsync: the traceback is shown with --debug."""

    exit_code = ExitCode.INTERNAL
    default_hint = "This is a bug in orsync; run again with --debug and report the traceback."
