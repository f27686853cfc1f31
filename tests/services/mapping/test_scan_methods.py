"""`map init` drafts a method for Intacct's "Printed Check" when OfficeRnD lists one, even
if no charge of the scanned window used it: cheques keyed in Intacct need it to come back."""

from __future__ import annotations

from orsync.services.mapping.scan import _payment_methods


class ListedMethods:
    """The one OfficeRnD call `_payment_methods` may make: the methods OfficeRnD lists."""

    def __init__(self, *listed: str) -> None:
        self.listed = listed
        self.calls = 0

    def payment_methods(self) -> tuple[str, ...]:
        self.calls += 1
        return self.listed


def _names(client: ListedMethods, used: set[str]) -> set[str]:
    found = _payment_methods(client, frozenset(used), new=False)  # type: ignore[arg-type]
    return {value.name or "" for value in found}


def test_a_listed_cheque_method_is_added_when_no_charge_used_one() -> None:
    client = ListedMethods("Credit Card", "Bank Transfer", "Check", "Voucher")
    assert _names(client, {"Credit Card"}) == {"Credit Card", "Check"}


def test_a_cheque_method_in_use_needs_no_look_at_the_list() -> None:
    client = ListedMethods("Credit Card", "Check")
    assert _names(client, {"Credit Card", "Cheque"}) == {"Credit Card", "Cheque"}
    assert client.calls == 0


def test_no_listed_cheque_method_adds_nothing() -> None:
    client = ListedMethods("Credit Card", "Bank Transfer")
    assert _names(client, {"Credit Card"}) == {"Credit Card"}
