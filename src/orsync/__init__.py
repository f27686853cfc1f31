"""orsync: keeps OfficeRnD Flex and Sage Intacct in step."""

__version__ = "0.1.0"
