"""A reply's length in graphemes is what Bluesky and Mastodon count, however it is computed.

`graphemes` counts plain ASCII text without loading `regex` (the composer counts its empty
text as the window opens); the count must equal the Unicode rule's, CR LF being one.
"""

from __future__ import annotations

import pytest
import regex

from services.channels.capabilities import graphemes

TEXTS = [
    "",
    "Thank you for reporting this.",
    "line one\r\nline two",
    "\r\r\n\n\n\r",
    "tab\there\x00nul",
    "café",
    "cafe\u0301",
    "👍🏽 seen, thanks",
    "🇬🇧 flag and \r\n break",
]


@pytest.mark.parametrize("text", TEXTS)
def test_graphemes_count_as_the_unicode_rule_does(text: str) -> None:
    assert graphemes(text) == len(regex.findall(r"\X", text))


def test_a_windows_line_break_counts_once() -> None:
    assert graphemes("ab\r\ncd") == 5
