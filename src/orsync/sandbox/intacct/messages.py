"""Every error the simulated gateway answers, in one place.

Codes and texts marked *verified* appear in captured responses (reference/intacct-samples) or
Sage's documentation. The others are *unverified*: no public capture shows them, so the text is
our choice, kept here so that changing it when a real capture turns up is a one-line edit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayError:
    """One ``<error>`` element: the four children the gateway always writes."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


# --- control level (nothing executed) -------------------------------------------------------
# verified: resp-control-failure-invalid-sender.xml
INVALID_SENDER = GatewayError(
    "XL03000006", description2="Incorrect Intacct XML Partner ID or password."
)
# verified code and prefix (resp-parse-error-XL03000003.xml); the detail is lxml's/xmlschema's.
PARSE_ERROR_CODE = "XL03000003"
PARSE_ERROR_PREFIX = "XML Parse schema error: "
# unverified: the field report quotes only the text; the code is the number inside it.
TOO_MANY_OPERATIONS = GatewayError(
    "200024",
    description2="There are too many operations running for this company (200024)",
    correction="Wait for the running requests to finish, then try again.",
)

# --- bare gateway bodies (HTTP 401 / 429), shaped like resp-http401-XMLGW_JPP0002.xml ----------
# verified code; the body text is unverified (Sage documents GW-0010 but shows no body).
RATE_LIMITED = GatewayError("GW-0010", description="Rate limit exceeded. Please retry later.")

# verified: resp-http401-XMLGW_JPP0002.xml (sent with HTTP 401)
SIGN_IN_INCORRECT_401 = GatewayError(
    "XMLGW_JPP0002", description="Sign-in information is incorrect. Please check your request."
)

# --- authentication level (no function executed) --------------------------------------------
# verified: resp-auth-failure-XL03000006.xml
SIGN_IN_INCORRECT = GatewayError("XL03000006", description2="Sign-in information is incorrect")
# verified code; the sample's text is masked ("Invalid session q...."), so the text is ours.
INVALID_SESSION = GatewayError("XL03000006", description2="Invalid session")


# unverified: login or getAPISession naming an entity that does not exist.
def invalid_entity(entity_id: str) -> GatewayError:
    return GatewayError(
        "XL03000006",
        description2=f"Invalid location/entity '{entity_id}' specified for sign-in",
        correction="Use the ID of an entity of this company, or leave locationid empty.",
    )


# --- result level ---------------------------------------------------------------------------
# verified: resp-transaction-aborted-XL03000009.xml
ROLLED_BACK = GatewayError(
    "XL03000009",
    description2="The entire transaction in this operation has been rolled back due to an error.",
)

# uniqueid=true and a function controlid that already completed. UNVERIFIED: a field report
# (intacct-sdk-js#70) says the real gateway may even answer with a result lacking <status>.
# The simulator always answers a normal failure with this error, so clients can recognise it by
# errorno; they must still treat the outcome as "unconfirmed" (the first call committed).
DUPLICATE_CONTROLID_CODE = "XL03000010"


def duplicate_controlid(controlid: str) -> GatewayError:
    return GatewayError(
        DUPLICATE_CONTROLID_CODE,
        description2=(
            f"A request's function with the control ID {controlid} has already been executed"
        ),
        correction="Use a new control ID, or look up the record the earlier request created.",
    )


# uniqueid=true and the same function controlid still executing in another request (field
# report text, Vena support article 26727976485133; the code is ours).
IN_PROCESS_CODE = "XL03000011"


def controlid_in_process(controlid: str) -> GatewayError:
    return GatewayError(
        IN_PROCESS_CODE,
        description2=f"A request's function with the control ID {controlid} is in process",
        correction="Wait for it to finish, then look up its outcome.",
    )


# unverified: a function the schema knows but the simulator does not implement, or one the
# schema does not know when validation is off.
def unsupported_function(name: str) -> GatewayError:
    return GatewayError(
        "XL03000003",
        description2=f"{PARSE_ERROR_PREFIX}Function '{name}' is not supported by this gateway.",
    )


