"""A malformed OfficeRnD document fails on its own, naming its id, and the run goes on with
the others; a document a misbehaving server sends twice in one read is planned once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from orsync.officernd import PaymentDocument
from orsync.services.sync.reading import ReadMark, documents
from tests.conftest import CliRunner
from tests.sync.conftest import Configure, mapped_profile
from tests.sync.worlds import issued

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

__all__ = ["mapped_profile"]  # the fixture, used by name


@pytest.mark.loopback
def test_a_document_with_lines_as_text_fails_alone_and_the_rest_is_posted(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    profile = mapped_profile()
    invoices = issued(sandbox)
    broken = invoices[0]
    sandbox.officernd.update_record("payments", broken["_id"], lines="not a list of lines")

    result = run_cli("--json", "sync")

    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "bug in orsync" not in result.stderr
    summary = json.loads(result.stdout)
    (problem,) = [p for p in summary["problems"] if p["number"] == broken["number"]]
    assert broken["_id"] in problem["message"] and "cannot read" in problem["message"]
    posted = {doc.doc_number for doc in sandbox.intacct.store.invoices()}
    assert broken["number"] not in posted
    assert len(posted & {doc["number"] for doc in invoices}) > len(invoices) // 2

    status = run_cli("--profile", profile, "status")
    assert broken["number"] in status.stdout


class _Repeating:
    """A client whose windowed read sends every document twice (overlapping windows)."""

    def __init__(self, records: list[PaymentDocument]) -> None:
        self.records = records

    def read_windowed(self, *args: Any, **kwargs: Any) -> Iterator[PaymentDocument]:
        yield from self.records
        yield from self.records


def test_a_document_sent_twice_in_one_read_is_planned_once() -> None:
    records = [
        PaymentDocument.model_validate({"_id": f"{n:024x}", "documentType": "invoice"})
        for n in range(3)
    ]
    mark = ReadMark(read_from=None, started_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    chunks = list(documents(_Repeating(records), "invoices", mark))  # type: ignore[arg-type]
    assert [r.id for chunk in chunks for r in chunk] == [r.id for r in records]
    assert mark.count == 3


@pytest.mark.loopback
def test_a_posted_document_read_malformed_once_is_in_step_again_once_read_as_posted(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    """A broken answer (a proxy, a glitch) made a posted invoice fail; read again as Intacct
    holds it, it is confirmed again, not left failed (exit 1, listed) on every later run."""
    profile = mapped_profile()
    invoices = issued(sandbox)
    target = invoices[0]
    assert run_cli("--profile", profile, "sync").exit_code in (0, 1)
    before = json.loads(run_cli("--profile", profile, "--json", "sync").stdout)["failed_left"]
    lines = sandbox.officernd.record("payments", target["_id"])["lines"]
    sandbox.officernd.update_record("payments", target["_id"], lines="not a list of lines")
    broken = json.loads(run_cli("--profile", profile, "--json", "sync").stdout)
    assert broken["failed_left"] == before + 1
    sandbox.officernd.update_record("payments", target["_id"], lines=lines)

    again = json.loads(run_cli("--profile", profile, "--json", "sync").stdout)

    assert again["counts"]["invoices"]["unchanged"] >= 1
    assert again["failed_left"] == before
    assert target["number"] not in run_cli("--profile", profile, "status").stdout


@pytest.mark.loopback
def test_a_company_in_a_shape_orsync_cannot_read_fails_alone_with_its_documents(
    sandbox: RunningSandbox, mapped_profile: Configure, run_cli: CliRunner
) -> None:
    mapped_profile()
    invoices = issued(sandbox)
    company = next(doc["company"] for doc in invoices if doc.get("company"))
    sandbox.officernd.update_record("companies", company, email=["not", "an", "address"])

    result = run_cli("--json", "sync")

    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "bug in orsync" not in result.stderr
    summary = json.loads(result.stdout)
    assert any(
        company in p["message"] and "cannot read" in p["message"] for p in summary["problems"]
    )
    billed = {doc["number"] for doc in invoices if doc.get("company") == company}
    others = {doc["number"] for doc in invoices} - billed
    posted = {doc.doc_number for doc in sandbox.intacct.store.invoices()}
    assert not posted & billed  # its documents wait with it
    assert len(posted & others) > len(others) // 2  # the run went on with the rest
