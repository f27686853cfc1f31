"""A bad mapping file is answered with every located problem at once, never a traceback."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from orsync.errors import ConfigError, ExitCode
from orsync.mapping import MappingError, load_mapping, parse_mapping

BROKEN = Path(__file__).parent / "broken"
CORPUS = sorted(BROKEN.glob("*.yaml"))

MINIMAL = """\
revenue_accounts:
  values:
    "4000": {gl_account: "4000"}
locations:
  values:
    London: {location: LON}
"""


def problems_of(text: str, name: str = "mappings.yaml") -> list[str]:
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, name)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_broken_file_gives_its_exact_located_messages(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert problems_of(path.read_text(encoding="utf-8"), path.name) == expected


def test_the_corpus_covers_every_class_of_problem() -> None:
    messages = "\n".join(p.with_suffix(".expected").read_text() for p in CORPUS)
    for fragment in (
        "invalid YAML",
        "tab character",
        "duplicate key",
        "did you mean",
        "expected text, got a list",
        "empty map",
        "default",
        "required section is missing",
    ):
        assert fragment in messages


def test_all_problems_of_a_file_are_reported_together_in_file_order() -> None:
    text = MINIMAL.replace('"4000": {gl_account: "4000"}', '"4000": {gl_acount: "4000"}')
    text += "tax_rates:\n  unmapped: default\n  values:\n    UK: {tax_detail: [a]}\nplns: {}\n"
    text += "payment_methods:\n  default: {payment_method: Cash, bank_account: B}\n"
    assert problems_of(text) == [
        "mappings.yaml:3:14: revenue_accounts.values.4000.gl_acount: unknown key; "
        'did you mean "gl_account"?',
        "mappings.yaml:10:22: tax_rates.values.UK.tax_detail: expected text, got a list",
        'mappings.yaml:11:1: plns: unknown key; did you mean "plans"?',
        # Cross-key rules still run on the sections that passed the schema.
        "mappings.yaml:13:3: payment_methods.default: this default is never used because "
        'unmapped is "error"; write `unmapped: default` to use it',
    ]


def test_the_error_is_a_configuration_error_with_exit_78_and_a_hint() -> None:
    with pytest.raises(MappingError) as raised:
        parse_mapping("locations: 3\n", "m.yaml")
    assert isinstance(raised.value, ConfigError)
    assert raised.value.exit_code == ExitCode.CONFIG == 78
    assert "orsync map check" in raised.value.hint
    assert str(raised.value).splitlines()[0].startswith("m.yaml:1:1: ")


def test_unknown_key_without_a_close_match_lists_the_valid_keys() -> None:
    text = MINIMAL + "options:\n  zzz: 1\n"
    assert problems_of(text) == [
        "mappings.yaml:8:3: options.zzz: unknown key; expected one of: books_closed_through, "
        "closed_period, create_on_name_match, entity_level, fx_rates, invoice_type, numbering, "
        "overpayment_account, transaction_definitions"
    ]


def test_the_books_closed_day_is_a_calendar_day_written_as_iso() -> None:
    mapping = parse_mapping(MINIMAL + "options:\n  books_closed_through: 2026-10-31\n")
    assert mapping.options.books_closed_through == dt.date(2026, 10, 31)
    for written in ("31/10/2026", "1700000000", "2026-02-30", "true"):
        [problem] = problems_of(MINIMAL + f"options:\n  books_closed_through: {written}\n")
        assert problem.startswith("mappings.yaml:8:25: options.books_closed_through: ")
        assert "YYYY-MM-DD" in problem
    [future] = problems_of(MINIMAL + "options:\n  books_closed_through: 2062-10-31\n")
    assert future == (
        "mappings.yaml:8:25: options.books_closed_through: 2062-10-31 is in the future; state "
        "the last day of the last period closed in Intacct"
    )


def test_a_duplicate_key_names_the_line_of_the_first() -> None:
    text = MINIMAL + "locations:\n  values: {Paris: {location: PAR}}\n"
    assert problems_of(text) == [
        "mappings.yaml:7:1: locations: duplicate key (first defined at line 4)"
    ]


def test_tabs_anywhere_in_the_indentation_are_located() -> None:
    text = MINIMAL.replace("    London", " \tLondon")
    assert problems_of(text) == [
        "mappings.yaml:6:2: tab character in indentation: YAML indents with spaces only"
    ]


def test_a_tab_inside_a_quoted_value_is_not_a_problem() -> None:
    mapping = parse_mapping(MINIMAL.replace("location: LON", 'location: "L\tON"'))
    assert mapping.locations is not None
    assert mapping.locations.values["London"].location == "L\tON"


def test_numbers_and_yes_no_words_stay_text_exactly_as_written() -> None:
    text = """\
