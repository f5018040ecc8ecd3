"""An anchor outside the database catches what `audit verify` cannot: a rewritten or cut history."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, text, update

from services.inbox import triage
from services.records import anchor, audit
from services.store.db import SessionFactory
from services.store.models import utcnow
from services.store.models_audit import AuditEvent, AuditHead
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


def _history(factory: SessionFactory, officer: Actor, tag: str = "urgent") -> list[int]:
    ch = add_channel(factory, name=f"Blog {tag}")
    ids = [add_item(factory, ch, f"{tag}-{i}", "text") for i in range(3)]
    triage.tag(factory, officer, ids, tag)
    triage.add_note(factory, officer, ids[1], "called her back")
    return ids


def _rewrite_consistently(factory: SessionFactory, from_seq: int, after: dict[str, object]) -> None:
    """What someone with write access can do: change one event and recompute every hash after it."""
    with factory() as s, s.begin():
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit.GENESIS
        for ev in events:
            if ev.seq == from_seq:
                ev.after = after
            ev.prev_hash = prev
            ev.hash = audit.event_hash(
                seq=ev.seq,
                at=ev.at,
                actor_id=ev.actor_id,
                action=ev.action,
                subject_type=ev.subject_type,
                subject_id=ev.subject_id,
                before=ev.before,
                after=ev.after,
                prev_hash=prev,
                os_login=ev.os_login,
            )
            prev = ev.hash
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))


def test_a_consistent_rewrite_passes_plain_verify_and_fails_against_the_anchor(
    factory: SessionFactory, officer: Actor, tmp_path: Path
) -> None:
    _history(factory, officer)
    file = tmp_path / "elsewhere" / "anchors.jsonl"
    written = anchor.write_anchor(factory, officer, file)
    _history(factory, officer, "later")
    anchor.write_anchor(factory, officer, file)
    assert anchor.verify_anchors(factory, file).ok

    with factory() as s:
        note_seq = s.scalar(
            select(AuditEvent.seq).where(AuditEvent.action == "item.note").order_by(AuditEvent.seq)
        )
    assert note_seq is not None and note_seq <= written.seq
    _rewrite_consistently(factory, note_seq, {"note_id": 1, "body": "nothing happened"})

    assert audit.verify_chain(factory).ok  # the chain alone cannot tell
    report = anchor.verify_anchors(factory, file)
    assert not report.ok and report.line == 1 and report.anchor == written
    assert report.reason is not None and "rewritten" in report.reason


def test_a_cut_tail_with_the_head_moved_back_fails_against_the_anchor(
    factory: SessionFactory, engine: Engine, officer: Actor, tmp_path: Path
) -> None:
    _history(factory, officer)
    file = tmp_path / "anchors.jsonl"
    first = anchor.write_anchor(factory, officer, file)
    _history(factory, officer, "later")
    second = anchor.write_anchor(factory, officer, file)
    keep = first.seq + 1  # the first anchor and the event that records it survive
    with engine.begin() as conn:
        kept_hash = conn.execute(
            text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": keep}
        ).scalar_one()
        conn.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": keep})
        conn.execute(
            text("UPDATE audit_head SET seq = :s, last_hash = :h WHERE id = 1"),
            {"s": keep, "h": kept_hash},
        )

    assert audit.verify_chain(factory).ok
    report = anchor.verify_anchors(factory, file)
    assert not report.ok and report.line == 2 and report.anchor == second
    assert report.reason == f"event {second.seq} no longer exists: history was cut back"


def test_a_signed_anchor_line_edited_by_hand_is_named(
    factory: SessionFactory, officer: Actor, tmp_path: Path
) -> None:
    _history(factory, officer)
    file = tmp_path / "anchors.jsonl"
    signed = anchor.write_anchor(factory, officer, file, sign=True)
    assert signed.sig and anchor.verify_anchors(factory, file).ok
    line = json.loads(file.read_text())
    line["at"] = (signed.at - timedelta(days=1)).isoformat(timespec="microseconds")
    file.write_text(json.dumps(line) + "\n")
    report = anchor.verify_anchors(factory, file)
    assert not report.ok and report.line == 1 and "signature" in (report.reason or "")


def test_the_worker_anchors_once_a_day_into_the_configured_folder(
    factory: SessionFactory, admin: Actor, tmp_path: Path
) -> None:
    assert anchor.anchor_daily(factory, utcnow(), LONDON) is None  # not configured: nothing
    anchor.set_schedule(factory, admin, tmp_path / "anchors", sign=False)
    now = utcnow()
    assert anchor.anchor_daily(factory, now, LONDON) is not None
    # Five minutes later, or the day's last moment if that is sooner: still the same day.
    day_end = datetime.combine(now.astimezone(LONDON).date(), time.max, LONDON)
    assert anchor.anchor_daily(factory, min(now + timedelta(minutes=5), day_end), LONDON) is None
    assert anchor.anchor_daily(factory, now + timedelta(days=1), LONDON) is not None
    file = tmp_path / "anchors" / anchor.FILE_NAME
    assert len(anchor.read_anchors(file)) == 2
    assert anchor.verify_anchors(factory, file).ok
    assert anchor.latest_anchor(factory) is not None
