"""A month in the life: cron runs `orsync sync` several times a day while the coworking
operator's month happens in OfficeRnD between (and during) the runs, with the simulators' clock
moving on. After every run the invariants of exactly-once hold, checked against what the
simulators hold, never against orsync's own ledger or output:

- no OfficeRnD document is live twice in Intacct;
- every issued, mapped document is in Intacct with its current total; voided ones are reversed;
- renamed companies carry their new name in Intacct;
- a run right after a run sends Intacct no write at all;
- at the end `reconcile --dry-run` finds both sides in agreement.

Some runs meet Intacct faults (lost answers, 5xx, expired sessions); the next clean run must
leave the same invariants true.

The month runs in each configuration orsync supports: AR or Order Entry (sales) documents, at
the top level or inside each location's entity, numbered by OfficeRnD or by Intacct. Where the
API cannot reverse a void (Order Entry), the run names it as a conflict, finance reverses it by
hand as the fix says, and `sync --retry-failed` leaves the invariants true.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import CliRunner
from tests.reconcile.helpers import settle_seed_conflicts, stated_close
from tests.sync.conftest import Configure

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback

READ_FUNCTIONS = {
    "query",
    "readByQuery",
    "readMore",
    "read",
    "getAPISession",
    "lookup",
    "get_closedbooksdate",
}
SYNCED_TYPES = {"invoice": "invoice", "creditNote": "credit_note"}
# Exit codes a run may end with while faults fire (69: a request met a server error on every
# attempt). 70, a bug, never.
FAULTY_EXITS = {0, 1, 69, 75}


class SimClock:
    """One clock for both simulators and orsync's state: real time plus an offset the test
    moves forward (a night, a weekend), and that it can hold still (changes within one tick)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)
        self.frozen: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        if self.frozen is not None:
            return self.frozen
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, delta: dt.timedelta) -> None:
        self.offset += delta

    @contextmanager
    def held(self) -> Iterator[None]:
        """Every change made inside stamps the same instant (same millisecond, same second)."""
        self.frozen = self()
        try:
            yield
        finally:
            self.frozen = None


