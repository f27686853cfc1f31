"""A keyring backend for the interactive `connect` test, which runs orsync in a child process
where the in-memory test keyring cannot reach. It stands in for the OS vault: it keeps entries
in a JSON file named by ORSYNC_TEST_KEYRING_FILE, which the test puts outside ORSYNC_HOME."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class JsonFileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["ORSYNC_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        if not self._path.exists():
            return {}
        data: dict[str, str] = json.loads(self._path.read_text(encoding="utf-8"))
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}\n{username}"] = password
        self._path.write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        entries.pop(f"{service}\n{username}", None)
        self._path.write_text(json.dumps(entries), encoding="utf-8")
