"""How Mastodon counts and addresses a status: the rules the composer check and the connector share.

Mastodon counts grapheme clusters of the content warning plus the text, each
URL as `characters_reserved_per_url` (23 by default) and `@user@domain` as
`@user` (CHANNELS.md §6). The server adds no mentions to a reply, so the text
must start with the `@acct` of the person answered, or a direct reply reaches
nobody: `addressed` puts it there unless the officer already did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import regex

DEFAULT_LIMIT = 500
DEFAULT_URL_CHARS = 23
_URL = re.compile(r"https?://\S+")
# `@user@example.social` (or `@user@127.0.0.1:8001` on a test server) counts as `@user`.
_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+(?::\d+)?", re.ASCII)
_SPACE = re.compile(r"\s+")


def length(text: str, spoiler: str = "", url_chars: int = DEFAULT_URL_CHARS) -> int:
    """The length Mastodon counts for a status with this text and content warning."""
    counted = _MENTION.sub(r"@\1", _URL.sub("x" * url_chars, text))
    return len(regex.findall(r"\X", spoiler + counted))


def status_of(target: dict[str, Any]) -> dict[str, Any]:
    """The status a reply target describes: items keep the notification (with its status) as raw."""
    status = target.get("status", target)
    return status if isinstance(status, dict) else {}


def mention_for(account: dict[str, Any], own_host: str | None = None) -> str:
    """`@acct` for a reply; a local account of our own server is addressed by its user name alone.

    snac2 reports local accounts as `user@host:port`, and would look `@user@host` up
    without the port; `@user` is what any server resolves for its own accounts.
    """
    acct = str(account.get("acct") or account.get("username") or "")
    user, _, domain = acct.partition("@")
    if domain and own_host and domain.lower() == own_host.lower():
        return f"@{user}"
    return f"@{acct}" if acct else ""


def addressed(target: dict[str, Any], body: str, own_host: str | None = None) -> str:
    """The text to post: the officer's words, starting with the `@acct` of the person answered."""
    account = status_of(target).get("account")
    text = body.strip()
    if not isinstance(account, dict):
        return text
    mention = mention_for(account, own_host)
    first = text.split(maxsplit=1)[0].lower() if text else ""
    if not mention or first in (mention.lower(), mention_for(account).lower()):
        return text
    return f"{mention} {text}"


def spoiler_of(target: dict[str, Any]) -> str:
    """The parent's content warning, which a reply keeps."""
    spoiler = status_of(target).get("spoiler_text")
    return spoiler if isinstance(spoiler, str) else ""


def counted_reply(target: dict[str, Any], body: str, url_chars: int = DEFAULT_URL_CHARS) -> int:
    """What Mastodon will count for our reply to `target` (mention and content warning included)."""
    return length(addressed(target, body), spoiler_of(target), url_chars)


def reply_problem(
    body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
) -> str | None:
    """Why this Mastodon server would refuse the reply, with the @mention it starts with.

    The server's own limit and URL length, as the last sync read them (the channel's cursor).
    """
    seen = cursor or {}
    most = int(seen.get("max_characters") or DEFAULT_LIMIT)
    url_chars = int(seen.get("url_chars") or DEFAULT_URL_CHARS)
    used = counted_reply(dict(raw or {}), body, url_chars)
    if used > most:
        return (
            f"the reply is {used} characters with the @mention it starts with; "
            f"this Mastodon server allows {most}"
        )
    return None


def same_text(a: str, b: str) -> bool:
    """Do two status texts say the same, ignoring spacing and the domain part of mentions?"""

    def norm(text: str) -> str:
        return _SPACE.sub(" ", _MENTION.sub(r"@\1", text)).strip().lower()

    return norm(a) == norm(b)


def host_of(url: str | None) -> str | None:
    return urlsplit(url).netloc or None if url else None
