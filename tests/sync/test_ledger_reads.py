"""Each chunk of documents a sync reads costs one ledger read per document kind, shared by the
unchanged test and the plan."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from orsync.state import Ledger
from tests.conftest import CliRunner
from tests.sync.conftest import Configure

if TYPE_CHECKING:
    from orsync.sandbox.launch import RunningSandbox

pytestmark = pytest.mark.loopback


def test_a_chunk_of_documents_reads_its_ledger_rows_once(
    sandbox: RunningSandbox,
    mapped_profile: Configure,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import orsync.services.sync.runner as runner

    mapped_profile()
    reads: Counter[str] = Counter()
    chunks: Counter[str] = Counter()
    get_many = Ledger.get_many
    stream = runner.documents

    def counted_get_many(self: Ledger, kind: str, source_ids: Any) -> Any:
        reads[kind] += 1
        return get_many(self, kind, source_ids)

    def counted_stream(client: Any, stage: Any, mark: Any) -> Iterator[list[Any]]:
        for chunk in stream(client, stage, mark):
            chunks[stage] += 1
            yield chunk

    monkeypatch.setattr(Ledger, "get_many", counted_get_many)
    monkeypatch.setattr(runner, "documents", counted_stream)

    assert run_cli("sync").exit_code in (0, 1)
    # Every document again, changed in OfficeRnD's eyes: the overlap test and the plan both
    # need the rows of every chunk.
    officernd = sandbox.officernd
    for doc in officernd.records("payments"):
        officernd.update_record("payments", doc["_id"], reference=doc.get("reference"))
    reads.clear()
    chunks.clear()
    # The documents' stages only: the payments stage (credit allocations, on every AR profile)
    # reads the rows of the invoices it applies credit to, once per batch of its own.
    summary = json.loads(run_cli("--json", "sync", "--only", "invoices,credit-notes").stdout)

    assert summary["read"]["invoices"] and summary["read"]["credit_notes"]
    assert chunks["invoices"] and chunks["credit_notes"]
    assert reads["invoice"] == chunks["invoices"]
    assert reads["credit_note"] == chunks["credit_notes"]
