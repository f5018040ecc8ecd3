"""What a Bluesky account can do about a post: mute, block or report, hide it in our thread.

Muting is private (muteActor); a block is a public record in our repo
(app.bsky.graph.block). A reply can be hidden only in a thread whose first
post is ours, by listing it in that post's threadgate (`hiddenReplies`,
at most 300); the gate's reply rules are kept as found. A report of the post
(or of its author's account) goes through com.atproto.moderation.createReport
to the moderation service the PDS uses. CHANNELS.md §7.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.channels import bluesky_text as text
from services.channels.bluesky_api import BlueskyApi, error_of
from services.channels.errors import BadPayload, ChannelError

THREADGATE = "app.bsky.feed.threadgate"
MAX_HIDDEN = 300
REPORT_REASON = "com.atproto.moderation.defs#reasonOther"
REPORT_TEXT = "Reported by the force's public contact desk (Front Counter)"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def moderate(api: BlueskyApi, uri: str, action: str) -> str:
    """Carry out `action` on the post `uri`; returns the item's state as the source now has it."""
    try:
        author, _, _ = text.split_uri(uri)
    except ValueError:
        raise ChannelError(f"{uri[:60]!r} is not a Bluesky post") from None
    if author == api.did:
        raise ChannelError("this is one of our own posts: delete it on Bluesky instead")
    if action == "mute":
        api.call("POST", "app.bsky.graph.muteActor", body={"actor": author}, retry=False)
        return "hidden"
    if action in ("report", "report_account"):
        return _report(api, uri, author, action)
    if action == "block":
        record = {"$type": "app.bsky.graph.block", "subject": author, "createdAt": _now()}
        api.call(
            "POST",
            "com.atproto.repo.createRecord",
            body={"repo": api.did, "collection": "app.bsky.graph.block", "record": record},
            retry=False,
        )
        return "hidden"
    return _hide(api, uri)


def _report(api: BlueskyApi, uri: str, author: str, action: str) -> str:
    """A report to the moderation service the PDS reports to (Bluesky's, for bsky.social)."""
    subject: dict[str, Any] = {"$type": "com.atproto.admin.defs#repoRef", "did": author}
    if action == "report":
        posts = api.get("app.bsky.feed.getPosts", [("uris", uri)]).get("posts")
        post = posts[0] if isinstance(posts, list) and posts else None
        cid = post.get("cid") if isinstance(post, dict) else None
        if not isinstance(cid, str):
            raise ChannelError(
                "the post is gone (or its author blocks us), so it cannot be reported: "
                "report the account instead"
            )
        subject = {"$type": "com.atproto.repo.strongRef", "uri": uri, "cid": cid}
    found = api.call(
        "POST",
        "com.atproto.moderation.createReport",
        body={"reasonType": REPORT_REASON, "reason": REPORT_TEXT, "subject": subject},
        retry=False,
        ok=(400, 501),
    )
    if found.status != 200:
        name, said = error_of(found)
        raise ChannelError(
            f"the server did not take the report ({name or found.status}: {said or 'no reason'})"
            ": report it in the Bluesky app instead"
        )
    return "published"  # a report changes nothing on the post itself


def _hide(api: BlueskyApi, uri: str) -> str:
    posts = api.get("app.bsky.feed.getPosts", [("uris", uri)]).get("posts")
    post = posts[0] if isinstance(posts, list) and posts and isinstance(posts[0], dict) else None
    if post is None:
        raise ChannelError(
            "the post is gone (or its author blocks us), so there is nothing to hide"
        )
    record = post.get("record")
    reply = record.get("reply") if isinstance(record, dict) else None
    root = reply.get("root") if isinstance(reply, dict) else None
    root_uri = root.get("uri") if isinstance(root, dict) else None
    if not isinstance(root_uri, str):
        raise ChannelError(
            "only replies can be hidden on Bluesky, and this post starts its own thread: "
            "mute or block its author instead"
        )
    owner, _, rkey = text.split_uri(root_uri)
    if owner != api.did:
        raise ChannelError(
            "Bluesky lets only the author of a thread's first post hide replies in it, and "
            "this thread was started by someone else: mute or block the author instead"
        )
    found = api.call(
        "GET",
        "com.atproto.repo.getRecord",
        params={"repo": api.did, "collection": THREADGATE, "rkey": rkey},
        ok=(400, 404),
    )
    gate: dict[str, Any] = {"$type": THREADGATE, "post": root_uri, "createdAt": _now()}
    if found.status == 200:
        value = found.json().get("value")
        if not isinstance(value, dict):
            raise BadPayload("com.atproto.repo.getRecord returned a threadgate without its value")
        gate = {**value, "$type": THREADGATE, "post": root_uri}  # `allow` stays as it was
    elif error_of(found)[0] not in ("RecordNotFound", "NotFound", ""):
        raise ChannelError(f"the thread's reply settings could not be read ({error_of(found)[0]})")
    hidden = [u for u in gate.get("hiddenReplies") or [] if isinstance(u, str)]
    if uri not in hidden:
        if len(hidden) >= MAX_HIDDEN:
            raise ChannelError(f"Bluesky hides at most {MAX_HIDDEN} replies in one thread")
        hidden.append(uri)
    gate["hiddenReplies"] = hidden
    api.call(
        "POST",
        "com.atproto.repo.putRecord",
        body={"repo": api.did, "collection": THREADGATE, "rkey": rkey, "record": gate},
        retry=False,
    )
    return "hidden"
