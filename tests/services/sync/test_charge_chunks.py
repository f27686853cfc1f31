"""The payments stage plans a first chunk of one page, so the first payments leave after one
OfficeRnD page and one invoice read, then larger chunks (one invoice query each)."""

from __future__ import annotations

from orsync.services.sync.payments import CHARGE_CHUNK, FIRST_CHARGE_CHUNK, charge_chunks


def test_the_first_chunk_is_one_page_then_full_chunks_follow() -> None:
    total = FIRST_CHARGE_CHUNK + 2 * CHARGE_CHUNK + 7
    sizes = [len(chunk) for chunk in charge_chunks(range(total))]  # type: ignore[arg-type]
    assert sizes == [FIRST_CHARGE_CHUNK, CHARGE_CHUNK, CHARGE_CHUNK, 7]
    assert FIRST_CHARGE_CHUNK == 50  # one OfficeRnD page, one full Intacct batch


def test_no_charges_no_chunk() -> None:
    assert list(charge_chunks([])) == []
