"""Where the application's settings come from: flag, environment, user file, system file, default.

Each setting is declared once with its default and a one-line description; the files and
their locks are console/config_file.py's. Secrets are never settings: they live in the OS keyring.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from console import config_file

APP_NAME = "front-counter"


@dataclass(frozen=True)
class Setting:
    env: str
    description: str


DB = Setting(config_file.KEYS_BY_NAME["database_url"].env, "database URL or SQLite file path")
USER = Setting("FRONT_COUNTER_USER", "login name of the acting user")
TIMEZONE = Setting(
    config_file.KEYS_BY_NAME["time_zone"].env,
    "the force's time zone (default: the workspace's default)",
)


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "front-counter.db"


def database_url(flag: str | None) -> str:
    """--db, else the configuration (env, user file, system file), else the user data folder.

    Raises config_file.ConfigError when --db contradicts a database IT has locked.
    """
    chosen = config_file.with_flag(config_file.load(), "database_url", flag or None, "--db")
    return str(chosen.value or default_db_path())


def acting_user(flag: str | None) -> str:
    return flag or os.environ.get(USER.env) or getpass.getuser()


def timezone_name() -> str:
    # Imported here: `--help` and a mistyped command never load the database layer.
    from services.workspace.settings import DEFAULT_TIMEZONE

    return config_file.load().text("time_zone") or DEFAULT_TIMEZONE


def demo_allowed() -> bool:
    """Whether an empty workspace may open on the demo (IT turns it off for live desktops)."""
    return config_file.load().flag("demo_allowed", default=True)


def sqlite_path(url: str) -> Path | None:
    """The file a database URL names when it is SQLite on disk; None otherwise."""
    if "://" not in url:
        return Path(url).expanduser().resolve()
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        return Path(url[len(prefix) :]).expanduser().resolve()
    return None
