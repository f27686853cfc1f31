"""Routes of the v2 data API under ``/api/v2/organizations/{org}`` and their handlers.

Each route names the scope it needs (reference/officernd-api.md §2.2) and whether it counts
against the read or the write rate limit ("independent read/write tracking", D-mig).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from orsync.sandbox.officernd import billing, bodies
from orsync.sandbox.officernd.matching import matching_ids
from orsync.sandbox.officernd.org import Organization
from orsync.sandbox.officernd.paging import page, select_fields
from orsync.sandbox.officernd.query import parse_list_query, parse_select
from orsync.sandbox.officernd.responses import ApiError, Response, bad_request, not_found
from orsync.sandbox.officernd.webhooks import read_subscription


@dataclass(frozen=True)
class Request:
    method: str
    path_params: tuple[str, ...]
    query_string: str
    body: bytes

    def json(self) -> Any:
        if not self.body:
            raise bad_request("a JSON body is required")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("the request body is not valid JSON") from None


Handler = Callable[[Organization, Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/payments/{id}"; also the key of the request counters
    pattern: re.Pattern[str]
    scope: str
    is_write: bool
    handler: Handler


def _route(method: str, template: str, scope: str, handler: Handler) -> Route:
    regex = re.sub(r"\{[a-zA-Z]+\}", "([^/]+)", template)
    return Route(
        method=method,
        template=template,
        pattern=re.compile(f"^{regex}$"),
        scope=scope,
        is_write=method != "GET",
        handler=handler,
    )


def _same(record: dict[str, Any]) -> dict[str, Any]:
    """Handlers run under the simulator lock and serialize their answer at once, so records
    can be written out without a defensive copy."""
    return record


# --- generic reads -------------------------------------------------------------------------


def _lister(collection: str) -> Handler:
    def handle(org: Organization, request: Request) -> Response:
        query = parse_list_query(collection, request.query_string)
        records = org.store[collection]
        found = page(records, query)
        return Response(200, found.body(records), units=len(found.records))

    return handle


def _counter(collection: str) -> Handler:
    """``GET /payments/count`` (listed by the reference, shape unverified): ``{"count": N}``
    of the records the list's filters match; paging parameters are ignored."""

    def handle(org: Organization, request: Request) -> Response:
        query = parse_list_query(collection, request.query_string)
        return Response.json(
            200, {"count": len(matching_ids(org.store[collection], query.conditions))}, units=1
        )

    return handle


def _getter(collection: str, label: str) -> Handler:
    def handle(org: Organization, request: Request) -> Response:
        select = parse_select(request.query_string)
        record = org.store[collection].get(request.path_params[0])
        if record is None:
            raise not_found(label)
        return Response.json(200, select_fields(_same(record), select), units=1)

    return handle


# --- payments ------------------------------------------------------------------------------


def payment_methods(org: Organization, request: Request) -> Response:
    """``{"paymentMethods": [...]}`` (R-paymethods), optionally filtered by ``locations``
    (a location id; a method without a ``locations`` list is available everywhere). Seeded
    items are objects with a ``name``."""
    location = None
    for key, raw in parse_qsl(request.query_string, keep_blank_values=True):
        if key != "locations":
            raise bad_request(f"{key} is not supported here")
        location = raw
    names: list[str] = []
    for item in org.store["payment-methods"].all():
        name = item.get("name")
        where = item.get("locations")
        if not isinstance(name, str):
            continue
        if location is None or not isinstance(where, list) or location in where:
            names.append(name)
    return Response.json(200, {"paymentMethods": names}, units=1)


def patch_payment(org: Organization, request: Request) -> Response:
    document = billing.get_document(org.store, request.path_params[0])
    changes = bodies.read_payment_patch(request.json())
    if "number" in changes and not org.number_writable:
        raise bad_request("fields not writable: number")
    previous = billing.patch_document(document, changes, org.billing_lock_date)
    org.store.touch(document)
    org.emit_change("payments", "updated", document, previous)
    return Response.json(200, _same(document), units=1)


def create_overpayment(org: Organization, request: Request) -> Response:
    fields = bodies.read_overpayment_create(request.json(), org.store.now())
    document = billing.create_overpayment(
        org.store, fields, org.billing_lock_date, org.next_number("OP")
    )
    org.emit_change("payments", "created", document)
    return Response.json(201, _same(document), units=1)


def create_allocation(org: Organization, request: Request) -> Response:
    source = billing.get_document(org.store, request.path_params[0])
    fields = bodies.read_allocation_create(request.json())
    invoice, allocation = billing.allocate(org.store, source, fields, org.billing_lock_date)
    org.emit("invoice.allocation.created", allocation, extra={"payment": invoice["_id"]})
    # Answers the full credit document, as the allocation-accounting endpoint does (R-allocacct).
    return Response.json(201, _same(source), units=1)


def allocation_accounting(org: Organization, request: Request) -> Response:
    document = billing.get_document(org.store, request.path_params[0])
    billing.set_allocation_accounting(org.store, document, request.path_params[1], request.json())
    return Response.json(200, _same(document), units=1)


# --- charges -------------------------------------------------------------------------------


