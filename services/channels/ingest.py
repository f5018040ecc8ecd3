"""Idempotent ingest: public items upserted by (channel, external id), with their threads and contacts.

Connectors and the demo loader hand over `Incoming` values (the common item
model of CHANNELS.md §8, services/channels/incoming.py); `upsert` inserts newcomers, updates edits and marks
deletions, so running the same input twice leaves the same database.

Every text from outside is normalised here first (services.channels.outside_text), so
one hostile name or NUL byte cannot make the database refuse a whole batch;
an item repeated within one batch is stored once, the later copy winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, select
from sqlalchemy.orm import Session

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest_rows import insert_items, insert_rows
from services.channels.outside_text import clean_id, clean_name, clean_text, cut, escape_raw
from services.channels.sanitise import sanitise_html, sanitise_with_text, text_to_html
from services.desk.risk_store import IngestRisk
from services.records import attachments, payloads
from services.store.id_lists import keys_among
from services.store.models import (
    Contact,
    Direction,
    Item,
    Status,
    Thread,
)


@dataclass
class UpsertResult:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    # Items whose risk level rose to urgent in this batch (a "risk" change for the desktop).
    urgent: list[int] = field(default_factory=list)

    @property
    def item_ids(self) -> list[int]:
        return self.inserted + self.updated


def _length(column: Any) -> int:
    kind = column.type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


_CONTACT_ID = _length(Contact.__table__.c.external_id)
_NAME = _length(Contact.__table__.c.display_name)
_HANDLE = _length(Contact.__table__.c.handle)
_THREAD_ID = _length(Thread.__table__.c.external_id)
_ITEM_ID = _length(Item.__table__.c.external_id)
_STATE = _length(Item.__table__.c.source_state)


def _optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def item_key(external_id: str) -> str:
    """The external id as stored: what (channel, external id) lookups must use."""
    return clean_id(external_id, _ITEM_ID)


def normalised(incoming: Incoming) -> Incoming:
    """The item as it may be stored: clean texts, names without invisible tricks, ids that fit."""
    author = incoming.author
    if author is not None:
        author = Author(
            clean_id(author.external_id, _CONTACT_ID),
            clean_name(author.display_name, _NAME),
            clean_name(author.handle, _HANDLE) if author.handle is not None else None,
            _optional(author.profile_url),
        )
    thread = incoming.thread
    if thread is not None:
        thread = ThreadRef(
            clean_id(thread.external_id, _THREAD_ID),
            _optional(thread.title),
            _optional(thread.url),
            _optional(thread.body_text),
        )
    return replace(
        incoming,
        external_id=item_key(incoming.external_id),
        author=author,
        thread=thread,
        body_html=_optional(incoming.body_html),
        body_text=_optional(incoming.body_text),
        parent_external_id=(
            item_key(incoming.parent_external_id)
            if incoming.parent_external_id is not None
            else None
        ),
        permalink=_optional(incoming.permalink),
        source_state=cut(clean_text(incoming.source_state), _STATE),
        raw=escape_raw(incoming.raw) if incoming.raw is not None else None,
    )


def _once_each(batch: Iterable[Incoming]) -> list[Incoming]:
    """Normalised items, one per external id: a feed repeating a GUID keeps its later copy."""
    latest: dict[str, Incoming] = {}
    for incoming in batch:
        clean = normalised(incoming)
        latest.pop(clean.external_id, None)  # re-insert so order follows the winning copy
        latest[clean.external_id] = clean
    return list(latest.values())


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _contacts(
    session: Session, channel_id: int, new: list[Incoming], now: datetime
) -> dict[str, int]:
    """Contact ids of the new items' authors: found in one query, the missing ones added at once.

    A lookup per author used to flush the pending items before it: 24,000 flushes for a
    10,000-comment sync. A new contact takes its details from the author's first item.
    """
    authors: dict[str, Author] = {}
    for incoming in new:
        if incoming.author is not None:
            authors.setdefault(incoming.author.external_id, incoming.author)
    if not authors:
        return {}
    ids: dict[str, int] = dict(
        session.connection()
        .execute(  # rows of (external id, id)
            select(Contact.external_id, Contact.id).where(
                Contact.channel_id == channel_id,
                keys_among(Contact.external_id, authors, _dialect(session)),
            )
        )
        .all()
    )
    added: list[dict[str, Any]] = [
        {
            "channel_id": channel_id,
            "external_id": author.external_id,
            "handle": author.handle,
            "display_name": author.display_name or author.handle or author.external_id,
            "profile_url": author.profile_url,
            "person_key": (author.handle or "").lower() or None,
            "first_seen_at": now,
        }
        for key, author in authors.items()
        if key not in ids
    ]
    insert_rows(session, cast(Table, Contact.__table__), added)  # rows, not ORM objects
    ids.update((c["external_id"], int(c["id"])) for c in added)
    return ids


def _threads(session: Session, channel_id: int, new: list[Incoming]) -> dict[str, int]:
    """Thread ids of the new items, in one query; a thread's details come from its first item."""
    refs: dict[str, ThreadRef] = {}
    for incoming in new:
        if incoming.thread is not None:
            refs.setdefault(incoming.thread.external_id, incoming.thread)
    if not refs:
        return {}
    ids: dict[str, int] = {}
    changed: list[int] = []  # known threads the batch tells something new about
    for row in session.connection().execute(
        select(Thread.id, Thread.external_id, Thread.title, Thread.url, Thread.body_text).where(
            Thread.channel_id == channel_id,
            keys_among(Thread.external_id, refs, _dialect(session)),
        )
    ):
        ref = refs[row.external_id]
        ids[row.external_id] = row.id
        told = ((ref.title, row.title), (ref.url, row.url), (ref.body_text, row.body_text))
        if any(given and given != stored for given, stored in told):
            changed.append(row.id)
    if changed:  # as ORM objects, so a copy already in the session sees the change too
        for thread in session.scalars(select(Thread).where(Thread.id.in_(changed))):
            ref = refs[thread.external_id]
            thread.title = ref.title or thread.title
            thread.url = ref.url or thread.url
            thread.body_text = ref.body_text or thread.body_text
    added: list[dict[str, Any]] = [
        {
            "channel_id": channel_id,
            "external_id": ref.external_id,
            "title": ref.title,
            "url": ref.url,
            "body_text": ref.body_text,
        }
        for key, ref in refs.items()
        if key not in ids
    ]
    insert_rows(session, cast(Table, Thread.__table__), added)  # rows, as contacts and items
    ids.update((t["external_id"], int(t["id"])) for t in added)
    return ids


