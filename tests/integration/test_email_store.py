"""E-mail items as the connector maps them, stored on both databases: once, inert, with what a reply needs."""

from __future__ import annotations

from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.email_items import message_item
from services.channels.ingest import upsert
from services.channels.outside_text import unescape_raw
from services.store.db import SessionFactory
from services.store.models import Item, Thread
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.real import mail_samples as samples

OURS = "counter@force.example"
PUBLIC = "jo@public.example"


def _messages() -> list[bytes]:
    first, _answer, again = samples.thread_of_three(PUBLIC, OURS)
    return [
        samples.html_with_pixel_and_script("helen@public.example", OURS),
        samples.with_attachment("gordon@public.example", OURS),
        samples.latin1("renee@public.example", OURS),
        samples.unknown_charset("sam@public.example", OURS),
        first,
        again,
    ]


def test_email_items_store_once_and_keep_their_reply_headers(
    factory: SessionFactory, admin: Actor
) -> None:
    view = channels_admin.add_channel(
        factory,
        admin,
        "email",
        "Contact mailbox",
        {"imap": "127.0.0.1:143", "smtp": "127.0.0.1:25", "address": OURS, "security": "none"},
    )
    _first, answer, _again = samples.thread_of_three(PUBLIC, OURS)
    items = [message_item(m) for m in _messages()]
    items.append(message_item(answer, outbound=True))
    with write_transaction(factory, None) as tx:
        assert len(upsert(tx.session, view.id, items, tx.now).inserted) == 7
    with write_transaction(factory, None) as tx:
        again = upsert(tx.session, view.id, [message_item(m) for m in _messages()], tx.now)
        assert again.item_ids == []

    with factory() as s:
        rows = {i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == view.id))}
        titles = set(s.scalars(select(Thread.title).where(Thread.channel_id == view.id)))
    assert "Noise from the park" in titles and "Vandalismus am Café" in titles
    jo = rows["<jo-2@public.example>"]
    raw = unescape_raw(jo.raw)
    assert raw["references"] == ["<jo-1@public.example>", "<our-1@force.example>"]
    assert (raw["from"], raw["subject"]) == (PUBLIC, "Re: Noise from the park")
    assert jo.thread_id == rows["<jo-1@public.example>"].thread_id
    assert jo.thread_id == rows["<our-1@force.example>"].thread_id
    page = rows["<html-1@public.example>"].body_html or ""
    assert "<script" not in page and "<img" not in page
    assert "\ufffd" in rows["<charset-1@public.example>"].body_text
