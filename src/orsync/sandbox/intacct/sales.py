"""Order Entry: create_sotransaction and update_sotransaction, each posting to AR.

A sales document of an "invoice" definition generates an AR invoice (MODULEKEY 8.SO), a
"credit" definition an AR adjustment with negative lines; ``PRRECORDKEY`` links them. Updating
the document deletes its AR record and posts a new one with a new RECORDNO, as Intacct does.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from lxml import etree

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context
from orsync.sandbox.intacct.currency import conversion, rated_changes, updated_conversion
from orsync.sandbox.intacct.invoices import created
from orsync.sandbox.intacct.lines import transaction_entity
from orsync.sandbox.intacct.protocol import FunctionResult, key_payload
from orsync.sandbox.intacct.records import ZERO, ArDocument, Line, SoDocument, SoLine, TaxEntry
from orsync.sandbox.intacct.request import (
    Function,
    custom_fields,
    decimal,
    legacy_date,
    opt_text,
    text,
)
from orsync.sandbox.intacct.rules import Checks
from orsync.sandbox.world import TaxSolution

SO_STATES = {"Draft", "Pending", "Closed"}


def _tax_pairs(
    item: etree._Element, solution: TaxSolution | None, checks: Checks
) -> list[tuple[str, str]]:
    pairs = [
        (text(s, "overridedetailid"), text(s, "trx_tax"))
        for s in item.findall("linesubtotals/linesubtotal")
    ]
    if pairs or solution is None:
        return pairs
    # Without an override the line takes the solution's default (first active) sales detail.
    for detail in checks.store.tax_details.values():
        if detail.tax_solution_id == solution.id and detail.status == "active":
            return [(detail.id, "")]
    return []


def _read_so_line(
    checks: Checks, item: etree._Element, line_no: int, solution: TaxSolution | None
) -> SoLine:
    item_id = text(item, "itemid")
    checks.item(item_id)
    quantity = decimal(text(item, "quantity") or "0", "quantity")
    price = decimal(text(item, "price") or "0", "price")
    location_id = text(item, "locationid")
    checks.location(location_id, line_no)
    checks.department(text(item, "departmentid"))
    checks.class_(text(item, "classid"))
    line = SoLine(
        line_no=line_no,
        item_id=item_id,
        quantity=quantity,
        price=price,
        memo=text(item, "memo"),
        location_id=location_id,
        department_id=text(item, "departmentid"),
        class_id=text(item, "classid"),
        custom_fields=custom_fields(item),
    )
    taxes = checks.taxes(solution, line.amount, _tax_pairs(item, solution, checks), line_no)
    return dataclasses.replace(line, taxes=taxes)


def _update_so_line(
    checks: Checks, line: SoLine, item: etree._Element, solution: TaxSolution | None
) -> SoLine:
    changes: dict[str, Any] = {}
    for tag, attr in (
        ("itemid", "item_id"),
        ("memo", "memo"),
        ("locationid", "location_id"),
        ("departmentid", "department_id"),
        ("classid", "class_id"),
    ):
        if item.find(tag) is not None:
            changes[attr] = text(item, tag)
    for tag in ("quantity", "price"):
        if item.find(tag) is not None:
            changes[tag] = decimal(text(item, tag), tag)
    updated: SoLine = dataclasses.replace(line, **changes)
    checks.item(updated.item_id)
    checks.location(updated.location_id, line.line_no)
    checks.department(updated.department_id)
    checks.class_(updated.class_id)
    pairs = [
        (text(s, "overridedetailid"), text(s, "trx_tax"))
        for s in item.findall("linesubtotals/linesubtotal")
    ] or [(t.detail_id, "") for t in line.taxes]
    return dataclasses.replace(
        updated, taxes=checks.taxes(solution, updated.amount, pairs, line.line_no)
    )


def _ar_record(ctx: Context, doc: SoDocument, kind: str, recordno: int) -> ArDocument:
    sign = Decimal(1) if kind == "invoice" else Decimal(-1)
    lines = tuple(
        Line(
            line_no=ln.line_no,
            gl_account_no=ctx.store.items[ln.item_id].gl_account_no,
            amount=sign * ln.amount,
            memo=ln.memo,
            location_id=ln.location_id,
            department_id=ln.department_id,
            class_id=ln.class_id,
            item_id=ln.item_id,
            taxes=tuple(TaxEntry(t.detail_id, sign * t.amount) for t in ln.taxes),
        )
        for ln in doc.lines
    )
    return ArDocument(
        kind="invoice" if kind == "invoice" else "adjustment",
        recordno=recordno,
        record_id=doc.doc_no,
        customer_id=doc.customer_id,
        when_created=doc.when_created,
        when_modified=ctx.now,
        entity_id=doc.entity_id,
        lines=lines,
        doc_number=doc.reference_no,
        when_due=doc.when_due,
        when_posted=doc.when_posted,
        term_name=doc.term_name,
        currency=doc.currency,
        description=doc.message,
        external_id=doc.external_id,
        module_key="8.SO",
        custom_fields=doc.custom_fields,
        base_currency=doc.base_currency,
        exchange_rate=doc.exchange_rate,
    )


def _post(ctx: Context, doc: SoDocument) -> SoDocument:
    """Post the document's AR record (unless it is a draft) and link it."""
    if doc.state == "Draft":
        return doc
    kind = ctx.store.definitions[doc.definition].kind
    record = _ar_record(ctx, doc, kind, ctx.store.next_recordno("ar"))
    existing = ctx.store.ar_table.find((record.kind, record.record_id))
    if existing is not None:
        ctx.store.remove(ctx.store.ar_table, existing.recordno, ctx.journal)
    ctx.store.put(ctx.store.ar_table, record, ctx.journal)
    return dataclasses.replace(doc, pr_record_key=record.recordno)


