"""The one place records cross between the services' shapes and orsync's: OfficeRnD records to the
engine's source documents (`officernd`), engine postings to Intacct functions (`postings`), and
Intacct rows read back into the engine's actual documents (`readback`, `readback_parse`)."""

from orsync.services.convert.officernd import (
    SOURCE_DOCUMENT_FIELDS,
    SYNCED_DOCUMENT_TYPES,
    ReferenceData,
    line_amounts,
    load_reference_data,
    source_customer,
    source_document,
    tax_from_gross,
    template_record,
)
from orsync.services.convert.postings import (
    PostingContext,
    create_customer,
    create_document,
    record_label,
    reverse_document,
    update_customer,
    update_document,
)
from orsync.services.convert.readback import (
    LINE_FUNCTIONS_PER_REQUEST,
    IntacctDocuments,
    lines_condition,
)

__all__ = [
    "LINE_FUNCTIONS_PER_REQUEST",
    "SOURCE_DOCUMENT_FIELDS",
    "SYNCED_DOCUMENT_TYPES",
    "IntacctDocuments",
    "PostingContext",
    "ReferenceData",
    "create_customer",
    "create_document",
    "line_amounts",
    "lines_condition",
    "load_reference_data",
    "record_label",
    "reverse_document",
    "source_customer",
    "source_document",
    "tax_from_gross",
    "template_record",
    "update_customer",
    "update_document",
]
