"""A channel's signature under each reply, written with the saved replies' placeholders.

The template is channel configuration (`signature`: the e-mail form's field in
services/channels/forms.py, so `channel add email --signature`, `channel edit`
and the desktop's Channels dialog all set it); it is filled by the same function the
composer fills saved replies with (services.answers.replies), for the reply's author and
the item answered: "{officer}, collar {collar}, {force} — ref {reference}". The
connector appends it below the words; the reply's identity (e-mail Message-ID) is
made from the words alone, so a re-rendered signature can never make a retry
look like a new reply.
"""

from __future__ import annotations

from services.answers import replies
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Reply, User
from services.workspace.actor import Actor


def for_reply(factory: SessionFactory, reply_id: int) -> str:
    """The signature to send under this reply, filled in; "" when its channel has none."""
    with factory() as s:
        reply = s.get_one(Reply, reply_id)
        item = s.get_one(Item, reply.item_id)
        template = str((s.get_one(Channel, item.channel_id).config or {}).get("signature") or "")
        author = s.get(User, reply.author_id)
        if not template.strip() or author is None:
            return ""
        actor = Actor(
            author.id,
            author.name,
            author.display_name,
            author.role,
            author.collar_number,
            author.active,
        )
        item_id = item.id
    values = replies.placeholder_values(factory, actor, item_id)
    # A one-line form field (the command line, the dialog) writes a new line as backslash-n.
    return replies.fill_placeholders(template.replace("\\n", "\n"), values).strip()
