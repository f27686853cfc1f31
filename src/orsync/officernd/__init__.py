"""officernd layer (see docs/architecture.md)."""
