"""OfficeRnD document -> the Intacct posting orsync expects (pure; mapping via a Resolver).

Every unmapped value of a document is reported, not just the first, so one run tells the user
everything to fix on that record. The total check runs last and only on an otherwise buildable
document.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from orsync.engine.model import (
    CustomerPosting,
    Posting,
    PostingKind,
    PostingLine,
    Problem,
    SourceCustomer,
    SourceDocument,
    SourceLine,
    TaxRateRef,
    Unmapped,
)
from orsync.engine.options import EngineOptions
from orsync.engine.origin import mark_origin
from orsync.engine.rounding import ZERO, check_total, line_tax, to_cents

RevenueTarget = Literal["gl_account", "item"]

# orsync creates every customer active, whatever its OfficeRnD status: a company that has left
# ("former") still has invoices and credit notes to post and a balance to settle, and Intacct
# refuses every document for an inactive customer. Deactivating a customer is finance's call in
# Intacct; sync never changes the status afterwards (see customers.UPDATABLE_FIELDS).
CREATED_CUSTOMER_STATUS: Literal["active"] = "active"


@dataclass(frozen=True)
class LocationTarget:
    """Where an OfficeRnD location posts: an Intacct location and the entity that owns it."""

    location_id: str
    entity_id: str | None


@dataclass(frozen=True)
class TaxTreatment:
    """Where a line's tax goes in Intacct, as the mapping says.

    ``tax_detail``: an Intacct tax detail (VAT/GST). ``account``: its own line on this GL account
    (AR) or item (Sales), a sales-tax liability (a company with no tax engine). Neither: the line
    posts without tax (``no_tax``); ``in_revenue`` when the mapping says that tax is booked inside
    the revenue line (``tax_included_in_revenue``), else a line with tax is refused.
    """

    tax_detail: str | None = None
    account: str | None = None
    in_revenue: bool = False


NO_TAX = TaxTreatment()


@dataclass(frozen=True)
class Dimensions:
    department_id: str | None = None
    class_id: str | None = None


class Resolver(Protocol):
    """What build needs from the mapping (defaults and the unmapped policy live behind it)."""

    def revenue_target(self, line: SourceLine, target: RevenueTarget) -> str | Unmapped:
        """GL account number (AR) or item id (Sales) for a line's revenue account/plan/fee."""
        ...

    def location_target(self, location_id: str | None) -> LocationTarget | Unmapped: ...

    def tax_treatment(
        self, ref: TaxRateRef | None, target: RevenueTarget
    ) -> TaxTreatment | Unmapped:
        """Where the tax of a line with this rate posts (``NO_TAX`` for a line with no rate);
        ``target`` says whether a liability account is a GL account (AR) or an item (Sales)."""
        ...

    def dimensions(self, line: SourceLine, doc: SourceDocument) -> Dimensions | Unmapped: ...

    def customer_id(self, customer: SourceCustomer) -> str: ...


def posting_kind(doc: SourceDocument, options: EngineOptions) -> PostingKind:
    if options.invoice_type == "sales":
        return "so_invoice" if doc.kind == "invoice" else "so_credit"
    return "ar_invoice" if doc.kind == "invoice" else "ar_credit_memo"


def describe_document(doc: SourceDocument) -> str:
    label = "invoice" if doc.kind == "invoice" else "credit note"
    return mark_origin(f"OfficeRnD {label} {doc.number}")


