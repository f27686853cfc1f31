"""Responses from the reference samples parse into typed results, errors kept at every level."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from orsync.intacct.outcomes import Aborted, Failed, NotConfirmed, Succeeded, outcome_for
from orsync.intacct.xml import reads
from orsync.intacct.xml.response import MalformedResponse, ResultStatus, parse_response

Sample = Callable[[str], bytes]
WRITE = reads.lookup("X", "func")  # outcome_for only needs a function to attach


def test_get_api_session_gives_session_endpoint_and_timeout(sample: Sample) -> None:
    response = parse_response(sample("resp-getapisession-success.xml"))
    api = response.results[0].api_session
    assert api is not None and api.endpoint == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert api.session_id == "fAkESesSiOnId.." and "fAkE" not in repr(api)
    assert response.authentication is not None
    timeout = response.authentication.session_timeout
    assert timeout is not None and timeout.utcoffset() is not None


def test_authentication_failure_keeps_its_errors_and_has_no_results(sample: Sample) -> None:
    response = parse_response(sample("resp-auth-failure-XL03000006.xml"))
    assert not response.control_failed and response.authentication_failed
    assert response.authentication_errors[0].errorno == "XL03000006"
    assert response.authentication_errors[0].text == "Sign-in information is incorrect"
    assert response.results == ()


@pytest.mark.parametrize(
    ("name", "errorno"),
    [
        ("resp-control-failure-PL04000055.xml", "PL04000055"),
        ("resp-control-failure-invalid-sender.xml", "XL03000006"),
        ("resp-http401-XMLGW_JPP0002.xml", "XMLGW_JPP0002"),
        ("resp-parse-error-XL03000003.xml", "XL03000003"),
    ],
)
def test_control_failures_keep_every_error(sample: Sample, name: str, errorno: str) -> None:
    response = parse_response(sample(name))
    assert response.control_failed and response.authentication is None
    assert response.control_errors and {e.errorno for e in response.control_errors} == {errorno}


def test_a_failed_create_keeps_all_errors_with_support_text_and_correction(
    sample: Sample,
) -> None:
    result = parse_response(sample("resp-result-failure-BL01001973.xml")).results[0]
    assert result.status is ResultStatus.FAILURE
    assert [e.errorno for e in result.errors] == ["BL01001973", "BL01001973"]
    assert result.errors[0].description2.startswith("The account number '5000.11' already")
    outcome = outcome_for(WRITE, result)
    assert isinstance(outcome, Failed)
    error = outcome.as_error()
    assert error.hint == "Enter unique account number" and error.code == "BL01001973"
    assert "already exists" in error.message


def test_partial_failure_is_a_failure_of_a_duplicate_record(sample: Sample) -> None:
    result = parse_response(sample("resp-result-partial-failure-BL34000061.xml")).results[0]
    assert result.data is not None and result.data.records[0].get("RECORDNO") == "1424"
    outcome = outcome_for(WRITE, result)
    assert isinstance(outcome, Failed) and outcome.is_duplicate_record
    assert len(outcome.errors) == 3


def test_a_rolled_back_function_is_aborted_and_the_failing_one_failed(sample: Sample) -> None:
    first, second = parse_response(sample("resp-transaction-aborted-XL03000009.xml")).results
    assert first.status is ResultStatus.ABORTED
    assert isinstance(outcome_for(WRITE, first), Aborted)
    failed = outcome_for(WRITE, second)
    assert isinstance(failed, Failed)
    assert failed.as_error().code == "Get API Session Failed"
    assert "rolled back" not in failed.as_error().message


def test_a_result_without_status_is_unknown_and_never_confirmed(sample: Sample) -> None:
    root = etree.fromstring(sample("resp-create-legacy-key.xml"))
    status = root.find("operation/result/status")
    status.getparent().remove(status)
    body = etree.tostring(root)
    result = parse_response(body).results[0]
    assert result.status is ResultStatus.UNKNOWN
    assert isinstance(outcome_for(WRITE, result), NotConfirmed)


def test_a_missing_result_is_not_confirmed() -> None:
    assert isinstance(outcome_for(WRITE, None), NotConfirmed)


def test_legacy_create_gives_its_key_and_generic_create_its_recordno(sample: Sample) -> None:
    legacy = outcome_for(WRITE, parse_response(sample("resp-create-legacy-key.xml")).results[0])
    generic = outcome_for(
        WRITE, parse_response(sample("resp-create-generic-success.xml")).results[0]
    )
    assert isinstance(legacy, Succeeded) and legacy.key == "C1234"
    assert isinstance(generic, Succeeded) and generic.key == "5"


def test_read_by_query_and_read_more_pages_carry_the_result_id(sample: Sample) -> None:
    page1 = parse_response(sample("resp-readbyquery-page1.xml")).results[0].data
    page2 = parse_response(sample("resp-readmore-page2.xml")).results[0].data
    assert page1 is not None and page2 is not None
    assert (page1.numremaining, page2.numremaining) == (1, 0)
    assert page1.result_id == page2.result_id == "7765623330Vqb8pMCoA4IAAEnuglgAAAAL5"
    assert [page1.records[0].get("ACCOUNTNO"), page2.records[0].get("ACCOUNTNO")] == [
        "1010",
        "1020",
    ]


def test_query_data_has_offset_and_dotted_fields(sample: Sample) -> None:
    data = parse_response(sample("resp-query-success.xml")).results[0].data
    assert data is not None and (data.listtype, data.totalcount, data.offset) == ("VENDOR", 18, 0)
    assert data.records[0].get("PAYTOCONTACT.CONTACTNAME") == "Ackman, Alice"


def test_duplicate_controlid_answers_are_not_confirmed() -> None:
    body = b"""<response><control><status>success</status></control><operation>
    <authentication><status>success</status></authentication><result><status>failure</status>
    <function>create_invoice</function><controlid>c1</controlid><errormessage><error>
    <errorno>XL03000010</errorno><description2>A request's function with the control ID c1 has
    already been executed</description2></error></errormessage></result></operation></response>"""
    assert isinstance(outcome_for(WRITE, parse_response(body).results[0]), NotConfirmed)


def test_parsing_never_expands_entities_or_fetches_anything() -> None:
    body = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <response><control><status>&x;</status></control></response>"""
    response = parse_response(body)
    assert response.control.status in ("", None)


