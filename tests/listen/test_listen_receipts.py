"""`orsync listen` polls Intacct: a cheque keyed there reaches OfficeRnD through the poll alone,
and its reversal takes the charge away again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.listen.conftest import Live, wait_for
from tests.sync.test_payments import an_open_invoice, key_in_intacct
from tests.sync.test_receipts_back import reverse_in_intacct
from tests.sync.worlds import write_mapping

pytestmark = pytest.mark.loopback


def charges_from_intacct(live: Live, invoice_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in live.sandbox.officernd.records("charges", payment=invoice_id)
        if str(c.get("reference") or "").startswith("intacct:")
    ]


def test_a_cheque_keyed_in_intacct_reaches_officernd_through_listens_poll_alone(
    live: Live,
) -> None:
    assert live.profile.sync.mapping is not None
    write_mapping(live.sandbox, Path(live.profile.sync.mapping), payments=True)
    invoice = an_open_invoice(live.sandbox)
    from orsync.services.listen import Listener, ListenOptions, WorkerSettings

    settings = WorkerSettings(catch_up_interval=3600, poll_interval=1)
    options = ListenOptions(port=live.port, worker=settings)
    with Listener({live.name: live.profile}, options).start() as listener:

        def polls() -> int:
            return int(listener.health.to_dict()["profiles"][0]["last_poll_at"] is not None)

        wait_for(polls, "the first poll (it starts the Intacct cursor)")
        recordno = key_in_intacct(live.sandbox, invoice["number"], Decimal(str(invoice["total"])))
        [charge] = wait_for(
            lambda: charges_from_intacct(live, invoice["_id"]), "the cheque in OfficeRnD"
        )
        assert charge["reference"] == f"intacct:{recordno}"
        assert live.sandbox.officernd.record("payments", invoice["_id"])["status"] == "paid"

        reverse_in_intacct(live.sandbox, recordno)
        wait_for(lambda: not charges_from_intacct(live, invoice["_id"]), "the charge removed")
    assert charges_from_intacct(live, invoice["_id"]) == []
