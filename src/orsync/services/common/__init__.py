"""What every user task opens: a profile's two clients (`client_factory`), the days a command may
ask about (`periods`) and a read-only view of the profile's state (`state`)."""

from orsync.services.common.client_factory import (
    TOKEN_RATE_LIMIT_WAIT,
    Connections,
    build_intacct_http,
    intacct_settings,
    officernd_credentials,
    open_connections,
)
from orsync.services.common.periods import (
    check_day,
)
from orsync.services.common.state import (
    read_only_state,
)

__all__ = [
    "TOKEN_RATE_LIMIT_WAIT",
    "Connections",
    "build_intacct_http",
    "check_day",
    "intacct_settings",
    "officernd_credentials",
    "open_connections",
    "read_only_state",
]
