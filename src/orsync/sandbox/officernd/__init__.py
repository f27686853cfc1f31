"""A simulator of OfficeRnD Flex's identity endpoint and v2 data API (issue 4).

Use it in process with ``httpx.Client(transport=in_process_transport(sim),
base_url="http://officernd.sandbox")`` or on loopback with ``serve(sim)``; the token endpoint
is ``/oauth/token`` on the same host and the data API ``/api/v2/organizations/{slug}/...``.

Modules: ``simulator`` (WSGI app, check order), ``api`` (route table, scopes, handlers),
``auth`` (applications, tokens), ``store`` (collections in ``_id`` order), ``query`` (filters,
``$limit``, cursors, ``$select``), ``billing`` (balances, status, lock date), ``bodies`` (the
UNVERIFIED write request bodies), ``documents`` (building payment documents), ``webhooks``
(subscriptions, signing, delivery), ``limits`` (rate limits, fault names), ``responses``
(error shapes), ``inspection`` (Python controls for scenario tests), ``seed`` (a tiny org).
"""

from orsync.sandbox.officernd.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ORSYNC_SCOPES,
)
from orsync.sandbox.officernd.config import OfficeRndSimConfig
from orsync.sandbox.officernd.limits import FAULT_NAMES
from orsync.sandbox.officernd.seed import (
    READ_ONLY_CLIENT_ID,
    READ_ONLY_CLIENT_SECRET,
    SMALL_ORG_SLUG,
    small_org_seed,
)
from orsync.sandbox.officernd.simulator import API_PREFIX, TOKEN_PATH, OfficeRndSimulator
from orsync.sandbox.officernd.webhooks import EVENT_TYPES, SIGNATURE_HEADER, sign

__all__ = [
    "API_PREFIX",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "EVENT_TYPES",
    "FAULT_NAMES",
    "ORSYNC_SCOPES",
    "READ_ONLY_CLIENT_ID",
    "READ_ONLY_CLIENT_SECRET",
    "SIGNATURE_HEADER",
    "SMALL_ORG_SLUG",
    "TOKEN_PATH",
    "OfficeRndSimConfig",
    "OfficeRndSimulator",
    "sign",
    "small_org_seed",
]
