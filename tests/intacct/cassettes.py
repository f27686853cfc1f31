"""vcrpy configuration for the Intacct contract cassettes.

Requests are matched on method and on their XML with everything volatile or secret removed
(control ids, credentials, session ids), so a replay checks that orsync still sends the same
functions with the same content. Before anything is written, bodies and URLs are scrubbed.
Record (locally, against the simulator): ``ORSYNC_RECORD_CASSETTES=1 pytest tests/intacct``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import vcr
from lxml import etree

CASSETTE_DIR = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("ORSYNC_RECORD_CASSETTES") == "1"
SCRUBBED_ENDPOINT = "https://api.intacct.test/ia/xml/xmlgw.phtml"
MASK = "***"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
# Elements whose content is secret or identifies the sender/user (request and response side).
_SECRET_ELEMENTS = ("password", "sessionid", "senderid", "userid")
_SECRET_RE = re.compile(
    rb"(<(" + b"|".join(e.encode() for e in _SECRET_ELEMENTS) + rb")>)(.*?)(</\2>)", re.S
)
_ENDPOINT_RE = re.compile(rb"(<endpoint>)(.*?)(</endpoint>)", re.S)


def _scrub_body(body: bytes) -> bytes:
    body = _SECRET_RE.sub(lambda m: m.group(1) + MASK.encode() + m.group(4), body)
    return _ENDPOINT_RE.sub(lambda m: m.group(1) + SCRUBBED_ENDPOINT.encode() + m.group(3), body)


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode()


def scrub_request(request: Any) -> Any:
    request.body = _scrub_body(_as_bytes(request.body))
    request.uri = SCRUBBED_ENDPOINT
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["body"]["string"] = _scrub_body(_as_bytes(response["body"]["string"]))
    response["headers"].pop("Content-Length", None)
    response["headers"].pop("content-length", None)
    return response


def canonical_request(body: bytes) -> bytes:
    """The request XML without control ids, credentials or session: what the contract is."""
    root = etree.fromstring(body, parser=_PARSER)
    control = root.find("control")
    if control is not None:
        root.remove(control)
    for auth in root.iterfind("operation/authentication"):
        auth.getparent().remove(auth)  # type: ignore[union-attr]
    for function in root.iter("function"):
        function.attrib.pop("controlid", None)
    return etree.tostring(root, method="c14n")


def xml_content_matcher(recorded: Any, incoming: Any) -> None:
    left = canonical_request(_as_bytes(recorded.body))
    right = canonical_request(_as_bytes(incoming.body))
    if left != right:
        raise AssertionError(f"request XML differs:\n{left!r}\n!=\n{right!r}")


def cassette_vcr() -> vcr.VCR:
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode="all" if RECORDING else "none",
        match_on=["method", "intacct_xml"],
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("intacct_xml", xml_content_matcher)
    return recorder
