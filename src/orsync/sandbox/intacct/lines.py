"""Reading AR line items (lineitem / updatelineitem) and resolving their entity and VAT."""

from __future__ import annotations

import dataclasses
from typing import Any

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.records import Line, money
from orsync.sandbox.intacct.request import custom_fields, decimal, text
from orsync.sandbox.intacct.rules import Checks
from orsync.sandbox.world import TaxSolution


def transaction_entity(checks: Checks, location_ids: list[str]) -> str:
    """The entity a transaction belongs to: the session's, else its first line's location's."""
    if checks.ctx.entity_id:
        return checks.ctx.entity_id
    for location_id in location_ids:
        location = checks.store.locations.get(location_id)
        if location is not None:
            return location.entity_id
    return ""


def tax_pairs(item: etree._Element) -> list[tuple[str, str]]:
    return [
        (text(entry, "detailid"), text(entry, "trx_tax"))
        for entry in item.findall("taxentries/taxentry")
    ]


def read_line(
    checks: Checks, item: etree._Element, line_no: int, solution: TaxSolution | None
) -> Line:
    if item.find("accountlabel") is not None and item.find("glaccountno") is None:
        checks.add(messages.invalid_reference("Account Label", text(item, "accountlabel")))
    account = text(item, "glaccountno")
    checks.account(account)
    amount = money(decimal(text(item, "amount") or "0", "amount"))
    location_id = text(item, "locationid")
    checks.location(location_id, line_no)
    checks.department(text(item, "departmentid"))
    checks.class_(text(item, "classid"))
    item_id = text(item, "itemid")
    if item_id:
        checks.item(item_id)
    return Line(
        line_no=line_no,
        gl_account_no=account,
        amount=amount,
        memo=text(item, "memo"),
        location_id=location_id,
        department_id=text(item, "departmentid"),
        class_id=text(item, "classid"),
        item_id=item_id,
        taxes=checks.taxes(solution, amount, tax_pairs(item), line_no),
        custom_fields=custom_fields(item),
    )


def update_line(
    checks: Checks, line: Line, item: etree._Element, solution: TaxSolution | None
) -> Line:
    """Apply an ``updatelineitem``: only the elements present change."""
    changes: dict[str, Any] = {}
    for tag, attr in (
        ("glaccountno", "gl_account_no"),
        ("memo", "memo"),
        ("locationid", "location_id"),
        ("departmentid", "department_id"),
        ("classid", "class_id"),
        ("itemid", "item_id"),
    ):
        if item.find(tag) is not None:
            changes[attr] = text(item, tag)
    if item.find("amount") is not None:
        changes["amount"] = money(decimal(text(item, "amount"), "amount"))
    updated = dataclasses.replace(line, **changes)
    checks.account(updated.gl_account_no)
    checks.location(updated.location_id, line.line_no)
    checks.department(updated.department_id)
    checks.class_(updated.class_id)
    if updated.item_id:
        checks.item(updated.item_id)
    pairs = tax_pairs(item) or [(t.detail_id, "") for t in line.taxes]
    taxes = checks.taxes(solution, updated.amount, pairs, line.line_no)
    extra = custom_fields(item)
    if extra:
        merged = dict(line.custom_fields)
        merged.update(extra)
        updated = dataclasses.replace(updated, custom_fields=tuple(merged.items()))
    return dataclasses.replace(updated, taxes=taxes)
