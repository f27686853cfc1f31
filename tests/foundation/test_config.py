"""The config file: round trip, private file modes, and located messages for bad files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from orsync.config import ConfigFileError, load_config, save_config
from orsync.env import default_config_path
from tests.conftest import CliRunner
from tests.foundation.profiles_data import sample_profile, write_profiles


def test_a_saved_config_loads_back_identical() -> None:
    config = write_profiles("main", "dublin")
    assert load_config(default_config_path()) == config
    assert config.default_profile == "main"


def test_a_missing_config_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nothing.yaml").profiles == {}


def test_a_config_of_comments_only_is_an_empty_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("# orsync configuration\n\n")
    assert load_config(path).profiles == {}


def test_ids_that_look_like_numbers_are_read_exactly_as_written(tmp_path: Path) -> None:
    # Intacct company, entity and sender ids are often digits; YAML's typing would turn
    # 0400 into 256 and refuse 100 as "not text".
    path = tmp_path / "config.yaml"
    path.write_text(
        "version: 1\n"
        "profiles:\n"
        "  main:\n"
        "    intacct: {sender_id: 12345, company_id: 0400, user_id: 007, entity: 100}\n"
        "    officernd: {org: acme, client_id: 1e3}\n"
    )
    profile = load_config(path).profiles["main"]
    assert (profile.intacct.sender_id, profile.intacct.company_id) == ("12345", "0400")
    assert (profile.intacct.user_id, profile.intacct.entity) == ("007", "100")
    assert profile.officernd.client_id == "1e3"


def test_a_recorded_invoice_type_change_loads_back_identical(tmp_path: Path) -> None:
    import datetime as dt

    from orsync.config import Config, InvoiceTypeChange

    profile = sample_profile(company="0400")
    change = InvoiceTypeChange(
        changed_at=dt.datetime(2026, 10, 31, 23, 5, tzinfo=dt.UTC), from_type="ar", to_type="sales"
    )
    profile = profile.model_copy(
        update={"sync": profile.sync.model_copy(update={"invoice_type_changes": (change,)})}
    )
    path = tmp_path / "config.yaml"
    save_config(path, Config().with_profile("main", profile))
    assert load_config(path).profiles["main"] == profile


def test_an_unknown_config_version_is_refused_with_its_line(tmp_path: Path) -> None:
    error = _broken(tmp_path, "profiles: {}\nversion: 2\n")
    assert ':2:10: version: expected one of 1, got text "2"' in error.message


def test_config_file_is_private_and_its_folder_too() -> None:
    write_profiles("main")
    path = default_config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_config_saved_into_a_shared_folder_leaves_the_folder_alone(tmp_path: Path) -> None:
    from orsync.config import Config

    shared = tmp_path / "finance"
    shared.mkdir()
    shared.chmod(0o750)
    path = shared / "orsync.yaml"
    save_config(path, Config().with_profile("main", sample_profile()))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750


def test_saving_never_writes_a_secret_field(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    from orsync.config import Config

    save_config(path, Config().with_profile("main", sample_profile()))
    text = path.read_text()
    assert "password" not in text
    assert "secret" not in text.replace("non-secret", "").replace("secrets:", "")


def _broken(tmp_path: Path, text: str) -> ConfigFileError:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    return caught.value


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    error = _broken(tmp_path, "profiles:\n  main: [unclosed\n")
    assert f"{tmp_path / 'config.yaml'}:3:1: invalid YAML" in error.message


def test_an_unknown_key_is_named_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    error = _broken(
        tmp_path,
        "profiles:\n"
        "  main:\n"
        "    intacct: {sender_id: s, company_id: c, user_id: u}\n"
        "    officernd: {org: o, client_id: c}\n"
        "    sync:\n"
        "      invoice_typ: ar\n",
    )
    assert ':6:7: profiles.main.sync.invoice_typ: unknown key; did you mean "invoice_type"?' in (
        error.message
    )
    assert error.exit_code == 78


def test_wrong_values_and_missing_keys_are_all_reported_at_once(tmp_path: Path) -> None:
    error = _broken(
        tmp_path,
        "profiles:\n"
        "  main:\n"
        "    intacct: {sender_id: s, user_id: u}\n"
        "    officernd: {org: o, client_id: c}\n"
        "    sync: {entity_level: everywhere}\n",
    )
    assert "profiles.main.intacct.company_id: required key is missing" in error.message
    assert ":5:26: profiles.main.sync.entity_level:" in error.message
    assert 'expected one of top, subsidiary, got text "everywhere"' in error.message
    assert error.message.splitlines()[0].endswith("has 2 problems:")


def test_a_config_that_is_not_utf8_is_named_with_the_byte_not_a_crash(
    run_cli: CliRunner,
) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"profiles:\n  main:\n    intacct: {sender_id: caf\xe9}\n")
    result = run_cli("profiles", "list")
    assert result.exit_code == 78
    assert f"{path}:3:29: not UTF-8 text (byte 0xE9); save the file as UTF-8" in result.stderr
    assert "internal error" not in result.stderr


def test_a_folder_where_the_config_file_should_be_is_a_config_problem(
    run_cli: CliRunner,
) -> None:
    path = default_config_path()
    path.mkdir(parents=True)
    result = run_cli("profiles", "list")
    assert result.exit_code == 78
    assert f"{path}:1:1: is a folder, not a file" in result.stderr


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    error = _broken(tmp_path, "default_profile: a\ndefault_profile: b\n")
    assert ":2:1: default_profile: duplicate key (first defined at line 1)" in error.message


def test_tabs_are_refused_with_their_position(tmp_path: Path) -> None:
    error = _broken(tmp_path, "profiles:\n\tmain: {}\n")
    assert ":2:1: tab character in indentation" in error.message


def test_a_hand_broken_config_exits_78_naming_the_file(run_cli: CliRunner) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text("profiles:\n  main:\n    intacct: 3\n")
    result = run_cli("profiles", "list")
    assert result.exit_code == 78
    assert f"{path}:3:14: profiles.main.intacct:" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_explicit_config_path_is_used(run_cli: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.yaml"
    from orsync.config import Config

    save_config(other, Config().with_profile("remote", sample_profile()))
    result = run_cli("--config", str(other), "--json", "profiles", "list")
    assert '"remote"' in result.stdout


def test_an_output_path_is_judged_writable_before_a_long_run(tmp_path: Path) -> None:
    from orsync.env import unwritable_reason

    assert unwritable_reason(tmp_path / "new" / "deeper" / "report.csv") is None
    assert unwritable_reason(tmp_path) == "it is a folder; give a file name"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert unwritable_reason(blocker / "report.csv") == f"{blocker} is not a folder"


# A name longer than the file system allows (255 bytes a component) makes even a look-up
# (stat) fail with ENAMETOOLONG, which pathlib's exists() and is_dir() raise rather than
# answer; a folder the user may not search (EACCES) does the same.
TOO_LONG = "n" * 300


def test_a_config_path_the_os_cannot_look_up_is_a_config_problem(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / f"{TOO_LONG}.yaml"
    result = run_cli("--config", str(path), "profiles", "list")
    assert result.exit_code == 78, result.stderr
    assert "File name too long" in result.stderr
    assert "internal error" not in result.stderr


def test_an_orsync_home_the_os_cannot_look_up_is_a_config_problem(
    run_cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORSYNC_HOME", str(tmp_path / TOO_LONG))
    result = run_cli("status")
    assert result.exit_code == 78, result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_orsync_home_means_the_default_folder(
    monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    from orsync.env import config_dir

    monkeypatch.delenv("ORSYNC_HOME")
    default = config_dir()
    monkeypatch.setenv("ORSYNC_HOME", blank)
    assert config_dir() == default and default.is_absolute()


def test_an_output_path_the_os_cannot_look_up_is_refused_with_the_reason(tmp_path: Path) -> None:
    from orsync.env import unwritable_reason

    assert unwritable_reason(tmp_path / f"{TOO_LONG}.csv") == "File name too long"
    assert unwritable_reason(tmp_path / TOO_LONG / "report.csv") == "File name too long"


def test_a_mapping_path_the_os_cannot_look_up_is_a_config_problem(tmp_path: Path) -> None:
    from orsync.errors import ConfigError
    from orsync.services.mapping import load_profile_mapping

    profile = sample_profile()
    profile = profile.model_copy(
        update={"sync": profile.sync.model_copy(update={"mapping": str(tmp_path / TOO_LONG)})}
    )
    with pytest.raises(ConfigError, match="File name too long"):
        load_profile_mapping(profile)


def test_a_demo_home_the_os_cannot_look_up_is_a_usage_error(tmp_path: Path) -> None:
    from orsync.errors import UsageError
    from orsync.services.demo import demo_home

    with pytest.raises(UsageError, match="File name too long"), demo_home(tmp_path / TOO_LONG):
        pass


def test_a_file_where_orsync_needs_a_folder_is_a_config_problem(tmp_path: Path) -> None:
    # ORSYNC_HOME, or its state folder, left as a file: mkdir and open fail with ENOTDIR.
    from orsync.config import Config
    from orsync.env import ensure_private_dir, write_private_file
    from orsync.errors import ConfigError

    blocker = tmp_path / "home"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=f"{blocker} is not a folder"):
        ensure_private_dir(blocker)
    with pytest.raises(ConfigError, match="Not a directory"):
        ensure_private_dir(blocker / "state")
    with pytest.raises(ConfigError, match=f"{blocker} is not a folder"):
        write_private_file(blocker / "config.yaml", "x")
    with pytest.raises(ConfigError, match=f"{blocker} is not a folder"):
        save_config(blocker / "config.yaml", Config())
    assert blocker.read_text() == "not a folder"
