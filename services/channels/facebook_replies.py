"""Replying for a Facebook Page: a comment under the comment, a private reply, or a Messenger message.

A private reply (a Messenger message to the author of a public comment, once
per comment, within 7 days) is chosen by the officer by starting the reply
with `/private`: the word is visible to the reviewer, and removed before sending.
Comments nest two levels, so a reply to a reply is posted under its top-level
comment, naming the person. `find_reply` looks for one already posted, so a
send whose answer was lost is not posted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.channels.errors import BadPayload, Gone, Rejected
from services.channels.facebook_api import (
    CONVERSATION_FIELDS,
    MESSAGE_FIELDS,
    GraphApi,
    id_of,
)
from services.channels.facebook_text import same_text, split_private
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.protocol import ReplyTarget, SentReply
from services.store.models import Direction, ItemKind


def _sent(page_id: str, new_id: str, target: ReplyTarget, text: str, how: str) -> SentReply:
    # A private reply is kept in the comment's thread, so the officer sees it was answered.
    thread = target.thread_external_id
    if how == "messenger":
        thread = str(target.reply_target.get("conversation_id"))
    outbound = Incoming(
        external_id=new_id,
        kind=ItemKind.REPLY if how == "comment" else ItemKind.DIRECT_MESSAGE,
        created_at=datetime.now(UTC),
        author=Author(page_id, "the Page"),
        thread=ThreadRef(thread) if thread else None,
        body_text=text,
        parent_external_id=target.item_external_id,
        direction=Direction.OUTBOUND,
        needs_reply=False,
        raw={"id": new_id, "message": text},
    )
    return SentReply(new_id, None, outbound)


def _where_to(target: ReplyTarget, body: str) -> tuple[str, str, dict[str, Any]]:
    """(how: comment | private | messenger, the text, the Graph call's JSON body)."""
    raw = target.reply_target
    private, text = split_private(body)
    if raw.get("conversation_id"):
        psid = raw.get("psid")
        if not psid:
            raise Rejected("this Messenger conversation has no one to answer")
        return (
            "messenger",
            text,
            {
                "recipient": {"id": psid},
                "messaging_type": "RESPONSE",
                "message": {"text": text},
            },
        )
    if private:
        if raw.get("can_reply_privately") is False:
            raise Rejected(
                "Facebook allows no private reply to this comment (one per comment, "
                "within 7 days of it)"
            )
        return (
            "private",
            text,
            {"recipient": {"comment_id": target.item_external_id}, "message": {"text": text}},
        )
    parent = raw.get("parent")
    if isinstance(parent, dict) and parent.get("id"):
        # Comments nest two levels: answer a reply on its top-level comment, naming the person.
        who = raw.get("from")
        name = who.get("name") if isinstance(who, dict) else None
        if isinstance(name, str) and name and not text.startswith(name):
            text = f"{name}, {text}"
    return "comment", text, {"message": text}


def _top(target: ReplyTarget) -> str:
    parent = target.reply_target.get("parent")
    if isinstance(parent, dict) and parent.get("id"):
        return str(parent["id"])
    return target.item_external_id


def send_reply(api: GraphApi, page_id: str, target: ReplyTarget, body: str) -> SentReply:
    how, text, payload = _where_to(target, body)
    if not text:
        raise Rejected("the reply is empty")
    path = f"/{_top(target)}/comments" if how == "comment" else f"/{page_id}/messages"
    needs = "pages_manage_engagement" if how == "comment" else "pages_messaging"
    try:
        answer = api.call("POST", path, json_body=payload, needs=needs).json()
    except Gone:
        raise Rejected(
            "the comment being answered was deleted, or the Page can no longer see it"
        ) from None
    new_id = answer.get("id") or answer.get("message_id") if isinstance(answer, dict) else None
    if not isinstance(new_id, (str, int)) or not new_id:
        raise BadPayload(f"POST {path} did not return the new id")
    return _sent(page_id, str(new_id), target, text, how)


def find_reply(api: GraphApi, page_id: str, target: ReplyTarget, body: str) -> SentReply | None:
    """Our comment under the same comment, or our Messenger message, with this text."""
    how, text, _ = _where_to(target, body)
    if how == "comment":
        try:
            found = api.pages(
                f"/{_top(target)}/comments",
                {"filter": "stream", "fields": "id,message,from,created_time", "limit": "100"},
            )
            for c in found:
                who = c.get("from") if isinstance(c, dict) else None
                mine = isinstance(who, dict) and str(who.get("id")) == page_id
                if mine and same_text(str(c.get("message") or ""), text):
                    return _sent(page_id, id_of(c, "comments"), target, text, how)
        except Gone:
            return None
        return None
    conv = target.reply_target.get("conversation_id")
    path = f"/{conv}/messages" if conv else f"/{page_id}/conversations"
    fields = MESSAGE_FIELDS if conv else CONVERSATION_FIELDS
    for entry in api.pages(path, {"fields": fields, "limit": "25"}, "pages_messaging", 2):
        box = entry.get("messages") if isinstance(entry, dict) and not conv else None
        messages = box.get("data") if isinstance(box, dict) else [entry]
        for m in messages if isinstance(messages, list) else []:
            who = m.get("from") if isinstance(m, dict) else None
            mine = isinstance(who, dict) and str(who.get("id")) == page_id
            if mine and same_text(str(m.get("message") or ""), text):
                return _sent(page_id, id_of(m, "messages"), target, text, how)
    return None