def create_sotransaction(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    checks = Checks(ctx, "create", "Sales Transaction")
    definition = text(el, "transactiontype")
    found = ctx.store.definitions.get(definition)
    if found is None:
        checks.fail(messages.invalid_reference("Transaction Definition", definition))
    if found.status != "active":
        checks.fail(messages.inactive_reference("Transaction Definition", definition))
    customer_id = text(el, "customerid")
    checks.customer(customer_id)
    when_created = legacy_date(el, "datecreated")
    if when_created is None:
        checks.fail(messages.business("Date created is required."))
    when_posted = legacy_date(el, "dateposted")
    checks.open_period(when_posted or when_created, ("OE", "AR"))
    doc_no = text(el, "documentno")
    if doc_no and ctx.store.so_table.find(f"{definition}-{doc_no}") is not None:
        checks.add(messages.duplicate(definition, doc_no))
    state = text(el, "state") or "Pending"
    if state not in SO_STATES:
        checks.add(messages.invalid_value(f"The state '{state}' is invalid"))
    items = el.findall("sotransitems/sotransitem")
    if not items:
        checks.add(messages.business("At least one line item is required."))
    entity = transaction_entity(checks, [text(i, "locationid") for i in items])
    solution = checks.solution_for(entity, text(el, "taxsolutionid"))
    lines = tuple(_read_so_line(checks, item, n, solution) for n, item in enumerate(items, start=1))
    money_in = conversion(checks, el, entity, when_created)
    checks.done()
    doc = SoDocument(
        recordno=ctx.store.next_recordno("so"),
        definition=definition,
        doc_no=doc_no or ctx.store.next_document_number(definition),
        customer_id=customer_id,
        when_created=when_created,
        when_modified=ctx.now,
        entity_id=ctx.entity_id,
        lines=lines,
        reference_no=text(el, "referenceno"),
        when_due=legacy_date(el, "datedue"),
        when_posted=when_posted,
        term_name=text(el, "termname"),
        currency=money_in.currency,
        base_currency=money_in.base_currency,
        exchange_rate=money_in.rate,
        message=text(el, "message"),
        external_id=text(el, "externalid"),
        state=state,
        custom_fields=custom_fields(el),
    )
    doc = _post(ctx, doc)
    ctx.store.put(ctx.store.so_table, doc, ctx.journal)
    return created(fn, doc.doc_id)


def update_sotransaction(ctx: Context, fn: Function) -> FunctionResult:
    el = fn.element
    key = el.get("key", "")
    checks = Checks(ctx, "update", "Sales Transaction")
    doc = ctx.store.so_table.find(key)
    if doc is None or (ctx.entity_id and doc.entity_id not in ("", ctx.entity_id)):
        checks.fail(messages.invalid_reference("Sales Transaction", key))
    posted = ctx.store.ar_table.get(doc.pr_record_key) if doc.pr_record_key else None
    if posted is not None and posted.total_paid != ZERO:
        checks.fail(
            messages.business(
                f"{key} has payments applied and cannot be edited.", "Reverse the payments first."
            )
        )
    changes: dict[str, Any] = {}
    for tag, attr in (("datecreated", "when_created"), ("datedue", "when_due")):
        value = legacy_date(el, tag)
        if value is not None:
            changes[attr] = value
    if "when_created" in changes:
        checks.open_period(changes["when_created"], ("OE", "AR"))
    for tag, attr in (
        ("referenceno", "reference_no"),
        ("termname", "term_name"),
        ("message", "message"),
        ("externalid", "external_id"),
        ("state", "state"),
    ):
        if (value_text := opt_text(el, tag)) is not None:
            changes[attr] = value_text
    rated = updated_conversion(
        checks,
        el,
        doc.entity_id or transaction_entity(checks, [ln.location_id for ln in doc.lines]),
        changes.get("when_created", doc.when_created),
    )
    if rated is not None:
        changes.update(rated_changes(rated))
    extra = custom_fields(el)
    if extra:
        merged = dict(doc.custom_fields)
        merged.update(extra)
        changes["custom_fields"] = tuple(merged.items())
    lines = list(doc.lines)
    entity = doc.entity_id or transaction_entity(checks, [ln.location_id for ln in doc.lines])
    solution = checks.solution_of(entity) if any(ln.taxes for ln in doc.lines) else None
    for item in el.findall("updatesotransitems/*"):
        if item.tag == "updatesotransitem":
            line_num = item.get("line_num", "")
            if not line_num.isdigit() or not 1 <= int(line_num) <= len(lines):
                checks.add(messages.invalid_value(f"The line_num '{line_num}' is invalid"))
                continue
            index = int(line_num) - 1
            lines[index] = _update_so_line(checks, lines[index], item, solution)
        elif item.tag == "sotransitem":
            lines.append(_read_so_line(checks, item, len(lines) + 1, solution))
    changes["lines"] = tuple(lines)
    checks.done()
    updated = dataclasses.replace(doc, when_modified=ctx.now, **changes)
    if posted is not None:
        ctx.store.remove(ctx.store.ar_table, posted.recordno, ctx.journal)
    updated = _post(ctx, dataclasses.replace(updated, pr_record_key=None))
    ctx.store.put(ctx.store.so_table, updated, ctx.journal)
    return FunctionResult(fn.name, fn.controlid, payload=[key_payload(updated.doc_id)])
