"""`orsync listen`: OfficeRnD webhooks received (`receiver`, served by waitress in `server`),
recorded once in the profile's inbox before the 200, and drained by one `worker` per profile
through the sync service's exactly-once path; a catch-up incremental sync and the Intacct poll
run on their intervals; `register` creates the OfficeRnD webhook and stores its secret."""

from orsync.services.listen.events import (
    BILLING_EVENT_TYPES,
    plan_batch,
    target_of,
)
from orsync.services.listen.health import (
    HEALTH_SCHEMA,
    Health,
)
from orsync.services.listen.receiver import (
    HEALTH_PATH,
    MAX_BODY_BYTES,
    WEBHOOK_PATH,
)
from orsync.services.listen.register import (
    Registration,
    RegistrationCheck,
    check_registration,
    register_webhook,
    webhook_url,
)
from orsync.services.listen.run import (
    Listener,
    ListenOptions,
    listen_until_stopped,
    webhook_secret,
)
from orsync.services.listen.worker import (
    IntacctPoll,
    NothingToPoll,
    WorkerSettings,
)

__all__ = [
    "BILLING_EVENT_TYPES",
    "HEALTH_PATH",
    "HEALTH_SCHEMA",
    "MAX_BODY_BYTES",
    "WEBHOOK_PATH",
    "Health",
    "IntacctPoll",
    "ListenOptions",
    "Listener",
    "NothingToPoll",
    "Registration",
    "RegistrationCheck",
    "WorkerSettings",
    "check_registration",
    "listen_until_stopped",
    "plan_batch",
    "register_webhook",
    "target_of",
    "webhook_secret",
    "webhook_url",
]
