"""Pure Intacct XML: request building and response parsing (lxml, no I/O)."""

from orsync.intacct.xml.envelope import (
    Authentication,
    LoginCredentials,
    SenderCredentials,
    SessionCredentials,
    build_request,
)
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.response import (
    ApiSession,
    AuthenticationBlock,
    ControlBlock,
    Data,
    ErrorDetail,
    MalformedResponse,
    Record,
    Response,
    Result,
    ResultStatus,
    parse_response,
)

__all__ = [
    "ApiSession",
    "Authentication",
    "AuthenticationBlock",
    "ControlBlock",
    "Data",
    "ErrorDetail",
    "Function",
    "LoginCredentials",
    "MalformedResponse",
    "Record",
    "Response",
    "Result",
    "ResultStatus",
    "SenderCredentials",
    "SessionCredentials",
    "build_request",
    "parse_response",
]
