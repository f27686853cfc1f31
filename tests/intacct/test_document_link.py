"""Where a person opens an Intacct document (OfficeRnD's accounting.deepLink)."""

from __future__ import annotations

from orsync.intacct import document_link


def test_the_link_opens_the_document_on_the_web_host_of_the_profiles_gateway() -> None:
    link = document_link("https://api.intacct.com/ia/xml/xmlgw.phtml", "ACME", "ar_invoice", "4411")
    assert (
        link == "https://www.intacct.com/ia/acct/ur.phtml?.company=ACME&.object=ARINVOICE&.r=4411"
    )


def test_sales_documents_are_opened_by_their_document_id() -> None:
    link = document_link(
        "http://127.0.0.1:8080/ia/xml/xmlgw.phtml", "ACME", "so_invoice", "Sales Invoice-7"
    )
    assert link.startswith("http://127.0.0.1:8080/ia/acct/ur.phtml?")
    assert ".object=SODOCUMENT" in link and ".r=Sales+Invoice-7" in link
