"""Text from outside made storable (issue 19): controls, invisible characters, lengths, raw payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.channels.feed_bounds import bound_names
from services.channels.outside_text import (
    clean_id,
    clean_name,
    clean_text,
    escape_raw,
    unescape_raw,
)


def test_body_text_loses_control_characters_but_keeps_its_lines() -> None:
    assert clean_text("a\x00b\x07c\r\nd\re\tf\x7f") == "abc\nd\ne\tf"
    assert clean_text("lone \ud800 surrogate") == "lone  surrogate"
    plain = "nothing to do\n"
    assert clean_text(plain) is plain


def test_names_lose_invisible_characters_and_fit_their_column() -> None:
    assert clean_name("Sup\u200ber\u200bvisor", 300) == "Supervisor"
    assert clean_name("\u202eevil\u2066 \ufeffname\u200f", 300) == "evil name"
    assert clean_name("two\nlines\tand  spaces", 300) == "two lines and spaces"
    cut = clean_name("x" * 400, 300)
    assert len(cut) == 300 and cut.endswith("…")


def test_cut_ids_stay_unique_and_stable() -> None:
    a, b = "p" * 600 + "a", "p" * 600 + "b"
    assert len(clean_id(a, 500)) == 500 and clean_id(a, 500) != clean_id(b, 500)
    assert clean_id(a, 500) == clean_id(a, 500)
    assert clean_id("short\x00id", 500) == "shortid"


@pytest.mark.parametrize(
    "raw",
    [
        {"author_name": "nul\x00inside", "n": 1, "ok": True, "none": None},
        {"k\x00ey": ["v\x00", {"deep": "\ud83d half"}]},
        {"$fc_escaped": "a platform key that looks like ours"},
        {"$fc_escaped:x": 1, "list": ["$fc_escaped"]},
        "just a string\x00",
    ],
)
def test_raw_payloads_round_trip_exactly_through_json(raw: Any) -> None:
    stored = json.loads(json.dumps(escape_raw(raw)))
    assert "\\u0000" not in json.dumps(stored)  # PostgreSQL's JSON functions refuse it
    assert unescape_raw(stored) == raw


def test_feed_author_fields_are_cut_in_the_bytes_without_breaking_characters() -> None:
    name = "é" * 800  # two bytes each: a cut at byte 1,000 must not split one
    doc = (
        f"<rss><channel><item><author>{name}</author><dc:creator><![CDATA[{name}]]>"
        "</dc:creator><title>t</title></item></channel></rss>"
    )
    body, cuts = bound_names(doc.encode())
    text = body.decode("utf-8")  # would raise on a split character
    assert [c.element for c in cuts] == ["author", "creator"]
    assert "é" * 500 + "..." in text and "<title>t</title>" in text
    # Byte 1,000 falls inside an "&amp;": the cut moves before it.
    cut_amp, _ = bound_names(b"<author>ab" + b"&amp;" * 300 + b"</author>")
    assert cut_amp.endswith(b"&amp;...</author>") and len(cut_amp) == len(b"<author>") + 997 + 12
