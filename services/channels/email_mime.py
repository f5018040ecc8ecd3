"""Reading one e-mail: ids for threading, who wrote it, its text, its attachments, whether a person sent it.

Everything here is pure (bytes in, values out) so that one broken message
never stops a mailbox: an unknown charset, bytes valid in no charset or a
malformed header give a readable result with a visible marker, never an
exception (CHANNELS.md §3).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from typing import Any

from services.channels.sanitise import html_to_text
from services.records.attachments import TOO_LARGE, IncomingFile, within_limits

_ID = re.compile(r"<([^<>\s]+)>")
_BARE_ID = re.compile(r"[^<>\s@]+@[^<>\s@]+")
# Reply and forward prefixes in the languages a UK force meets most, repeated ("Re: AW: Fwd:").
_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|sv|wg|tr|antw|vs|ref)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.I | re.S)
_AUTOMATED_FROM = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.I)
_BULK = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
MARKER_BYTES = (
    "[Front Counter: some characters of this message were not valid {charset} "
    "and are shown as \ufffd]"
)
MARKER_CHARSET = (
    "[Front Counter: this message says its text is in {charset!r}, which is not a known "
    "character set; it is shown as UTF-8, unreadable characters as \ufffd]"
)
HEADER_FIELDS = (
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "SUBJECT",
    "FROM",
    "TO",
    "REPLY-TO",
    "DATE",
    "AUTO-SUBMITTED",
    "PRECEDENCE",
    "X-AUTO-RESPONSE-SUPPRESS",
    "X-AUTOREPLY",
    "X-AUTORESPOND",
    "RETURN-PATH",
    "CONTENT-TYPE",
)


@dataclass(frozen=True)
class Mailbox:
    """One address with its display name, both decoded."""

    name: str
    address: str

    @property
    def shown(self) -> str:
        return self.name or self.address


@dataclass(frozen=True)
class Head:
    """What the headers say: enough to thread a message and to tell a person from a machine."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: Mailbox | None
    to: tuple[Mailbox, ...]
    reply_to: Mailbox | None
    date: datetime | None
    automated: str | None  # why it is not from a person, or None

    @property
    def thread_subject(self) -> str:
        return normalised_subject(self.subject)


@dataclass(frozen=True)
class Attachment:
    name: str
    mime: str
    size: int
    kept: bool = True  # within services.records.attachments' limits

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "mime": self.mime, "size": self.size}


@dataclass(frozen=True)
class Content:
    """The readable parts: `html` as received (ingest sanitises it), `text` the plain view."""

    text: str
    html: str | None
    attachments: tuple[Attachment, ...] = ()
    problems: tuple[str, ...] = field(default=())
    files: tuple[IncomingFile, ...] = field(default=(), repr=False)
    """The attachments' bytes to keep (None for one over the limits), in listing order."""


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


# ---- headers -------------------------------------------------------------------------


