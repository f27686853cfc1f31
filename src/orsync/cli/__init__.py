"""The command line (filled by the foundation work)."""


def main() -> None:
    """Entry point placeholder until the CLI shell lands."""
    raise SystemExit(0)
