"""What became of each write function: succeeded, failed, not confirmed, or aborted.

``Succeeded``: done; ``key`` is Intacct's key (legacy ``<key>`` or the created object's
RECORDNO). ``Failed``: a definite business error on this record; skip it (``as_error()``
gives the ``RecordError`` to report). ``NotConfirmed``: it may or may not have run; never resend
blindly, look the record up first. ``Aborted``: rolled back or never executed because of
another function or a limit; safe to resend with the same controlid.
"""

from __future__ import annotations

from dataclasses import dataclass

from orsync.errors import RecordError
from orsync.intacct import codes
from orsync.intacct.xml.function import Function
from orsync.intacct.xml.response import ErrorDetail, Result, ResultStatus


@dataclass(frozen=True)
class Succeeded:
    function: Function
    result: Result

    @property
    def key(self) -> str | None:
        """The legacy ``<key>``, else the RECORDNO of the first object in ``<data>``."""
        if self.result.key:
            return self.result.key
        data = self.result.data
        if data is not None and data.records:
            return data.records[0].get("RECORDNO")
        return None


@dataclass(frozen=True)
class Failed:
    function: Function
    errors: tuple[ErrorDetail, ...]
    result: Result | None = None

    @property
    def is_duplicate_record(self) -> bool:
        """BL34000061: the record already exists (a create of an existing ID)."""
        return any(e.errorno == codes.DUPLICATE_RECORD for e in self.errors)

    @property
    def is_closed_period(self) -> bool:
        """Intacct refused a date in a closed period (the GL or the function's subledger)."""
        return codes.is_closed_period(self.errors)

    def as_error(self) -> RecordError:
        specific = next((e for e in self.errors if e.errorno != codes.ROLLED_BACK), None)
        return RecordError(
            f"Intacct refused {self.function.name}: {codes.summary(self.errors)}",
            record=self.function.record,
            code=specific.errorno if specific else None,
            hint=codes.correction(self.errors),
        )


@dataclass(frozen=True)
class NotConfirmed:
    function: Function
    reason: str
    result: Result | None = None


@dataclass(frozen=True)
class Aborted:
    function: Function
    reason: str
    errors: tuple[ErrorDetail, ...] = ()


Outcome = Succeeded | Failed | NotConfirmed | Aborted


def outcome_for(function: Function, result: Result | None) -> Outcome:
    """Classify the result the gateway returned for ``function`` (None = no result at all)."""
    if result is None:
        return NotConfirmed(function, "the response carried no result for this function")
    if codes.is_duplicate_controlid(result.errors):
        return NotConfirmed(
            function,
            "the gateway says this controlid already ran or is running: "
            + codes.summary(result.errors),
            result,
        )
    match result.status:
        case ResultStatus.SUCCESS:
            return Succeeded(function, result)
        case ResultStatus.ABORTED:
            return Aborted(
                function, "rolled back: another function in the group failed", result.errors
            )
        case ResultStatus.FAILURE if codes.is_rolled_back_only(result.errors):
            return Aborted(
                function, "rolled back: another function in the group failed", result.errors
            )
        case ResultStatus.FAILURE:
            return Failed(function, result.errors, result)
        case _:
            return NotConfirmed(function, "the result carries no status", result)
