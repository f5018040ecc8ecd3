"""A transaction's events hashed in order, to exactly the text `event_hash` hashes, faster.

A bulk action appends 1,000 events; hashing each through `event_hash` (a dict of eleven
keys sorted and encoded, a fresh JSON encoder every time) took longer than inserting them.
`ChainHasher` writes the same canonical payload from a template whose keys are already in
order, and encodes a value given as the same object (the transaction's time, a shared
`after`, the actor's login) once. services/records/audit.py `event_hash` stays the
reference the chain is verified with; tests hold the two to the same digests.

As everywhere in the audit, an event's `before`/`after` must not change after it is
appended: its row is inserted later, and its canonical text here is kept per object.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

# event_hash's form: sorted keys, no spaces, UTF-8 as is.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_quoted = json.encoder.encode_basestring  # a str as that encoder writes it (ensure_ascii off)


def _canonical_encoder() -> Callable[[Any], str]:
    """`_CANONICAL.encode` with its C encoder made once, not once per call.

    Falls back to the plain encoder where the C one is missing or gives other text.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _CANONICAL.encode
    try:
        chunks = make(
            None, _CANONICAL.default, _quoted, None, ":", ",", True, False, True
        )  # markers, default, encoder, indent, separators, sort_keys, skipkeys, allow_nan
    except TypeError:
        return _CANONICAL.encode

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    sample = {"b": [1, 2.5, None, True, {"z": 1, "y": [2]}], "a": {"é": '✓\n"x"\t'}}
    return encode if encode(sample) == _CANONICAL.encode(sample) else _CANONICAL.encode


canonical_json = _canonical_encoder()


class ChainHasher:
    """`event_hash` for one transaction's events, remembering what they share."""

    def __init__(self) -> None:
        # id → (the object, kept alive so the id stays its own; its canonical text)
        self._texts: dict[int, tuple[object, str]] = {}

    def text(self, value: object) -> str:
        """`value` in the canonical form, as `event_hash`'s encoder writes it inside the payload."""
        if value is None:
            return "null"
        kind = type(value)
        if kind is int:  # the encoder writes an int by int.__repr__ (not a subclass's)
            return repr(value)
        if kind is str:
            return _quoted(cast(str, value))
        known = self._texts.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        text = canonical_json(value)
        self._texts[id(value)] = (value, text)
        return text

    def digest(
        self,
        *,
        seq: int,
        at: datetime,
        actor_id: int | None,
        action: str,
        subject_type: str,
        subject_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        prev_hash: str,
        os_login: str | None,
    ) -> str:
        """What `event_hash` returns for these fields."""
        t = self.text
        when = self._texts.get(id(at))
        at_text = when[1] if when is not None and when[0] is at else self._time(at)
        # The payload's keys in sorted order (payload version 2 adds os_login and v).
        login = "" if os_login is None else f',"os_login":{t(os_login)}'
        version = "" if os_login is None else ',"v":2'
        canonical = (
            f'{{"action":{t(action)},"actor_id":{t(actor_id)},"after":{t(after)},'
            f'"at":{at_text},"before":{t(before)}{login},"prev_hash":{t(prev_hash)},'
            f'"seq":{t(seq)},"subject_id":{t(subject_id)},"subject_type":{t(subject_type)}'
            f"{version}}}"
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _time(self, at: datetime) -> str:
        text = _quoted(at.isoformat(timespec="microseconds"))
        self._texts[id(at)] = (at, text)
        return text
