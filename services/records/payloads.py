"""Raw payloads: each item's bytes exactly as its platform sent them, for evidence.

`Item.raw` keeps the parsed JSON (escaped by services.channels.outside_text so both
databases take it): good for re-reading fields, but a court asks for what was
received, and a re-serialised dict is not that (key order, spacing, `\\u00e9`
against `é`, number forms all change). So a connector that has the response
bytes hands ingest the item's own slice of them, and it is stored here, once
per distinct version.

A WordPress answer is a JSON list of comments; `json_array_elements` cuts it
into each element's exact text, so a bundle holds that one comment as sent and
not the other people's comments that shared its page. Other platforms nest their
items (`{"data": [...]}`, a notification inside a page): `Received` parses an
answer exactly as `json.loads` would and remembers where each object stood, so
a connector can ask for any object's own bytes (Mastodon and Bluesky keep each
notification, Facebook each comment and message, X each post and DM event).
Feeds keep each entry's XML element (services/channels/feed_raw.py); e-mail (its MIME
bytes) is handled in services/channels/email*.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.channels.http import Response
from services.store.models_records import RawPayload, Tombstone

JSON = "application/json"
_WHITESPACE = " \t\n\r"


def json_array_elements(body: bytes) -> list[bytes]:
    """The exact bytes of each element of a top-level JSON array, in order.

    The text is decoded with `surrogateescape`, so slicing and encoding back gives the
    bytes as received even where they are not valid UTF-8. Raises ValueError when the
    body is not a JSON array.
    """
    text = body.decode("utf-8", "surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    decoder = json.JSONDecoder()
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "[":
        raise ValueError("not a JSON array")
    i = _skip(text, i + 1)
    out: list[bytes] = []
    if i < len(text) and text[i] == "]":
        return out
    while True:
        _value, end = decoder.raw_decode(text, i)
        out.append(text[i:end].encode("utf-8", "surrogateescape"))
        i = _skip(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
            continue
        if i < len(text) and text[i] == "]":
            return out
        raise ValueError(f"unexpected character at {i} in a JSON array")


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


_WS = re.compile(r"[ \t\n\r]*")
# The json module's own scanners (C where available): a scalar, and a string's rest.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


class _Spans:
    """One JSON text parsed as `json.loads` parses it, with each object's and array's span."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at: dict[int, tuple[object, int, int]] = {}
        value, end = self._value(_WS.match(text, 0).end())  # type: ignore[union-attr]
        if _WS.match(text, end).end() != len(text):  # type: ignore[union-attr]
            raise ValueError("extra data after the JSON value")
        self.value = value

    def _value(self, i: int) -> tuple[Any, int]:
        char = self.text[i : i + 1]
        if char == "{":
            return self._object(i)
        if char == "[":
            return self._array(i)
        try:
            return _SCAN(self.text, i)  # a string, number, true, false, null, NaN or Infinity
        except StopIteration:
            raise ValueError(f"no JSON value at {i}") from None

    def _object(self, start: int) -> tuple[dict[str, Any], int]:
        text, obj = self.text, {}
        i = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        if text[i : i + 1] != "}":
            while True:
                if text[i : i + 1] != '"':
                    raise ValueError(f"expected a key at {i}")
                key, i = _scanstring(text, i + 1, True)
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i : i + 1] != ":":
                    raise ValueError(f"expected ':' at {i}")
                obj[key], i = self._value(_WS.match(text, i + 1).end())  # type: ignore[union-attr]
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i : i + 1] != ",":
                    break
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[i : i + 1] != "}":
                raise ValueError(f"expected ',' or '}}' at {i}")
        self.at[id(obj)] = (obj, start, i + 1)
        return obj, i + 1

    def _array(self, start: int) -> tuple[list[Any], int]:
        text, arr = self.text, []
        i = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        if text[i : i + 1] != "]":
            while True:
                value, i = self._value(i)
                arr.append(value)
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i : i + 1] != ",":
                    break
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[i : i + 1] != "]":
                raise ValueError(f"expected ',' or ']' at {i}")
        self.at[id(arr)] = (arr, start, i + 1)
        return arr, i + 1

    def bytes_of(self, obj: object) -> bytes | None:
        found = self.at.get(id(obj))
        if found is None or found[0] is not obj:
            return None
        return self.text[found[1] : found[2]].encode("utf-8")


def spanned(body: bytes) -> _Spans:
    """`body` (UTF-8 JSON) parsed with every object's place in it; ValueError if unreadable."""
    text = body.decode("utf-8")  # strict: then each slice encodes back to exactly its bytes
    try:
        return _Spans(text[1:] if text.startswith("\ufeff") else text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to cut up") from None


class Received:
    """A connector's recent JSON answers, parsed, able to hand back any object's bytes as sent.

    `read` returns what `Response.json()` returns (and raises as it raises); `bytes_of`
    gives the exact text of an object from one of the last `keep` answers, or None (an
    answer not in UTF-8, or an object built afterwards).
    """

    def __init__(self, keep: int = 16) -> None:
        self._recent: deque[_Spans] = deque(maxlen=keep)

    def read(self, resp: Response) -> Any:
        try:
            spans = spanned(resp.body)
        except ValueError:
            return resp.json()
        self._recent.append(spans)
        return spans.value

    def bytes_of(self, obj: object) -> bytes | None:
        for spans in reversed(self._recent):
            found = spans.bytes_of(obj)
            if found is not None:
                return found
        return None


def keep(session: Session, item_id: int, body: bytes, media_type: str, now: datetime) -> bool:
    """Store this version of the item's payload unless it is stored already; True if new."""
    digest = hashlib.sha256(body).hexdigest()
    known = session.scalar(
        select(RawPayload.id).where(RawPayload.item_id == item_id, RawPayload.sha256 == digest)
    )
    if known is not None:
        return False
    session.add(
        RawPayload(
            item_id=item_id, media_type=media_type, sha256=digest, body=body, received_at=now
        )
    )
    return True


def payloads(session: Session, item_id: int) -> list[RawPayload]:
    return list(
        session.scalars(
            select(RawPayload).where(RawPayload.item_id == item_id).order_by(RawPayload.id)
        )
    )


def erased_ids(session: Session, item_ids: list[int]) -> set[int]:
    """Which of these items are tombstones (their content erased)."""
    if not item_ids:
        return set()
    return set(session.scalars(select(Tombstone.item_id).where(Tombstone.item_id.in_(item_ids))))
