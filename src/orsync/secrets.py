"""Resolve, store and forget the secrets of a profile (the webhook signing secret only once
`orsync listen --register` stored it).

Order: the environment variable (the cron/container route, applying to the selected profile),
then the OS keyring under the profile's namespace, but only when keyring has a real backend.
With no backend (a headless server) orsync says so and how to proceed; it never falls back to a
plaintext file. Every resolved secret is registered with the redaction filter.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orsync.env import EnvVars
from orsync.errors import CredentialError
from orsync.redact import register_secret


class Secret(StrEnum):
    """The secrets orsync needs; the value is the keyring username."""

    INTACCT_SENDER_PASSWORD = "intacct_sender_password"
    INTACCT_USER_PASSWORD = "intacct_user_password"
    OFFICERND_CLIENT_SECRET = "officernd_client_secret"
    OFFICERND_WEBHOOK_SECRET = "officernd_webhook_secret"

    @property
    def env_var(self) -> str:
        return _ENV_VARS[self]

    @property
    def label(self) -> str:
        return (
            self.value.replace("_", " ")
            .replace("officernd", "OfficeRnD")
            .replace("intacct", "Intacct")
        )


_ENV_VARS = {
    Secret.INTACCT_SENDER_PASSWORD: EnvVars.INTACCT_SENDER_PASSWORD,
    Secret.INTACCT_USER_PASSWORD: EnvVars.INTACCT_USER_PASSWORD,
    Secret.OFFICERND_CLIENT_SECRET: EnvVars.OFFICERND_CLIENT_SECRET,
    Secret.OFFICERND_WEBHOOK_SECRET: EnvVars.OFFICERND_WEBHOOK_SECRET,
}
# The secrets every profile needs (connect asks for these); the webhook secret is listen's.
CONNECTION_SECRETS: tuple[Secret, ...] = (
    Secret.INTACCT_SENDER_PASSWORD,
    Secret.INTACCT_USER_PASSWORD,
    Secret.OFFICERND_CLIENT_SECRET,
)

NO_BACKEND_HINT = (
    "Set the secrets in the environment of the job that runs orsync "
    f"({', '.join(s.env_var for s in CONNECTION_SECRETS)}), or install a keyring backend "
    "(for example the Secret Service on a desktop, or the keyrings.cryptfile package "
    "configured with PYTHON_KEYRING_BACKEND). orsync never stores secrets in a plain file."
)


def service_name(profile: str) -> str:
    """The keyring service that namespaces one profile's secrets."""
    return f"orsync:{profile}"


def _keyring_backend() -> Any | None:
    """The active keyring backend if it can really store secrets, else None."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    module = type(backend).__module__
    if module.startswith("keyring.backends.null") or module.startswith("keyrings.alt"):
        # The null backend stores nothing; keyrings.alt stores plaintext: neither is a vault.
        return None
    return backend


def keyring_available() -> bool:
    return _keyring_backend() is not None


@dataclass(frozen=True)
class SecretStatus:
    """Where a secret comes from, for `profiles show` and `test`; never the value itself."""

    secret: Secret
    source: str  # "environment (NAME)", "keyring", or "unset"

    @property
    def is_set(self) -> bool:
        return self.source != "unset"


def _from_keyring(profile: str, secret: Secret) -> str | None:
    backend = _keyring_backend()
    if backend is None:
        return None
    try:
        value = backend.get_password(service_name(profile), secret.value)
    except Exception as exc:  # noqa: BLE001 - any backend failure is a credential problem
        raise CredentialError(
            f"the keyring could not be read for {secret.label} of profile {profile!r}: "
            f"{type(exc).__name__}",
            hint=NO_BACKEND_HINT,
        ) from None
    return str(value) if value else None


def status(profile: str, secret: Secret) -> SecretStatus:
    if os.environ.get(secret.env_var):
        return SecretStatus(secret, f"environment ({secret.env_var})")
    if _from_keyring(profile, secret):
        return SecretStatus(secret, "keyring")
    return SecretStatus(secret, "unset")


def resolve(profile: str, secret: Secret) -> str:
    """The secret's value for ``profile``; CredentialError (exit 78) says how to provide it."""
    value = os.environ.get(secret.env_var) or _from_keyring(profile, secret)
    if value:
        register_secret(value)
        return value
    if not keyring_available():
        raise CredentialError(
            f"{secret.label} for profile {profile!r} is not set, and this machine has no "
            f"keyring backend (keyring reports no recommended backend)",
            hint=NO_BACKEND_HINT,
        )
    raise CredentialError(
        f"{secret.label} for profile {profile!r} is not set",
        hint=f"Set {secret.env_var}, or run `orsync --profile {profile} connect` to store it.",
    )


