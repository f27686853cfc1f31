"""Exactly once under faults: whatever the network does, repeated syncs end with each issued
OfficeRnD document posted once in Intacct, with its totals, and each customer created once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import CliResult
from tests.sync_faults.harness import (
    EXPECTED_EXITS,
    IntacctTruth,
    count_fired_faults,
    faulty_sandbox,
    intacct_truth,
    set_faults,
)

pytestmark = pytest.mark.loopback

FAULTY_RUNS = 3
CLEAN_RUNS = 3

FAULTS = [
    # (fault, rate): every Intacct fault at a high rate, OfficeRnD read faults likewise.
    ("intacct.lost-response", 0.5),
    ("intacct.http-524", 0.5),
    ("intacct.http-5xx", 0.4),
    ("intacct.rate-limit", 0.3),
    ("intacct.session-expired", 0.4),
    ("officernd.http-5xx", 0.4),
    ("officernd.rate-limit", 0.3),
]


def assert_converged(
    truth: IntacctTruth, reference: tuple[IntacctTruth, dict[tuple[str, str], object]]
) -> None:
    expected, officernd = reference
    assert truth.duplicates() == {}, "a document was posted twice"
    assert truth.documents.keys() == expected.documents.keys(), "missing or extra documents"
    assert truth.totals == expected.totals
    assert truth.customers == expected.customers, "customers missing or created twice"
    # The reference itself is the OfficeRnD truth: every issued document, its total to the cent.
    for key, total in expected.totals.items():
        assert officernd[key] == total, key


def test_the_reference_run_posts_every_issued_document_with_its_total(
    reference: tuple[IntacctTruth, dict[tuple[str, str], object]],
) -> None:
    expected, officernd = reference
    assert expected.duplicates() == {}
    # Every issued invoice and credit note of the seeded world maps (the gaps are filled).
    assert set(expected.documents) == set(officernd)


@pytest.mark.parametrize(("fault", "rate"), FAULTS, ids=[name for name, _ in FAULTS])
def test_repeated_syncs_converge_to_exactly_once_under_faults(
    fault: str,
    rate: float,
    run_cli: Callable[..., CliResult],
    reference: tuple[IntacctTruth, dict[tuple[str, str], object]],
) -> None:
    with faulty_sandbox({fault: rate}, fault_seed=len(fault)) as sandbox:
        fired = count_fired_faults(sandbox)
        for _ in range(FAULTY_RUNS):
            result = run_cli("--profile", "demo", "sync")
            assert result.exit_code in EXPECTED_EXITS, result.stderr
            assert intacct_truth(sandbox).duplicates() == {}
        assert fired[fault] > 0, "the fault never fired: the test would prove nothing"
        set_faults(sandbox, {fault: 0.0})
        for _ in range(CLEAN_RUNS):
            result = run_cli("--profile", "demo", "sync")
            assert result.exit_code in EXPECTED_EXITS, result.stderr
            if result.exit_code != 75:
                break
        assert result.exit_code in (0, 1), result.stderr
        assert_converged(intacct_truth(sandbox), reference)
