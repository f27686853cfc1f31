"""OfficeRnD-specific errors; each subclasses the orsync taxonomy by what the caller does next."""

from __future__ import annotations

from orsync.errors import AuthError, RecordError, Unconfirmed


class OfficeRndAuthError(AuthError):
    """OfficeRnD refused the application's credentials."""

    default_hint = (
        "Check the OfficeRnD client id and secret (Settings → Developer Tools → Applications)."
    )


class MissingScope(OfficeRndAuthError):
    """The application lacks a permission orsync needs; ``scopes`` names the missing ones."""

    def __init__(self, scopes: tuple[str, ...], *, detail: str = "") -> None:
        names = ", ".join(scopes)
        message = f"OfficeRnD application is missing the scope {names}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(
            message,
            hint=f"Grant {names} to the application in OfficeRnD (Developer Tools → "
            "Applications → permissions), then run again.",
        )
        self.scopes = scopes


class BillingLocked(RecordError):
    """The write is dated inside OfficeRnD's billing lock period: a definite refusal."""

    default_hint = (
        "Date the record after the OfficeRnD billing lock date, or have an admin move the lock."
    )


class NumberNotWritable(RecordError):
    """OfficeRnD refused the ``number`` field of a document PATCH (its writable set is
    undocumented): the number cannot be written back; the accounting block alone can."""

    default_hint = (
        "OfficeRnD keeps its own numbers: the Intacct number is shown in Intacct only; each "
        "document's accounting link (providerId, deepLink) still points at it."
    )


class OfficeRndUnconfirmed(Unconfirmed):
    """A write whose outcome is unknown; ``lookup`` says how to find out whether it happened."""

    def __init__(self, message: str, *, operation: str, lookup: str) -> None:
        super().__init__(f"{message}; look it up before resending: {lookup}")
        self.operation = operation
        self.lookup = lookup
