"""Public HTML made inert: an nh3 allow-list, no remote resources, visible link targets."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
}
_ATTRIBUTES = {"a": {"href", "title"}}
_SCHEMES = {"http", "https", "mailto"}
_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|blockquote|li|pre)>|<br\s*/?>", re.I)

MAX_BODY_CHARS = 200_000


def _show_target(match: re.Match[str]) -> str:
    href, rest, label = match.group(1), match.group(2), match.group(3)
    target = html.unescape(href)
    label_text = html.unescape(_TAG.sub("", label)).strip()
    host = urlsplit(target).netloc or target
    if label_text in (target, target.rstrip("/"), host):
        return f'<a href="{href}"{rest}>{label}</a>'
    # A link's words may lie about where it goes; show the real destination beside it.
    return (
        f'<a href="{href}"{rest}>{label}</a> <span class="link-target">[{html.escape(host)}]</span>'
    )


def _clean(raw: str) -> str:
    return nh3.clean(
        raw[:MAX_BODY_CHARS],
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def sanitise_html(raw: str) -> str:
    """Allow-listed HTML safe to show: no scripts, styles, images, iframes or handlers."""
    return _LINK.sub(_show_target, _clean(raw))


def html_to_text(raw: str) -> str:
    """Plain text of public HTML, for search, snippets and counting."""
    return _text_of(nh3.clean(raw[:MAX_BODY_CHARS], tags=_TAGS, attributes={}))


def sanitise_with_text(raw: str) -> tuple[str, str]:
    """`sanitise_html(raw)` and `html_to_text(raw)`, cleaning the HTML once where it can.

    The two cleanings keep the same tags and words and differ only in a link's attributes,
    so without a link the first cleaning is the second one too (most comments).
    """
    cleaned = _clean(raw)
    text = _text_of(cleaned) if "<a" not in cleaned else html_to_text(raw)
    return _LINK.sub(_show_target, cleaned), text


def _text_of(cleaned: str) -> str:
    text = _BLOCK_END.sub("\n", cleaned)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def text_to_html(text: str) -> str:
    """Plain public text shown as HTML: escaped, paragraphs kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
