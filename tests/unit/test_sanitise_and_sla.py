"""Pure logic: the sanitiser's allow-list and SLA arithmetic across weekends and the clock change."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.channels.protocol import Registry
from services.channels.sanitise import html_to_text, sanitise_html
from services.desk import sla, sla_timers
from services.desk.sla_policy import Calendar

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="https://tracker.example/p.gif">',
        '<a href="javascript:alert(1)">x</a>',
        '<p onclick="alert(1)">x</p>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_sanitiser_removes_active_and_remote_content(hostile: str) -> None:
    out = sanitise_html(f"<p>before</p>{hostile}<p>after</p>")
    for bad in ("<script", "<img", "javascript:", "onclick", "<iframe", "<style", "<svg", "onload"):
        assert bad not in out
    assert "before" in out and "after" in out


def test_lying_link_shows_its_real_host_and_plain_text_keeps_paragraphs() -> None:
    out = sanitise_html('<a href="https://phish.example/x">https://police.uk/report</a>')
    assert 'href="https://phish.example/x"' in out and "[phish.example]" in out
    assert 'rel="nofollow noopener noreferrer"' in out
    honest = sanitise_html('<a href="https://police.uk/report">https://police.uk/report</a>')
    assert "[" not in honest
    assert html_to_text("<p>one &amp; two</p><p>three<br>four</p>") == "one & two\nthree\nfour"


def test_business_hours_skip_nights_and_weekends() -> None:
    hours = sla.BusinessHours(time(8), time(18))
    friday_5pm = datetime(2026, 10, 23, 17, 0, tzinfo=LONDON)
    monday_9am = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON)  # the clocks went back on Sunday
    elapsed = sla_timers.working_between(friday_5pm, monday_9am, Calendar(hours), LONDON)
    assert elapsed == timedelta(hours=2)
    policy = sla.SlaPolicy(4, hours)
    assert policy.due(friday_5pm, LONDON) == datetime(2026, 10, 26, 11, 0, tzinfo=LONDON)
    assert sla.SlaPolicy(24).due(friday_5pm, LONDON) == friday_5pm + timedelta(hours=24)


def test_platform_lengths_count_urls_and_graphemes(registry: Registry) -> None:
    assert (
        registry.text_length("mastodon", "see https://example.org/a/very/long/path/indeed/yes")
        == 4 + 23
    )
    assert registry.text_length("bluesky", "café") == 4
    assert (
        registry.text_length("bluesky", "cafe\u0301") == 4
    )  # e + combining accent is one grapheme
    assert (
        registry.text_length("bluesky", "👍🏽") == 1
    )  # emoji with a skin-tone modifier: one grapheme
    assert registry.text_length("bluesky", "👩‍👩‍👧") == 1  # a ZWJ family