revenue_accounts:
  values:
    0400: {gl_account: 0400}
    4000.10: {gl_account: 4000.10}
locations:
  values:
    NO: {location: NO, entity: 2026-01-01}
"""
    mapping = parse_mapping(text)
    assert mapping.revenue_accounts is not None and mapping.locations is not None
    assert mapping.revenue_accounts.values["0400"].gl_account == "0400"
    assert mapping.revenue_accounts.values["4000.10"].gl_account == "4000.10"
    assert mapping.locations.values["NO"].location == "NO"
    assert mapping.locations.values["NO"].entity == "2026-01-01"


def test_quoted_yes_is_not_a_boolean() -> None:
    text = MINIMAL + 'tax_rates:\n  values:\n    Zero: {no_tax: "true"}\n'
    assert problems_of(text) == [
        'mappings.yaml:9:20: tax_rates.values.Zero.no_tax: expected true or false, got text "true"'
    ]


def test_keys_with_spaces_or_dots_are_quoted_in_the_path() -> None:
    text = MINIMAL.replace('"4000": {gl_account: "4000"}', '"Membership fees": {item: []}')
    assert problems_of(text) == [
        'mappings.yaml:3:31: revenue_accounts.values."Membership fees".item: '
        "expected text, got a list"
    ]


def test_load_mapping_reads_a_file_and_names_it_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "mappings.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_mapping(path).locations is not None
    path.write_text("revenue_accounts: [1]\n", encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    assert str(raised.value.problems[0]).startswith(f"{path}:1:1: locations: required section")


def test_a_missing_or_undecodable_file_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="file not found"):
        load_mapping(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MappingError, match="not UTF-8"):
        load_mapping(binary)
    with pytest.raises(MappingError, match="is a folder, not a file"):
        load_mapping(tmp_path)


def test_a_latin1_byte_is_named_with_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "mappings.yaml"
    path.write_bytes(MINIMAL.encode("utf-8") + b"# Caf\xe9 Lounge\n")
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    line = MINIMAL.count("\n") + 1
    assert str(raised.value.problems[0]) == (
        f"{path}:{line}:6: not UTF-8 text (byte 0xE9); save the file as UTF-8"
    )


def test_python_tags_are_refused_and_never_constructed() -> None:
    text = MINIMAL.replace('{gl_account: "4000"}', '!!python/object/apply:os.system ["true"]')
    assert (
        "mappings.yaml:3:13: revenue_accounts.values.4000: unsupported YAML tag "
        "!!python/object/apply:os.system"
    ) in problems_of(text)


def test_a_control_character_is_located() -> None:
    assert problems_of(MINIMAL.replace("London", "Lon\x00don")) == [
        "mappings.yaml:6:8: invalid YAML: character U+0000 is not allowed in YAML text"
    ]


def test_random_damage_to_a_valid_file_never_escapes_as_a_traceback() -> None:
    base = (Path(__file__).resolve().parents[2] / "mappings.example.yaml").read_text()
    rng = random.Random(20261126)
    alphabet = list(" \t\n:-{}[]\"'#&*!|>%@`,?0aZ\x00é")
    for _ in range(150):  # the pure-Python YAML parser is ~20 ms a file
        chars = list(base)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(chars))
            roll = rng.random()
            if roll < 0.4:
                chars[position] = rng.choice(alphabet)
            elif roll < 0.7:
                del chars[position]
            else:
                chars.insert(position, rng.choice(alphabet))
        try:
            parse_mapping("".join(chars))
        except MappingError as error:
            assert error.problems