# Generic business wrapper (verified code and shape: resp-result-failure-BL01001973.xml).
BUSINESS_CODE = "BL01001973"
# verified code and phrasing: resp-result-partial-failure-BL34000061.xml
DUPLICATE_CODE = "BL34000061"
# verified code (intacct-sdk-php#121): an invalid field value
INVALID_VALUE_CODE = "PL03000006"
# readMore with an unknown or finished resultId (errorno seen in the PHP SDK's tests).
READMORE_FAILED_CODE = "readMore failed"


def invalid_reference(label: str, value: str) -> GatewayError:
    """An unknown customer, account, location … (BL01001973 with the specific cause)."""
    return GatewayError(
        BUSINESS_CODE,
        description=f"Invalid {label}",
        description2=f"Invalid {label} '{value}' specified.",
        correction=f"Use a valid {label.lower()}.",
    )


def inactive_reference(label: str, value: str) -> GatewayError:
    return GatewayError(
        BUSINESS_CODE,
        description=f"Inactive {label}",
        description2=f"{label} '{value}' is inactive.",
        correction=f"Make the {label.lower()} active or use an active one.",
    )


def duplicate(object_label: str, value: str) -> GatewayError:
    # Two spaces before "already": copied from the capture.
    return GatewayError(
        DUPLICATE_CODE,
        description2=f"Another {object_label} with the given value(s) {value}  already exists",
        correction="Use a unique value instead.",
    )


def could_not(action: str, object_label: str) -> GatewayError:
    """The generic wrapper that follows the specific cause."""
    return GatewayError(BUSINESS_CODE, description2=f"Could not {action} {object_label} record!")


def business(text: str, correction: str = "") -> GatewayError:
    return GatewayError(BUSINESS_CODE, description2=text, correction=correction)


def invalid_value(text: str) -> GatewayError:
    return GatewayError(INVALID_VALUE_CODE, description2=text)


# field-notes: "Your transaction date is within a period that's been closed" (Bill.com report).
def closed_period(when: str) -> GatewayError:
    return GatewayError(
        BUSINESS_CODE,
        description="Closed period",
        description2=f"Your transaction date {when} is within a period that's been closed.",
        correction="Use a date in an open period, or reopen the period.",
    )


def multi_entity_location_required(line_no: int) -> GatewayError:
    return GatewayError(
        BUSINESS_CODE,
        description2=(
            f"Line {line_no}: a location is required for transactions at the top level of a "
            "multi-entity company."
        ),
        correction="Give every line a locationid, or sign in to an entity.",
    )


# --- currencies (all unverified: no capture shows Intacct's wording) --------------------------
def currency_not_enabled(currency: str, entity_id: str) -> GatewayError:
    where = f"entity {entity_id}" if entity_id else "the company"
    return business(
        f"Currency {currency} is not enabled for {where}.",
        "Enable the currency in the entity's multi-currency settings, or post in its base "
        "currency.",
    )


def wrong_base_currency(given: str, base: str) -> GatewayError:
    return business(f"The base currency {given} is invalid: the base currency is {base}.")


def rate_for_base_currency(rate: str) -> GatewayError:
    return business(
        f"An exchange rate {rate} was given for a transaction in the base currency.",
        "Leave the rate out, or give 1.",
    )


def unknown_rate_type(rate_type: str) -> GatewayError:
    return invalid_reference("Exchange Rate Type", rate_type)


def no_exchange_rate(source: str, target: str, rate_type: str, when: str) -> GatewayError:
    return business(
        f"No {rate_type} exchange rate from {source} to {target} is available for {when}.",
        "Enter the rate for that date, or give exchrate.",
    )


def invalid_exchange_rate(rate: str) -> GatewayError:
    return invalid_value(f"The exchange rate '{rate}' is invalid")
