"""A simulated Sage Intacct XML gateway (dtdversion 3.0) holding one multi-entity company.

``IntacctSimulator`` is a WSGI app: use it in process with
``orsync.sandbox.server.in_process_transport(sim)`` or on loopback with ``serve(sim)``; post
requests to ``config.gateway_path``. ``sim.store`` is the Python inspection/mutation API.
"""

from orsync.sandbox.intacct.app import GatewayStats, IntacctSimulator
from orsync.sandbox.intacct.config import (
    FAULT_NAMES,
    GATEWAY_PATH,
    IntacctCredentials,
    IntacctSimConfig,
    RateLimit,
)
from orsync.sandbox.intacct.seed import default_company_seed
from orsync.sandbox.intacct.store import IntacctStore

__all__ = [
    "FAULT_NAMES",
    "GATEWAY_PATH",
    "GatewayStats",
    "IntacctCredentials",
    "IntacctSimConfig",
    "IntacctSimulator",
    "IntacctStore",
    "RateLimit",
    "default_company_seed",
]
