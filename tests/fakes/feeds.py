"""A fake feed server: RSS 2.0, Atom and WordPress comment feeds with ETag/Last-Modified and broken variants."""

from __future__ import annotations

from typing import Any

from tests.fakes.http_server import FakeServer, Reply, Request

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Northvale appeals</title><link>https://northvale.example/appeals</link>
<item><title>Witness appeal: A614 collision</title><link>https://northvale.example/appeals/1</link>
<guid isPermaLink="false">appeal-1</guid><pubDate>Sun, 22 Nov 2026 18:00:00 +0000</pubDate>
<description>Call 101 quoting incident 412.</description>
<content:encoded><![CDATA[<p>Call <b>101</b> quoting incident 412.<script>alert(1)</script><img src="https://tracker.example/x.gif"></p>]]></content:encoded></item>
<item><title>Missing teenager found</title><link>https://northvale.example/appeals/2</link>
<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate><description>Thank you for sharing.</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom appeals</title><id>urn:x</id><updated>2026-11-23T09:00:00Z</updated>
<entry><title>Atom entry</title><id>urn:entry:1</id><updated>2026-11-23T09:00:00Z</updated>
<author><name>Comms</name></author><content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry></feed>"""

WP_COMMENTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Comments for Northvale blog</title><link>https://blog.example</link>
<item><title>Comment on Recruiting by Jo</title><link>https://blog.example/recruiting/#comment-41</link>
<dc:creator><![CDATA[Jo]]></dc:creator><pubDate>Tue, 17 Nov 2026 10:00:00 +0000</pubDate>
<guid isPermaLink="false">https://blog.example/?p=812#comment-41</guid>
<description><![CDATA[About time!]]></description><content:encoded><![CDATA[<p>About time!</p>]]></content:encoded></item>
</channel></rss>"""

BROKEN = RSS.replace(b"</item>\n<item>", b"\n<item>", 1).replace(b"</channel></rss>", b"")
BROKEN_UNTRUSTED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><description>no title, no link<b></item></channel>"""
LATIN1 = RSS.replace(b"Missing teenager found", "Café owner thanks public".encode("latin-1"))
# The same GUID twice with different content (issue 19): the later copy wins.
REPEATED_GUID = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Repeats</title><link>https://northvale.example/r</link>
<item><title>First copy</title><guid isPermaLink="false">same-1</guid>
<pubDate>Sun, 22 Nov 2026 18:00:00 +0000</pubDate><description>old words</description></item>
<item><title>Second copy</title><guid isPermaLink="false">same-1</guid>
<pubDate>Sun, 22 Nov 2026 18:05:00 +0000</pubDate><description>new words</description></item>
<item><title>Someone else</title><guid isPermaLink="false">other-2</guid>
<pubDate>Sun, 22 Nov 2026 18:10:00 +0000</pubDate><description>fine</description></item>
</channel></rss>"""


def long_author_feed(length: int) -> bytes:
    """An entry whose author is `length` characters: feedparser alone is quadratic in it."""
    name = "A" * length
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Long names</title>
<item><title>Long author</title><guid isPermaLink="false">long-1</guid>
<pubDate>Sun, 22 Nov 2026 18:00:00 +0000</pubDate><author>{name}</author>
<dc:creator><![CDATA[{name}]]></dc:creator><description>hello</description></item>
<item><title>Short author</title><guid isPermaLink="false">short-2</guid>
<pubDate>Sun, 22 Nov 2026 18:05:00 +0000</pubDate><dc:creator>Jo</dc:creator>
<description>hi</description></item>
</channel></rss>""".encode()


HTML_PAGE = (
    b"<!doctype html><html><head><title>Oops</title></head><body><p>Not a feed</p></body></html>"
)


class FakeFeeds:
    def __init__(self) -> None:
        self.docs: dict[str, tuple[bytes, str]] = {
            "/rss": (RSS, "application/rss+xml"),
            "/atom": (ATOM, "application/atom+xml"),
            "/comments/feed/": (WP_COMMENTS, "application/rss+xml"),
            "/broken": (BROKEN, "application/rss+xml"),
            "/untrusted": (BROKEN_UNTRUSTED, "application/rss+xml"),
            "/latin1": (LATIN1, "application/rss+xml; charset=utf-8"),
            "/plain": (RSS, "text/plain"),
            "/html": (HTML_PAGE, "text/html"),
            "/repeat": (REPEATED_GUID, "application/rss+xml"),
            "/long-author": (long_author_feed(100_000), "application/rss+xml"),
        }
        self.etag = '"v1"'
        self.last_modified = "Mon, 23 Nov 2026 09:00:00 GMT"
        self.server = FakeServer(self.handle)

    def start(self) -> FakeFeeds:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def url(self, path: str) -> str:
        return self.server.url + path

    def handle(self, req: Request) -> Reply:
        if req.path == "/gone":
            return Reply(410, b"gone", content_type="text/plain")
        if req.path == "/moved":
            return Reply(301, b"", {"Location": "/rss"})
        if req.path not in self.docs:
            return Reply(404, b"not found", content_type="text/plain")
        body, ctype = self.docs[req.path]
        headers: dict[str, Any] = {"ETag": self.etag, "Last-Modified": self.last_modified}
        if (
            req.headers.get("If-None-Match") == self.etag
            or req.headers.get("If-Modified-Since") == self.last_modified
        ):
            return Reply(304, b"", headers, ctype)
        return Reply(200, body, headers, ctype)
