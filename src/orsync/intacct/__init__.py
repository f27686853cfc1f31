"""intacct layer (see docs/architecture.md)."""