@dataclass
class Month:
    sandbox: RunningSandbox
    run_cli: CliRunner
    clock: SimClock
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    options: dict[str, str] = field(default_factory=dict)  # the mapping's options
    renamed: dict[str, str] = field(default_factory=dict)  # company id -> its new name
    posted_once: set[str] = field(default_factory=set)  # numbers Intacct has seen live
    reversed_by_hand: list[str] = field(default_factory=list)  # void conflicts finance fixed
    runs: int = 0

    @property
    def reverses_voids(self) -> bool:
        """Whether a void reaches Intacct by itself: the API reverses AR invoices and deletes
        an unpaid Order Entry document (``delete_sotransaction``) while its period is open;
        the hand fix remains for what it cannot take (a closed period)."""
        return True

    # -- the operator's side ---------------------------------------------------------------

    @property
    def officernd(self) -> Any:
        return self.sandbox.officernd

    def documents(self, **equals: Any) -> list[dict[str, Any]]:
        return [
            d
            for d in self.officernd.records("payments", **equals)
            if d["documentType"] in SYNCED_TYPES
        ]

    def template(self) -> dict[str, Any]:
        """An issued document billed to a company: where new ones take their codes from."""
        candidates = [
            d
            for d in self.documents(documentType="invoice")
            if d["company"] is not None and d["status"] not in ("draft", "voided")
        ]
        return self.rng.choice(candidates)

    def lines_like(self, template: dict[str, Any], *prices: str) -> list[dict[str, Any]]:
        source = template["lines"][0]
        return [
            {
                "description": f"Hot desk day pass #{self.rng.randrange(1000)}",
                "quantity": 1,
                "unitPrice": float(price),
                "account": source["account"],
                "taxRate": source["taxRate"],
                "taxPercent": source["taxPercent"],
                "location": source["location"],
            }
            for price in prices
        ]

    def issue(
        self, *prices: str, company: str | None = None, document_type: str = "invoice"
    ) -> dict[str, Any]:
        template = self.template()
        created: dict[str, Any] = self.officernd.create_invoice(
            company=company or template["company"],
            location=template["location"],
            lines=self.lines_like(template, *prices or ("120.00",)),
            currency=template["currency"],
            document_type=document_type,
        )
        return created

    def new_company(self, name: str, customer_number: int) -> dict[str, Any]:
        template = self.officernd.records("companies")[0]
        record = {
            key: value
            for key, value in template.items()
            if key not in ("_id", "createdAt", "createdBy", "modifiedAt", "modifiedBy")
        }
        record.update(
            name=name,
            status="active",
            properties={"Customer Number": customer_number},
            billingDetails={**template["billingDetails"], "billingName": name},
        )
        created: dict[str, Any] = self.officernd.create_record("companies", record)
        return created

    def rename(self, company_id: str, name: str, *, billing_name: bool = True) -> None:
        """A new company name; with ``billing_name`` its invoices carry it too (the billing
        name is what Intacct's customer is called)."""
        changes: dict[str, Any] = {"name": name}
        if billing_name:
            billing = self.officernd.record("companies", company_id)["billingDetails"]
            changes["billingDetails"] = {**billing, "billingName": name}
        self.officernd.update_record("companies", company_id, **changes)
        self.renamed[company_id] = name

    def reprice(self, document: dict[str, Any], *prices: str) -> None:
        """New prices for the first lines (more prices add lines; Intacct keeps every line a
        posted document has, so an edit never drops one)."""
        current = self.officernd.record("payments", document["_id"])
        lines = [
            {
                key: line[key]
                for key in (
                    "description",
                    "quantity",
                    "unitPrice",
                    "account",
                    "taxRate",
                    "taxPercent",
                    "location",
                )
            }
            for line in current["lines"]
        ]
        added = self.lines_like(current, *prices[len(lines) :]) if len(prices) > len(lines) else []
        for line, price in zip(lines, prices, strict=False):
            line["unitPrice"] = float(price)
        self.officernd.edit_invoice(document["_id"], lines=lines + added)

    # -- cron's side -----------------------------------------------------------------------

    def sync(self, *options: str, allowed: set[int] | None = None) -> dict[str, Any]:
        self.runs += 1
        result = self.run_cli("--json", "sync", *options)
        summary: dict[str, Any] = json.loads(result.stdout) if result.stdout else {}
        assert result.exit_code in (allowed or {0}), (
            f"run {self.runs} ended {result.exit_code}: {summary.get('problems')} {result.stderr}"
        )
        return summary

    def clean_run(self) -> dict[str, Any]:
        """A run without faults, then every invariant, then a run right after it. Where voids
        do not reach Intacct by themselves, the run names each live one as a conflict, finance
        reverses it by hand as the fix says, and the next run is the clean one."""
        summary = self.sync(allowed={0} if self.reverses_voids else {0, 1})
        if summary["problems"] and not self.reverses_voids:
            self.reverse_voids_by_hand(summary["problems"])
            summary = self.sync("--retry-failed")  # README: after a fix made in Intacct only
        assert summary["problems"] == [], summary["problems"]
        self.check()
        self.sandbox.intacct.reset_stats()
        again = self.sync()
        writes = {
            f: n
            for f, n in self.sandbox.intacct.stats.by_function.items()
            if f not in READ_FUNCTIONS
        }
        assert writes == {}, f"run {self.runs} right after a run wrote {writes}"
        for stage in ("customers", "invoices", "credit_notes"):
            counts = again["counts"][stage]
            assert counts["created"] == counts["updated"] == counts.get("reversed", 0) == 0
        return summary

    def reverse_voids_by_hand(self, problems: list[dict[str, Any]]) -> None:
        """What finance does for an Order Entry document voided in OfficeRnD, as the conflict
        says. Any other problem fails the run."""
        voided = {str(d["number"]) for d in self.documents(status="voided")}
        for problem in problems:
            assert problem["status"] == "conflict" and problem["number"] in voided, problem
            assert "cannot reverse" in problem["message"], problem
            assert "--retry-failed" in problem["fix"], problem
            self.reverse_by_hand(problem["number"])
            self.reversed_by_hand.append(problem["number"])

    def reverse_by_hand(self, number: str) -> None:
        """Finance reverses the document in Intacct's UI (an Order Entry one is closed, and the
        AR record it posted reversed)."""
        from orsync.sandbox.intacct.invoices import record_reversal
        from orsync.sandbox.intacct.records import ZERO

        store = self.sandbox.intacct.store
        now = self.clock()
        with store.lock:
            if self.options.get("invoice_type", "ar") == "ar":
                [posted] = [
                    d
                    for d in store.ar_table
                    if d.module_key == "4.AR" and d.doc_number == number and d.reversed_by is None
                ]
            else:
                [document] = [
                    d for d in store.so_table if d.reference_no == number and d.state != "Closed"
                ]
                store.put(
                    store.so_table,
                    dataclasses.replace(document, state="Closed", when_modified=now),
                    None,
                )
                found = store.ar_table.get(document.pr_record_key)
                assert found is not None
                posted = found
            assert posted.total_paid == ZERO
            record_reversal(store, posted, now.date(), now, f"Reversal of {posted.record_id}")

    # -- the invariants --------------------------------------------------------------------

    def check_no_duplicates(self) -> None:
        from orsync.services.demo import posted_documents

        live = Counter((d.kind, d.number) for d in posted_documents(self.sandbox.intacct) if d.live)
        twice = {key: n for key, n in live.items() if n > 1}
        assert twice == {}, f"run {self.runs}: posted more than once: {twice}"

    def check(self) -> None:
        from orsync.services.demo import posted_documents

        self.check_no_duplicates()
        posted = posted_documents(self.sandbox.intacct)
        live = {(d.kind, d.number): d for d in posted if d.live}
        ever = {(d.kind, d.number) for d in posted}
        wanted: dict[tuple[str, str], Decimal] = {}
        voided: set[tuple[str, str]] = set()
        # Intacct numbering writes Intacct's number into OfficeRnD: the document is the one
        # posted under the number it was sent under (the Intacct reference).
        sent_as = {d.intacct_id: d.number for d in posted if d.intacct_id}
        for document in self.documents():
            number = str(document["number"])
            if (document.get("accounting") or {}).get("provider") == "orsync":
                number = sent_as.get(number, number)
            key = (SYNCED_TYPES[document["documentType"]], number)
            if document["status"] == "voided":
                voided.add(key)
            elif document["status"] != "draft":
                sign = -1 if key[0] == "credit_note" else 1
                wanted[key] = sign * Decimal(str(document["total"])).quantize(Decimal("0.01"))
        missing = sorted(set(wanted) - set(live))
        assert missing == [], f"run {self.runs}: issued but not in Intacct: {missing}"
        wrong = {
            key: (live[key].total, total)
            for key, total in wanted.items()
            if live[key].total != total
        }
        assert wrong == {}, f"run {self.runs}: Intacct total differs from OfficeRnD: {wrong}"
        still_live = sorted(voided & set(live))
        assert still_live == [], f"run {self.runs}: voided but live in Intacct: {still_live}"
        extra = sorted(set(live) - set(wanted))
        assert extra == [], f"run {self.runs}: live in Intacct, not issued in OfficeRnD: {extra}"
        assert voided & ever <= voided  # a voided one is either never posted or reversed
        store = self.sandbox.intacct.store
        for company_id, name in self.renamed.items():
            company = self.officernd.record("companies", company_id)
            customer_id = f"ORD-{company['properties']['Customer Number']}"
            customer = store.customer(customer_id)
            expected = (company.get("billingDetails") or {}).get("billingName") or name
            if customer is not None:
                assert customer.name == expected, (self.runs, customer_id, customer.name)


