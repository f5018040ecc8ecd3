"""Cutting a platform's answer into each item's own bytes: JSON spans and feed elements."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.channels.feed_raw import entry_elements
from services.records.payloads import spanned

_SPACES = st.sampled_from(["", " ", "\t", "\r\n", "\n   "])
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8"), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def _dump(value: Any, ascii_only: bool, space: str) -> str:
    return json.dumps(
        value, ensure_ascii=ascii_only, indent=space or None, separators=(f"{space},", f":{space}")
    ).replace("/", "\\/")


def _containers(value: Any) -> list[Any]:
    found = []
    if isinstance(value, (dict, list)):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            found += _containers(child)
    return found


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(_JSON, st.booleans(), _SPACES)
def test_every_object_is_read_as_json_reads_it_and_cut_to_its_own_bytes(
    value: Any, ascii_only: bool, space: str
) -> None:
    body = _dump({"data": [value, {"id": "é"}]}, ascii_only, space).encode()
    spans = spanned(body)
    assert spans.value == json.loads(body)
    for part in _containers(spans.value):
        cut = spans.bytes_of(part)
        assert cut is not None and cut in body and json.loads(cut) == part


def test_escapes_and_odd_spacing_are_kept_exactly() -> None:
    body = b'\xef\xbb\xbf {"data" :\r\n[ {"id":"1","t":"caf\\u00e9 \\ud83d\\udeb2 \\/ caf\xc3\xa9"} ,{"id":"2"}\t] }\n'
    spans = spanned(body)
    first = spans.value["data"][0]
    assert spans.bytes_of(first) == b'{"id":"1","t":"caf\\u00e9 \\ud83d\\udeb2 \\/ caf\xc3\xa9"}'
    assert spans.bytes_of({"id": "1"}) is None  # an equal object is not the one received


@pytest.mark.parametrize(
    "body", [b'{"a": 1} x', b'{"a": 1,}', b"[1, 2", b'{"a" 1}', b"\xff[]", b'{"a": "\x01"}']
)
def test_what_json_refuses_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        spanned(body)


FEED = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- an <item> in a comment is not an item -->
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
<item><title>Caf\xe9</title><description><![CDATA[text with </item> inside]]></description></item>
<item
  ><title>Second</title><category>a&amp;b</category></item  >
<atom:entry><atom:title>Third</atom:title></atom:entry>
<item/></channel></rss>"""


def test_feed_entries_are_cut_where_the_xml_says_they_start_and_end() -> None:
    found = entry_elements(FEED)
    assert found.media_type == "application/xml; charset=iso-8859-1"
    assert found.parts == [
        b"<item><title>Caf\xe9</title><description><![CDATA[text with </item> inside]]>"
        b"</description></item>",
        b"<item\n  ><title>Second</title><category>a&amp;b</category></item  >",
        b"<atom:entry><atom:title>Third</atom:title></atom:entry>",
        b"<item/>",
    ]


def test_a_utf16_feed_is_cut_in_its_own_encoding() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><feed><entry><title>Zoë</title></entry></feed>'
    found = entry_elements(text.encode("utf-16"))
    assert found.media_type == "application/xml; charset=utf-16le"
    assert [p.decode("utf-16le") for p in found.parts] == ["<entry><title>Zoë</title></entry>"]


def test_a_feed_that_is_not_well_formed_is_not_cut() -> None:
    with pytest.raises(ValueError):
        entry_elements(b"<rss><channel><item><title>x</item></channel></rss>")