def _raw_value(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def header_text(msg: Message, name: str) -> str:
    """A header decoded: RFC 2047 words, and raw 8-bit bytes as UTF-8 or else Windows-1252."""
    raw = _raw_value(msg, name)
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        data = raw.encode("ascii", "surrogateescape")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("cp1252", "replace")
    try:
        value = str(email.policy.default.header_factory(name, raw))
    except Exception:  # a header the parser chokes on is shown as it came
        value = raw
    return " ".join(value.split())


def _mailboxes(msg: Message, name: str) -> tuple[Mailbox, ...]:
    text = header_text(msg, name)
    if not text:
        return ()
    found = []
    for display, address in email.utils.getaddresses([text]):
        if "@" in address:
            found.append(Mailbox(" ".join(display.split()), address.strip().lower()))
    return tuple(found)


def _ids(value: str) -> list[str]:
    ids = [f"<{m}>" for m in _ID.findall(value)]
    if not ids:
        ids = [f"<{m}>" for m in _BARE_ID.findall(value)]
    return ids


def normalised_subject(subject: str) -> str:
    """The subject a thread is known by: reply and forward prefixes and spacing removed."""
    return " ".join(_PREFIX.sub("", subject).split())


def _date(msg: Message) -> datetime | None:
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def automated_reason(msg: Message, sender: Mailbox | None) -> str | None:
    """Why this message came from a machine (RFC 3834 and the customs around it), or None."""
    auto = header_text(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"auto-submitted ({auto})"
    if msg.get_content_type() == "multipart/report" or header_text(
        msg, "Content-Type"
    ).lower().startswith("multipart/report"):
        return "delivery or read report"
    if header_text(msg, "Return-Path").replace(" ", "") == "<>":
        return "null return path (a bounce)"
    if sender is not None and _AUTOMATED_FROM.match(sender.address):
        return f"sent by {sender.address}"
    if header_text(msg, "Precedence").lower() in _BULK:
        return f"precedence {header_text(msg, 'Precedence').lower()}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if header_text(msg, name):
            return f"{name.lower()} header"
    return None


def head_of(msg: Message) -> Head:
    """The headers of a full message, or of a header-only fetch (HEADER_FIELDS)."""
    own = _ids(header_text(msg, "Message-ID"))
    subject = header_text(msg, "Subject")
    senders = _mailboxes(msg, "From")
    sender = senders[0] if senders else None
    if own:
        message_id = own[0]
    else:
        # No Message-ID: the same message must get the same id on every fetch, in any folder
        # and after a UIDVALIDITY change, so only what it says can name it (CHANNELS.md §3).
        basis = "|".join((header_text(msg, "Date"), header_text(msg, "From"), subject)).encode()
        message_id = f"<sha256-{hashlib.sha256(basis).hexdigest()[:40]}@front-counter.invalid>"
    replies = _ids(header_text(msg, "In-Reply-To"))
    reply_to = _mailboxes(msg, "Reply-To")
    return Head(
        message_id=message_id,
        in_reply_to=replies[0] if replies else None,
        references=tuple(dict.fromkeys(_ids(header_text(msg, "References")))),
        subject=subject,
        sender=sender,
        to=_mailboxes(msg, "To"),
        reply_to=reply_to[0] if reply_to else None,
        date=_date(msg),
        automated=automated_reason(msg, sender),
    )


# ---- bodies --------------------------------------------------------------------------


def decode_text(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text in its declared charset; a marker (second value) when it had to be guessed or patched."""
    declared = (charset or "us-ascii").strip().strip('"').lower() or "us-ascii"
    try:
        return data.decode(declared), None
    except LookupError:
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace"), MARKER_CHARSET.format(charset=declared)
    except UnicodeDecodeError:
        pass
    # Undeclared 8-bit text is usually UTF-8; declared text that is not valid is patched visibly.
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode(declared, "replace"), MARKER_BYTES.format(charset=declared)


def _part_text(part: Message) -> tuple[str, str | None]:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return "", None
    return decode_text(data, part.get_content_charset())


def _attachments(msg: EmailMessage) -> tuple[tuple[Attachment, ...], tuple[IncomingFile, ...]]:
    """The attachments listed, and their bytes where they are within the limits."""
    found: list[tuple[str, str, bytes]] = []
    if not msg.is_multipart():
        return (), ()
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        name = part.get_filename()
        if disposition != "attachment" and not name:
            continue
        data = part.get_payload(decode=True)
        found.append(
            (
                " ".join(str(name or "unnamed").split()),
                part.get_content_type(),
                data if isinstance(data, bytes) else b"",
            )
        )
    keeps = within_limits([len(data) for _n, _m, data in found])
    listed = tuple(
        Attachment(name, mime, len(data), kept)
        for (name, mime, data), kept in zip(found, keeps, strict=True)
    )
    files = tuple(
        IncomingFile(name, mime, len(data), data if kept else None)
        for (name, mime, data), kept in zip(found, keeps, strict=True)
    )
    return listed, files


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def _attachment_lines(attachments: tuple[Attachment, ...]) -> tuple[str, str]:
    if not attachments:
        return "", ""
    lines = [
        f"{a.name} ({a.mime}, {human_size(a.size)})" + ("" if a.kept else f": {TOO_LARGE}")
        for a in attachments
    ]
    title = "Attachments (not opened):"
    text = "\n\n" + title + "\n" + "\n".join(f"- {line}" for line in lines)
    markup = (
        f"<p><b>{html.escape(title)}</b></p><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        + "</ul>"
    )
    return text, markup


def content_of(msg: EmailMessage) -> Content:
    """The text and HTML to show, the attachments listed, and the problems met on the way."""
    problems: list[str] = []
    plain_part = msg.get_body(("plain",))
    html_part = msg.get_body(("html",))
    text = markup = None
    if plain_part is not None:
        text, problem = _part_text(plain_part)
        problems += [problem] if problem else []
    if html_part is not None:
        markup, problem = _part_text(html_part)
        if problem and problem not in problems:
            problems.append(problem)
        markup = _HEAD.sub("", markup)
    attachments, files = _attachments(msg)
    if text is None and markup is None and not msg.is_multipart():
        # A single non-text part (or no Content-Type at all): show what can be read.
        text, problem = _part_text(msg)
        problems += [problem] if problem else []
    if text is None and markup is not None:
        text = html_to_text(markup)
    extra_text, extra_html = _attachment_lines(attachments)
    # Markers follow the words, so list snippets show what the person wrote.
    banner = "\n".join(problems)
    text_out = (text or "").strip() + ("\n\n" + banner if banner else "") + extra_text
    html_out = None
    if markup is not None:
        html_out = (
            markup + "".join(f"<p><b>{html.escape(p)}</b></p>" for p in problems) + extra_html
        )
    return Content(text_out.strip(), html_out, attachments, tuple(problems), files)