def build_posting(
    doc: SourceDocument, customer_id: str, options: EngineOptions, resolver: Resolver
) -> Posting | list[Problem]:
    """The posting for ``doc``, or every problem that prevents it."""
    problems: list[Problem] = []

    def report(field: str, unmapped: Unmapped) -> None:
        problems.append(
            Problem(
                number=doc.number,
                field=field,
                message=f"{unmapped.what} {unmapped.value!r} is not mapped",
                fix=unmapped.fix,
                source_id=doc.id,
                value=unmapped.value,
            )
        )

    kind = posting_kind(doc, options)
    sales = kind in ("so_invoice", "so_credit")
    sign = Decimal(-1) if kind == "ar_credit_memo" else Decimal(1)

    if not doc.currency:
        problems.append(_problem(doc, "currency", "the document has no currency", _FIX_SOURCE))
    if not doc.lines:
        problems.append(_problem(doc, "lines", "the document has no lines", _FIX_SOURCE))

    locations: dict[str | None, LocationTarget | Unmapped] = {}

    def location(location_id: str | None) -> LocationTarget | Unmapped:
        if location_id not in locations:
            locations[location_id] = resolver.location_target(location_id)
        return locations[location_id]

    header_location = location(doc.location_id)
    entity_id: str | None = None
    if isinstance(header_location, Unmapped):
        report("location", header_location)
    elif options.entity_level == "subsidiary":
        entity_id = header_location.entity_id
        if entity_id is None:
            problems.append(
                _problem(
                    doc,
                    "location",
                    f"location {doc.location_id!r} maps to Intacct location "
                    f"{header_location.location_id!r}, which belongs to no entity",
                    "Map the location to a location of a subsidiary entity, or set "
                    "entity_level: top.",
                )
            )

    lines: list[PostingLine] = []
    tax_lines: dict[tuple[str, str | None, str | None, str | None], PostingLine] = {}
    cents: list[tuple[Decimal, Decimal]] = []
    posted_total = ZERO  # what Intacct will book, unsigned: checked against OfficeRnD's total
    for index, line in enumerate(doc.lines, start=1):
        where = f"lines[{index}]"
        account = resolver.revenue_target(line, "item" if sales else "gl_account")
        if isinstance(account, Unmapped):
            report(f"{where}.{'item' if sales else 'account'}", account)
        line_location = location(line.location_id or doc.location_id)
        if isinstance(line_location, Unmapped):
            if line.location_id and line.location_id != doc.location_id:
                report(f"{where}.location", line_location)
        elif (
            options.entity_level == "subsidiary"
            and entity_id is not None
            and line_location.entity_id != entity_id
        ):
            problems.append(
                _problem(
                    doc,
                    f"{where}.location",
                    f"the line posts to entity {line_location.entity_id!r} but the document "
                    f"to entity {entity_id!r}",
                    "Split the invoice per location in OfficeRnD (multi-location billing), or "
                    "map both locations to the same entity.",
                )
            )
        treatment = resolver.tax_treatment(line.tax_rate, "item" if sales else "gl_account")
        if isinstance(treatment, Unmapped):
            report(f"{where}.tax_rate", treatment)
        dims = resolver.dimensions(line, doc)
        if isinstance(dims, Unmapped):
            report(f"{where}.{dims.what}", dims)

        net = to_cents(line.net_amount)
        if line.tax_amount is not None:
            tax = to_cents(line.tax_amount)
        elif line.tax_rate is not None and line.tax_rate.rate is not None:
            tax = line_tax(net, line.tax_rate.rate)
        else:
            tax = to_cents(Decimal(0))
        cents.append((net, tax))

        if (
            tax
            and not isinstance(treatment, Unmapped)
            and treatment.tax_detail is None
            and treatment.account is None
            and not treatment.in_revenue
        ):
            problems.append(_dropped_tax(doc, where, line, tax))
        if (
            isinstance(account, Unmapped)
            or isinstance(line_location, Unmapped)
            or isinstance(treatment, Unmapped)
            or isinstance(dims, Unmapped)
        ):
            continue
        # Tax inside revenue (the mapping's deliberate choice) or on its own line: the line
        # itself then carries no tax, so nothing Intacct books is left out of the total.
        posted_net = net + tax if treatment.in_revenue else net
        posted_tax = tax if treatment.tax_detail is not None else ZERO
        posted_total += posted_net + posted_tax
        quantity, unit_price = _sales_quantity(line, posted_net) if sales else (None, None)
        lines.append(
            PostingLine(
                account=account,
                net_amount=sign * posted_net,
                tax_amount=sign * posted_tax,
                location_id=line_location.location_id,
                department_id=dims.department_id,
                class_id=dims.class_id,
                tax_detail_id=treatment.tax_detail,
                memo=line.description,
                quantity=quantity,
                unit_price=unit_price,
            )
        )
        if treatment.account is not None and tax:
            posted_total += tax
            _add_tax_line(
                tax_lines,
                PostingLine(
                    account=treatment.account,
                    net_amount=sign * tax,
                    location_id=line_location.location_id,
                    department_id=dims.department_id,
                    class_id=dims.class_id,
                    memo=_tax_memo(line),
                    quantity=Decimal(1) if sales else None,
                    unit_price=sign * tax if sales else None,
                    role="tax",
                ),
            )

    if problems:
        return problems
    lines.extend(tax_lines.values())
    mismatch = check_total(cents, doc.total)
    if mismatch is not None:
        return [
            _problem(
                doc,
                "total",
                mismatch.describe(),
                "Correct the invoice in OfficeRnD so its lines add up to its total; orsync "
                "never adjusts amounts to hide a difference.",
            )
        ]
    if posted_total != to_cents(doc.total):
        return [
            _problem(
                doc,
                "total",
                f"Intacct would total {posted_total} where OfficeRnD says {to_cents(doc.total)}",
                "Map every tax rate so its tax reaches Intacct (tax_rates in the mapping); "
                "orsync never posts a document whose total differs from OfficeRnD's.",
            )
        ]
    rate = doc.exchange_rate
    foreign = rate is not None and rate != 1 and options.fx_rates == "officernd"
    posting = Posting(
        kind=kind,
        entity_id=entity_id,
        customer_id=customer_id,
        date_created=doc.date,
        date_due=None if doc.kind == "credit_note" else (doc.due_date or doc.date),
        currency=doc.currency,
        reference=doc.number,
        invoice_number=doc.number if options.numbering == "officernd" else None,
        description=describe_document(doc),
        lines=tuple(lines),
        transaction_definition=(
            None
            if not sales
            else options.sales_invoice_definition
            if doc.kind == "invoice"
            else options.sales_credit_definition
        ),
        exchange_rate=rate if foreign else None,
    )
    if foreign and doc.base_total is not None:
        booked = sign * posting.base_total
        if booked != to_cents(doc.base_total):
            return [
                _problem(
                    doc,
                    "base_total",
                    f"at OfficeRnD's rate {rate} Intacct would book a base total of {booked} "
                    f"where OfficeRnD says {to_cents(doc.base_total)}",
                    "Check the document's exchange rate in OfficeRnD; or set options.fx_rates: "
                    "intacct to post at Intacct's rate instead of OfficeRnD's.",
                )
            ]
    return posting


