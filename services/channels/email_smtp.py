"""Our answer as an e-mail, and the SMTP conversation that sends it.

The Message-ID is made from the item answered and the reply's words, so the
same reply always has the same id: after a crash the connector looks for it
in the Sent folder instead of sending it again. The SMTP dialogue is split
so that everything that usually fails (connecting, TLS, login, refused
recipients) happens before we commit to sending: see `Sending`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from services.channels.errors import ChannelError, CredentialsRejected, Rejected, Unavailable

SECURITIES = ("tls", "starttls", "none")
TIMEOUT = 20.0
_RE = ("re:", "aw:", "sv:", "antw:")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_server(value: str, default_port: int) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`, or a bare host) as typed in `channel add`."""
    text = value.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"{value!r} names no server")
    if port_text and not port_text.isdigit():
        raise ValueError(f"{value!r}: the port must be a number")
    port = int(port_text) if port_text else default_port
    if not 0 < port < 65536:
        raise ValueError(f"{value!r}: no such port")
    return host, port


def check_security(security: str, *hosts: str) -> None:
    if security not in SECURITIES:
        raise ChannelError(f"unknown security {security!r}: use one of {', '.join(SECURITIES)}")
    if security == "none":
        for host in hosts:
            if not is_loopback(host):
                raise ChannelError(
                    f"security 'none' would send the password to {host} unencrypted: "
                    "it is allowed only for a server on this machine (127.0.0.1)"
                )


def reply_message_id(item_external_id: str, body: str, address: str) -> str:
    digest = hashlib.sha256(f"{item_external_id}\0{body.strip()}".encode()).hexdigest()[:32]
    domain = address.rpartition("@")[2] or "front-counter.invalid"
    return f"<fc-{digest}@{domain}>"


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject.lower().startswith(_RE) else f"Re: {subject}".rstrip()


def build_reply(
    target: dict[str, Any],
    item_external_id: str,
    body: str,
    sender_name: str,
    sender_address: str,
    now: datetime | None = None,
    signature: str = "",
) -> EmailMessage:
    """The reply with From, To, Re: subject, In-Reply-To and References (RFC 5322 §3.6.4).

    A signature goes below the words after the usual "-- " line; the Message-ID is made
    from the words alone, so the same reply keeps its id whatever the signature says.
    """
    to = target.get("reply_to") or target.get("from")
    if not isinstance(to, str) or "@" not in to:
        raise Rejected("this e-mail has no address to answer")
    parent = str(target.get("message_id") or "")
    earlier = [str(r) for r in target.get("references") or []]
    if not earlier and target.get("in_reply_to"):
        earlier = [str(target["in_reply_to"])]
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender_address))
    msg["To"] = formataddr((str(target.get("reply_to_name") or target.get("from_name") or ""), to))
    msg["Subject"] = reply_subject(str(target.get("subject") or ""))
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = reply_message_id(item_external_id, body, sender_address)
    if parent:
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(dict.fromkeys([*earlier, parent]))
    text = body.strip() + "\n"
    if signature.strip():
        text += "\n-- \n" + signature.strip() + "\n"
    msg.set_content(text)
    return msg


class Sending:
    """One SMTP session: `prepare` does everything that can be refused, `deliver` hands the words over."""

    def __init__(self, host: str, port: int, security: str, login: str, password: str) -> None:
        check_security(security, host)
        self._host, self._port, self._security = host, port, security
        self._login, self._password = login, password
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        where = f"{self._host}:{self._port}"
        try:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP
            if self._security == "tls":
                smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=TIMEOUT, context=context)
            else:
                smtp = smtplib.SMTP(self._host, self._port, timeout=TIMEOUT)
                if self._security == "starttls":
                    smtp.starttls(context=context)
            self._smtp = smtp
            smtp.ehlo_or_helo_if_needed()
            if smtp.has_extn("auth"):
                smtp.login(self._login, self._password)
            return smtp
        except smtplib.SMTPAuthenticationError:
            self.close()
            raise CredentialsRejected(f"the SMTP server {where} refused the login") from None
        except smtplib.SMTPNotSupportedError:
            self.close()
            raise ChannelError(f"the SMTP server {where} does not offer STARTTLS") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Unavailable(f"cannot use the SMTP server {where}: {_reason(exc)}") from None

    def prepare(self, msg: EmailMessage) -> None:
        """MAIL FROM and RCPT TO: a refused recipient ends it here, before anything is filed."""
        smtp = self._smtp or self.open()
        sender = str(msg["From"].addresses[0].addr_spec)
        recipients = [a.addr_spec for a in msg["To"].addresses]
        try:
            code, answer = smtp.mail(sender)
            if code != 250:
                raise _refusal(code, answer, "the sender")
            for rcpt in recipients:
                code, answer = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    raise _refusal(code, answer, rcpt)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise Unavailable(f"the SMTP server went away: {_reason(exc)}") from None

    def deliver(self, data: bytes) -> None:
        """DATA: once this returns, the server has the message."""
        assert self._smtp is not None
        try:
            code, answer = self._smtp.data(data)
        except smtplib.SMTPDataError as exc:
            raise _refusal(exc.smtp_code, exc.smtp_error, "the message") from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise Unavailable(f"the SMTP server went away while sending: {_reason(exc)}") from None
        if code != 250:
            raise _refusal(code, answer, "the message")

    def check(self) -> str:
        smtp = self.open()
        return (
            f"SMTP {self._host}:{self._port} accepted the login"
            if smtp.has_extn("auth")
            else f"SMTP {self._host}:{self._port} answered (no login asked)"
        )

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _refusal(code: int, answer: bytes | str, what: str) -> ChannelError:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    if 400 <= code < 500:
        return Unavailable(f"the SMTP server asked to try {what} later ({code} {text})")
    return Rejected(f"the SMTP server refused {what}: {code} {text}")
