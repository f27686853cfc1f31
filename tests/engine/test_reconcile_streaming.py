"""The streaming comparison: a pair is compared when its second side arrives and then dropped,
with the same verdicts, totals, relinks and balances as comparing everything at the end."""

import dataclasses
from decimal import Decimal

from orsync.engine.canonical import version_hash
from orsync.engine.reconcile import Reconciler, reconcile

from .factories import invoice, line
from .test_reconcile import AR, built, clean_world, in_intacct

Event = tuple[str, object]


def stream(events: list[Event], links: dict | None = None) -> tuple[Reconciler, object]:  # type: ignore[type-arg]
    reconciler = Reconciler(AR)
    for side, item in events:
        if side == "expected":
            doc, posting = item  # type: ignore[misc]
            reconciler.add_expected(doc, posting)
        else:
            reconciler.add_actual(item)  # type: ignore[arg-type]
    return reconciler, reconciler.report(links)


def a_month() -> tuple[list[Event], dict]:  # type: ignore[type-arg]
    """A clean pair, one whose amount differs in Intacct, one missing, one orphan."""
    _, expected, actual, links = clean_world()
    changed = built(invoice("INV-3", line("70.00", "14.00")))
    extra = invoice("INV-3", line("80.00", "16.00"))
    missing = invoice("INV-4")
    orphan = in_intacct(built(invoice("INV-9")), "R9", description="orsync: INV-9")
    events: list[Event] = [("expected", pair) for pair in expected]
    events += [("actual", doc) for doc in actual]
    events += [
        ("expected", (extra, built(extra))),
        ("actual", in_intacct(changed, "R3")),
        ("expected", (missing, built(missing))),
        ("actual", orphan),
    ]
    return events, links


def test_pairs_arriving_in_either_order_give_the_one_shot_report() -> None:
    events, links = a_month()
    expected = [e[1] for e in events if e[0] == "expected"]
    actual = [e[1] for e in events if e[0] == "actual"]
    whole = reconcile(expected, actual, AR, ledger_links=links).to_dict()  # type: ignore[arg-type]
    orders = [
        events,
        [e for e in events if e[0] == "actual"] + [e for e in events if e[0] == "expected"],
        events[::-1],
    ]
    for order in orders:
        reconciler, report = stream(order, links)
        assert report.to_dict() == whole  # type: ignore[attr-defined]
        assert [f.category for f in report.findings] == ["missing", "different", "orphan"]  # type: ignore[attr-defined]
        # Only the unmatched documents are still held whole: INV-4 and the orphan.
        assert reconciler.waiting == (1, 1)


def test_a_matched_pair_keeps_its_relink_and_version_once_its_documents_are_dropped() -> None:
    doc = invoice("INV-1")
    posting = built(doc)
    reconciler, report = stream(
        [("actual", in_intacct(posting, "R1")), ("expected", (doc, posting))]
    )
    assert reconciler.waiting == (0, 0)
    (relink,) = report.relinks  # type: ignore[attr-defined]
    assert (relink.source_id, relink.target_key, relink.ledger_link) == (doc.id, "R1", None)
    assert relink.version_hash == version_hash(posting)
    # With the ledger's link in step there is nothing to relink; a stale one is reported.
    assert not reconciler.report({("invoice", doc.id): "R1"}).relinks
    stale = reconciler.report({("invoice", doc.id): "R0"}).relinks[0]
    assert (stale.target_key, stale.ledger_link) == ("R1", "R0")


def test_a_duplicate_arriving_after_its_pair_was_matched_is_still_a_duplicate() -> None:
    doc = invoice("INV-1")
    posting = built(doc)
    first = in_intacct(posting, "R1")
    second = in_intacct(posting, "R2", state="paid", total_paid=posting.total)
    events: list[Event] = [("expected", (doc, posting)), ("actual", first), ("actual", second)]
    _, report = stream(events)
    whole = reconcile([(doc, posting)], [first, second], AR)
    assert report.to_dict() == whole.to_dict()  # type: ignore[attr-defined]
    (finding,) = report.findings  # type: ignore[attr-defined]
    assert finding.category == "duplicated" and finding.target_keys == ("R1", "R2")
    assert "keep R2" in finding.fix.text  # the paid one, known from the matched pair's flags
    # The same document read twice (a follow-up) is neither a duplicate nor a change.
    again = Reconciler(AR)
    again.add_expected(doc, posting)
    again.add_actual(first)
    again.add_actual(first)
    assert again.report().agree and again.waiting == (0, 0)


