"""Order Entry invoices and the AR invoices Intacct generates from them.

orsync keys a Sales document by its ``DOCID`` (``<definition>-<docno>``); money is applied to
the AR invoice Intacct generated when it posted, ``SODOCUMENT.PRRECORDKEY`` (reference
intacct-api.md, Order Entry: "payments are always applied to the AR invoice"). Updating a
Sales invoice re-creates its AR invoice under a new RECORDNO, so the link is read each time,
never cached.
"""

from __future__ import annotations

from collections.abc import Iterable

from orsync.intacct import IntacctClient

LINK_FIELDS = ("RECORDNO", "DOCID", "PRRECORDKEY")


def is_sales_key(key: str) -> bool:
    """Whether a ledger target key is a Sales document id (an AR RECORDNO is digits)."""
    return bool(key) and not key.isdigit()


def ar_keys_of(intacct: IntacctClient, doc_ids: Iterable[str]) -> dict[str, str]:
    """Sales document id -> the RECORDNO of the AR invoice it generated (posted ones only)."""
    wanted = sorted(set(doc_ids))
    if not wanted:
        return {}
    return {
        doc_id: ar_key
        for record in intacct.query_in(
            "SODOCUMENT", "DOCID", wanted, LINK_FIELDS, show_private=True
        )
        if (doc_id := record.get("DOCID") or "") and (ar_key := record.get("PRRECORDKEY") or "")
    }


def doc_ids_of(intacct: IntacctClient, ar_keys: Iterable[str]) -> dict[str, str]:
    """AR invoice RECORDNO -> the Sales document id that generated it."""
    wanted = sorted(set(ar_keys))
    if not wanted:
        return {}
    return {
        ar_key: doc_id
        for record in intacct.query_in(
            "SODOCUMENT", "PRRECORDKEY", wanted, LINK_FIELDS, show_private=True
        )
        if (doc_id := record.get("DOCID") or "") and (ar_key := record.get("PRRECORDKEY") or "")
    }
