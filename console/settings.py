"""Where the application's settings come from: flags, then environment, then defaults.

Each setting is declared once with its default and a one-line description.
Secrets are never settings: they live in the OS keyring.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "front-counter"


@dataclass(frozen=True)
class Setting:
    env: str
    description: str


DB = Setting("FRONT_COUNTER_DB", "database URL or SQLite file path")
USER = Setting("FRONT_COUNTER_USER", "login name of the acting user")
TIMEZONE = Setting("FRONT_COUNTER_TZ", "the force's time zone (default: the workspace's default)")


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "front-counter.db"


def database_url(flag: str | None) -> str:
    return flag or os.environ.get(DB.env) or str(default_db_path())


def acting_user(flag: str | None) -> str:
    return flag or os.environ.get(USER.env) or getpass.getuser()


def timezone_name() -> str:
    # Imported here: `--help` and a mistyped command never load the database layer.
    from services.workspace_settings import DEFAULT_TIMEZONE

    return os.environ.get(TIMEZONE.env) or DEFAULT_TIMEZONE


def sqlite_path(url: str) -> Path | None:
    """The file a database URL names when it is SQLite on disk; None otherwise."""
    if "://" not in url:
        return Path(url).expanduser().resolve()
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        return Path(url[len(prefix) :]).expanduser().resolve()
    return None