def store(profile: str, secret: Secret, value: str) -> None:
    """Save a secret in the keyring; CredentialError when there is no real backend."""
    register_secret(value)
    backend = _keyring_backend()
    if backend is None:
        raise CredentialError(
            f"cannot store {secret.label} for profile {profile!r}: this machine has no keyring "
            "backend",
            hint=NO_BACKEND_HINT,
        )
    try:
        previous = backend.get_password(service_name(profile), secret.value)
        backend.set_password(service_name(profile), secret.value, value)
    except Exception as exc:  # noqa: BLE001
        raise CredentialError(
            f"the keyring refused to store {secret.label}: {type(exc).__name__}",
            hint=NO_BACKEND_HINT,
        ) from None
    if secret is Secret.OFFICERND_CLIENT_SECRET and previous != value:
        forget_token(profile)  # a token of the old secret is not kept


def forget(profile: str) -> list[Secret]:
    """Delete a profile's secrets from the keyring; returns those that were there."""
    backend = _keyring_backend()
    removed: list[Secret] = []
    if backend is None:
        forget_token(profile)
        return removed
    from keyring.errors import PasswordDeleteError

    for secret in Secret:
        try:
            if backend.get_password(service_name(profile), secret.value):
                backend.delete_password(service_name(profile), secret.value)
                removed.append(secret)
        except PasswordDeleteError:
            continue
    forget_token(profile)
    return removed


# The keyring entry that keeps the profile's OfficeRnD access token between runs.
TOKEN_ENTRY = "officernd_access_token"


class KeyringTokenStore:
    """The OfficeRnD token of ``profile`` in the keyring, beside its client secret (a
    ``TokenStore``). Best effort: a backend that fails reads as "nothing stored"."""

    def __init__(self, profile: str) -> None:
        self._service = service_name(profile)

    def read(self) -> str | None:
        backend = _keyring_backend()
        return None if backend is None else backend.get_password(self._service, TOKEN_ENTRY)

    def write(self, text: str) -> None:
        backend = _keyring_backend()
        if backend is not None:
            backend.set_password(self._service, TOKEN_ENTRY, text)

    def clear(self) -> None:
        backend = _keyring_backend()
        if backend is None:
            return
        try:
            if backend.get_password(self._service, TOKEN_ENTRY) is not None:
                backend.delete_password(self._service, TOKEN_ENTRY)
        except Exception:  # noqa: BLE001, S110 - nothing to clear is the goal either way
            pass


# The file that keeps the token where no keyring keeps the client secret: in the cache folder
# (beside the state under ORSYNC_HOME; not in the state folder, which a dry run never creates).
TOKEN_FILE_SUFFIX = ".officernd-token"


class FileTokenStore:
    """The OfficeRnD access token of ``profile`` in a private (0600) file in the cache folder, as
    other command-line tools keep session tokens: only the short-lived token (an hour at most)
    and whose it is, never the client secret. Best effort, like the keyring store."""

    def __init__(self, profile: str) -> None:
        from orsync.env import cache_dir

        self.path = cache_dir() / f"{profile}{TOKEN_FILE_SUFFIX}"

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError:
            return None

    def write(self, text: str) -> None:
        from orsync.env import write_private_file

        write_private_file(self.path, text)

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def officernd_token_store(profile: str) -> KeyringTokenStore | FileTokenStore:
    """Where the profile's OfficeRnD token is kept between runs: the keyring, when the client
    secret itself comes from there; otherwise (the secret in the environment: cron, containers,
    the README's sandbox walk-through; or no keyring at all) a private file in the cache folder,
    so commands in a row do not each spend one of OfficeRnD's 5 token requests a minute."""
    if os.environ.get(Secret.OFFICERND_CLIENT_SECRET.env_var) or not keyring_available():
        return FileTokenStore(profile)
    return KeyringTokenStore(profile)


class _FreshTokenStore:
    """A store that never offers its token but keeps the new one (``orsync test``)."""

    def __init__(self, store: KeyringTokenStore | FileTokenStore) -> None:
        self._store = store

    def read(self) -> str | None:
        return None

    def write(self, text: str) -> None:
        self._store.write(text)

    def clear(self) -> None:
        self._store.clear()


def fresh_token_store(profile: str) -> _FreshTokenStore:
    """For a command that must prove the secret with a new token, then keep that token."""
    return _FreshTokenStore(officernd_token_store(profile))


def forget_token(profile: str) -> None:
    """Drop the profile's kept OfficeRnD token, wherever it is kept."""
    KeyringTokenStore(profile).clear()
    FileTokenStore(profile).clear()
