"""What a force's IT configures centrally and the services use: proxy, force name, 101, attachments.

The composition root (console/context.py) reads the configuration files and installs one
`SiteConfig` for the process before anything connects or renders a reply; services read it
with `current()`. A connector is built deep inside the sync engine and a saved reply is
filled from the desktop's composer, so the value is installed once rather than passed
through every constructor on the way. Without an installed value the defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from services.errors import InvalidInput

DEFAULT_NON_EMERGENCY = "101"
PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://")


@dataclass(frozen=True)
class SiteConfig:
    force_name: str | None = None
    non_emergency_number: str = DEFAULT_NON_EMERGENCY
    # Every connection to a platform goes through it (services/channels/http.py); None: direct,
    # or whatever HTTP(S)_PROXY says in the environment.
    http_proxy: str | None = None
    # Where e-mail attachments are kept for a PostgreSQL database (services/records/attachments.py);
    # None: not kept. A SQLite database keeps them beside its file whatever this says.
    attachments_folder: str | None = None


def site_config(
    force_name: str | None = None,
    non_emergency_number: str | None = None,
    http_proxy: str | None = None,
    attachments_folder: str | None = None,
) -> SiteConfig:
    """A checked SiteConfig from configured text: blanks are "not set", a bare host:port proxy is HTTP."""
    proxy = (http_proxy or "").strip() or None
    if proxy is not None and "://" not in proxy:
        proxy = f"http://{proxy}"
    if proxy is not None and not proxy.lower().startswith(PROXY_SCHEMES):
        raise InvalidInput(f"http_proxy {proxy!r}: use http://host:port (or https://, socks5://)")
    return SiteConfig(
        force_name=(force_name or "").strip() or None,
        non_emergency_number=(non_emergency_number or "").strip() or DEFAULT_NON_EMERGENCY,
        http_proxy=proxy,
        attachments_folder=(attachments_folder or "").strip() or None,
    )


_current = SiteConfig()


def install(config: SiteConfig) -> None:
    """The process's configuration from now on (the composition root calls this)."""
    global _current
    _current = config


def current() -> SiteConfig:
    return _current


@contextmanager
def installed(config: SiteConfig) -> Iterator[SiteConfig]:
    """`config` for the block, then the one before it again (tests, one-off commands)."""
    before = _current
    install(config)
    try:
        yield config
    finally:
        install(before)


@dataclass(frozen=True)
class CentralSetting:
    """One central setting as the settings dialog shows it (console/context.py builds them)."""

    name: str
    description: str
    is_flag: bool
    value: str | bool | None
    shown: str  # the value as shown: passwords in URLs hidden, "(not set)"
    source: str  # "system file /etc/xdg/...", "user file ...", "environment ...", "default"
    locked_reason: str | None = None  # None: the person may change it in their own file

    @property
    def locked(self) -> bool:
        return self.locked_reason is not None


# Writes the changed settings (None: remove) to the person's own file; the settings after.
SaveCentral = Callable[[Mapping[str, str | bool | None]], tuple[CentralSetting, ...]]


@dataclass(frozen=True)
class CentralConfig:
    settings: tuple[CentralSetting, ...] = ()
    save: SaveCentral | None = None
    where: str = ""  # the person's own file, named in the dialog
