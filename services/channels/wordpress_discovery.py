"""Where a WordPress site keeps its REST API and its public comment feed, and calls to that API.

A fresh site has plain permalinks: `/wp-json/` answers the HTML home page and
the API lives at `/index.php?rest_route=/`. Either way the home page names
its API root in a `Link: <…>; rel="https://api.w.org/"` header (and a
`<link rel="https://api.w.org/">` element), and its comment feed in a
`<link rel="alternate" type="application/rss+xml">` element (CHANNELS.md §1–2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from services.channels.errors import BadPayload, ChannelError, Gone
from services.channels.http import Response, redact, request

if TYPE_CHECKING:
    import httpx

API_REL = "https://api.w.org/"
_LINK_VALUE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL_PARAM = re.compile(r';\s*rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
_COMMENT_FEED = re.compile(r"feed=comments-|/comments/feed")
# The home page's <head> is enough; a theme may put a lot after it.
HOME_PAGE_CAP = 2 * 1024 * 1024


@dataclass(frozen=True)
class HomePage:
    """What a site's home page says about itself."""

    api_root: str | None
    comment_feed: str | None


def home_url(site: str) -> str:
    """The site's home page: the address the user gave, as a folder (`http://host/blog/`)."""
    parts = urlsplit(site.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def link_header_targets(values: list[str], rel: str) -> list[str]:
    """Targets of `Link` header values (RFC 8288) whose rel list holds `rel`."""
    found = []
    for value in values:
        for match in _LINK_VALUE.finditer(value):
            rels = _REL_PARAM.search(match.group(2))
            if rels and rel in rels.group(1).split():
                found.append(match.group(1).strip())
    return found


class _HeadLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append({k.lower(): v or "" for k, v in attrs})


def read_home_page(resp: Response) -> HomePage:
    base = resp.url
    header = link_header_targets(resp.headers.get_list("link"), API_REL)
    parser = _HeadLinks()
    parser.feed(resp.body.decode("utf-8", errors="replace"))
    parser.close()
    api = header[0] if header else None
    feed = None
    for link in parser.links:
        rels = link.get("rel", "").lower().split()
        href = link.get("href", "")
        if api is None and API_REL in rels and href:
            api = href
        if (
            feed is None
            and "alternate" in rels
            and link.get("type", "").lower() in _FEED_TYPES
            and _COMMENT_FEED.search(href)
        ):
            feed = href
    return HomePage(
        urljoin(base, api) if api else None,
        urljoin(base, feed) if feed else None,
    )


def fetch_home_page(client: httpx.Client, site: str) -> HomePage:
    home = home_url(site)
    resp = request(client, "GET", home, cap=HOME_PAGE_CAP, ok_statuses=(404,))
    if resp.status == 404 and not resp.headers.get_list("link"):
        raise ChannelError(
            f"{redact(home)} answered 404: check that this is the address of the site"
        )
    return read_home_page(resp)


def plain_permalinks_root(site: str) -> str:
    """The API root every WordPress answers on, whatever its permalinks (`?rest_route=`)."""
    return home_url(site) + "index.php?rest_route=/"


def discover_api_root(client: httpx.Client, site: str) -> str:
    """The REST API root the site announces, else the `?rest_route=` address."""
    return fetch_home_page(client, site).api_root or plain_permalinks_root(site)


def api_address(root: str, route: str) -> tuple[str, dict[str, str]]:
    """URL and query parameters for `route` (e.g. `wp/v2/comments`) under an API root.

    A pretty root (`…/wp-json/`) takes the route as a path; a plain one
    (`…/index.php?rest_route=/`) takes it in `rest_route`, beside the other
    parameters the caller adds (never a second `?`).
    """
    parts = urlsplit(root)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "rest_route" in query:
        query["rest_route"] = query["rest_route"].rstrip("/") + "/" + route.lstrip("/")
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), query
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path + route.lstrip("/"), "", "")), query


def site_of_comment_feed(url: str) -> str:
    """The site a `…/comments/feed/` address (what `channel add` stores) belongs to."""
    parts = urlsplit(url)
    path = re.sub(r"comments/feed/?$", "", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def comment_feed_address(client: httpx.Client, site: str) -> str:
    """The site's public comment feed: the one its home page links, else the permalink default."""
    page = fetch_home_page(client, site)
    if page.comment_feed:
        return page.comment_feed
    if page.api_root is None or "rest_route=" in page.api_root:
        return home_url(site) + "?feed=comments-rss2"
    return home_url(site) + "comments/feed/"


def error_code(resp_json: Any) -> str:
    """The `code` of a WordPress REST error body (`rest_…`), or ''."""
    return str(resp_json.get("code", "")) if isinstance(resp_json, dict) else ""


def _speaks_api(resp: Response) -> bool:
    """Whether WordPress's REST server answered (JSON), not its theme (an HTML page)."""
    if "json" not in resp.headers.get("content-type", "").lower():
        return False
    if resp.status != 404:
        return True
    try:
        return error_code(resp.json()) != "rest_no_route"
    except BadPayload:
        return True  # JSON that does not parse is the caller's error to report


class RestApi:
    """Calls to a site's REST API at the root it announces.

    A root given (pinned in the channel, or learned on an earlier run) is
    trusted until it answers a page or `rest_no_route` where JSON was
    expected (permalinks changed, site moved); then it is found again, once.
    """

    def __init__(self, client: httpx.Client, site: str, root: str | None = None) -> None:
        self._client = client
        self._site = site
        self._root = root
        self._fresh = False

    @property
    def root(self) -> str:
        if self._root is None:
            self._root = discover_api_root(self._client, self._site)
            self._fresh = True
        return self._root

    def remember(self, root: str) -> None:
        """A root learned on an earlier run: newer than one pinned in the settings."""
        if not self._fresh:
            self._root = root

    def call(
        self,
        method: str,
        route: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        retry: bool = True,
        ok_statuses: tuple[int, ...] = (),
    ) -> Response:
        """One call to `route` (e.g. `wp/v2/comments`) with the channel rules of services.channels.http."""
        while True:
            url, query = api_address(self.root, route)
            resp = request(
                self._client,
                method,
                url,
                params={**query, **(params or {})},
                json_body=json_body,
                retry=retry,
                ok_statuses=(*ok_statuses, 404),
            )
            if _speaks_api(resp):
                if resp.status == 404 and 404 not in ok_statuses:
                    raise Gone(f"{route} answered 404 ({error_code(resp.json()) or 'not found'})")
                return resp
            if self._fresh:
                raise BadPayload(
                    f"{redact(url)} answered {resp.status} "
                    f"{resp.headers.get('content-type') or 'without a type'} for {route}, "
                    "not the WordPress REST API (check the site address)"
                )
            # An HTML page where the API was cannot have run the request: asking again is safe.
            self._root = None
