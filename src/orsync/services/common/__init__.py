"""What every user task opens: a profile's two clients (`client_factory`), the days a command may
ask about (`periods`), a read-only view of the profile's state (`state`), and one command run
for every profile (`each_profile`)."""

from orsync.services.common.client_factory import (
    TOKEN_RATE_LIMIT_WAIT,
    Connections,
    build_intacct_http,
    intacct_settings,
    officernd_credentials,
    open_connections,
)
from orsync.services.common.each_profile import (
    ProfileRun,
    run_each_profile,
    worst,
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
    "ProfileRun",
    "build_intacct_http",
    "check_day",
    "intacct_settings",
    "officernd_credentials",
    "open_connections",
    "read_only_state",
    "run_each_profile",
    "worst",
]
