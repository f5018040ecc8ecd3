"""The demo workspace: a synthetic week at Northvale Police, loaded from resources/demo/.

Loading is idempotent: a second `demo load` finds the demo channels and
changes nothing. Times in the file are offsets before the moment of loading,
so the inbox always looks like last week.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from services.desk import response
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import (
    Channel,
    Direction,
    Item,
    ItemKind,
    ItemTag,
    Note,
    Reply,
    ReplyState,
    Role,
    SavedReply,
    Status,
    Tag,
    User,
)
from services.store.models_desk import Escalation, Team
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import Transaction, write_transaction

# Ingest is imported when the demo is loaded: the desktop asks `is_empty_workspace` on
# every start, and ingest brings the evidence and risk modules it does not need for that.
if TYPE_CHECKING:
    from services.channels.incoming import ThreadRef

DEMO_FILE = Path(__file__).resolve().parents[1] / "resources" / "demo" / "workspace.json"
_OFFSET = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


DEMO_CONNECTED_AGO = timedelta(days=60)


def parse_offset(text: str) -> timedelta:
    m = _OFFSET.match(text)
    if not m or not text:
        raise ValueError(f"bad demo time offset {text!r}")
    days, hours, minutes = (int(g or 0) for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    items: int
    changes: Changes


def is_empty_workspace(factory: SessionFactory) -> bool:
    """A database without channels: a first start, where the demo is loaded."""
    with factory() as s:
        return s.scalar(select(Channel.id).limit(1)) is None


def load(factory: SessionFactory, path: Path = DEMO_FILE) -> DemoResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    with write_transaction(factory, None) as tx:
        existing = tx.session.scalars(select(Channel.config)).all()
        if any(c.get("demo") for c in existing):
            return DemoResult(False, 0, Changes())
        users = _users(tx, data["users"])
        channels = _channels(tx, data["channels"])
        for spec in data.get("teams", []):
            tx.session.add(Team(name=spec["name"], description=spec.get("description")))
        count = 0
        for spec in data["items"]:
            count += _item(tx, spec, data, channels, users)
        for spec in data.get("saved_replies", []):
            tx.session.add(
                SavedReply(
                    name=spec["name"], body=spec["body"], channel_kind=spec.get("channel_kind")
                )
            )
        tx.audit(AuditAction.DEMO_LOAD, "workspace", None, None, {"items": count})
        tx.touched(ChangeKind.ITEMS)
        tx.touched(ChangeKind.CHANNELS)
        tx.touched(ChangeKind.TAGS)
        return DemoResult(True, count, tx.changes())


def _users(tx: Transaction, specs: list[dict[str, Any]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for spec in specs:
        user = tx.session.scalar(select(User).where(User.name == spec["name"]))
        if user is None:
            user = User(
                name=spec["name"],
                display_name=spec["display_name"],
                role=Role(spec["role"]),
                collar_number=spec.get("collar_number"),
            )
            tx.session.add(user)
            tx.session.flush()
            tx.audit(
                AuditAction.USER_CREATE,
                "user",
                user.id,
                None,
                {"name": user.name, "role": spec["role"]},
            )
        ids[spec["name"]] = user.id
    return ids


def _channels(tx: Transaction, specs: list[dict[str, Any]]) -> dict[str, Channel]:
    out: dict[str, Channel] = {}
    for spec in specs:
        channel = Channel(
            name=spec["name"],
            kind=spec["kind"],
            config={**spec["config"], "demo": True},
            # Demo channels have no credentials: the worker must not poll them.
            enabled=False,
            state=spec.get("state", "ok"),
            state_reason=spec.get("state_reason"),
            last_success_at=tx.now - timedelta(minutes=4) if spec.get("state") != "error" else None,
            last_attempt_at=tx.now - timedelta(minutes=4),
            # Connected before the story's first message: its items count for response figures.
            created_at=tx.now - DEMO_CONNECTED_AGO,
        )
        tx.session.add(channel)
        tx.session.flush()
        tx.audit(AuditAction.CHANNEL_CREATE, "channel", channel.id, None, {"name": channel.name})
        out[spec["key"]] = channel
    return out


def _item(
    tx: Transaction,
    spec: dict[str, Any],
    data: dict[str, Any],
    channels: dict[str, Channel],
    users: dict[str, int],
) -> int:
    from services.channels.incoming import Author, Incoming, ThreadRef
    from services.channels.ingest import upsert

    channel = channels[spec["channel"]]
    at = tx.now - parse_offset(spec["ago"])
    thread_spec = data["threads"][spec["thread"]]
    thread = ThreadRef(
        spec["thread"], thread_spec["title"], thread_spec.get("url"), thread_spec.get("body")
    )
    a = spec["author"]
    incoming = Incoming(
        external_id=spec["id"],
        kind=ItemKind(spec["kind"]),
        created_at=at - timedelta(minutes=2),
        author=Author(a["id"], a["name"], a.get("handle"), a.get("url")),
        thread=thread,
        body_html=spec.get("html"),
        body_text=spec.get("text"),
        parent_external_id=spec.get("parent"),
        permalink=(thread_spec.get("url") or "") + f"#{spec['id']}"
        if thread_spec.get("url")
        else None,
        source_state=spec.get("source_state", "published"),
        needs_reply=spec.get("needs_reply", True),
        raw={"demo": spec},
    )
    item_id = upsert(tx.session, channel.id, [incoming], at).inserted[0]
    item = tx.session.get_one(Item, item_id)
    item.status = Status(spec.get("status", "new"))
    item.priority = spec.get("priority", 0)
    item.sentiment = spec.get("sentiment")
    if spec.get("snooze"):
        item.snoozed_until = tx.now + parse_offset(spec["snooze"])
    if item.status in (Status.DONE, Status.SPAM):
        item.resolved_at = at + timedelta(hours=4)
    actor = users.get(spec.get("assignee", ""))
    step = at + timedelta(minutes=25)
    for name in spec.get("tags", []):
        tag = tx.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            tx.session.add(tag)
            tx.session.flush()
        tx.session.add(ItemTag(item_id=item_id, tag_id=tag.id))
        tx.audit(
            AuditAction.ITEM_TAG, "item", item_id, None, {"tag": name}, actor_id=actor, at=step
        )
    if spec.get("assignee"):
        item.assignee_id = users[spec["assignee"]]
        tx.audit(
            AuditAction.ITEM_ASSIGN,
            "item",
            item_id,
            {"assignee": None},
            {"assignee": spec["assignee"]},
            actor_id=users["g.okafor"],
            at=step,
        )
    if "note" in spec:
        note = spec["note"]
        tx.session.add(
            Note(
                item_id=item_id,
                author_id=users[note["by"]],
                body=note["text"],
                created_at=step + timedelta(hours=2),
            )
        )
        tx.audit(
            AuditAction.ITEM_NOTE,
            "item",
            item_id,
            None,
            {"body": note["text"]},
            actor_id=users[note["by"]],
            at=step + timedelta(hours=2),
        )
    if "escalate" in spec:
        esc = spec["escalate"]
        tx.session.add(
            Escalation(
                item_id=item_id,
                raised_by_id=users[esc["by"]],
                to_user_id=users.get(esc.get("to", "")),
                to_team=esc.get("team"),
                reason=esc["reason"],
                created_at=step + timedelta(hours=1),
            )
        )
        tx.audit(
            AuditAction.ITEM_ESCALATE,
            "item",
            item_id,
            None,
            {"reason": esc["reason"]},
            actor_id=users[esc["by"]],
            at=step + timedelta(hours=1),
        )
    count = 1
    if "reply" in spec:
        count += _reply(tx, spec, item, channel, users, at, thread)
    return count


def _reply(
    tx: Transaction,
    spec: dict[str, Any],
    item: Item,
    channel: Channel,
    users: dict[str, int],
    at: datetime,
    thread: ThreadRef,
) -> int:
    from services.channels.incoming import Author, Incoming
    from services.channels.ingest import upsert

    r = spec["reply"]
    sent_at = at + parse_offset(r["after"])
    out_id = f"{spec['id']}-reply"
    upsert(
        tx.session,
        channel.id,
        [
            Incoming(
                external_id=out_id,
                kind=ItemKind.REPLY,
                created_at=sent_at,
                author=Author("northvale-police", "Northvale Police", "northvale"),
                thread=thread,
                body_text=r["text"],
                parent_external_id=spec["id"],
                direction=Direction.OUTBOUND,
                needs_reply=False,
            )
        ],
        sent_at,
    )
    author = users[r["by"]]
    tx.session.add(
        Reply(
            item_id=item.id,
            author_id=author,
            body=r["text"],
            state=ReplyState.SENT,
            reviewer_id=users["g.okafor"] if author != users["g.okafor"] else None,
            submitted_at=sent_at - timedelta(minutes=20),
            reviewed_at=sent_at - timedelta(minutes=5),
            sent_at=sent_at,
            external_id=out_id,
            created_at=sent_at - timedelta(minutes=30),
            updated_at=sent_at,
        )
    )
    response.record_sent_reply(tx.session, item, sent_at, author)
    tx.audit(
        AuditAction.REPLY_SENT,
        "item",
        item.id,
        None,
        {"body": r["text"]},
        actor_id=author,
        at=sent_at,
    )
    return 1
