"""One e-mail as an item of the common model (CHANNELS.md §8), with what a reply to it needs in `raw`.

`raw` keeps the headers a reply needs (Message-ID, References, Reply-To,
subject), the attachments (name, type, size: ingest may list or store them),
the problems met while decoding, the folder and UID it was read from, and the
HTML as received (capped), never rendered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.channels import email_mime
from services.channels.incoming import Author, Incoming, ThreadRef
from services.store.models import Direction, ItemKind

MAX_SOURCE_CHARS = 100_000
RFC822 = "message/rfc822"


def to_incoming(
    head: email_mime.Head,
    content: email_mime.Content,
    thread: str,
    outbound: bool,
    received: datetime | None = None,
    place: dict[str, Any] | None = None,
    message: bytes | None = None,
) -> Incoming:
    """One message as an item: inbound from the public, or outbound (ours, from Sent).

    `message` is the whole message as the server gave it (RFC 822 bytes): kept as the
    item's raw payload for evidence, byte for byte (services/records/payloads.py).
    """
    sender = head.sender
    author = (
        Author(sender.address, sender.shown, sender.address)
        if sender
        else Author("(no sender)", "(no sender)")
    )
    parent = head.in_reply_to or (head.references[-1] if head.references else None)
    return Incoming(
        external_id=head.message_id,
        kind=ItemKind.EMAIL,
        created_at=head.date or received or datetime.now(UTC),
        author=author,
        thread=ThreadRef(thread, head.thread_subject or "(no subject)"),
        body_html=content.html,
        body_text=content.text,
        parent_external_id=parent,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        needs_reply=not outbound,
        raw=_raw(head, content, place or {}),
        raw_bytes=message,
        raw_media_type=RFC822,
        files=content.files,
    )


def message_item(raw: bytes, outbound: bool = False, thread: str | None = None) -> Incoming:
    """The item a message's bytes make, threaded on its own References when no thread is given."""
    msg = email_mime.parse(raw)
    head = email_mime.head_of(msg)
    if thread is None:
        thread = head.references[0] if head.references else head.in_reply_to or head.message_id
    return to_incoming(head, email_mime.content_of(msg), thread, outbound, message=raw)


def _raw(
    head: email_mime.Head, content: email_mime.Content, place: dict[str, Any]
) -> dict[str, Any]:
    """What the item keeps of the message: the headers a reply needs, the attachments, where it is."""
    sender, reply_to = head.sender, head.reply_to
    raw: dict[str, Any] = {
        "message_id": head.message_id,
        "in_reply_to": head.in_reply_to,
        "references": list(head.references),
        "subject": head.subject,
        "from": sender.address if sender else None,
        "from_name": sender.name if sender else None,
        "reply_to": reply_to.address if reply_to else None,
        "reply_to_name": reply_to.name if reply_to else None,
        "to": [m.address for m in head.to],
        "attachments": [a.as_json() for a in content.attachments],
        "problems": list(content.problems),
        **place,
    }
    if content.html is not None:
        raw["html_source"] = content.html[:MAX_SOURCE_CHARS]
    return raw
