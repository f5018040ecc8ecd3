"""Cleaning a comment's HTML once gives the same safe HTML and plain text as cleaning it twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.channels.sanitise import html_to_text, sanitise_html, sanitise_with_text

_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<li>", "</li>", "<pre>", "</pre>",
    "<blockquote>", "</blockquote>", '<a href="https://police.uk/report">', "</a>", "<a>",
    '<a href="javascript:alert(1)">', '<a title="x>y">', '<a href="https://e.example/" title="t">',
    '<p lang="en" title="a>b">', '<b title="q">', "<script>alert(1)</script>", "<!-- c -->",
    '<img src="https://t.example/p.gif">', "<div>", "&amp;", "&lt;", "&nbsp;", ">", "<", "\n",
    "  ", "word", "café", "https://police.uk", "\u00a0",
]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=20).map("".join))
@settings(max_examples=500, deadline=None)
def test_one_cleaning_gives_both_results(html: str) -> None:
    assert sanitise_with_text(html) == (sanitise_html(html), html_to_text(html))


@pytest.mark.parametrize(
    "html",
    [
        "<p>Comment 17: the station never answered my letter about speeding cars.</p>",
        '<p>see <a href="https://evil.example/x">https://police.uk</a></p>',
        '<p title="a>b">x</p><a title="c>d">y</a>',
        "<p>one &amp; two</p><p>three<br>four</p>",
    ],
)
def test_links_and_plain_paragraphs_both_ways(html: str) -> None:
    assert sanitise_with_text(html) == (sanitise_html(html), html_to_text(html))
