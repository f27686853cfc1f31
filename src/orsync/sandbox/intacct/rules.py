"""Business rules shared by the write functions: references, entities, VAT, closed periods.

A :class:`Checks` collects every problem of one function (the gateway reports the specific
causes first, then the generic "Could not create … record" wrapper) and raises them together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from orsync.sandbox.intacct import messages
from orsync.sandbox.intacct.context import Context, FunctionFailed
from orsync.sandbox.intacct.messages import GatewayError
from orsync.sandbox.intacct.records import TaxEntry, money
from orsync.sandbox.intacct.store import IntacctStore
from orsync.sandbox.world import TaxSolution


class Checks:
    def __init__(self, ctx: Context, action: str, object_label: str) -> None:
        self.ctx = ctx
        self.store: IntacctStore = ctx.store
        self.action = action
        self.object_label = object_label
        self.errors: list[GatewayError] = []

    def add(self, error: GatewayError) -> None:
        self.errors.append(error)

    def fail(self, error: GatewayError | None = None) -> NoReturn:
        if error is not None:
            self.errors.append(error)
        raise FunctionFailed([*self.errors, messages.could_not(self.action, self.object_label)])

    def done(self) -> None:
        if self.errors:
            self.fail()

    # --- references --------------------------------------------------------------------
    def _active(self, table: dict[str, Any], key: str, label: str) -> bool:
        found = table.get(key)
        if found is None:
            self.add(messages.invalid_reference(label, key))
            return False
        if getattr(found, "status", "active") != "active":
            self.add(messages.inactive_reference(label, key))
            return False
        return True

    def customer(self, customer_id: str) -> None:
        if not customer_id:
            self.add(messages.business("Customer ID is required.", "Enter a customer ID."))
            return
        customer = self.store.customer(customer_id)
        if customer is None or not self._visible(customer.entity_id):
            self.add(messages.invalid_reference("Customer", customer_id))
        elif customer.status != "active":
            self.add(messages.inactive_reference("Customer", customer_id))

    def _visible(self, owner: str) -> bool:
        return not owner or not self.ctx.entity_id or owner == self.ctx.entity_id

    def account(self, account_no: str) -> None:
        if not account_no:
            self.add(messages.business("GL account is required.", "Enter a GL account number."))
            return
        self._active(self.store.gl_accounts, account_no, "GL Account")

    def department(self, department_id: str) -> None:
        if department_id:
            self._active(self.store.departments, department_id, "Department")

    def class_(self, class_id: str) -> None:
        if class_id:
            self._active(self.store.classes, class_id, "Class")

    def item(self, item_id: str) -> None:
        if not item_id:
            self.add(messages.business("Item ID is required.", "Enter an item ID."))
            return
        self._active(self.store.items, item_id, "Item")

    def location(self, location_id: str, line_no: int) -> str:
        """Check a line's location; returns the entity it belongs to ("" when unknown)."""
        if not location_id:
            if self.store.multi_entity and not self.ctx.entity_id:
                self.add(messages.multi_entity_location_required(line_no))
            return self.ctx.entity_id
        if not self._active(self.store.locations, location_id, "Location"):
            return ""
        entity = self.store.locations[location_id].entity_id
        if self.ctx.entity_id and entity != self.ctx.entity_id:
            self.add(messages.invalid_reference("Location", location_id))
        return entity

    def open_period(self, when: date, modules: tuple[str, ...] = ("AR",)) -> None:
        """A posting dated ``when`` must fall in a period open in the GL and in each module it
        posts to (an Order Entry document posts to OE and AR)."""
        closed = self.store.first_open_day(modules)
        if closed is not None and when < closed:
            self.add(messages.closed_period(when.strftime("%m/%d/%Y")))

    # --- VAT -----------------------------------------------------------------------------
    def solution_for(self, entity_id: str, requested: str) -> TaxSolution | None:
        """The tax solution a transaction uses: the entity's, named or implied."""
        if requested:
            solution = self.store.tax_solutions.get(requested)
            if solution is None:
                self.add(messages.invalid_reference("Tax Solution", requested))
            return solution
        for solution in self.store.tax_solutions.values():
            if entity_id and entity_id in solution.entity_ids:
                if not self.ctx.entity_id:
                    # Top level of a multi-jurisdiction company must name the solution.
                    self.add(
                        messages.business(
                            "A tax solution is required for transactions at the top level.",
                            f"Enter taxsolutionid, e.g. '{solution.id}'.",
                        )
                    )
                return solution
        return None

    def solution_of(self, entity_id: str) -> TaxSolution | None:
        """The solution an already-posted transaction of ``entity_id`` uses (no checks)."""
        for solution in self.store.tax_solutions.values():
            if entity_id and entity_id in solution.entity_ids:
                return solution
        return None

    def taxes(
        self,
        solution: TaxSolution | None,
        base: Decimal,
        entries: list[tuple[str, str]],
        line_no: int,
    ) -> tuple[TaxEntry, ...]:
        """Resolve ``(detailid, trx_tax)`` pairs; VAT lines must carry at least one."""
        if solution is None:
            if entries:
                self.add(
                    messages.business(
                        f"Line {line_no}: tax entries are not allowed without a tax solution."
                    )
                )
            return ()
        if not entries:
            self.add(
                messages.business(
                    f"Line {line_no}: tax entries are required on VAT-enabled transactions.",
                    "Add taxentries with an active tax detail.",
                )
            )
            return ()
        resolved = []
        for detail_id, override in entries:
            if not self._active(self.store.tax_details, detail_id, "Tax Detail"):
                continue
            detail = self.store.tax_details[detail_id]
            if detail.tax_solution_id != solution.id:
                self.add(messages.invalid_reference("Tax Detail", detail_id))
                continue
            amount = Decimal(override) if override else base * detail.rate / Decimal(100)
            resolved.append(TaxEntry(detail_id, money(amount)))
        return tuple(resolved)
