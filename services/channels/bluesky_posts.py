"""A Bluesky post record read as an item: its times, strong refs, author and body HTML.

Shared by reading (notifications, reconcile) and writing (the reply just
posted is stored as an outbound item the same way).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from services.channels import bluesky_text as text
from services.channels.errors import BadPayload
from services.channels.incoming import Author, Incoming
from services.store.models import ItemKind

_TITLE = 80
# A post may claim any creation time; one claimed this far past its indexing is not believed.
_CLOCK_SLACK = timedelta(minutes=5)


def parse_time(value: Any, where: str, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{where}: field {name!r} is missing")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"{where}: field {name!r} is unreadable ({value[:40]!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def clip(words: str, size: int = _TITLE) -> str:
    words = " ".join(words.split())
    return words if len(words) <= size else words[: size - 1].rstrip() + "…"


def ref(value: Any) -> dict[str, str] | None:
    """A strong ref {uri, cid}, or None when either is missing."""
    if not isinstance(value, dict):
        return None
    uri, cid = value.get("uri"), value.get("cid")
    return {"uri": uri, "cid": cid} if isinstance(uri, str) and isinstance(cid, str) else None


def post_item(
    uri: str, record: dict[str, Any], author: Any, indexed_at: Any, where: str
) -> Incoming:
    """A post as an item, without its thread: the fields every use shares."""
    if not isinstance(author, dict) or not isinstance(author.get("did"), str):
        raise BadPayload(f"{where}: a post without its author's 'did'")
    handle = author.get("handle") if isinstance(author.get("handle"), str) else None
    name = author.get("displayName")
    did = str(author["did"])
    indexed = parse_time(indexed_at, where, "indexedAt") if indexed_at else None
    created: datetime | None
    try:
        created = parse_time(record.get("createdAt"), where, "createdAt")
    except BadPayload:
        created = indexed
    if created is None or (indexed is not None and created > indexed + _CLOCK_SLACK):
        created = indexed  # a clock in the future would sort the item above everything
    reply = record.get("reply")
    parent = ref(reply.get("parent")) if isinstance(reply, dict) else None
    return Incoming(
        external_id=uri,
        kind=ItemKind.MENTION,
        created_at=created,
        author=Author(
            did,
            name if isinstance(name, str) and name.strip() else (handle or did),
            f"@{handle}" if handle else None,
            text.profile_url(handle or did),
        ),
        thread=None,
        body_html=body_html(record),
        parent_external_id=parent["uri"] if parent else None,
        permalink=text.permalink(handle or did, uri),
        raw=record,
    )


def body_html(record: dict[str, Any]) -> str:
    """The text with its facets as links, and what the post embeds named for the officer."""
    words = record.get("text")
    parts = [text.to_html(words if isinstance(words, str) else "", record.get("facets"))]
    embed = record.get("embed")
    notes: list[str] = []
    if isinstance(embed, dict):
        media = embed.get("media") if isinstance(embed.get("media"), dict) else embed
        images = media.get("images") if isinstance(media, dict) else None
        for image in images if isinstance(images, list) else []:
            alt = image.get("alt") if isinstance(image, dict) else None
            notes.append(f"image: {_attr(str(alt or 'no description'))}")
        external = embed.get("external")
        if isinstance(external, dict) and isinstance(external.get("uri"), str):
            notes.append(
                f'<a href="{_attr(external["uri"])}">link card: {_attr(str(external.get("title") or external["uri"]))}</a>'
            )
        quoted = embed.get("record")
        quoted = quoted.get("record", quoted) if isinstance(quoted, dict) else None
        if isinstance(quoted, dict) and isinstance(quoted.get("uri"), str):
            notes.append(f"quotes {_attr(quoted['uri'])}")
        if embed.get("$type") == "app.bsky.embed.video":
            notes.append("video")
    if notes:
        parts.append("<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>")
    return "".join(parts)


def _attr(value: str) -> str:
    return html.escape(value)
