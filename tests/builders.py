"""Test data through the real ingest path: channels and items with hand-placed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.channels import admin as channels_admin
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.store.db import SessionFactory
from services.store.models import Channel, ItemKind, utcnow
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.fakes.wordpress import FakeWordPress

CONNECTED_AT = datetime(2020, 1, 1, tzinfo=UTC)


def add_channel(factory: SessionFactory, name: str = "Force blog", kind: str = "wordpress") -> int:
    with write_transaction(factory, None) as tx:
        # Connected long before any item a test places in it, so every item counts for the SLA.
        channel = Channel(name=name, kind=kind, config={}, created_at=CONNECTED_AT)
        tx.session.add(channel)
        tx.session.flush()
        tx.touched(ChangeKind.CHANNELS)
        return channel.id


def add_item(
    factory: SessionFactory,
    channel_id: int,
    external_id: str,
    text: str = "hello",
    *,
    author: str = "Alex Reader",
    handle: str | None = None,
    thread: str = "post-1",
    received_at: datetime | None = None,
    html: str | None = None,
    kind: ItemKind = ItemKind.COMMENT,
    needs_reply: bool = True,
) -> int:
    at = received_at or utcnow()
    incoming = Incoming(
        external_id=external_id,
        kind=kind,
        created_at=at - timedelta(minutes=1),
        author=Author(author.lower().replace(" ", "."), author, handle),
        thread=ThreadRef(thread, f"Post {thread}"),
        body_html=html,
        body_text=None if html else text,
        needs_reply=needs_reply,
    )
    with write_transaction(factory, None) as tx:
        result = upsert(tx.session, channel_id, [incoming], at)
        tx.touched(ChangeKind.ITEMS, *result.item_ids)
        return (result.inserted or result.updated or [0])[0]


def wordpress_channel(
    factory: SessionFactory,
    admin: Actor,
    wp: FakeWordPress,
    name: str = "Force blog",
    site: str | None = None,
) -> int:
    """A WordPress channel on the fake server (or on `site`, a proxy in front of it), as an admin adds it."""
    return channels_admin.add_channel(
        factory,
        admin,
        "wordpress",
        name,
        {"url": site or wp.site, "login": wp.login},
        secret=wp.password,
    ).id


def feed_channel(
    factory: SessionFactory, admin: Actor, url: str, name: str | None = None, **config: object
) -> int:
    """A feed channel reading `url` (a fake feed server's), named after its path unless told."""
    return channels_admin.add_channel(
        factory, admin, "feed", name or url.rsplit("/", 2)[-1] or url, {"url": url, **config}
    ).id
