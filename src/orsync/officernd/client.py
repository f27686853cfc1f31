"""``OfficeRndClient``: typed reads, lookups and the writes orsync makes, over one httpx.Client."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from orsync import __version__
from orsync.bounded import guarded_transport
from orsync.endpoints import note_reached
from orsync.errors import (
    ConfigError,
    OrsyncError,
    RecordError,
    ServiceUnavailable,
    TemporaryError,
)
from orsync.officernd import jsonio, writes
from orsync.officernd.auth import DEFAULT_TOKEN_URL, ClientCredentials, TokenProvider, TokenStore
from orsync.officernd.budget import RateBudget
from orsync.officernd.collections import (
    CHARGES,
    COMPANIES,
    FEES,
    LOCATIONS,
    MEMBERS,
    PAYMENTS,
    PLANS,
    REVENUE_ACCOUNTS,
    TAX_RATES,
    Collection,
    R,
)
from orsync.officernd.errors import NumberNotWritable
from orsync.officernd.models import (
    Allocation,
    Charge,
    Company,
    Fee,
    Location,
    Member,
    PaymentDocument,
    Plan,
    RevenueAccount,
    TaxRate,
)
from orsync.officernd.query import Query
from orsync.officernd.session import DEFAULT_API_URL, ApiSession
from orsync.officernd.windows import read_windowed
from orsync.officernd.wirelog import log_request, log_response
from orsync.retry import RetryPolicy


@dataclass(frozen=True)
class Page:
    """One list page as sent: raw records (JSON types, amounts as Decimal) and the cursor."""

    records: list[dict[str, Any]]
    cursor_next: str | None
    range_start: int | None = None
    range_end: int | None = None


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# The most pages one cursor walk may take: 200,000 records, more than any one window of a
# windowed read holds (a full window is split, not walked).
MAX_PAGES_PER_WALK = 4_000


def _record_ids(records: list[Any]) -> list[str]:
    return [str(r.get("_id")) for r in records if isinstance(r, dict) and r.get("_id")]


def _endless(collection: Collection[Any], why: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"OfficeRnD's paging of {collection.path} never ends: {why}; stopped before using "
        "that page",
        hint="OfficeRnD (or a proxy in front of it) is answering wrongly: check the OfficeRnD "
        "API URL (`orsync profiles show`) and status.officernd.com, then run again.",
    )


def require_https(url: str, *, allow_http: bool = False) -> None:
    """Refuse plain HTTP except to loopback (served simulator) or when explicitly allowed
    (the in-process sandbox): the bearer token and client secret travel on these requests."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = httpx.URL()
    if not parsed.scheme or not parsed.host:
        raise ConfigError(
            f"OfficeRnD URL is not a full URL: {url!r}",
            hint="Write it with its scheme and host, for example https://app.officernd.com.",
        )
    if parsed.scheme == "https" or allow_http or parsed.host in _LOOPBACK_HOSTS:
        return
    raise ConfigError(
        f"refusing to send OfficeRnD credentials over {parsed.scheme}:// to {parsed.host}",
        hint="Use an https:// URL for the OfficeRnD API and token endpoint.",
    )


def build_http_client(
    *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The httpx.Client orsync hands to OfficeRndClient: explicit timeouts, a User-Agent, and
    transport-level retries for connection failures only (nothing was sent yet)."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=10.0),
        headers={"User-Agent": f"orsync/{__version__}"},
        transport=transport or guarded_transport(retries=2),
        event_hooks={"request": [log_request], "response": [note_reached, log_response]},
    )


def parse_page(body: Any) -> Page:
    """Accept the documented envelope (null cursors absent or null) and a bare array."""
    if isinstance(body, list):
        return Page(records=body, cursor_next=None)
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ServiceUnavailable("OfficeRnD sent a list page without results")
    cursor = body.get("cursorNext") or None
    return Page(
        records=body["results"],
        cursor_next=str(cursor) if cursor else None,
        range_start=body.get("rangeStart"),
        range_end=body.get("rangeEnd"),
    )


