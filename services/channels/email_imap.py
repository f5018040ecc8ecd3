"""The mailbox's settings and an IMAP session to it: what the connector and the IDLE watcher share."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.channels import email_smtp
from services.channels.errors import ChannelError, CredentialsRejected, Unavailable

if TYPE_CHECKING:
    from imapclient import IMAPClient


@dataclass(frozen=True)
class MailboxSettings:
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    login: str
    address: str
    security: str
    display_name: str

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MailboxSettings:
        security = str(config.get("security") or "tls")
        imap_default = 993 if security == "tls" else 143
        smtp_default = 465 if security == "tls" else 587
        imap_host, imap_port = email_smtp.split_server(str(config["imap"]), imap_default)
        smtp_host, smtp_port = email_smtp.split_server(str(config["smtp"]), smtp_default)
        address = str(config["address"])
        return cls(
            imap_host,
            imap_port,
            smtp_host,
            smtp_port,
            str(config.get("login") or address),
            address,
            security,
            str(config.get("display_name") or ""),
        )

    @property
    def where(self) -> str:
        return f"{self.imap_host}:{self.imap_port}"


@contextmanager
def imap_errors(where: str) -> Iterator[None]:
    # imported on first use: imapclient costs ~50 ms of the desktop's start-up
    from imapclient.exceptions import IMAPClientError, LoginError

    try:
        yield
    except LoginError:
        raise CredentialsRejected(f"the IMAP server {where} refused the login") from None
    except (imaplib.IMAP4.abort, OSError, ssl.SSLError) as exc:
        raise Unavailable(
            f"cannot use the IMAP server {where}: {exc or type(exc).__name__}"
        ) from None
    except IMAPClientError as exc:
        raise ChannelError(f"the IMAP server {where} refused a command: {exc}") from None


def open_session(
    s: MailboxSettings, password: str, timeout: float = email_smtp.TIMEOUT
) -> IMAPClient:
    """Connected (TLS or STARTTLS as set) and logged in; errors as ChannelError kinds."""
    # imported on first use: imapclient costs ~50 ms of the desktop's start-up
    from imapclient import IMAPClient

    with imap_errors(s.where):
        context = ssl.create_default_context()
        client = IMAPClient(
            s.imap_host,
            s.imap_port,
            ssl=s.security == "tls",
            ssl_context=context if s.security == "tls" else None,
            timeout=timeout,
        )
        client.normalise_times = False  # aware datetimes
        if s.security == "starttls":
            client.starttls(context)
        client.login(s.login, password)
    return client