def _bodies(incoming: Incoming) -> tuple[str, str | None]:
    if incoming.body_html is not None:
        if incoming.body_text:
            return incoming.body_text, sanitise_html(incoming.body_html)
        safe_html, text = sanitise_with_text(incoming.body_html)
        return text, safe_html
    text = incoming.body_text or ""
    return text, text_to_html(text)


def upsert(
    session: Session, channel_id: int, batch: Iterable[Incoming], now: datetime
) -> UpsertResult:
    result = UpsertResult()
    incoming_list = _once_each(batch)
    # One query for the batch's existing rows instead of one per item.
    existing = (
        {
            i.external_id: i
            for i in session.scalars(
                select(Item).where(
                    Item.channel_id == channel_id,
                    keys_among(
                        Item.external_id,
                        {x.external_id for x in incoming_list},
                        _dialect(session),
                    ),
                )
            )
        }
        if incoming_list
        else {}
    )
    erased = payloads.erased_ids(session, [i.id for i in existing.values()])
    # Contacts and threads first, each in one query and one insert; then the new items go in
    # by one flush at the end (no lookup in between flushes them one by one).
    arriving = [x for x in incoming_list if x.external_id not in existing]
    contacts = _contacts(session, channel_id, arriving, now)
    threads = _threads(session, channel_id, arriving)
    new_rows: list[dict[str, Any]] = []
    risk = IngestRisk(session, now)  # every new text and every edited one is classified
    with session.no_autoflush:
        for incoming in incoming_list:
            text, safe_html = _bodies(incoming)
            item = existing.get(incoming.external_id)
            if item is None:
                row = _new_row(incoming, channel_id, threads, contacts, text, safe_html, now)
                risk.assess_new(row)
                new_rows.append(row)
                continue
            if item.id in erased:
                continue  # erased (retention, a person's erasure): a re-fetch never brings it back
            if (item.body_text, item.body_html, item.source_state) == (
                text,
                safe_html,
                incoming.source_state,
            ):
                continue
            edited = item.body_text != text
            item.body_text = text
            item.body_html = safe_html
            if edited:
                risk.assess(item)
            item.raw = incoming.raw
            item.source_state = incoming.source_state
            item.source_updated_at = incoming.source_updated_at or now
            if incoming.source_state == "spam" and item.status in (Status.NEW, Status.OPEN):
                item.status = Status.SPAM
            result.updated.append(item.id)
    session.flush()  # the edits, before the new rows go in beside them
    insert_items(session, new_rows)
    result.inserted.extend(int(row["id"]) for row in new_rows)
    ids = {x.external_id: x.id for x in existing.values()}
    ids.update((row["external_id"], int(row["id"])) for row in new_rows)
    _keep_raw_bytes(session, incoming_list, ids, erased, now)
    result.urgent.extend(risk.record())
    return result


def _new_row(
    incoming: Incoming,
    channel_id: int,
    threads: dict[str, int],
    contacts: dict[str, int],
    text: str,
    safe_html: str | None,
    now: datetime,
) -> dict[str, Any]:
    """A new item's row: every row of a batch names the same columns (one executemany)."""
    return {
        "channel_id": channel_id,
        "external_id": incoming.external_id,
        "thread_id": threads[incoming.thread.external_id] if incoming.thread else None,
        "parent_external_id": incoming.parent_external_id,
        "contact_id": contacts[incoming.author.external_id] if incoming.author else None,
        "direction": incoming.direction,
        "kind": incoming.kind,
        "body_text": text,
        "body_html": safe_html,
        "raw": incoming.raw,
        "permalink": incoming.permalink,
        "created_at": incoming.created_at or now,
        "posted_at_estimated": incoming.created_at is None,
        "received_at": now,
        "source_updated_at": incoming.source_updated_at,
        "source_state": incoming.source_state,
        "status": _initial_status(incoming),
        "priority": 0,  # the column's default, named: SQLite's rows go to the driver as they are
        "needs_reply": incoming.needs_reply,
        "resolved_at": now if incoming.direction == Direction.OUTBOUND else None,
        "risk_level": None,
        "risk_reasons": None,
        "risk_rules_version": None,
        "risk_assessed_at": None,
        "version": 1,  # as the ORM's version counter starts
    }


def _keep_raw_bytes(
    session: Session,
    batch: list[Incoming],
    ids: dict[str, int],
    erased: set[int],
    now: datetime,
) -> None:
    for incoming in batch:
        item_id = ids[incoming.external_id]
        if incoming.raw_bytes is not None and item_id not in erased:
            payloads.keep(session, item_id, incoming.raw_bytes, incoming.raw_media_type, now)
        if incoming.files and item_id not in erased:
            attachments.keep(session, item_id, incoming.files, now)


def _initial_status(incoming: Incoming) -> Status:
    if incoming.direction == Direction.OUTBOUND:
        return Status.DONE
    if incoming.source_state == "spam":
        return Status.SPAM
    return Status.NEW
