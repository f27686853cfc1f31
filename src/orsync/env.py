"""Environment variable names and where orsync keeps its files.

``ORSYNC_HOME`` relocates config, state and cache together (and isolates tests); otherwise the
platform's directories are used. Folders orsync creates are 0700 and files 0600, so another
local user cannot read a mapping, a ledger or a log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    INTACCT_XSD = "ORSYNC_INTACCT_XSD"


def _home() -> Path | None:
    value = os.environ.get(EnvVars.HOME)
    return Path(value).expanduser() if value else None


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
    home = _home()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME)


def default_config_path() -> Path:
    return config_dir() / "config.yaml"


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user alone; tighten it if it exists."""
    with _umask(0o077):
        path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private_file(path: Path, data: str) -> None:
    """Write ``data`` atomically to a 0600 file: a crash leaves the old file or the new one."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # O_EXCL with mode 0600 so there is no moment where the file is readable by others.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
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
