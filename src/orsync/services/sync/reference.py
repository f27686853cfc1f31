"""OfficeRnD's three reference lists a run converts documents against: locations, revenue
accounts and tax rates (plans and fees, read only when the map needs them, stay per run).

Cron's ``orsync sync`` reads them once per run. ``orsync listen`` runs one sync per batch of
events, and three reads are a good part of an edit's latency, so its worker keeps them in a
:class:`KeptReference` for a bounded time. Reference data has no webhooks: a batch whose
documents refer to a location, revenue account or tax rate the kept lists lack reads them
again first (once per run), as a fresh run would; the rest is refreshed when it is older than
``max_age``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from orsync.officernd import (
    Line,
    Location,
    OfficeRndClient,
    PaymentDocument,
    RevenueAccount,
    TaxRate,
)
from orsync.services.convert import ReferenceData

# How long listen keeps the lists: a location or account renamed in OfficeRnD (same id, which
# no record can reveal) reaches Intacct's lookups within this.
KEEP_REFERENCE_SECONDS = 300.0


@dataclass(frozen=True)
class ReferenceLists:
    locations: tuple[Location, ...]
    revenue_accounts: tuple[RevenueAccount, ...]
    tax_rates: tuple[TaxRate, ...]

    @classmethod
    def read(cls, client: OfficeRndClient) -> ReferenceLists:
        return cls(
            locations=tuple(client.locations()),
            revenue_accounts=tuple(client.revenue_accounts()),
            tax_rates=tuple(client.tax_rates()),
        )


class KeptReference:
    """The lists kept across the runs of one process, read again after ``max_age`` seconds or
    when :meth:`reread` is asked (a record refers to something they lack)."""

    def __init__(
        self,
        max_age: float = KEEP_REFERENCE_SECONDS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._lists: ReferenceLists | None = None
        self._read_at = 0.0
        self.reads = 0  # how often they were read (health, tests)

    def lists(self, client: OfficeRndClient) -> tuple[ReferenceLists, bool]:
        """The lists, and whether they were read just now (False: kept from an earlier run)."""
        with self._lock:
            if self._lists is not None and self._monotonic() - self._read_at < self.max_age:
                return self._lists, False
        return self.reread(client), True

    def reread(self, client: OfficeRndClient) -> ReferenceLists:
        lists = ReferenceLists.read(client)
        with self._lock:
            self._lists, self._read_at = lists, self._monotonic()
            self.reads += 1
        return lists


class RunReference:
    """One run's way to the lists: read once (no ``kept``: cron's sync), or taken from the
    listener's kept lists and read again at most once in the run when a record needs it."""

    def __init__(self, client: OfficeRndClient, kept: KeptReference | None = None) -> None:
        self._client = client
        self._kept = kept
        self.may_reread = False

    def lists(self) -> ReferenceLists:
        if self._kept is None:
            return ReferenceLists.read(self._client)
        lists, read_now = self._kept.lists(self._client)
        self.may_reread = not read_now
        return lists

    def reread(self) -> ReferenceLists:
        assert self._kept is not None and self.may_reread, "kept lists only, once per run"
        self.may_reread = False
        return self._kept.reread(self._client)


def refers_outside(records: Iterable[PaymentDocument], reference: ReferenceData) -> bool:
    """Whether any of ``records`` names a location, revenue account or tax rate that
    ``reference`` does not hold (pure)."""
    for record in records:
        if record.location and record.location not in reference.locations:
            return True
        lines: Iterable[Line] = record.lines
        if record.processing_fee_line is not None:
            lines = (*record.lines, record.processing_fee_line)
        for line in lines:
            if line.location and line.location not in reference.locations:
                return True
            if line.account and line.account not in reference.revenue_accounts:
                return True
            if line.tax_rate and line.tax_rate not in reference.tax_rates:
                return True
        for tax in record.tax_amounts:
            if tax.tax_rate and tax.tax_rate not in reference.tax_rates:
                return True
    return False
