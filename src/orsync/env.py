"""Environment variable names and where orsync keeps its files.

``ORSYNC_HOME`` relocates config, state and cache together (and isolates tests); otherwise the
platform's directories are used. Folders orsync creates are 0700 and files 0600, so another
local user cannot read a mapping, a ledger or a log.
"""

from __future__ import annotations

import os
from pathlib import Path

from orsync.errors import ConfigError

APP_NAME = "orsync"


class EnvVars:
    """Every environment variable orsync reads, in one place."""

    HOME = "ORSYNC_HOME"
    PROFILE = "ORSYNC_PROFILE"
    CONFIG = "ORSYNC_CONFIG"
    DEBUG = "ORSYNC_DEBUG"
    NO_COLOR = "NO_COLOR"
    INTACCT_SENDER_PASSWORD = "ORSYNC_INTACCT_SENDER_PASSWORD"
    INTACCT_USER_PASSWORD = "ORSYNC_INTACCT_USER_PASSWORD"
    OFFICERND_CLIENT_SECRET = "ORSYNC_OFFICERND_CLIENT_SECRET"
    OFFICERND_WEBHOOK_SECRET = "ORSYNC_OFFICERND_WEBHOOK_SECRET"
    INTACCT_XSD = "ORSYNC_INTACCT_XSD"


def _home() -> Path | None:
    value = os.environ.get(EnvVars.HOME)
    if not value or not value.strip():
        # Blank counts as unset, as an empty value does: `ORSYNC_HOME=" "` would otherwise
        # put config and state in a folder named " " wherever cron happens to start.
        return None
    try:
        return Path(value).expanduser()
    except RuntimeError:  # ~name of a user this machine does not know
        raise ConfigError(
            f"{EnvVars.HOME}={value}: no home folder is known for {value.split('/')[0]}",
            hint=f"Set {EnvVars.HOME} to an absolute path.",
        ) from None


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def state_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "state"
    from platformdirs import user_state_path

    return user_state_path(APP_NAME)


def cache_dir() -> Path:
    """What orsync may lose at no cost: the OfficeRnD token kept without a keyring, the
    endpoints that answered before."""
    home = _home()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME)


def default_config_path() -> Path:
    return config_dir() / "config.yaml"


PRIVATE_DIR_MODE = 0o700


def ensure_private_dir(folder: Path) -> Path:
    """Create ``folder`` and any missing parents with mode 0700; return it.

    ``os.makedirs(mode=...)`` applies the mode to the leaf only, so each missing level is made
    here. The mode is given to ``mkdir`` itself (and can only be narrowed by the umask), so no
    folder exists even for an instant with wider permissions. Folders that already exist are
    left alone: a path the user chose (``--csv ~/reports/oct.csv``, ``--config`` in a shared
    folder, the current folder for ``map init``) must not have its folder's mode changed.
    """
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for level in reversed(missing):
        try:
            os.mkdir(level, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        except OSError as error:  # a file where a folder should be, no permission, ...
            raise unusable_path(level, error) from None
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder", hint=PATH_HINT)
    return folder


PATH_HINT = (
    "orsync keeps its files there: fix the owner or permissions (or move aside a file in "
    "the way of a folder), or choose another place with ORSYNC_HOME or --config."
)


def unusable_path(path: Path, error: OSError) -> ConfigError:
    """A file or folder of orsync's own that the OS refuses to create or open."""
    return ConfigError(f"cannot use {path}: {error.strerror or error}", hint=PATH_HINT)


def may_exist(path: Path) -> bool:
    """Whether ``path`` exists; True when the OS will not say (a name longer than the file
    system allows, a folder that may not be searched), so that the read which follows fails
    with the reason, where the caller reports it. ``Path.exists`` raises in those cases."""
    try:
        return path.exists()
    except OSError:
        return True


def unwritable_reason(path: Path) -> str | None:
    """Why ``write_private_file`` could not write ``path`` (None when it can), so that a command
    can refuse a bad output path before its reads rather than fail after them."""
    try:
        return _unwritable_reason(path)
    except OSError as error:  # the OS will not even look the path up (name too long, ...)
        return error.strerror or str(error)


def _unwritable_reason(path: Path) -> str | None:
    if path.is_dir():
        return "it is a folder; give a file name"
    folder = path.parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent  # missing levels are created, inside the nearest one that exists
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    return None


def write_private_file(path: Path, data: str) -> None:
    """Write ``data`` atomically to a 0600 file: a crash leaves the old file or the new one."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # O_EXCL with mode 0600 so there is no moment where the file is readable by others.
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise unusable_path(path, error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    path.chmod(0o600)
