"""Finding a WordPress site's REST API root and comment feed from what its home page says."""

from __future__ import annotations

import httpx
import pytest

from services.channels.http import Response
from services.channels.wordpress_discovery import (
    api_address,
    home_url,
    link_header_targets,
    read_home_page,
    site_of_comment_feed,
)


def _page(url: str, body: str = "", link: str | None = None) -> Response:
    headers = httpx.Headers({"Link": link} if link else {})
    return Response(200, headers, body.encode(), url)


def test_the_link_header_names_the_root_among_other_links() -> None:
    values = [
        '<http://h/blog/wp-json/wp/v2/pages/2>; rel="alternate"; type="application/json", '
        '<http://h/blog/wp-json/>; rel="https://api.w.org/"',
        "<http://h/?p=2>; rel=shortlink",
    ]
    assert link_header_targets(values, "https://api.w.org/") == ["http://h/blog/wp-json/"]


def test_without_the_header_the_link_element_is_read_and_made_absolute() -> None:
    html = (
        '<html><head><link rel="https://api.w.org/" href="/blog/index.php?rest_route=/" />'
        '<link rel="alternate" type="application/rss+xml" title="Feed" href="/blog/?feed=rss2" />'
        '<link rel="alternate" type="application/rss+xml" title="Comments &raquo; Feed" '
        'href="/blog/?feed=comments-rss2" /></head></html>'
    )
    page = read_home_page(_page("http://h/blog/", html))
    assert page.api_root == "http://h/blog/index.php?rest_route=/"
    assert page.comment_feed == "http://h/blog/?feed=comments-rss2"


def test_a_page_that_names_nothing_gives_nothing() -> None:
    page = read_home_page(_page("http://h/", "<html><body>Hello</body></html>"))
    assert (page.api_root, page.comment_feed) == (None, None)


@pytest.mark.parametrize(
    ("root", "url", "query"),
    [
        ("http://h/wp-json/", "http://h/wp-json/wp/v2/comments", {}),
        ("http://h/blog/wp-json", "http://h/blog/wp-json/wp/v2/comments", {}),
        (
            "http://h/index.php?rest_route=/",
            "http://h/index.php",
            {"rest_route": "/wp/v2/comments"},
        ),
        ("http://h/blog/?rest_route=/", "http://h/blog/", {"rest_route": "/wp/v2/comments"}),
    ],
)
def test_routes_under_pretty_and_plain_roots(root: str, url: str, query: dict[str, str]) -> None:
    assert api_address(root, "wp/v2/comments") == (url, query)


def test_plain_root_and_paging_params_make_one_query_string() -> None:
    url, query = api_address("http://h/index.php?rest_route=/", "wp/v2/comments")
    request = httpx.Request("GET", url, params={**query, "page": 2, "per_page": 100})
    assert str(request.url) == (
        "http://h/index.php?rest_route=%2Fwp%2Fv2%2Fcomments&page=2&per_page=100"
    )


def test_site_addresses() -> None:
    assert home_url("http://h/blog") == "http://h/blog/"
    assert home_url("http://h") == "http://h/"
    assert site_of_comment_feed("http://h/blog/comments/feed/") == "http://h/blog/"
