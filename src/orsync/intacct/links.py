"""Where a person opens an Intacct document in a browser (OfficeRnD's ``accounting.deepLink``).

UNVERIFIED: Intacct documents no deep-link format for its web UI in the reference we hold. This
is our best reading, kept in this one function so that checking it against a real company means
changing one place: the web UI lives on the gateway's host with ``api.`` replaced by ``www.``
(``https://api.intacct.com/ia/xml/xmlgw.phtml`` -> ``https://www.intacct.com``), and a record is
opened by its object, key and company.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode, urlsplit

DocumentKind = Literal["ar_invoice", "ar_credit_memo", "so_invoice", "so_credit"]

_OBJECTS: dict[DocumentKind, str] = {
    "ar_invoice": "ARINVOICE",
    "ar_credit_memo": "ARADJUSTMENT",
    "so_invoice": "SODOCUMENT",
    "so_credit": "SODOCUMENT",
}


def document_link(gateway_url: str, company_id: str, kind: DocumentKind, key: str) -> str:
    """The web address of Intacct document ``key`` (RECORDNO, or the Sales document id)."""
    parts = urlsplit(gateway_url)
    host = parts.netloc
    if host.startswith("api."):
        host = "www." + host.removeprefix("api.")
    query = urlencode({".company": company_id, ".object": _OBJECTS[kind], ".r": key})
    return f"{parts.scheme or 'https'}://{host}/ia/acct/ur.phtml?{query}"
