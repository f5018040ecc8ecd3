"""How X counts and reads a post: twitter-text's weighted length (configuration v3), shared by the composer check and the connector, and a post's plain text.

The text is NFC-normalised; every URL counts 23 (`transformedURLLength`),
every emoji sequence 2, and every other code point 1 inside the published
light ranges (Latin, Greek, Cyrillic, Arabic, Hebrew, Indic… U+0000–U+10FF
and some punctuation) and 2 outside them (CJK, most symbols). The limit is
280. Written from the published configuration rather than a dependency: the
Python ports are unmaintained.

URLs are found as twitter-text finds them closely enough to be safe: with a
scheme, or a bare domain ending in a known top-level domain (`police.uk`
counts 23 on X too).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping
from typing import Any

import regex

MAX_WEIGHTED = 280
URL_WEIGHT = 23
# (first, last) code points weighing 1; everything else weighs 2 (config v3, scale 100).
LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|name|pro|mobi|aero|app|dev|page|blog|news|"
    "online|site|website|xyz|top|club|shop|store|tech|live|media|social|police|law|"
    "london|scot|wales|cymru|[a-z]{2}"
)
_URL = regex.compile(
    r"(?i)(?:https?://[^\s<>\"]+"
    r"|(?<![\w@#$./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + _TLDS + r")"
    r"(?![\w-])(?::\d{1,5})?(?:/[^\s<>\"]*)?)"
)
# Punctuation that ends a sentence is not part of the link (twitter-text leaves it out).
_TRAILING = ".,:;!?'\")]}"
_EMOJI = regex.compile(
    r"\p{Emoji_Presentation}|\p{Regional_Indicator}|\u20e3|\p{Extended_Pictographic}\ufe0f"
)


def _urls(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _URL.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def _weight(code_point: int) -> int:
    return 1 if any(lo <= code_point <= hi for lo, hi in LIGHT_RANGES) else 2


def _plain_weight(text: str) -> int:
    total = 0
    for cluster in regex.findall(r"\X", text):
        if _EMOJI.search(cluster):
            total += 2  # an emoji sequence (skin tones, ZWJ families, flags) counts once
        else:
            total += sum(_weight(ord(ch)) for ch in cluster)
    return total


def weighted_length(text: str) -> int:
    """The length X counts for this text."""
    text = unicodedata.normalize("NFC", text)
    total, pos = 0, 0
    for start, end in _urls(text):
        total += _plain_weight(text[pos:start]) + URL_WEIGHT
        pos = end
    return total + _plain_weight(text[pos:])


def too_long(text: str) -> str | None:
    """The reason X would refuse this text for its length, or None."""
    counted = weighted_length(text)
    if counted <= MAX_WEIGHTED:
        return None
    return (
        f"the reply counts {counted} of X's {MAX_WEIGHTED} (X counts each link as "
        f"{URL_WEIGHT}, and most CJK characters and each emoji as 2): shorten it by "
        f"{counted - MAX_WEIGHTED}"
    )


def reply_problem(
    body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
) -> str | None:
    """Why X would refuse this reply (the connector's capability; raw and cursor unused)."""
    return too_long(body.strip())


def plain(post: dict[str, Any]) -> str:
    """The text as written: HTML entities undone, t.co links shown as their real target."""
    text = str(post.get("text") or "")
    entities = post.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for u in urls if isinstance(urls, list) else []:
        if isinstance(u, dict) and isinstance(u.get("url"), str) and u.get("expanded_url"):
            text = text.replace(u["url"], str(u["expanded_url"]))
    return html.unescape(text)


def same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
