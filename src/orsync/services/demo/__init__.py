"""`orsync demo` (`run`, with the drafted mapping's gaps filled by `mapping` and the result read
from the simulators by `readback`) and `orsync sandbox` (`sandbox`)."""

from orsync.services.demo.mapping import (
    GapToFill,
    fill_gaps,
)
from orsync.services.demo.run import (
    DEMO_PROFILE,
    DemoOptions,
    DemoReport,
    demo_home,
    issued_documents,
    keyring_disabled,
    posted_documents,
    prepare_profile,
    run_demo,
    sandbox_environment,
    scoped_environment,
)
from orsync.services.demo.sandbox import (
    check_activity,
    connect_command,
    environment_lines,
    parse_rate_limit,
    sandbox_options,
    serve_until_stopped,
)

__all__ = [
    "DEMO_PROFILE",
    "DemoOptions",
    "DemoReport",
    "GapToFill",
    "check_activity",
    "connect_command",
    "demo_home",
    "environment_lines",
    "fill_gaps",
    "issued_documents",
    "keyring_disabled",
    "parse_rate_limit",
    "posted_documents",
    "prepare_profile",
    "run_demo",
    "sandbox_environment",
    "sandbox_options",
    "scoped_environment",
    "serve_until_stopped",
]
