"""Central configuration: what a force's IT presets, read from TOML files.

Layers, lowest first: the built-in default, the system file (IT's, in the platform's
system configuration folder), the user's file, the environment, then a command-line flag.
The system file may lock settings (`locked = ["database_url"]`): a locked value is final,
whatever the user's file or the environment say, and a flag that contradicts it is refused.

    # /etc/xdg/front-counter/config.toml (Linux), C:\\ProgramData\\front-counter\\config.toml
    database_url = "postgresql://db.force.example/frontcounter"
    demo_allowed = false
    locked = ["database_url", "demo_allowed"]
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import site_config_dir, user_config_dir

APP_NAME = "front-counter"
FILE_NAME = "config.toml"
SYSTEM_FILE_ENV = "FRONT_COUNTER_SYSTEM_CONFIG"
USER_FILE_ENV = "FRONT_COUNTER_USER_CONFIG"
LOCKED_KEY = "locked"


class ConfigError(Exception):
    """A configuration file cannot be used; its text names the file and the fix.

    Not a services KnownError: reading the configuration must not load `services`
    (`--help` stays quick); console/cli.py shows it the same way.
    """


@dataclass(frozen=True)
class ConfigKey:
    name: str
    kind: type[str] | type[bool]
    description: str
    env: str


# Every setting a configuration file may hold, declared once. A default of None means
# "not set": the caller falls back to its own default (settings.py knows those).
KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("database_url", str, "database URL or SQLite file path", "FRONT_COUNTER_DB"),
    ConfigKey("http_proxy", str, "proxy for every connection to a platform", "FRONT_COUNTER_PROXY"),
    ConfigKey("force_name", str, "the force's name, as the public knows it", "FRONT_COUNTER_FORCE"),
    ConfigKey("time_zone", str, "the force's time zone (IANA name)", "FRONT_COUNTER_TZ"),
    ConfigKey(
        "non_emergency_number",
        str,
        "the force's non-emergency number",
        "FRONT_COUNTER_NON_EMERGENCY",
    ),
    ConfigKey("report_folder", str, "where scheduled reports are written", "FRONT_COUNTER_REPORTS"),
    ConfigKey(
        "attachments_folder",
        str,
        "shared folder for e-mail attachments (PostgreSQL)",
        "FRONT_COUNTER_ATTACHMENTS",
    ),
    ConfigKey(
        "demo_allowed", bool, "may an empty workspace load the demo", "FRONT_COUNTER_DEMO_ALLOWED"
    ),
)
KEYS_BY_NAME = {key.name: key for key in KEYS}

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Value:
    """One effective setting: its value (None: not set) and where it came from."""

    value: str | bool | None
    source: str
    locked: bool = False


@dataclass(frozen=True)
class EffectiveConfig:
    values: Mapping[str, Value]
    system_file: Path
    user_file: Path
    # What was read but not used (a user trying to override a locked setting, an unknown
    # key), so `config show` can say why a value is not the one someone wrote.
    notes: tuple[str, ...] = ()

    def value(self, name: str) -> str | bool | None:
        return self.values[name].value

    def text(self, name: str) -> str | None:
        found = self.values[name].value
        return found if isinstance(found, str) else None

    def flag(self, name: str, default: bool) -> bool:
        found = self.values[name].value
        return found if isinstance(found, bool) else default


def system_file(environ: Mapping[str, str] | None = None) -> Path:
    """IT's file: platformdirs' site config folder (/etc/xdg/front-counter on Linux)."""
    env = os.environ if environ is None else environ
    override = env.get(SYSTEM_FILE_ENV)
    if override:
        return Path(override)
    return Path(site_config_dir(APP_NAME, appauthor=False)) / FILE_NAME


def user_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(USER_FILE_ENV)
    if override:
        return Path(override)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / FILE_NAME


def load(environ: Mapping[str, str] | None = None) -> EffectiveConfig:
    """The effective settings from both files and the environment (flags come later)."""
    env = os.environ if environ is None else environ
    sys_path, user_path = system_file(env), user_file(env)
    values = {key.name: Value(None, "default") for key in KEYS}
    notes: list[str] = []

    system = _read(sys_path)
    locked = _locked_names(system, sys_path)
    for name, raw in system.items():
        if name == LOCKED_KEY:
            continue
        values[name] = Value(_typed(name, raw, sys_path), f"system file {sys_path}", name in locked)
    for name in locked:
        if name not in system:
            raise ConfigError(f"{sys_path}: `{name}` is locked but has no value; set it there")

    user = _read(user_path)
    for name, raw in user.items():
        if name == LOCKED_KEY:
            notes.append(f"{user_path}: `locked` is read from the system file only; ignored")
        elif name in locked:
            notes.append(f"{user_path}: `{name}` is locked by {sys_path}; ignored")
        else:
            values[name] = Value(_typed(name, raw, user_path), f"user file {user_path}")

    for key in KEYS:
        raw_env = env.get(key.env)
        if raw_env is None or raw_env == "":
            continue
        if key.name in locked:
            notes.append(f"environment {key.env}: `{key.name}` is locked by {sys_path}; ignored")
            continue
        values[key.name] = Value(_from_env(key, raw_env), f"environment {key.env}")
    return EffectiveConfig(values, sys_path, user_path, tuple(notes))


def with_flag(config: EffectiveConfig, name: str, flag: str | None, option: str) -> Value:
    """The setting once a command-line flag is counted; a flag may not change a locked value."""
    current = config.values[name]
    if flag is None:
        return current
    if current.locked and flag != current.value:
        raise ConfigError(
            f"{option} cannot be used: `{name}` is locked by {config.system_file}; "
            "ask IT to change it there"
        )
    return Value(flag, f"flag {option}", current.locked)


def lock_reason(config: EffectiveConfig, name: str) -> str | None:
    """Why the user cannot change `name` (the settings dialog shows it); None if they can."""
    if not config.values[name].locked:
        return None
    return f"locked by your IT department in {config.system_file}; ask them to change it"


def save_user_values(
    changes: Mapping[str, str | bool | None], environ: Mapping[str, str] | None = None
) -> EffectiveConfig:
    """Write `changes` into the user's file (None removes a setting); the new effective settings.

    A locked setting is refused here, whatever the caller shows: the lock is IT's.
    """
    config = load(environ)
    for name, new in changes.items():
        if name not in KEYS_BY_NAME:
            raise ConfigError(f"unknown setting {name}")
        reason = lock_reason(config, name)
        if reason is not None:
            raise ConfigError(f"`{name}` cannot be changed: {reason}")
        if new is not None and not isinstance(new, KEYS_BY_NAME[name].kind):
            raise ConfigError(f"`{name}` must be {KEYS_BY_NAME[name].kind.__name__}")
    path = config.user_file
    current = {k: v for k, v in _read(path).items() if k != LOCKED_KEY}
    for name, new in changes.items():
        if new is None or new == "":
            current.pop(name, None)
        else:
            current[name] = new
    lines = ["# Front Counter: your own settings (the settings dialog writes this file)."]
    for name in (k.name for k in KEYS if k.name in current):
        value = current[name]
        lines.append(f"{name} = {_toml_value(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)
    return load(environ)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # A JSON string is a TOML basic string: the same quotes and escapes (\", \\, \n, \uXXXX).
    return json.dumps(str(value), ensure_ascii=False)


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc}") from None
    unknown = sorted(set(data) - set(KEYS_BY_NAME) - {LOCKED_KEY})
    if unknown:
        known = ", ".join(KEYS_BY_NAME)
        raise ConfigError(f"{path}: unknown setting {', '.join(unknown)} (known: {known})")
    return data


def _locked_names(system: Mapping[str, object], path: Path) -> frozenset[str]:
    raw = system.get(LOCKED_KEY, [])
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise ConfigError(
            f'{path}: `locked` must be a list of setting names, e.g. ["database_url"]'
        )
    unknown = [n for n in raw if n not in KEYS_BY_NAME]
    if unknown:
        raise ConfigError(f"{path}: cannot lock unknown setting {', '.join(unknown)}")
    return frozenset(raw)


def _typed(name: str, raw: object, path: Path) -> str | bool:
    kind = KEYS_BY_NAME[name].kind
    if kind is bool and isinstance(raw, bool):
        return raw
    if kind is str and isinstance(raw, str):
        return raw
    wanted = "true or false" if kind is bool else "a quoted string"
    raise ConfigError(f"{path}: `{name}` must be {wanted}, not {raw!r}")


def _from_env(key: ConfigKey, raw: str) -> str | bool:
    if key.kind is not bool:
        return raw
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"environment {key.env}={raw!r}: use true or false")


def shown(value: str | bool | None) -> str:
    """A value as `config show` prints it: passwords in URLs hidden, unset said so."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return re.sub(r"(://[^:/@\s]+:)[^@/\s]+@", r"\1***@", value)
