"""Central configuration: IT's system file, the user's file, the environment, and locks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console import config_file, settings
from console.config_file import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    system, user = tmp_path / "system.toml", tmp_path / "user.toml"
    monkeypatch.setenv(config_file.SYSTEM_FILE_ENV, str(system))
    monkeypatch.setenv(config_file.USER_FILE_ENV, str(user))
    for key in config_file.KEYS:
        monkeypatch.delenv(key.env, raising=False)
    return system, user


def test_the_system_file_lives_in_the_platforms_system_config_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(config_file.SYSTEM_FILE_ENV, raising=False)
    monkeypatch.delenv("XDG_CONFIG_DIRS", raising=False)
    expected = {
        "linux": Path("/etc/xdg/front-counter/config.toml"),
        "win32": Path("C:/ProgramData/front-counter/config.toml"),
        "darwin": Path("/Library/Application Support/front-counter/config.toml"),
    }.get(sys.platform)
    if expected is None:
        pytest.skip(f"no expectation for {sys.platform}")
    assert config_file.system_file() == expected


def test_user_file_overrides_system_file_and_environment_overrides_both(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    system, user = files
    system.write_text('time_zone = "Europe/London"\nforce_name = "Northvale Police"\n')
    user.write_text('time_zone = "Europe/Dublin"\n')
    config = config_file.load()
    assert config.values["force_name"].value == "Northvale Police"
    assert config.values["force_name"].source == f"system file {system}"
    assert config.values["time_zone"].value == "Europe/Dublin"
    assert settings.timezone_name() == "Europe/Dublin"
    monkeypatch.setenv("FRONT_COUNTER_TZ", "Europe/Paris")
    assert settings.timezone_name() == "Europe/Paris"
    assert config_file.load().values["time_zone"].source == "environment FRONT_COUNTER_TZ"


def test_a_locked_system_setting_beats_the_user_file_the_environment_and_the_flag(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    system, user = files
    central = "postgresql://db.force.example/frontcounter"
    system.write_text(
        f'database_url = "{central}"\ndemo_allowed = false\nlocked = ["database_url", "demo_allowed"]\n'
    )
    user.write_text(f'database_url = "{tmp_path / "mine.db"}"\ndemo_allowed = true\n')
    monkeypatch.setenv("FRONT_COUNTER_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("FRONT_COUNTER_DEMO_ALLOWED", "yes")
    assert settings.database_url(None) == central
    assert settings.demo_allowed() is False
    config = config_file.load()
    assert config.values["database_url"].locked
    assert any("FRONT_COUNTER_DB" in note and "locked" in note for note in config.notes)
    assert any(str(user) in note and "demo_allowed" in note for note in config.notes)
    with pytest.raises(ConfigError, match=r"--db cannot be used.*locked"):
        settings.database_url(str(tmp_path / "flag.db"))


def test_an_unlocked_system_setting_gives_way_to_the_users(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    system, user = files
    system.write_text("demo_allowed = false\n")
    assert settings.demo_allowed() is False
    user.write_text("demo_allowed = true\n")
    assert settings.demo_allowed() is True


def test_defaults_without_any_file(files: tuple[Path, Path]) -> None:
    assert settings.database_url(None) == str(settings.default_db_path())
    assert settings.demo_allowed() is True
    assert all(v.source == "default" for v in config_file.load().values.values())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("database_url = \n", "cannot read the configuration file"),
        ('databse_url = "x"\n', "unknown setting databse_url"),
        ('demo_allowed = "no"\n', "`demo_allowed` must be true or false"),
        ('locked = "database_url"\n', "`locked` must be a list"),
        ('locked = ["database_url"]\n', "`database_url` is locked but has no value"),
    ],
)
def test_a_broken_system_file_is_refused_with_its_path(
    files: tuple[Path, Path], text: str, problem: str
) -> None:
    system, _ = files
    system.write_text(text)
    with pytest.raises(ConfigError, match=problem) as caught:
        config_file.load()
    assert str(system) in str(caught.value)


def test_locked_in_the_user_file_locks_nothing(files: tuple[Path, Path]) -> None:
    _, user = files
    user.write_text('time_zone = "Europe/Dublin"\nlocked = ["time_zone"]\n')
    config = config_file.load()
    assert not config.values["time_zone"].locked
    assert any("system file only" in note for note in config.notes)


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_config_show_prints_each_setting_with_its_source_and_hides_passwords(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    import os

    system, user = files
    system.write_text(
        'database_url = "postgresql://fc:s3cret@db.force.example/fc"\nlocked = ["database_url"]\n'
    )
    user.write_text('report_folder = "/srv/reports"\n')
    env = {**os.environ, "FRONT_COUNTER_NON_EMERGENCY": "101"}
    done = _cli("config", "show", env=env)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "postgresql://fc:***@db.force.example/fc" in lines["database_url"]
    assert "s3cret" not in done.stdout
    assert f"(system file {system}, locked)" in lines["database_url"]
    assert f"(user file {user})" in lines["report_folder"]
    assert "(environment FRONT_COUNTER_NON_EMERGENCY)" in lines["non_emergency_number"]
    assert "(default)" in lines["http_proxy"]


def test_a_locked_database_refuses_db_on_the_command_line(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    import os

    system, _ = files
    system.write_text(f'database_url = "{tmp_path / "central.db"}"\nlocked = ["database_url"]\n')
    done = _cli("--db", str(tmp_path / "other.db"), "inbox", env=dict(os.environ))
    assert done.returncode == 1
    assert "--db cannot be used" in done.stderr and str(system) in done.stderr
    assert not (tmp_path / "other.db").exists()


def test_an_empty_workspace_opens_on_the_demo_only_where_it_is_allowed(
    files: tuple[Path, Path], sqlite_url: str
) -> None:
    from console.gui import load_demo_on_first_start
    from services import demo
    from services.store.db import make_engine, make_session_factory

    system, _ = files
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    try:
        system.write_text("demo_allowed = false\n")
        assert load_demo_on_first_start(factory) is False
        assert demo.is_empty_workspace(factory)
        system.write_text("demo_allowed = true\n")
        assert load_demo_on_first_start(factory) is True
        assert not demo.is_empty_workspace(factory)
    finally:
        engine.dispose()
