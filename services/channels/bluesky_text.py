"""How Bluesky counts, addresses and links a post: graphemes, UTF-8 byte facets, at:// URIs.

A post is at most 300 extended grapheme clusters and 3,000 UTF-8 bytes
(CHANNELS.md §7). Links and @handles are plain text unless a facet names their
byte range; the composer check and the connector share these rules.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

import regex

GRAPHEME_LIMIT = 300
BYTE_LIMIT = 3000
POST = "app.bsky.feed.post"
APP = "https://bsky.app"
# Links as the Bluesky app detects them: scheme and no spaces; trailing punctuation is prose.
_LINK = re.compile(r"(?<![\w/])https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)]}'\""
# `@name.example.social`: a handle is a domain name (ASCII labels, at least one dot).
_HANDLE = re.compile(
    r"(?<![\w@.])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)",
    re.ASCII,
)
_SPACE = re.compile(r"\s+")


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def too_long(text: str) -> str | None:
    """Why Bluesky would refuse this text as a post, in words for the officer; None if it fits."""
    counted = graphemes(text)
    if counted > GRAPHEME_LIMIT:
        return (
            f"the reply is {counted} characters; Bluesky allows {GRAPHEME_LIMIT} "
            "(an emoji, even one made of several symbols, counts as one)"
        )
    size = len(text.encode("utf-8"))
    if size > BYTE_LIMIT:
        return f"the reply is {size:,} bytes in UTF-8; Bluesky allows {BYTE_LIMIT:,}"
    return None


def reply_problem(
    body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
) -> str | None:
    """Why Bluesky would refuse this reply (the connector's capability; raw and cursor unused)."""
    return too_long(body.strip())


def split_uri(uri: str) -> tuple[str, str, str]:
    """(repo DID, collection, record key) of `at://did/collection/rkey`; ValueError otherwise."""
    if not uri.startswith("at://"):
        raise ValueError(f"not an at:// URI: {uri[:60]!r}")
    parts = uri[len("at://") :].split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not a record URI: {uri[:60]!r}")
    return parts[0], parts[1], parts[2]


def profile_url(handle_or_did: str) -> str:
    return f"{APP}/profile/{handle_or_did}"


def permalink(handle_or_did: str, uri: str) -> str | None:
    """The post's page on bsky.app; None for a URI that is not a post."""
    try:
        _, collection, rkey = split_uri(uri)
    except ValueError:
        return None
    return f"{APP}/profile/{handle_or_did}/post/{rkey}" if collection == POST else None


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def facets(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Link and mention facets for `text`, ranges in UTF-8 bytes; an unknown handle stays text."""
    out: list[dict[str, Any]] = []
    for m in _LINK.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        if url.count("(") > url.count(")") and m.group(0)[len(url) :].startswith(")"):
            url += ")"  # a Wikipedia-style link keeps its closing parenthesis
        out.append(
            {
                "index": _byte_range(text, m.start(), m.start() + len(url)),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    for m in _HANDLE.finditer(text):
        handle = m.group(1).rstrip(".")
        did = resolve(handle.lower())
        if did:
            out.append(
                {
                    "index": _byte_range(text, m.start(), m.start() + 1 + len(handle)),
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                }
            )
    return sorted(out, key=lambda f: int(f["index"]["byteStart"]))


def _target(feature: Any) -> str | None:
    if not isinstance(feature, dict):
        return None
    kind = feature.get("$type")
    if kind == "app.bsky.richtext.facet#link" and isinstance(feature.get("uri"), str):
        return str(feature["uri"])
    if kind == "app.bsky.richtext.facet#mention" and isinstance(feature.get("did"), str):
        return profile_url(str(feature["did"]))
    if kind == "app.bsky.richtext.facet#tag" and isinstance(feature.get("tag"), str):
        return f"{APP}/hashtag/{feature['tag']}"
    return None


def _escaped(part: bytes) -> str:
    return html.escape(part.decode("utf-8", errors="replace")).replace("\n", "<br>")


def to_html(text: str, found: Any) -> str:
    """The post as HTML: its text, with each faceted range a link to what the facet names.

    Facets from outside may overlap, run past the text or split a character:
    those are ignored and the text stays as written.
    """
    data = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in found if isinstance(found, list) else []:
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list) or not features:
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        target = _target(features[0])
        if not (isinstance(start, int) and isinstance(end, int) and target):
            continue
        if 0 <= start < end <= len(data):
            spans.append((start, end, target))
    parts: list[str] = []
    at = 0
    for start, end, target in sorted(spans):
        if start < at:
            continue  # overlaps the facet before it
        parts.append(_escaped(data[at:start]))
        label = _escaped(data[start:end])
        parts.append(f'<a href="{html.escape(target)}">{label}</a>')
        at = end
    parts.append(_escaped(data[at:]))
    return f"<p>{''.join(parts)}</p>"


def same_text(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return _SPACE.sub(" ", text).strip()

    return norm(a) == norm(b)
