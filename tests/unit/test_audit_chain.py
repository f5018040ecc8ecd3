"""The unit of work's fast hasher gives exactly `event_hash`'s digests (the chain's reference)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.records.audit import GENESIS, event_hash
from services.records.audit_actions import AuditAction
from services.records.audit_chain import ChainHasher, canonical_json

AT = datetime(2026, 11, 29, 23, 0, 0, 123456, tzinfo=UTC)
SHARED = {"status": "done", "snoozed_until": None}
FIELDS: list[dict[str, Any]] = [
    {"before": None, "after": {"note_id": 7, "body": 'Café ✓ "quoted"\n\ttab \\ slash'}},
    {"before": {"status": "open", "snoozed_until": None}, "after": SHARED},
    {"before": {"status": "new", "snoozed_until": None}, "after": SHARED},
    {"before": {"tags": []}, "after": {"tags": ["complaint", "media-enquiry"]}},
    {"before": {"b": [1, 2.5, True, False, None], "a": {"z": {}, "y": []}}, "after": None},
    {"before": {"emoji": "🚓", "ctrl": "\x00\x1f\u2028"}, "after": {"n": -(2**63)}},
]


@pytest.mark.parametrize("os_login", ["dan", None, "名前"])
def test_the_fast_hasher_gives_event_hashs_digests(os_login: str | None) -> None:
    hasher = ChainHasher()
    prev = GENESIS
    moments = [AT, AT, AT.replace(microsecond=0), AT.astimezone(timezone(timedelta(hours=2)))]
    for seq, fields in enumerate(FIELDS * 2, 1):
        event: dict[str, Any] = {
            "seq": seq,
            "at": moments[seq % len(moments)],
            "actor_id": None if seq % 3 == 0 else 12,
            "action": AuditAction.ITEM_STATUS if seq % 2 else "custom.action",
            "subject_type": "item",
            "subject_id": None if seq == 5 else 10**12 + seq,
            "prev_hash": prev,
            "os_login": os_login,
            **fields,
        }
        digest = hasher.digest(**event)
        assert digest == event_hash(**event)
        prev = digest


def test_canonical_json_is_sorted_compact_and_unescaped() -> None:
    assert canonical_json({"b": 1, "a": ["é", None, 1.5]}) == '{"a":["é",null,1.5],"b":1}'
