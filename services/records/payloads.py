"""Raw payloads: each item's bytes exactly as its platform sent them, for evidence.

`Item.raw` keeps the parsed JSON (escaped by services.outside_text so both
databases take it): good for re-reading fields, but a court asks for what was
received, and a re-serialised dict is not that (key order, spacing, `\\u00e9`
against `é`, number forms all change). So a connector that has the response
bytes hands ingest the item's own slice of them, and it is stored here, once
per distinct version.

A WordPress answer is a JSON list of comments; `json_array_elements` cuts it
into each element's exact text, so a bundle holds that one comment as sent and
not the other people's comments that shared its page.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.models import RawPayload, Tombstone

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
