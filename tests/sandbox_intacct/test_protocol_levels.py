"""Control, authentication and result levels answered exactly as the captured samples."""

from __future__ import annotations

import threading
from datetime import date

import httpx
import pytest
from lxml import etree

from orsync.sandbox.intacct import IntacctSimConfig, IntacctSimulator
from orsync.sandbox.intacct.messages import INVALID_SESSION
from orsync.sandbox.server import in_process_transport
from tests.sandbox_intacct.conftest import SAMPLES, XSD, FakeClock, needs_shared
from tests.sandbox_intacct.requests_xml import (
    Envelope,
    create_invoice,
    descriptions,
    el,
    errornos,
    function,
    lineitem,
    parse,
    post,
    read_by_query,
    results,
)
from tests.sandbox_intacct.shapes import sample, skeleton


def open_session(client: httpx.Client, sim: IntacctSimulator, locationid: str | None = None) -> str:
    body = Envelope(sim.credentials, locationid=locationid).build(
        [function("s1", el("getAPISession"))]
    )
    doc = parse(post(client, body))
    return doc.findtext("operation/result/data/api/sessionid") or ""


@needs_shared()
def test_get_api_session_answers_the_sample_shape_with_the_endpoint_of_the_host_called(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    response = post(client, Envelope(sim.credentials).build([function("s1", el("getAPISession"))]))

    assert response.status_code == 200
    doc = parse(response)
    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-getapisession-success.xml"))
    assert doc.findtext("operation/result/data/api/endpoint") == (
        "https://gw.sandbox.test/ia/xml/xmlgw.phtml"
    )
    assert doc.findtext("operation/result/data/api/sessionid")


@needs_shared()
def test_wrong_sender_password_is_a_control_failure_and_nothing_runs(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = Envelope(sim.credentials, sender_password="wrong").build(
        [function("f1", create_invoice())]
    )

    doc = parse(post(client, body))

    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-control-failure-invalid-sender.xml"))
    assert doc.findtext("errormessage/error/description2") == (
        "Incorrect Intacct XML Partner ID or password."
    )
    assert sim.store.invoices() == []


@needs_shared()
def test_wrong_user_password_is_an_authentication_failure_XL03000006(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = Envelope(sim.credentials, user_password="wrong").build(
        [function("f1", create_invoice())]
    )

    doc = parse(post(client, body))

    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-auth-failure-XL03000006.xml"))
    assert errornos(doc.find("operation")) == ["XL03000006"]
    assert results(doc) == []
    assert sim.store.invoices() == []


@needs_shared()
def test_malformed_xml_is_XL03000003_with_the_control_block_recovered(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    good = Envelope(sim.credentials).build([function("f1", create_invoice())])
    broken = good.replace(b"</customerid>", b"</customer>")

    response = post(client, broken)

    assert response.status_code == 200
    doc = parse(response)
    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-parse-error-XL03000003.xml"))
    assert set(errornos(doc)) == {"XL03000003"}
    assert "XML Parse schema error" in descriptions(doc)[0]
    assert doc.findtext("control/senderid") == sim.credentials.sender_id


@pytest.mark.skipif(not XSD.exists(), reason=f"{XSD} is absent (no ../shared)")
def test_a_schema_invalid_request_is_refused_with_the_validation_message(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    assert sim.schema is not None, "ORSYNC_INTACCT_XSD should be set by the area conftest"
    invoice = create_invoice()
    invoice.insert(0, el("bogus", "x"))  # not in create_invoice's sequence

    doc = parse(post(client, Envelope(sim.credentials).build([function("f1", invoice)])))

    assert doc.findtext("control/status") == "failure"
    assert errornos(doc) == ["XL03000003"]
    assert "bogus" in descriptions(doc)[0]
    assert sim.store.invoices() == []


def test_validation_is_off_when_the_configured_path_is_empty(clock: FakeClock) -> None:
    sim = IntacctSimulator(config=IntacctSimConfig(clock=clock, xsd_path=""))

    assert sim.schema is None


def test_an_unknown_function_gets_a_gateway_error_and_the_others_still_run(
    clock: FakeClock,
) -> None:
    # Without the schema, so the request reaches the function dispatcher.
    sim = IntacctSimulator(config=IntacctSimConfig(clock=clock, xsd_path=""))
    with httpx.Client(transport=in_process_transport(sim), base_url="http://x") as client:
        body = Envelope(sim.credentials).build(
            [function("f1", el("create_teleporter")), function("f2", create_invoice())]
        )
        doc = parse(post(client, body))

    first, second = results(doc)
    assert first.findtext("status") == "failure"
    assert errornos(first) == ["XL03000003"]
    assert second.findtext("status") == "success"


def test_sessions_slide_and_expire_when_idle(
    client: httpx.Client, sim: IntacctSimulator, clock: FakeClock
) -> None:
    session = open_session(client, sim)
    query = [function("q", read_by_query("CUSTOMER"))]

    clock.advance(minutes=100)
    first = parse(post(client, Envelope(sim.credentials, sessionid=session).build(query)))
    clock.advance(minutes=100)  # 200 min after creation, but only 100 idle: still alive
    second = parse(post(client, Envelope(sim.credentials, sessionid=session).build(query)))
    clock.advance(hours=2, seconds=1)
    expired = parse(post(client, Envelope(sim.credentials, sessionid=session).build(query)))

    assert first.findtext("operation/authentication/status") == "success"
    assert second.findtext("operation/authentication/status") == "success"
    assert second.findtext("operation/authentication/sessiontimeout") == (
        "2026-11-26T14:20:00+00:00"
    )
    assert expired.findtext("operation/authentication/status") == "failure"
    assert descriptions(expired.find("operation")) == [INVALID_SESSION.description2]


@needs_shared()
def test_an_unknown_session_answers_the_invalid_session_sample_shape(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = Envelope(sim.credentials, sessionid="nope..").build([function("q", el("getAPISession"))])

    doc = parse(post(client, body))

    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-session-invalid-XL03000006.xml"))


def test_an_entity_session_owns_what_it_creates_and_sees_only_its_entity(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    uk = open_session(client, sim, locationid="UK")
    top = open_session(client, sim)
    invoice = create_invoice(
        customerid="C-0002",
        lines=[lineitem("100.00", locationid="UK-LON", taxes=["UK Sale Goods Standard Rate"])],
    )

    created = parse(
        post(client, Envelope(sim.credentials, sessionid=uk).build([function("i", invoice)]))
    )
    in_us = parse(
        post(
            client,
            Envelope(sim.credentials, locationid="US").build(
                [function("q", read_by_query("ARINVOICE"))]
            ),
        )
    )
    at_top = parse(
        post(
            client,
            Envelope(sim.credentials, sessionid=top).build(
                [function("q", read_by_query("ARINVOICE"))]
            ),
        )
    )

    assert created.findtext("operation/authentication/locationid") == "UK"
    (stored,) = sim.store.invoices()
    assert stored.entity_id == "UK"
    assert stored.currency == "GBP"
    assert str(stored.total_entered) == "120.00"
    assert in_us.find("operation/result/data").get("count") == "0"
    # Top level does not see private entity records without showprivate (query option).
    assert at_top.find("operation/result/data").get("count") == "0"


def test_login_with_an_empty_locationid_is_top_level(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = Envelope(sim.credentials, locationid="").build([function("f", create_invoice())])

    doc = parse(post(client, body))

    assert results(doc)[0].findtext("status") == "success"
    assert sim.store.invoices()[0].entity_id == ""


def test_get_api_session_with_a_locationid_switches_entity_and_an_unknown_one_fails(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    ok = parse(
        post(
            client,
            Envelope(sim.credentials).build(
                [function("s", el("getAPISession", el("locationid", "IE")))]
            ),
        )
    )
    bad = parse(
        post(
            client,
            Envelope(sim.credentials).build(
                [function("s", el("getAPISession", el("locationid", "XX")))]
            ),
        )
    )

    assert ok.findtext("operation/result/data/api/locationid") == "IE"
    assert results(bad)[0].findtext("status") == "failure"


def test_a_login_naming_an_unknown_entity_is_an_authentication_failure(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    doc = parse(
        post(
            client,
            Envelope(sim.credentials, locationid="XX").build([function("f", create_invoice())]),
        )
    )

    assert doc.findtext("operation/authentication/status") == "failure"
    assert errornos(doc.find("operation")) == ["XL03000006"]


def test_get_is_not_served(client: httpx.Client) -> None:
    assert client.get("/ia/xml/xmlgw.phtml").status_code == 405


def test_responses_are_text_xml_with_a_double_quoted_declaration(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    response = post(client, Envelope(sim.credentials).build([function("s", el("getAPISession"))]))

    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_dates_in_legacy_triples_may_be_unpadded(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    invoice = create_invoice()
    created = invoice.find("datecreated")
    assert created is not None
    created.find("month").text = "11"  # type: ignore[union-attr]
    created.find("day").text = "2"  # type: ignore[union-attr]

    post(client, Envelope(sim.credentials).build([function("f", invoice)]))

    assert sim.store.invoices()[0].when_created == date(2026, 11, 2)


def test_the_form_encoded_xmlrequest_style_is_understood(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    body = Envelope(sim.credentials).build([function("s", el("getAPISession"))])

    response = client.post("/ia/xml/xmlgw.phtml", data={"xmlrequest": body.decode()})

    assert parse(response).findtext("operation/result/status") == "success"


def _unused(_: etree._Element) -> None:
    return None


@needs_shared()
def test_the_sdk_login_sample_is_served_once_its_credentials_are_ours(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    doc = etree.fromstring((SAMPLES / "req-login-getapisession.xml").read_bytes())
    creds = sim.credentials
    for path, value in (
        ("control/senderid", creds.sender_id),
        ("control/password", creds.sender_password),
        ("operation/authentication/login/userid", creds.user_id),
        ("operation/authentication/login/companyid", creds.company_id),
        ("operation/authentication/login/password", creds.user_password),
    ):
        node = doc.find(path)
        assert node is not None
        node.text = value

    answer = parse(post(client, etree.tostring(doc)))

    assert answer.findtext("operation/result/status") == "success"
    assert answer.findtext("operation/result/function") == "getAPISession"


@needs_shared()
@pytest.mark.parametrize(
    "fragment", ["req-fn-create_invoice.xml", "req-fn-create_sotransaction.xml"]
)
def test_the_sdk_function_samples_get_business_errors_not_a_crash(
    client: httpx.Client, sim: IntacctSimulator, fragment: str
) -> None:
    function_element = etree.fromstring((SAMPLES / fragment).read_bytes())
    body = Envelope(sim.credentials, transaction=None).build([function_element])

    answer = parse(post(client, body))

    (result,) = results(answer)
    assert result.findtext("status") == "failure"
    assert "BL01001973" in errornos(result)


@needs_shared()
def test_a_legacy_create_answers_the_legacy_key_sample_shape(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    doc = parse(post(client, Envelope(sim.credentials).build([function("i", create_invoice())])))

    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-create-legacy-key.xml"))
    assert doc.findtext("operation/result/key") == str(sim.store.invoices()[0].recordno)


@needs_shared()
def test_a_failed_generic_create_answers_the_BL01001973_sample_shape(
    client: httpx.Client, sim: IntacctSimulator
) -> None:
    customer = el("CUSTOMER", el("CUSTOMERID", "C-0001"), el("NAME", "Again"))

    doc = parse(
        post(client, Envelope(sim.credentials).build([function("c", el("create", customer))]))
    )

    assert skeleton(doc) == skeleton(sample(SAMPLES, "resp-result-failure-BL01001973.xml"))
    assert doc.find("operation/result/data").attrib == {"listtype": "objects", "count": "0"}  # type: ignore[union-attr]


def test_concurrent_writers_never_share_an_invoice_number(sim: IntacctSimulator) -> None:
    def writer(prefix: str) -> None:
        with httpx.Client(transport=in_process_transport(sim), base_url="http://h") as c:
            for n in range(10):
                body = Envelope(sim.credentials, uniqueid=True).build(
                    [function(f"{prefix}-{n}-{k}", create_invoice()) for k in range(5)]
                )
                post(c, body)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    numbers = [i.record_id for i in sim.store.invoices()]
    assert len(numbers) == 100
    assert len(set(numbers)) == 100


@needs_shared()
def test_the_newer_front_end_refuses_a_bad_login_with_http_401(clock: FakeClock) -> None:
    sim = IntacctSimulator(config=IntacctSimConfig(clock=clock, login_failure_http_401=True))
    with httpx.Client(transport=in_process_transport(sim), base_url="http://h") as c:
        response = post(
            c,
            Envelope(sim.credentials, user_password="no").build([function("f", create_invoice())]),
        )

    assert response.status_code == 401
    assert skeleton(parse(response)) == skeleton(sample(SAMPLES, "resp-http401-XMLGW_JPP0002.xml"))
