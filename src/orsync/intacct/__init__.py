"""Sage Intacct XML gateway client (see docs/architecture.md).

``IntacctClient`` sends; ``orsync.intacct.xml`` builds and parses (pure lxml);
``orsync.intacct.outcomes`` says what became of each write.
"""

from orsync.intacct.client import IntacctClient
from orsync.intacct.links import document_link
from orsync.intacct.outcomes import Aborted, Failed, NotConfirmed, Outcome, Succeeded
from orsync.intacct.pipeline import Lane, Queued, WritePipeline
from orsync.intacct.settings import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_IN_FLIGHT,
    IntacctSettings,
    ReadFailed,
)
from orsync.intacct.xml.envelope import LoginCredentials, SenderCredentials

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_ENDPOINT",
    "DEFAULT_MAX_IN_FLIGHT",
    "Aborted",
    "Failed",
    "IntacctClient",
    "IntacctSettings",
    "Lane",
    "LoginCredentials",
    "NotConfirmed",
    "Outcome",
    "Queued",
    "ReadFailed",
    "SenderCredentials",
    "Succeeded",
    "WritePipeline",
    "document_link",
]
