"""A mapping's fingerprint changes with what it says, not with how the file is written."""

from __future__ import annotations

from pathlib import Path

from orsync.mapping import load_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "mappings.example.yaml"


def _fingerprint_of(text: str, tmp_path: Path) -> str:
    path = tmp_path / "mappings.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path).fingerprint()


def test_comments_and_blank_lines_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    reworded = "# edited by finance on a Friday\n\n" + text.replace("\n#", "\n\n#")
    assert _fingerprint_of(reworded, tmp_path) == _fingerprint_of(text, tmp_path)


def test_a_changed_target_changes_the_fingerprint(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    original = load_mapping(EXAMPLE)
    assert original.revenue_accounts is not None
    entry = next(e for e in original.revenue_accounts.values.values() if e.gl_account)
    assert entry.gl_account is not None and entry.gl_account in text
    changed = text.replace(entry.gl_account, "9999", 1)
    assert _fingerprint_of(changed, tmp_path) != original.fingerprint()