def test_a_body_that_is_not_a_response_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_response(b"<html>Bad gateway</html>")
    with pytest.raises(MalformedResponse):
        parse_response(b"not xml")


def test_a_closed_period_refusal_points_at_the_setting_that_avoids_it() -> None:
    from orsync.intacct import codes
    from orsync.intacct.xml.response import ErrorDetail

    refusal = ErrorDetail(
        "BL03000018",
        description="Closed period",
        description2="Your transaction date 10/31/2026 is within a period that's been closed.",
        correction="Use a date in an open period, or reopen the period.",
    )
    outcome = Failed(WRITE, (refusal,))
    assert codes.is_closed_period(outcome.errors)
    hint = outcome.as_error().hint or ""
    assert "options.books_closed_through" in hint and "Reopen the period" in hint
    other = ErrorDetail("BL01001973", description2="Already exists", correction="Enter unique")
    assert not codes.is_closed_period((other,))
    assert Failed(WRITE, (other,)).as_error().hint == "Enter unique"


def test_records_keep_fields_and_nested_groups_and_skip_comments() -> None:
    body = b"""<response><control><status>success</status></control><operation>
      <authentication><status>success</status></authentication>
      <result><status>success</status><function>read</function><controlid>c1</controlid>
        <data listtype="ARINVOICE" count="1"><!-- one record -->
          <ARINVOICE><RECORDNO> 7 </RECORDNO><!-- note --><MEMO/><?pi x?>
            <ARINVOICEITEMS><arinvoiceitem><AMOUNT>1.50</AMOUNT></arinvoiceitem>
              <arinvoiceitem><AMOUNT>2.00</AMOUNT></arinvoiceitem></ARINVOICEITEMS>
          </ARINVOICE>
        </data></result></operation></response>"""
    data = parse_response(body).results[0].data
    assert data is not None and len(data.records) == 1
    record = data.records[0]
    assert record.name == "ARINVOICE" and record.fields == {"RECORDNO": "7", "MEMO": ""}
    (items,) = record.children["ARINVOICEITEMS"]
    assert [line.fields for line in items.children["arinvoiceitem"]] == [
        {"AMOUNT": "1.50"},
        {"AMOUNT": "2.00"},
    ]
    assert items.children["arinvoiceitem"][0].children == {}
