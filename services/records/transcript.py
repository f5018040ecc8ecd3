"""The readable conversation of an evidence bundle: HTML (for the PDF) and plain text.

Every time is given twice, in UTC and in the force's local time, because a
statement or a court may use either. Public text is escaped and shown as text:
no markup, no remote images, links written out with their real target.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.models import Channel, Contact, Item, ItemTag, Note, Reply, Tag, Thread, User
from services.store.models_records import Tombstone


@dataclass(frozen=True)
class TranscriptReply:
    author: str
    state: str
    body: str
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class TranscriptNote:
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class TranscriptItem:
    id: int
    channel: str
    kind: str
    direction: str
    author: str
    handle: str | None
    profile_url: str | None
    thread_title: str | None
    thread_url: str | None
    posted_at: datetime
    posted_at_estimated: bool
    received_at: datetime
    permalink: str | None
    status: str
    tags: tuple[str, ...]
    risk_level: str | None
    body_text: str
    source_state: str
    erased: str | None
    replies: tuple[TranscriptReply, ...]
    notes: tuple[TranscriptNote, ...]


def load_items(session: Session, item_ids: Sequence[int]) -> list[TranscriptItem]:
    """The items in the order they were posted, each with its replies and notes."""
    rows = session.execute(
        select(Item, Channel.name, Contact, Thread, Tombstone.why)
        .join(Channel, Channel.id == Item.channel_id)
        .outerjoin(Contact, Contact.id == Item.contact_id)
        .outerjoin(Thread, Thread.id == Item.thread_id)
        .outerjoin(Tombstone, Tombstone.item_id == Item.id)
        .where(Item.id.in_(list(item_ids)))
        .order_by(Item.created_at, Item.id)
    ).all()
    users = {uid: name for uid, name in session.execute(select(User.id, User.display_name))}
    tags: dict[int, list[str]] = {}
    for item_id, name in session.execute(
        select(ItemTag.item_id, Tag.name)
        .join(Tag, Tag.id == ItemTag.tag_id)
        .where(ItemTag.item_id.in_(list(item_ids)))
        .order_by(Tag.name)
    ):
        tags.setdefault(item_id, []).append(name)
    replies: dict[int, list[TranscriptReply]] = {}
    for r in session.scalars(
        select(Reply).where(Reply.item_id.in_(list(item_ids))).order_by(Reply.id)
    ):
        replies.setdefault(r.item_id, []).append(
            TranscriptReply(
                users.get(r.author_id, "?"), r.state.value, r.body, r.sent_at, r.created_at
            )
        )
    notes: dict[int, list[TranscriptNote]] = {}
    for n in session.scalars(
        select(Note).where(Note.item_id.in_(list(item_ids))).order_by(Note.id)
    ):
        notes.setdefault(n.item_id, []).append(
            TranscriptNote(users.get(n.author_id, "?"), n.body, n.created_at)
        )
    out = []
    for item, channel, contact, thread, erased in rows:
        out.append(
            TranscriptItem(
                id=item.id,
                channel=channel,
                kind=item.kind.value,
                direction=item.direction.value,
                author=contact.display_name if contact else "(unknown)",
                handle=contact.handle if contact else None,
                profile_url=contact.profile_url if contact else None,
                thread_title=thread.title if thread else None,
                thread_url=thread.url if thread else None,
                posted_at=item.created_at,
                posted_at_estimated=item.posted_at_estimated,
                received_at=item.received_at,
                permalink=item.permalink,
                status=item.status.value,
                tags=tuple(tags.get(item.id, ())),
                risk_level=item.risk_level,
                body_text=item.body_text,
                source_state=item.source_state,
                erased=erased,
                replies=tuple(replies.get(item.id, ())),
                notes=tuple(notes.get(item.id, ())),
            )
        )
    return out


def both_times(when: datetime, tz: ZoneInfo) -> str:
    local = when.astimezone(tz)
    return (
        f"{when.strftime('%Y-%m-%d %H:%M:%S')} UTC "
        f"({local.strftime('%Y-%m-%d %H:%M:%S %Z')}, {tz.key})"
    )


def _posted(item: TranscriptItem, tz: ZoneInfo) -> str:
    said = both_times(item.posted_at, tz)
    return said + (
        " — the platform gave no time: this is when it was fetched"
        if item.posted_at_estimated
        else ""
    )


def render_text(
    title: str, items: Sequence[TranscriptItem], tz: ZoneInfo, header: Sequence[str]
) -> str:
    lines = [title, "=" * len(title), *header, ""]
    for item in items:
        lines += [
            f"Item {item.id} — {item.kind} on {item.channel} ({item.direction})",
            f"  From:      {item.author}" + (f" <{item.handle}>" if item.handle else ""),
            f"  Posted:    {_posted(item, tz)}",
            f"  Received:  {both_times(item.received_at, tz)}",
            f"  Thread:    {item.thread_title or '-'}"
            + (f" <{item.thread_url}>" if item.thread_url else ""),
            f"  Permalink: {item.permalink or '-'}",
            f"  Status:    {item.status}; on the platform: {item.source_state}"
            + (f"; risk: {item.risk_level}" if item.risk_level else "")
            + (f"; tags: {', '.join(item.tags)}" if item.tags else ""),
        ]
        if item.erased:
            lines.append(f"  ERASED:    {item.erased}")
        lines += ["", *("  | " + line for line in (item.body_text or "(no text)").splitlines()), ""]
        for r in item.replies:
            when = (
                both_times(r.sent_at, tz)
                if r.sent_at
                else f"drafted {both_times(r.created_at, tz)}"
            )
            lines += [f"  Our reply by {r.author} ({r.state}, {when}):"]
            lines += ["    > " + line for line in r.body.splitlines()] + [""]
        for n in item.notes:
            lines += [f"  Internal note by {n.author}, {both_times(n.created_at, tz)}:"]
            lines += ["    # " + line for line in n.body.splitlines()] + [""]
    return "\n".join(lines) + "\n"


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _paragraphs(text: str) -> str:
    return "<br/>".join(_e(line) for line in (text or "(no text)").splitlines()) or "(no text)"


def render_html(
    title: str, items: Sequence[TranscriptItem], tz: ZoneInfo, header: Sequence[str]
) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{_e(title)}</title>",
        "<style>body{font-family:sans-serif;font-size:9pt;color:#111}"
        "h1{font-size:14pt} .meta td{padding:1px 8px 1px 0;vertical-align:top;color:#333}"
        ".item{border-top:1px solid #999;margin-top:10px;padding-top:4px}"
        ".body{background:#f4f4f4;padding:6px;margin:6px 0}"
        ".reply{margin-left:24px;border-left:3px solid #21759b;padding-left:6px}"
        ".note{margin-left:24px;border-left:3px solid #b58900;padding-left:6px}"
        ".erased{color:#a00;font-weight:bold}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "".join(f"<p>{_e(line)}</p>" for line in header),
    ]
    for item in items:
        who = _e(item.author) + (f" &lt;{_e(item.handle)}&gt;" if item.handle else "")
        meta = [
            ("Posted", _e(_posted(item, tz))),
            ("Received", _e(both_times(item.received_at, tz))),
            ("Thread", _e(item.thread_title or "-") + (f" ({_e(item.thread_url)})" if item.thread_url else "")),
            ("Permalink", _e(item.permalink or "-")),
            ("Status", _e(f"{item.status}; on the platform: {item.source_state}")
             + (_e(f"; risk: {item.risk_level}") if item.risk_level else "")
             + (_e(f"; tags: {', '.join(item.tags)}") if item.tags else "")),
        ]  # fmt: skip
        parts.append(
            f"<div class='item'><h2 style='font-size:11pt'>Item {item.id} — {_e(item.kind)} "
            f"on {_e(item.channel)} from {who}</h2><table class='meta'>"
            + "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in meta)
            + "</table>"
        )
        if item.erased:
            parts.append(f"<p class='erased'>Erased: {_e(item.erased)}</p>")
        parts.append(f"<div class='body'>{_paragraphs(item.body_text)}</div>")
        for r in item.replies:
            when = (
                both_times(r.sent_at, tz)
                if r.sent_at
                else f"drafted {both_times(r.created_at, tz)}"
            )
            parts.append(
                f"<div class='reply'><b>Our reply by {_e(r.author)}</b> ({_e(r.state)}, {_e(when)})"
                f"<br/>{_paragraphs(r.body)}</div>"
            )
        for n in item.notes:
            parts.append(
                f"<div class='note'><b>Internal note by {_e(n.author)}</b>, "
                f"{_e(both_times(n.created_at, tz))}<br/>{_paragraphs(n.body)}</div>"
            )
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)
