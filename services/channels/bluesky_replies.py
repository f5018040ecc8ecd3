"""Replying on Bluesky: a post record carrying the thread's root and parent as strong refs.

Links and @handles become facets over UTF-8 byte ranges (handles resolved to
DIDs through the PDS). `find_reply` looks for a reply already posted among
our newest records, so a send whose answer was lost is not posted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.channels import bluesky_text as text
from services.channels.bluesky_api import BlueskyApi, error_of
from services.channels.bluesky_posts import post_item, ref
from services.channels.errors import BadPayload, Rejected
from services.channels.incoming import Incoming, ThreadRef
from services.channels.protocol import ReplyTarget, SentReply
from services.store.models import Direction, ItemKind


def _refs(target: ReplyTarget) -> tuple[dict[str, str], dict[str, str]]:
    """(root, parent) strong refs for a reply: root is the parent's root if it is a reply."""
    n = target.reply_target
    parent = ref(n)
    if parent is None:
        raise Rejected("this item lacks the post's reference (uri and cid): sync the channel again")
    record = n.get("record")
    reply = record.get("reply") if isinstance(record, dict) else None
    root = ref(reply.get("root")) if isinstance(reply, dict) else None
    return root or parent, parent


def send_reply(api: BlueskyApi, target: ReplyTarget, body: str) -> SentReply:
    root, parent = _refs(target)
    words = body.strip()
    problem = text.too_long(words)
    if problem:
        raise Rejected(problem)
    record: dict[str, Any] = {
        "$type": text.POST,
        "text": words,
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "reply": {"root": root, "parent": parent},
    }
    found = text.facets(words, lambda handle: _resolve(api, handle))
    if found:
        record["facets"] = found
    resp = api.call(
        "POST",
        "com.atproto.repo.createRecord",
        body={"repo": api.did, "collection": text.POST, "record": record},
        retry=False,
        ok=(400,),
    )
    if resp.status == 400:
        name, message = error_of(resp)
        raise Rejected(f"Bluesky refused the reply ({name or 400}: {message or 'no reason given'})")
    made = ref(resp.json())
    if made is None:
        raise BadPayload("com.atproto.repo.createRecord did not return the post's uri and cid")
    return _sent(api, made["uri"], record, target)


def _resolve(api: BlueskyApi, handle: str) -> str | None:
    resp = api.call(
        "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}, ok=(400, 404)
    )
    did = resp.json().get("did") if resp.status == 200 else None
    return did if isinstance(did, str) and did.startswith("did:") else None


def _sent(api: BlueskyApi, uri: str, record: dict[str, Any], target: ReplyTarget) -> SentReply:
    mine = post_item(
        uri,
        record,
        {"did": api.did, "handle": api.handle},
        record.get("createdAt"),
        "com.atproto.repo.createRecord",
    )
    outbound = Incoming(
        external_id=uri,
        kind=ItemKind.REPLY,
        created_at=mine.created_at,
        author=mine.author,
        thread=ThreadRef(target.thread_external_id) if target.thread_external_id else None,
        body_html=mine.body_html,
        parent_external_id=target.item_external_id,
        permalink=mine.permalink,
        direction=Direction.OUTBOUND,
        needs_reply=False,
        raw={"uri": uri, "record": record},
    )
    return SentReply(uri, mine.permalink, outbound)


def find_reply(api: BlueskyApi, target: ReplyTarget, body: str) -> SentReply | None:
    """Our post answering the parent with this text, among our newest records (read from the PDS)."""
    _, parent = _refs(target)
    words = body.strip()
    listed = api.get(
        "com.atproto.repo.listRecords",
        {"repo": api.did, "collection": text.POST, "limit": "100"},
    )
    records = listed.get("records")
    for entry in records if isinstance(records, list) else []:
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, dict) or not isinstance(entry.get("uri"), str):
            continue
        reply = value.get("reply")
        said = ref(reply.get("parent")) if isinstance(reply, dict) else None
        if said and said["uri"] == parent["uri"] and text.same_text(str(value.get("text")), words):
            return _sent(api, str(entry["uri"]), value, target)
    return None