class OfficeRndClient:
    """The OfficeRnD Flex v2 API as orsync uses it. Thread-safe for reads (windowed reads share
    it across workers); budgets, token and retries are shared by all threads."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        org: str,
        credentials: ClientCredentials,
        api_url: str = DEFAULT_API_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        read_budget: RateBudget | None = None,
        write_budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        allow_http: bool = False,
        token_rate_limit_wait: float = 0.0,
        token_store: TokenStore | None = None,
    ) -> None:
        for url in (api_url, token_url):
            require_https(url, allow_http=allow_http)
        self.tokens = TokenProvider(
            http,
            credentials,
            token_url=token_url,
            clock=clock,
            rate_limit_wait=token_rate_limit_wait,
            sleep=sleep,
            store=token_store,
        )
        self.session = ApiSession(
            http,
            self.tokens,
            org=org,
            api_url=api_url,
            read_budget=read_budget,
            write_budget=write_budget,
            retry=retry,
            sleep=sleep,
            rng=rng,
        )

    @property
    def base_url(self) -> str:
        return self.session.base_url

    # -- generic reads -------------------------------------------------------------------------

    def pages(self, collection: Collection[Any], query: Query | None = None) -> Iterator[Page]:
        """Follow ``cursorNext`` from the first page to the last, refusing a cursor that loops
        or never ends (exit 69) before the page that proves it is handed on.

        A loop shows as a cursor seen twice in one walk, or a record of the page before sent
        again (keyset paging never repeats either; only the last page's ids are kept, so a
        walk's memory does not grow with the history: a longer loop is caught by the count
        or the page limit). An endless walk shows against OfficeRnD's count of the same query
        (payments; asked once a walk needs a second page): a page that would take the walk
        past it makes orsync ask again, since records created meanwhile are counted then, and
        stop if it is still past. Every walk also stops after MAX_PAGES_PER_WALK pages.
        """
        query = query or Query()
        cursor: str | None = None
        cursors: set[str] = set()
        last_ids: set[str] = set()  # the page before's: a loop sends a page again
        seen = 0
        allowed: int | None = None  # records the walk may hold, once a count says
        counted = False
        number = 0
        while True:
            body = self.session.get_json(
                collection.path, scope=collection.scope, params=query.params(cursor)
            )
            if body is None:
                raise ConfigError(
                    f"OfficeRnD answered 404 for {self.base_url}/{collection.path}",
                    hint="Check the organization slug (the part after /admin/ in OfficeRnD's "
                    "address) and the API host of your region.",
                )
            page = parse_page(body)
            number += 1
            if number > MAX_PAGES_PER_WALK:
                raise _endless(collection, f"it sent more than {MAX_PAGES_PER_WALK} pages")
            fresh = _record_ids(page.records)
            if not last_ids.isdisjoint(fresh) or len(set(fresh)) < len(fresh):
                repeated = next(i for i in fresh if i in last_ids or fresh.count(i) > 1)
                raise _endless(collection, f"it sent record {repeated[:40]} twice")
            total = seen + len(fresh)
            if allowed is not None and total > allowed:
                allowed = self._count(collection, query)  # grown meanwhile, or endless?
                if allowed is None or total > allowed:
                    raise _endless(collection, f"it sent more than the {allowed} records it counts")
            seen, last_ids = total, set(fresh)
            yield page
            if page.cursor_next is None or not page.records:
                return
            if page.cursor_next in cursors:
                raise _endless(collection, "it repeated a cursor")
            cursors.add(page.cursor_next)
            cursor = page.cursor_next
            if not counted and collection.path == PAYMENTS.path:
                counted = True
                allowed = self._count(collection, query)

    def count(self, collection: Collection[Any], query: Query | None = None) -> int | None:
        """How many records ``query`` holds, by OfficeRnD's count (payments only; None when
        it cannot say). One request: what a long read's progress estimate starts from."""
        return self._count(collection, query or Query())

    def _count(self, collection: Collection[Any], query: Query) -> int | None:
        """OfficeRnD's count of ``query``'s records; None when it cannot say (the endpoint is
        listed for payments only, and its answer's shape is unverified)."""
        filters = list(query.filters)
        try:
            response = self.session.get(
                f"{collection.path}/count", scope=collection.scope, params=filters
            )
            body = jsonio.loads(response.content) if response.status_code == 200 else None
        except TemporaryError:
            raise
        except (OrsyncError, ValueError):
            return None
        value = body.get("count") if isinstance(body, dict) else body
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
            return None
        return int(value)

    def iterate(self, collection: Collection[R], query: Query | None = None) -> Iterator[R]:
        for page in self.pages(collection, query):
            for raw in page.records:
                yield collection.parse(raw)

    def read_windowed(
        self,
        collection: Collection[R],
        query: Query | None = None,
        *,
        start: datetime,
        end: datetime,
        field: str = "createdAt",
        windows: int | None = None,
        workers: int = 8,
        queue_pages: int = 16,
    ) -> Generator[R, None, None]:
        """Every record of ``query``, read concurrently over disjoint ``field`` windows
        (see :mod:`orsync.officernd.windows`); yields as pages arrive, in no set order. At
        most ``workers + queue_pages`` parsed pages are held at once."""
        return read_windowed(
            self,
            collection,
            query or Query(),
            start=start,
            end=end,
            field=field,
            windows=windows,
            workers=workers,
            queue_pages=queue_pages,
        )

    # -- typed reads ---------------------------------------------------------------------------

    def payments(
        self, query: Query | None = None, *, document_type: str | None = None
    ) -> Iterator[PaymentDocument]:
        query = query or Query()
        if document_type is not None:
            query = query.eq("documentType", document_type)
        return self.iterate(PAYMENTS, query)

    def invoices(self, query: Query | None = None) -> Iterator[PaymentDocument]:
        return self.payments(query, document_type="invoice")

    def credit_notes(self, query: Query | None = None) -> Iterator[PaymentDocument]:
        return self.payments(query, document_type="creditNote")

    def overpayments(self, query: Query | None = None) -> Iterator[PaymentDocument]:
        return self.payments(query, document_type="overpayment")

    def get_payment(self, payment_id: str) -> PaymentDocument | None:
        body = self.session.get_json(f"payments/{payment_id}", scope=PAYMENTS.scope)
        return None if body is None else PAYMENTS.parse(body)

    def charges(self, query: Query | None = None) -> Iterator[Charge]:
        return self.iterate(CHARGES, query)

    def companies(self, query: Query | None = None) -> Iterator[Company]:
        return self.iterate(COMPANIES, query)

    def members(self, query: Query | None = None) -> Iterator[Member]:
        return self.iterate(MEMBERS, query)

    def locations(self, query: Query | None = None) -> Iterator[Location]:
        return self.iterate(LOCATIONS, query)

    def revenue_accounts(self, query: Query | None = None) -> Iterator[RevenueAccount]:
        return self.iterate(REVENUE_ACCOUNTS, query)

    def tax_rates(self, query: Query | None = None) -> Iterator[TaxRate]:
        return self.iterate(TAX_RATES, query)

    def plans(self, query: Query | None = None) -> Iterator[Plan]:
        return self.iterate(PLANS, query)

    def fees(self, query: Query | None = None) -> Iterator[Fee]:
        return self.iterate(FEES, query)

    def payment_methods(self) -> tuple[str, ...]:
        body = self.session.get_json("payments/methods", scope="flex.billing.payments.methods.read")
        if isinstance(body, dict):
            return tuple(str(m) for m in body.get("paymentMethods") or ())
        return tuple(str(m) for m in body or ())

    # -- lookups after an unconfirmed write ----------------------------------------------------

    def find_charge(self, invoice_id: str, reference: str) -> Charge | None:
        """The charge on ``invoice_id`` carrying ``reference`` (earliest if duplicated)."""
        found = [
            c for c in self.charges(Query().eq("payment", invoice_id)) if c.reference == reference
        ]
        return min(found, key=_created_key) if found else None

    def find_overpayment(
        self, reference: str, *, company: str | None = None, member: str | None = None
    ) -> PaymentDocument | None:
        query = Query()
        if company is not None:
            query = query.eq("company", company)
        if member is not None:
            query = query.eq("member", member)
        found = [p for p in self.overpayments(query) if p.reference == reference]
        return min(found, key=_created_key) if found else None

    def find_allocation(self, source_id: str, invoice_id: str) -> Allocation | None:
        """The allocation of credit note/overpayment ``source_id`` to ``invoice_id``, if any."""
        source = self.get_payment(source_id)
        if source is None:
            return None
        return next((a for a in source.allocations if a.target == invoice_id), None)

    # -- writes (never retried blindly; see ApiSession.write) ----------------------------------

    def create_charge(self, charge: writes.NewCharge) -> Charge:
        body = self.session.write(
            "POST",
            "charges",
            writes.charge_create_body(charge),
            scope="flex.billing.charges.create",
            lookup=f"find_charge({charge.invoice_id!r}, {charge.reference!r})",
            record=charge.invoice_id,
        )
        return Charge.model_validate(body)

    def delete_charge(self, charge_id: str, *, invoice_id: str, reference: str) -> bool:
        """``DELETE /charges/{id}`` (R-chargedel); False when OfficeRnD no longer has it (a
        person removed it first: what orsync wanted is done)."""
        try:
            self.session.write(
                "DELETE",
                f"charges/{charge_id}",
                {},
                scope="flex.billing.charges.delete",
                lookup=f"find_charge({invoice_id!r}, {reference!r})",
                record=invoice_id,
            )
        except RecordError as refused:
            if refused.code == "404":
                return False
            raise
        return True

    def update_invoice_accounting(
        self, invoice_id: str, accounting: writes.AccountingLink, *, number: str | None = None
    ) -> PaymentDocument:
        """Idempotent by nature (a PATCH to fixed values), yet still never resent blind.

        UNVERIFIED whether OfficeRnD takes ``number`` on ``PATCH /payments/{id}``
        (officernd-api.md): this is the one place that decides. A 400 naming the field
        raises :class:`NumberNotWritable` (nothing was written: send the block alone)."""
        try:
            body = self.session.write(
                "PATCH",
                f"payments/{invoice_id}",
                writes.invoice_update_body(accounting, number),
                scope="flex.billing.payments.update",
                lookup=f"get_payment({invoice_id!r}).accounting",
                record=invoice_id,
            )
        except RecordError as refused:
            if number is not None and refused.code == "400" and "number" in refused.message:
                raise NumberNotWritable(
                    f"OfficeRnD does not let an integration change a document's number: "
                    f"{refused.message}",
                    record=invoice_id,
                    field="number",
                    code="number_not_writable",
                ) from refused
            raise
        return PaymentDocument.model_validate(body)

    def create_overpayment(self, overpayment: writes.NewOverpayment) -> PaymentDocument:
        body = self.session.write(
            "POST",
            "payments/overpayment",
            writes.overpayment_create_body(overpayment),
            scope="flex.billing.payments.create",
            lookup=f"find_overpayment({overpayment.reference!r}, company={overpayment.company!r}, "
            f"member={overpayment.member!r})",
            record=overpayment.reference,
        )
        return PaymentDocument.model_validate(body)

    def allocate(self, source_id: str, invoice_id: str, amount: Decimal) -> PaymentDocument:
        """Allocate credit note/overpayment ``source_id`` to an invoice; returns the source."""
        body = self.session.write(
            "POST",
            f"payments/{source_id}/allocations",
            writes.allocation_body(invoice_id, amount),
            scope="flex.billing.payments.allocations.create",
            lookup=f"find_allocation({source_id!r}, {invoice_id!r})",
            record=source_id,
        )
        return PaymentDocument.model_validate(body)

    # -- webhook subscriptions (orsync listen --register) -----------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """The organization's webhook subscriptions as OfficeRnD sends them (``secret``
        included: register it for redaction before logging anything)."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = Query().params(cursor)
            body = self.session.get_json(
                "webhooks", scope="flex.settings.webhooks.read", params=params
            )
            if body is None:
                return found
            page = parse_page(body)
            found.extend(record for record in page.records if isinstance(record, dict))
            if page.cursor_next is None or not page.records:
                return found
            cursor = page.cursor_next

    def create_webhook(self, url: str, event_types: tuple[str, ...], description: str) -> Any:
        """``POST /webhooks``; the answer carries the signing ``secret``."""
        return self.session.write(
            "POST",
            "webhooks",
            {"url": url, "eventTypes": list(event_types), "description": description},
            scope="flex.settings.webhooks.create",
            lookup=f"webhooks() with url {url!r}",
        )


def _created_key(record: Charge | PaymentDocument) -> tuple[bool, datetime | None, str]:
    return (record.created_at is None, record.created_at, record.id)