def build_customer(src: SourceCustomer, resolver: Resolver) -> CustomerPosting | list[Problem]:
    """The Intacct customer for a billed company or member."""
    name = (src.billing_name or src.name or "").strip()
    if not name:
        return [
            Problem(
                number=src.id,
                field="name",
                message=f"{src.kind} {src.id} has no name",
                fix=f"Give the {src.kind} a name (or billing name) in OfficeRnD.",
                source_id=src.id,
            )
        ]
    customer_id = resolver.customer_id(src)
    return CustomerPosting(
        customer_id=customer_id,
        name=name,
        print_as=name,
        # Intacct needs display-contact names unique across all contacts; this is its own default.
        contact_name=f"{name}({customer_id})",
        email=src.email or None,
        address=src.address,
        currency=src.currency or None,
        status=CREATED_CUSTOMER_STATUS,
    )


_FIX_SOURCE = "Correct the document in OfficeRnD."


def _dropped_tax(doc: SourceDocument, where: str, line: SourceLine, tax: Decimal) -> Problem:
    rate = line.tax_rate
    label = (rate.name or rate.id) if rate is not None else "no tax rate"
    return Problem(
        number=doc.number,
        field=f"{where}.tax_rate",
        message=(
            f"the line's tax {tax} ({label}) would not reach Intacct: the rate maps to no_tax, "
            f"so Intacct would total {to_cents(doc.total) - tax} where OfficeRnD says "
            f"{to_cents(doc.total)}"
        ),
        fix=(
            "Map the rate to a tax_detail, or to the sales-tax liability gl_account (item for "
            "Sales) its tax posts to; or add tax_included_in_revenue: true to its no_tax entry "
            "if that tax is booked inside revenue."
        ),
        source_id=doc.id,
        value=label,
    )


def _tax_memo(line: SourceLine) -> str:
    rate = line.tax_rate
    return f"Sales tax {rate.name or rate.id}" if rate is not None else "Sales tax"


def _add_tax_line(
    found: dict[tuple[str, str | None, str | None, str | None], PostingLine], line: PostingLine
) -> None:
    """One tax line per liability account, location and dimensions (in first-seen order)."""
    key = (line.account, line.location_id, line.department_id, line.class_id)
    earlier = found.get(key)
    if earlier is None:
        found[key] = line
        return
    amount = earlier.net_amount + line.net_amount
    found[key] = PostingLine(
        account=earlier.account,
        net_amount=amount,
        location_id=earlier.location_id,
        department_id=earlier.department_id,
        class_id=earlier.class_id,
        memo=earlier.memo,
        quantity=earlier.quantity,
        unit_price=amount if earlier.quantity is not None else None,
        role="tax",
    )


def _problem(doc: SourceDocument, field: str, message: str, fix: str) -> Problem:
    return Problem(number=doc.number, field=field, message=message, fix=fix, source_id=doc.id)


def _sales_quantity(line: SourceLine, net: Decimal) -> tuple[Decimal, Decimal]:
    """Quantity and unit price for a Sales line whose product is exactly ``net``.

    Intacct computes a Sales line's amount as quantity x price; OfficeRnD's discounts and
    rounding mean its quantity x unit price may not equal the line net, and then the line posts as
    1 x net so that the document total still matches to the cent.
    """
    if line.unit_price is not None and line.quantity != 0:
        unit_price = line.unit_price
        if to_cents(line.quantity * unit_price) == net and unit_price == to_cents(unit_price):
            return line.quantity, unit_price
    return Decimal(1), net
