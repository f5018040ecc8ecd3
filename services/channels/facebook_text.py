"""What the Facebook connector makes of Graph's texts: inert HTML with attachments, and the private-reply marker.

A reply that starts with `/private` is sent as a private reply (a Messenger
message to the comment's author) instead of a public comment: the officer
chooses it in the text, so the reviewer sees the choice before it goes out.
"""

from __future__ import annotations

import html
from typing import Any

from services.channels.sanitise import text_to_html

PRIVATE = "/private"
_TITLE = 80


def clip(text: str, size: int = _TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def body_html(obj: dict[str, Any]) -> str:
    """The message as inert HTML, with attachments as links the officer can follow."""
    message = obj.get("message")
    parts = [text_to_html(message) if isinstance(message, str) else ""]
    found: list[dict[str, Any]] = []
    attachment = obj.get("attachment")
    if isinstance(attachment, dict):
        found.append(attachment)
    many = obj.get("attachments")
    data = many.get("data") if isinstance(many, dict) else None
    found += [a for a in data if isinstance(a, dict)] if isinstance(data, list) else []
    links = []
    for a in found:
        media = a.get("media") if isinstance(a.get("media"), dict) else {}
        image = media.get("image") if isinstance(media, dict) else None
        url = (
            a.get("url")
            or a.get("file_url")
            or (a.get("image_data") or {}).get("url")
            or (image.get("src") if isinstance(image, dict) else None)
        )
        if isinstance(url, str) and url:
            label = str(a.get("type") or a.get("mime_type") or a.get("name") or "attachment")
            links.append(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>')
    if links:
        parts.append(f"<ul>{''.join(links)}</ul>")
    return "".join(parts)


def split_private(body: str) -> tuple[bool, str]:
    """(is it a private reply, the text to send): `/private` first asks for one."""
    text = body.strip()
    if text[: len(PRIVATE)].lower() == PRIVATE and text[len(PRIVATE) : len(PRIVATE) + 1] in (
        "",
        " ",
        "\n",
        ":",
    ):
        return True, text[len(PRIVATE) :].lstrip(" :\n")
    return False, text
