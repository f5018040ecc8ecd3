"""Replying on X: a post in reply to the item's newest edit, or a message in its DM conversation.

`find_reply` looks for one already posted (our timeline, or the DM
conversation), so a send whose answer was lost is not posted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.channels.errors import BadPayload, Rejected
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.protocol import ReplyTarget, SentReply
from services.channels.x_api import (
    DM,
    DM_PARAMS,
    TWEET_FIELDS,
    XApi,
    data_list,
    id_of,
    problem_text,
)
from services.channels.x_text import plain, same_text, too_long
from services.store.models import Direction, ItemKind

Me = Callable[[], dict[str, Any]]  # the account's user object, read once and kept


def _sent(whoami: Me, new_id: str, target: ReplyTarget, text: str, dm: bool) -> SentReply:
    me = whoami()
    link = None if dm else f"https://x.com/{me.get('username')}/status/{new_id}"
    outbound = Incoming(
        external_id=(DM + new_id) if dm else new_id,
        kind=ItemKind.DIRECT_MESSAGE if dm else ItemKind.REPLY,
        created_at=None,
        author=Author(
            str(me.get("id")),
            str(me.get("name") or me.get("username")),
            f"@{me.get('username')}",
        ),
        thread=ThreadRef(target.thread_external_id) if target.thread_external_id else None,
        body_text=text,
        parent_external_id=target.item_external_id,
        permalink=link,
        direction=Direction.OUTBOUND,
        needs_reply=False,
        raw={"id": new_id, "text": text},
    )
    return SentReply(outbound.external_id, link, outbound)


def send_reply(api: XApi, me: Me, target: ReplyTarget, body: str) -> SentReply:
    text = body.strip()
    refused = too_long(text)
    if refused:
        raise Rejected(refused)
    raw = target.reply_target
    dm = raw.get("dm_conversation_id")
    if dm:
        path = f"/2/dm_conversations/{dm}/messages"
        resp = api.call(
            "POST", path, json_body={"text": text}, ok=(400, 403, 404), needs="dm.write"
        )
    else:
        parent = str(raw.get("id") or target.item_external_id)  # the newest edit
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": parent}}
        path = "/2/tweets"
        resp = api.call("POST", path, json_body=payload, ok=(400, 403, 404), needs="tweet.write")
    if resp.status >= 400:
        raise Rejected(
            f"X refused the reply ({problem_text(resp)}): the post may be deleted, or its "
            "author limits who can reply"
        )
    created = resp.json()
    data = created.get("data") if isinstance(created, dict) else None
    new_id = (data or {}).get("dm_event_id" if dm else "id") if isinstance(data, dict) else None
    if not isinstance(new_id, str) or not new_id:
        raise BadPayload(f"POST {path} did not return the new id")
    return _sent(me, new_id, target, text, bool(dm))


def find_reply(api: XApi, me: Me, target: ReplyTarget, body: str) -> SentReply | None:
    """Our post answering the target with this text (our timeline), or our message in the DM."""
    text = body.strip()
    raw = target.reply_target
    dm = raw.get("dm_conversation_id")
    if dm:
        path = f"/2/dm_conversations/{dm}/dm_events"
        page = api.get(path, DM_PARAMS, needs="dm.read")
        mine = str(me().get("id"))
        for event in data_list(page, path):
            if str(event.get("sender_id")) == mine and same_text(plain(event), text):
                return _sent(me, id_of(event, path), target, text, True)
        return None
    parents = {str(raw.get("id") or ""), target.item_external_id}
    path = f"/2/users/{id_of(me(), '/2/users/me')}/tweets"
    page = api.get(path, {"max_results": "100", "tweet.fields": TWEET_FIELDS})
    for post in data_list(page, path):
        answered = {
            str(r.get("id"))
            for r in post.get("referenced_tweets") or []
            if isinstance(r, dict) and r.get("type") == "replied_to"
        }
        if answered & parents and same_text(plain(post), text):
            return _sent(me, id_of(post, path), target, text, False)
    return None
