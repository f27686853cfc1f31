"""Which handler serves which function name."""

from __future__ import annotations

from collections.abc import Callable

from orsync.sandbox.intacct import (
    deletes,
    invoices,
    legacy_payments,
    objects,
    payments,
    queries,
    reads,
    sales,
)
from orsync.sandbox.intacct.context import Context
from orsync.sandbox.intacct.protocol import FunctionResult
from orsync.sandbox.intacct.request import Function

Handler = Callable[[Context, Function], FunctionResult]

HANDLERS: dict[str, Handler] = {
    "read": reads.read,
    "readByName": reads.read_by_name,
    "readByQuery": reads.read_by_query,
    "readMore": reads.read_more,
    "query": queries.query,
    "lookup": reads.lookup,
    "get_closedbooksdate": reads.get_closedbooksdate,
    "create": objects.create_or_update,
    "update": objects.create_or_update,
    "create_invoice": invoices.create_invoice,
    "update_invoice": invoices.update_invoice,
    "reverse_invoice": invoices.reverse_invoice,
    "create_aradjustment": invoices.create_aradjustment,
    "create_arpayment": legacy_payments.create_arpayment,
    "apply_arpayment": invoices.apply_arpayment,
    "reverse_arpayment": payments.reverse_arpayment,
    "create_sotransaction": sales.create_sotransaction,
    "update_sotransaction": sales.update_sotransaction,
    "update_aradjustment": deletes.update_aradjustment,
    "delete_aradjustment": deletes.delete_aradjustment,
    "delete_invoice": deletes.delete_invoice,
    "delete_sotransaction": deletes.delete_sotransaction,
    "delete": deletes.delete,
}

# Reads change nothing: a controlid repeated with uniqueid=true is still refused (the gateway
# checks every function), but these never need undoing.
READ_ONLY = {
    "read",
    "readByName",
    "readByQuery",
    "readMore",
    "query",
    "lookup",
    "getAPISession",
    "get_closedbooksdate",
}