def test_a_reversed_copy_arriving_after_the_match_is_only_listed_beside_it() -> None:
    doc = invoice("INV-1")
    posting = built(doc)
    changed = in_intacct(built(invoice("INV-1", line("99.00", "19.80"))), "R1")
    reversed_copy = in_intacct(posting, "R0", state="reversed")
    events: list[Event] = [("expected", (doc, posting)), ("actual", changed)]
    reconciler, report = stream([*events, ("actual", reversed_copy)])
    whole = reconcile([(doc, posting)], [changed, reversed_copy], AR)
    assert report.to_dict() == whole.to_dict()  # type: ignore[attr-defined]
    (finding,) = report.findings  # type: ignore[attr-defined]
    assert finding.category == "different" and finding.target_keys == ("R1", "R0")
    assert reconciler.waiting == (0, 0)


def test_a_second_officernd_document_with_a_matched_number_makes_it_ambiguous() -> None:
    doc = invoice("INV-1")
    namesake = dataclasses.replace(invoice("INV-1"), id="inv-other")
    posting = built(doc)
    events: list[Event] = [
        ("expected", (doc, posting)),
        ("actual", in_intacct(posting, "R1")),
        ("expected", (namesake, built(namesake))),
    ]
    _, report = stream(events)
    (finding,) = report.findings  # type: ignore[attr-defined]
    assert finding.category == "ambiguous" and finding.target_keys == ("R1",)
    assert finding.source_id == ",".join(sorted([doc.id, "inv-other"]))
    assert not report.relinks  # type: ignore[attr-defined]


def test_what_is_unmatched_on_either_side_at_the_end_is_missing_or_orphaned() -> None:
    doc = invoice("INV-1")
    orphan = in_intacct(built(invoice("INV-2")), "R2", description="orsync: INV-2")
    reconciler, report = stream([("expected", (doc, built(doc))), ("actual", orphan)])
    follow = reconciler.follow_ups()
    assert (follow.find_in_intacct, follow.find_in_officernd) == (("INV-1",), ("INV-2",))
    assert [(f.category, f.number) for f in report.findings] == [  # type: ignore[attr-defined]
        ("missing", "INV-1"),
        ("orphan", "INV-2"),
    ]
    assert reconciler.unclaimed() == [("invoice", "R2")]
    assert reconciler.waiting == (1, 1)


def test_totals_are_summed_as_documents_arrive_in_any_order() -> None:
    events, links = a_month()
    totals = {stream(order, links)[1].totals for order in (events, events[::-1])}  # type: ignore[attr-defined]
    assert len(totals) == 1
    expected = [e[1] for e in events if e[0] == "expected"]
    actual = [e[1] for e in events if e[0] == "actual"]
    assert totals == {reconcile(expected, actual, AR).totals}  # type: ignore[arg-type]


def test_balances_are_compared_when_the_pair_matches() -> None:
    paid_doc, open_doc = invoice("INV-1"), invoice("INV-2")
    paid_posting, open_posting = built(paid_doc), built(open_doc)
    reconciler = Reconciler(AR)
    reconciler.add_actual(in_intacct(paid_posting, "R1", total_due=paid_posting.total))
    reconciler.add_expected(paid_doc, paid_posting, paid=paid_posting.total)
    reconciler.add_expected(open_doc, open_posting, paid=Decimal(0))
    reconciler.add_actual(in_intacct(open_posting, "R2", total_due=open_posting.total))
    balances = reconciler.balances()
    assert balances.compared == 2
    (differs,) = balances.differing
    assert (differs.number, differs.intacct_key) == ("INV-1", "R1")
    assert differs.officernd_paid == paid_posting.total and differs.intacct_paid == 0
    assert dict(balances.entity_of) == {"R1": paid_posting.entity_id}
    assert reconciler.waiting == (0, 0)