@pytest.fixture
def month(
    request: pytest.FixtureRequest,
    sandbox: RunningSandbox,
    mapped_profile: Configure,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    fast_retries: None,
) -> Month:
    """The seeded world (its planted customer conflicts settled, as finance would before
    go-live), mapped, with one clock shared by both simulators and orsync's state."""
    # The seed's close stated as finance would before go-live (one seeded invoice is dated
    # in the closed month): it posts on the first open day.
    options: dict[str, str] = {**stated_close(sandbox), **getattr(request, "param", {})}
    settle_seed_conflicts(sandbox)
    mapped_profile(**options)
    clock = SimClock()
    sandbox.officernd.config.clock = clock
    sandbox.officernd.org.store.clock = clock
    sandbox.intacct.config.clock = clock
    # Every run signs in once; OfficeRnD's 5 tokens a minute would meter cron, not orsync.
    sandbox.officernd._token_limit.per_minute = None
    for module in ("orsync.state._db", "orsync.services.sync.runner", "orsync.services.sync.run"):
        monkeypatch.setattr(f"{module}.utc_now", clock)
    return Month(sandbox, run_cli, clock, options=options)


def during_the_read(sandbox: RunningSandbox, change: Callable[[], None], after: int) -> list[int]:
    """Make ``change`` once, in OfficeRnD, after ``after`` more data requests were answered
    (between the pages of a sync's read); the list returned counts the requests seen."""
    from orsync.sandbox.faults import Latency

    simulator = sandbox.officernd
    seen = [0]
    real_sleep = simulator.config.sleep

    def sleep(seconds: float) -> None:
        seen[0] += 1
        if seen[0] == after:
            change()
            simulator.config.latency = Latency()
            simulator.config.sleep = real_sleep

    simulator.config.latency = Latency(per_request_ms=0.001)
    simulator.config.sleep = sleep
    return seen