def _charge(org: Organization, charge_id: str) -> dict[str, Any]:
    charge = org.store["charges"].get(charge_id)
    if charge is None:
        raise not_found("Charge")
    return charge


def create_charge(org: Organization, request: Request) -> Response:
    fields = bodies.read_charge_create(request.json(), org.store.now())
    charge = billing.create_charge(org.store, fields, org.billing_lock_date)
    org.emit("invoice.charge.created", charge, extra={"payment": charge["payment"]})
    return Response.json(201, _same(charge), units=1)


def update_charge(org: Organization, request: Request) -> Response:
    charge = _charge(org, request.path_params[0])
    before = dict(charge)
    billing.update_charge(org.store, charge, request.json(), org.billing_lock_date)
    previous = {
        k: before.get(k)
        for k in ("status", "reference", "accounting")
        if before.get(k) != charge.get(k)
    }
    org.emit(
        "invoice.charge.updated", charge, previous=previous, extra={"payment": charge["payment"]}
    )
    return Response.json(200, _same(charge), units=1)


def delete_charge(org: Organization, request: Request) -> Response:
    charge = _charge(org, request.path_params[0])
    billing.delete_charge(org.store, charge, org.billing_lock_date)
    org.emit("invoice.charge.removed", charge, extra={"payment": charge["payment"]})
    return Response.json(200, _same(charge), units=1)


# --- webhooks ------------------------------------------------------------------------------


def create_webhook(org: Organization, request: Request) -> Response:
    subscription = read_subscription(request.json())
    org.store.create("webhooks", subscription)
    return Response.json(201, _same(subscription), units=1)


def delete_webhook(org: Organization, request: Request) -> Response:
    subscription = org.store["webhooks"].remove(request.path_params[0])
    if subscription is None:
        raise not_found("Webhook")
    org.dispatcher.drop_subscription(str(subscription["_id"]))
    return Response.json(200, _same(subscription), units=1)


# --- the table -----------------------------------------------------------------------------

# Read-only reference collections: (path, collection, label, scope).
_READ_ONLY = (
    ("/companies", "companies", "Company", "flex.community.companies.read"),
    ("/members", "members", "Member", "flex.community.members.read"),
    ("/locations", "locations", "Location", "flex.space.locations.read"),
    (
        "/revenue-accounts",
        "revenue-accounts",
        "Revenue account",
        "flex.billing.revenueAccounts.read",
    ),
    ("/tax-rates", "tax-rates", "Tax rate", "flex.billing.taxRates.read"),
    ("/plans", "plans", "Plan", "flex.billing.plans.read"),
    ("/fees", "fees", "Fee", "flex.community.fees.read"),
)

ROUTES: tuple[Route, ...] = (
    # Literal paths before the {id} ones that would also match them.
    _route("GET", "/payments/methods", "flex.billing.payments.methods.read", payment_methods),
    _route("POST", "/payments/overpayment", "flex.billing.payments.create", create_overpayment),
    _route("GET", "/payments", "flex.billing.payments.read", _lister("payments")),
    _route("GET", "/payments/count", "flex.billing.payments.read", _counter("payments")),
    _route("GET", "/payments/{id}", "flex.billing.payments.read", _getter("payments", "Payment")),
    _route("PATCH", "/payments/{id}", "flex.billing.payments.update", patch_payment),
    _route(
        "POST",
        "/payments/{id}/allocations",
        "flex.billing.payments.allocations.create",
        create_allocation,
    ),
    _route(
        "PUT",
        "/payments/{id}/allocations/{allocationId}/accounting",
        "flex.billing.payments.allocations.update",
        allocation_accounting,
    ),
    _route("GET", "/charges", "flex.billing.charges.read", _lister("charges")),
    _route("GET", "/charges/{id}", "flex.billing.charges.read", _getter("charges", "Charge")),
    _route("POST", "/charges", "flex.billing.charges.create", create_charge),
    _route("PATCH", "/charges/{id}", "flex.billing.charges.update", update_charge),
    _route("DELETE", "/charges/{id}", "flex.billing.charges.delete", delete_charge),
    _route("GET", "/webhooks", "flex.settings.webhooks.read", _lister("webhooks")),
    _route("GET", "/webhooks/{id}", "flex.settings.webhooks.read", _getter("webhooks", "Webhook")),
    _route("POST", "/webhooks", "flex.settings.webhooks.create", create_webhook),
    _route("DELETE", "/webhooks/{id}", "flex.settings.webhooks.delete", delete_webhook),
    *(
        route
        for path, collection, label, scope in _READ_ONLY
        for route in (
            _route("GET", path, scope, _lister(collection)),
            _route("GET", path + "/{id}", scope, _getter(collection, label)),
        )
    ),
)


def match(method: str, path: str) -> tuple[Route, tuple[str, ...]]:
    """The route for ``method path`` (404 when no path matches, 405 for a wrong method)."""
    path_matched = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        path_matched = True
        if route.method == method:
            return route, found.groups()
    if path_matched:
        raise ApiError(405, f"Cannot {method} {path}")
    raise ApiError(404, f"Cannot {method} {path}")
