"""Facts a profile's state remembers between runs, beyond the ledger and cursors.

The values in use ``map`` found (``usage_scan``: its window, cursor and tally as one JSON text,
small whatever the history), so the next ``map check`` reads only the documents changed since.

And the fingerprint of the mapping the last complete sync ran under, and when Intacct last
accepted the profile's credentials. A record that
failed for a mapping reason (an unmapped location, an inactive account) is not read again by
an incremental sync, since it did not change in OfficeRnD; the fingerprint lets the next sync
notice that the mapping did change and try such records again by itself, so a fix in the
mapping reaches cron's next run without anyone typing ``--retry-failed``.
"""

from __future__ import annotations

from datetime import datetime

from orsync.state._db import Database

_MAPPING_KEY = "mapping_fingerprint"
# When a run last had Intacct accept the profile's credentials (ISO 8601, UTC). A sync with
# nothing to write makes no Intacct request; this lets it sign in once a day all the same,
# so a changed password makes cron fail the day it changed, not the day a change arrives.
_INTACCT_PROVED_KEY = "intacct_credentials_proved_at"
_USAGE_SCAN_KEY = "usage_scan"
_NUMBER_REFUSED_KEY = "officernd_refuses_numbers"


class RunSettings:
    """What the last complete sync ran with. Obtain it from ``StateStore.settings``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def mapping_fingerprint(self) -> str | None:
        return self._get(_MAPPING_KEY)

    def remember_mapping(self, fingerprint: str) -> None:
        self._set(_MAPPING_KEY, fingerprint)

    def intacct_credentials_proved_at(self) -> datetime | None:
        value = self._get(_INTACCT_PROVED_KEY)
        try:
            return None if value is None else datetime.fromisoformat(value)
        except ValueError:
            return None  # unreadable: prove them again

    def remember_intacct_credentials_proved(self, at: datetime) -> None:
        self._set(_INTACCT_PROVED_KEY, at.isoformat())

    def officernd_refuses_numbers(self) -> bool:
        """OfficeRnD refused a document's ``number`` on PATCH once: write-backs leave it out."""
        return self._get(_NUMBER_REFUSED_KEY) is not None

    def remember_officernd_refuses_numbers(self) -> None:
        self._set(_NUMBER_REFUSED_KEY, "1")

    def _get(self, key: str) -> str | None:
        with self._db.reading() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, key: str, value: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def usage_scan(self) -> str | None:
        """The last ``map`` scan of the values in use, as ``remember_usage_scan`` kept it."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE key = ?", (_USAGE_SCAN_KEY,)
            ).fetchone()
        return None if row is None else str(row[0])

    def remember_usage_scan(self, text: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_USAGE_SCAN_KEY, text),
            )
