"""RSS/Atom feeds (and WordPress's public comment feed): httpx fetches, feedparser parses bytes.

Conditional GET with the stored ETag / Last-Modified; entries become
read-only items. A not-well-formed feed is kept only when its entries can
be trusted (an id or link and a title each), as CHANNELS.md §2 sets out.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.channels import feed_bounds, feed_raw, kinds
from services.channels.errors import BadPayload, ChannelError, Gone
from services.channels.http import Response, make_client, redact, request
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.channels.wordpress_discovery import comment_feed_address, site_of_comment_feed
from services.store.models import ItemKind

if TYPE_CHECKING:
    import httpx

_COMMENT_ID = re.compile(r"#comment-(\d+)$")
_KEEP_WARNINGS = ("CharacterEncodingOverride", "NonXMLContentType")


def _when(entry: Any) -> datetime | None:
    """The entry's own time; None when the feed gives none (ingest then uses the fetch time)."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if isinstance(parsed, time.struct_time):
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _entry_id(entry: Any) -> str:
    ident = entry.get("id") or entry.get("link")
    if ident:
        return str(ident)
    basis = f"{entry.get('title', '')}|{entry.get('published', entry.get('updated', ''))}"
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


class FeedConnector(kinds.Feed):
    def __init__(
        self, url: str, client: httpx.Client | None = None, wordpress_comments: bool = False
    ) -> None:
        self._url = url
        self._client = client or make_client()
        self._wordpress_comments = wordpress_comments
        self._feed_address: str | None = None
        self.warning: str | None = None

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> FeedConnector:
        login = cfg.config.get("login")
        if login and client is None:
            # A private feed: basic auth with the keyring's secret, never a user:password@ URL.
            client = make_client(auth=(str(login), cfg.secret or ""))
        return cls(cfg.config["url"], client, bool(cfg.config.get("wordpress_comments")))

    def close(self) -> None:
        self._client.close()

    def test(self) -> str:
        parsed, _resp = self._get({})
        if parsed is None:
            return "feed unchanged since the last fetch"
        return f'feed "{parsed.feed.get("title", "(untitled)")}": {len(parsed.entries)} entries'

    def _get(self, cursor: dict[str, Any]) -> tuple[Any, Any]:
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        resp = self._fetch_feed(headers)
        if resp.status == 304:
            return None, resp
        body, cuts = feed_bounds.bound_names(resp.body)
        import feedparser  # imported on first use: feedparser costs ~50 ms of the start-up

        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={
                "content-type": resp.headers.get("content-type", ""),
                "content-location": resp.url,
            },
        )
        self._check(parsed)
        if cuts:
            note = feed_bounds.describe(cuts)
            self.warning = f"{self.warning}; {note}" if self.warning else note
        return parsed, resp

    @property
    def address(self) -> str:
        return self._feed_address or self._url

    def _fetch_feed(self, headers: dict[str, str]) -> Response:
        """The feed. A WordPress comment feed address that answers a page (plain permalinks
        answer `/comments/feed/` with HTML) is found again from the site's home page."""
        resolved = not self._wordpress_comments or self._feed_address is not None
        try:
            resp = request(self._client, "GET", self.address, headers=headers, ok_statuses=(304,))
            if resolved or "html" not in resp.headers.get("content-type", "").lower():
                return resp
        except Gone:
            if resolved:
                raise
        self._feed_address = comment_feed_address(self._client, site_of_comment_feed(self._url))
        return request(self._client, "GET", self._feed_address, headers=headers, ok_statuses=(304,))

    def _check(self, parsed: Any) -> None:
        where = redact(self._url)
        self.warning = None
        if not parsed.get("version") and not parsed.entries:
            raise BadPayload(f"{where} is not a feed (an HTML page?)")
        exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if exc is not None:
            name = type(exc).__name__
            if name in _KEEP_WARNINGS:
                self.warning = f"{where}: {name}"
            elif name == "CharacterEncodingUnknown":
                raise BadPayload(f"{where}: no character encoding could read the feed")
            else:
                trustworthy = parsed.entries and all(
                    (e.get("id") or e.get("link")) and e.get("title") for e in parsed.entries
                )
                line = getattr(exc, "getLineNumber", lambda: None)()
                detail = (
                    f"line {line}: {exc.getMessage()}"
                    if line and hasattr(exc, "getMessage")
                    else str(exc)
                )
                if not trustworthy:
                    raise BadPayload(f"invalid feed: {detail}")
                self.warning = f"feed is not well-formed ({detail}); entries kept"

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        try:
            parsed, resp = self._get(cursor)
        except Gone as exc:
            raise ChannelError(f"feed gone: {exc}") from None
        if parsed is None:
            yield Batch([], cursor=cursor)
            return
        title = parsed.feed.get("title") or redact(self._url)
        link = parsed.feed.get("link")
        sent = _as_sent(resp.body, len(parsed.entries))
        items = [
            self._map(e, title, link, sent.parts[n], sent.media_type)
            if sent
            else self._map(e, title, link)
            for n, e in enumerate(parsed.entries)
        ]
        new_cursor = {
            "etag": resp.headers.get("ETag"),
            "modified": resp.headers.get("Last-Modified"),
        }
        yield Batch(items, cursor=new_cursor)

    def _map(
        self,
        e: Any,
        feed_title: str,
        feed_link: str | None,
        raw_bytes: bytes | None = None,
        media_type: str = "application/xml",
    ) -> Incoming:
        html = None
        if e.get("content"):
            html = e["content"][0].get("value")
        html = html or e.get("summary") or ""
        external = _entry_id(e)
        kind = ItemKind.FEED_ENTRY
        if self._wordpress_comments and (m := _COMMENT_ID.search(e.get("link") or external)):
            external, kind = m.group(1), ItemKind.COMMENT
        name = e.get("author") or feed_title
        detail = e.get("author_detail") or {}
        return Incoming(
            external_id=external,
            kind=kind,
            created_at=_when(e),
            author=Author(
                str(detail.get("email") or name), str(name), detail.get("email"), detail.get("href")
            ),
            thread=ThreadRef(self._url, feed_title, feed_link),
            body_html=f"<p><b>{_escape(e.get('title', ''))}</b></p>{html}"
            if e.get("title")
            else html,
            permalink=e.get("link"),
            needs_reply=False,
            raw={k: str(v)[:20_000] for k, v in e.items() if isinstance(v, str)},
            raw_bytes=raw_bytes,
            raw_media_type=media_type,
        )

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        return []  # feeds keep only their latest entries: absence is not deletion

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        raise ChannelError("feed entries are read-only")

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        return None

    def moderate(self, external_id: str, action: str) -> str:
        raise ChannelError("feeds cannot be moderated")


def _as_sent(body: bytes, count: int) -> feed_raw.Entries | None:
    """Each entry's element as fetched, when the cut can be trusted (see feed_raw)."""
    try:
        found = feed_raw.entry_elements(body)
    except ValueError:
        return None
    return found if len(found.parts) == count else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