CONFIGURATIONS = [
    pytest.param({}, id="ar-top"),
    pytest.param({"invoice_type": "sales"}, id="sales"),
    pytest.param({"entity_level": "subsidiary"}, id="subsidiary"),
    pytest.param({"invoice_type": "sales", "entity_level": "subsidiary"}, id="sales-subsidiary"),
    pytest.param({"numbering": "intacct"}, id="intacct-numbering"),
]


@pytest.mark.parametrize("month", CONFIGURATIONS, indirect=True)
def test_a_month_of_cron_runs_keeps_intacct_exactly_in_step_with_officernd(
    month: Month,
) -> None:
    sandbox, clock = month.sandbox, month.clock
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)

    # Day 1, go-live: the history goes over once.
    month.clean_run()

    # Day 2: the monthly invoice run, a correction before anyone paid, a payment.
    clock.advance(day)
    fresh = [month.issue("450.00", "35.50") for _ in range(4)]
    month.clean_run()
    clock.advance(3 * hour)
    month.reprice(fresh[0], "430.00")
    month.officernd.add_charge(fresh[1]["_id"], Decimal(str(fresh[1]["total"])))
    month.clean_run()

    # Day 3: a void, a credit note allocated to an invoice, a new member company.
    clock.advance(day)
    month.officernd.void_invoice(fresh[2]["_id"])
    credit = month.issue("50.00", company=fresh[3]["company"], document_type="creditNote")
    month.officernd.allocate(credit["_id"], fresh[3]["_id"], "50.00")
    newcomer = month.new_company("Zebra Loft Collective", 1900)
    month.issue("300.00", company=newcomer["_id"])
    month.clean_run()

    # Day 4: the newcomer is renamed, and bills again; an old company is renamed too.
    clock.advance(day)
    month.rename(newcomer["_id"], "Zebra Loft Collective Ltd")
    month.issue("310.00", company=newcomer["_id"])
    veteran = next(
        c for c in month.officernd.records("companies") if c["properties"].get("Customer Number")
    )
    month.rename(veteran["_id"], veteran["name"] + " Holdings", billing_name=False)
    month.issue("80.00", company=veteran["_id"])
    month.clean_run()

    # Day 5: several changes to one invoice within one tick, issued and edited in one breath.
    clock.advance(day)
    with clock.held():
        burst = month.issue("99.00")
        month.reprice(burst, "98.00")
        month.reprice(burst, "97.00", "3.00")
        month.reprice(fresh[0], "425.00")
        month.reprice(fresh[0], "420.00")
    month.clean_run()
    with clock.held():  # and again right after a run, within the same second as each other
        month.reprice(burst, "96.00")
        month.reprice(burst, "95.00")
    month.clean_run()

    # Day 6: a change made while the sync is reading.
    clock.advance(day)
    early = month.issue("210.00")
    month.issue("220.00")
    month.issue("230.00")
    seen = during_the_read(sandbox, lambda: month.reprice(early, "205.00"), after=3)
    month.clean_run()
    assert seen[0] >= 3, "the change during the read never happened"
    late = month.issue("240.00")
    seen = during_the_read(sandbox, lambda: month.officernd.void_invoice(late["_id"]), after=2)
    month.clean_run()
    assert seen[0] >= 2, "the change during the read never happened"
    # A draft prepared today, issued tomorrow.
    draft = month.officernd.create_invoice(
        company=early["company"],
        location=early["location"],
        lines=month.lines_like(early, "55.00"),
        currency=early["currency"],
        status="draft",
    )
    month.clean_run()
    clock.advance(day)
    month.officernd.edit_invoice(draft["_id"], status="awaiting_payment")
    month.clean_run()

    # Day 7: documents that show up late: one created a minute before the last run's read
    # (createdAt and modifiedAt in the past, as a slow index shows them), one backdated.
    clock.advance(day)
    month.clean_run()
    clock.advance(-dt.timedelta(minutes=1))
    month.issue("60.00")
    clock.advance(dt.timedelta(minutes=1))
    backdated = month.issue("70.00")
    stored = sandbox.officernd.org.store["payments"].get(backdated["_id"])
    stored["createdAt"] = "2025-01-15T09:00:00.000Z"
    sandbox.officernd.org.store["payments"].changed(backdated["_id"])
    month.clean_run()

    # Days 8-20: faults on some runs, a clean run after each.
    faults = [
        ("lost-response", 0.4),
        ("http-5xx", 0.3),
        ("session-expired", 0.4),
        ("http-524", 0.4),
    ]
    for number, (fault, rate) in enumerate(faults):
        clock.advance(day)
        work = [month.issue(f"{100 + number}.00") for _ in range(3)]
        month.reprice(month.rng.choice(fresh[:2] + work[:1]), f"{500 + number}.00")
        month.officernd.void_invoice(work[2]["_id"])
        month.issue("20.00", company=work[0]["company"], document_type="creditNote")
        sandbox.intacct.set_fault_rate(fault, rate)
        month.sync(allowed=FAULTY_EXITS)
        month.check_no_duplicates()
        assert sandbox.intacct.stats.faults[fault] > 0, f"{fault} never fired"
        sandbox.intacct.set_fault_rate(fault, 0.0)
        # Before the next run, the operator voids one of the documents whose write may have
        # lost its answer.
        month.officernd.void_invoice(work[1]["_id"])
        clock.advance(2 * hour)
        month.clean_run()

    # A weekend passes; month end.
    clock.advance(2 * day)
    month.clean_run()
    until = clock().date().isoformat()
    result = month.run_cli(
        "--json", "reconcile", "--dry-run", "--from", "2025-01-01", "--to", until
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    document = json.loads(result.stdout)
    assert document["agree"] is True, document["findings"]
    assert document["findings"] == []
    assert month.reverses_voids or month.reversed_by_hand, "no void met the manual fix"


def on_intacct_write(sandbox: RunningSandbox, marker: str, change: Callable[[], None]) -> None:
    """Make ``change`` once, just before Intacct runs the first request that mentions
    ``marker`` (the write of that document: it was read from OfficeRnD before)."""
    simulator = sandbox.intacct
    real_handle = simulator.handle

    def handle(body: bytes, endpoint: str) -> Any:
        if marker.encode() in body:
            simulator.handle = real_handle  # type: ignore[method-assign]
            change()
        return real_handle(body, endpoint)

    simulator.handle = handle  # type: ignore[method-assign]


def test_an_edit_made_after_the_read_of_a_long_run_is_posted_by_the_next_run(
    month: Month,
) -> None:
    """A big run takes more than the few minutes of the cursor overlap between reading a
    document and confirming its write. An edit the operator made in between must still reach
    Intacct on the next run, however long after the edit the write was confirmed."""
    month.clean_run()
    month.clock.advance(dt.timedelta(days=1))
    invoice = month.issue("150.00")

    def edit_then_much_later() -> None:
        month.reprice(invoice, "175.00")
        month.clock.advance(dt.timedelta(minutes=20))  # the rest of a long run

    on_intacct_write(month.sandbox, str(invoice["number"]), edit_then_much_later)
    month.sync()
    month.clock.advance(dt.timedelta(hours=1))
    month.clean_run()


def test_an_edit_made_while_a_write_was_unconfirmed_reaches_intacct(month: Month) -> None:
    """Intacct took the write but its answer was lost; the operator then edited the document,
    and the next run came well after the edit. Settling the lost write by lookup must not pass
    the edit off as what Intacct already holds."""
    month.clean_run()
    month.clock.advance(dt.timedelta(days=1))
    invoice = month.issue("150.00")
    simulator = month.sandbox.intacct
    real_handle = simulator.handle
    marker = str(invoice["number"]).encode()

    def lose_every_answer_about_it(body: bytes, endpoint: str) -> Any:
        if marker not in body:
            return real_handle(body, endpoint)
        simulator.set_fault_rate("lost-response", 1.0)  # it runs and commits, then no answer
        try:
            return real_handle(body, endpoint)
        finally:
            simulator.set_fault_rate("lost-response", 0.0)

    simulator.handle = lose_every_answer_about_it  # type: ignore[method-assign]
    month.sync(allowed=FAULTY_EXITS - {0})
    simulator.handle = real_handle  # type: ignore[method-assign]
    taken = simulator.store.invoice_by_number(str(invoice["number"]))
    assert taken is not None  # Intacct ran the write whose answer never came back
    month.check_no_duplicates()
    month.reprice(invoice, "175.00")
    month.clock.advance(dt.timedelta(minutes=30))
    month.clean_run()


@pytest.mark.parametrize("month", CONFIGURATIONS[:2], indirect=True)
def test_a_void_also_reversed_by_hand_in_intacct_is_in_step_not_a_conflict(month: Month) -> None:
    """Voided in OfficeRnD and reversed by hand in Intacct (finance went first, or followed
    the fix of an Order Entry void): both sides agree, and sync records it so."""
    month.clean_run()
    month.clock.advance(dt.timedelta(days=1))
    invoice = month.issue("150.00")
    month.clean_run()
    month.officernd.void_invoice(invoice["_id"])
    month.reverse_by_hand(str(invoice["number"]))
    month.clock.advance(dt.timedelta(hours=1))
    summary = month.clean_run()
    assert summary["counts"]["invoices"].get("adopted") == 1
