"""X (formerly Twitter) through the API v2: mentions, replies to the force's posts, direct messages.

Replies to the force's posts start with its @handle, so mentions bring both.
An edit makes a new post id: an item is keyed by the first id of its edit
history and answered at its newest. Direct messages are read where the
app's access level allows, and where it does not the channel says so without
failing the mentions. Deletions are never announced: `reconcile` looks them
up. Every answer's `x-rate-limit-*` is obeyed and shown on the channel. See
CHANNELS.md §5. Replies are sent by x_replies. (The module is not called `x.py`: `x` is everyone's loop variable.)
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from services.channels import kinds
from services.channels import x_replies as replies
from services.channels.errors import BadPayload, ChannelError, Gone, PermissionMissing
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.mastodon_api import parse_time
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.channels.sanitise import text_to_html
from services.channels.x_api import (
    DEFAULT_API,
    DM,
    DM_PARAMS,
    TWEET_FIELDS,
    TokenSource,
    XApi,
    data_list,
    endpoint_of,
    id_of,
    problem_text,
)
from services.channels.x_oauth import token_source
from services.channels.x_text import plain
from services.store.models import Direction, ItemKind

if TYPE_CHECKING:
    import httpx

LIST_PARAMS = {
    "max_results": "100",
    "tweet.fields": TWEET_FIELDS,
    "expansions": "author_id,referenced_tweets.id,attachments.media_keys",
    "user.fields": "username,name,profile_image_url",
    "media.fields": "type,url,preview_image_url,alt_text",
}
MAX_PAGES = 8  # 800 mentions: all X keeps reachable
MAX_RECONCILE = 100  # one GET /2/tweets?ids= call
_TITLE = 80


def _clip(text: str, size: int = _TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


class XConnector(kinds.X):
    def __init__(
        self,
        token: str | TokenSource,
        api_url: str = DEFAULT_API,
        client: httpx.Client | None = None,
    ):
        self._api = XApi(api_url, token, client)
        self._me: dict[str, Any] | None = None
        self._notes: list[str] = []

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> XConnector:
        if not cfg.secret:
            raise ChannelError("no access token stored for this channel: run `channel add x`")
        base = str(cfg.config.get("url") or DEFAULT_API)
        return cls(token_source(cfg.config, cfg.secret, base, client), base, client)

    def close(self) -> None:
        self._api.close()

    @property
    def address(self) -> str:
        return self._api.base

    def me(self) -> dict[str, Any]:
        if self._me is None:
            found = self._api.get("/2/users/me", {"user.fields": "username,name"}).get("data")
            id_of(found, "/2/users/me")
            assert isinstance(found, dict)
            self._me = found
        return self._me

    @property
    def warning(self) -> str | None:
        me = self._me.get("id") if self._me else ":id"
        limits = self._api.limit_note(endpoint_of("GET", f"/2/users/{me}/mentions"))
        return "; ".join(n for n in [*self._notes, limits] if n) or None

    # ---- reading -------------------------------------------------------------
    def test(self) -> str:
        me = self.me()
        said = f"connected as @{me.get('username')} ({me.get('name') or 'no name'}) on X"
        try:
            self._api.get("/2/dm_events", {"max_results": "1"}, needs="dm.read")
        except PermissionMissing as exc:
            return said + f"; missing: direct messages — {exc}"
        return said + "; mentions, replies, hiding replies and direct messages allowed"

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        me = id_of(self.me(), "/2/users/me")
        path = f"/2/users/{me}/mentions"
        since = cursor.get("since_id")
        params = dict(LIST_PARAMS)
        if isinstance(since, str):
            params["since_id"] = since
        newest: str | None = None
        for n in range(MAX_PAGES):
            page = self._api.get(path, params)
            meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
            posts = data_list(page, path)
            if n == 0 and isinstance(meta.get("newest_id"), str):
                newest = meta["newest_id"]
            items = [self._post(p, page.get("includes"), path) for p in posts]
            if items:
                yield Batch(items)
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                break
            params = {**params, "pagination_token": token}
        out = dict(cursor)
        if newest:
            out["since_id"] = newest
        messages, out["dm_event_id"] = self._messages(cursor.get("dm_event_id"))
        if messages:
            yield Batch(messages)
        yield Batch([], cursor=out)

    def _users(self, includes: Any) -> dict[str, dict[str, Any]]:
        users = includes.get("users") if isinstance(includes, dict) else None
        return (
            {str(u["id"]): u for u in users if isinstance(u, dict) and u.get("id")}
            if isinstance(users, list)
            else {}
        )

    def _author(self, user_id: Any, users: dict[str, dict[str, Any]]) -> Author | None:
        if not isinstance(user_id, str):
            return None
        user = users.get(user_id, {})
        name = user.get("username")
        handle = f"@{name}" if isinstance(name, str) and name else None
        display = user.get("name") or name or user_id
        profile = f"https://x.com/{name}" if handle else None
        return Author(user_id, str(display), handle, profile)

    def _post(self, post: dict[str, Any], includes: Any, where: str) -> Incoming:
        post_id = id_of(post, where)
        history = post.get("edit_history_tweet_ids")
        first = str(history[0]) if isinstance(history, list) and history else post_id
        users = self._users(includes)
        author = self._author(post.get("author_id"), users)
        me = str(self.me().get("id"))
        ours = author is not None and author.external_id == me
        parent = next(
            (
                str(r.get("id"))
                for r in post.get("referenced_tweets") or []
                if isinstance(r, dict) and r.get("type") == "replied_to"
            ),
            None,
        )
        conversation = str(post.get("conversation_id") or first)
        username = users.get(str(post.get("author_id")), {}).get("username")
        body = text_to_html(plain(post)) + self._media(post, includes)
        return Incoming(
            external_id=first,
            kind=ItemKind.REPLY if post.get("in_reply_to_user_id") == me else ItemKind.MENTION,
            created_at=parse_time(post.get("created_at"), where, "created_at"),
            author=author,
            thread=self._thread(conversation, includes),
            body_html=body,
            parent_external_id=parent,
            permalink=f"https://x.com/{username or 'i'}/status/{post_id}",
            source_updated_at=(
                parse_time(post.get("created_at"), where, "created_at")
                if first != post_id
                else None
            ),
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            needs_reply=not ours,
            raw={**post, "username": username},
            raw_bytes=self._api.received.bytes_of(post),
        )

    def _thread(self, conversation: str, includes: Any) -> ThreadRef:
        tweets = includes.get("tweets") if isinstance(includes, dict) else None
        for t in tweets if isinstance(tweets, list) else []:
            if isinstance(t, dict) and t.get("id") == conversation:
                text = plain(t)
                return ThreadRef(
                    conversation, _clip(text), f"https://x.com/i/status/{conversation}", text
                )
        return ThreadRef(conversation, None, f"https://x.com/i/status/{conversation}")

    def _media(self, post: dict[str, Any], includes: Any) -> str:
        attachments = post.get("attachments")
        keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
        keys = keys if isinstance(keys, list) else []
        media = includes.get("media") if isinstance(includes, dict) else None
        links = []
        for m in media if isinstance(media, list) else []:
            if not isinstance(m, dict) or m.get("media_key") not in keys:
                continue
            url = m.get("url") or m.get("preview_image_url")
            if isinstance(url, str) and url:
                label = f"{m.get('type') or 'media'}: {m.get('alt_text') or 'no description'}"
                links.append(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>')
        return f"<ul>{''.join(links)}</ul>" if links else ""

    def _messages(self, stored: Any) -> tuple[list[Incoming], str | None]:
        """Direct messages newer than the stored event id (newest first, stop there)."""
        params = dict(DM_PARAMS)
        out: list[Incoming] = []
        newest: str | None = stored if isinstance(stored, str) else None
        try:
            for n in range(MAX_PAGES):
                page = self._api.get("/2/dm_events", params, needs="dm.read")
                events = data_list(page, "/2/dm_events")
                users = self._users(page.get("includes"))
                for event in events:
                    event_id = id_of(event, "/2/dm_events")
                    if event_id == stored:
                        return out, newest
                    if n == 0 and event is events[0]:
                        newest = event_id
                    if event.get("event_type") == "MessageCreate":
                        out.append(self._message(event, users))
                meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
                token = meta.get("next_token")
                if not isinstance(token, str) or not token or stored is None:
                    break  # a first run takes the newest page only
                params = {**params, "pagination_token": token}
        except PermissionMissing as exc:
            self._notes.append(
                "direct messages are not read: the app's access level or the token lacks "
                "dm.read — " + str(exc).split(" — ", 1)[-1]
            )
            return [], stored if isinstance(stored, str) else None
        return out, newest

    def _message(self, event: dict[str, Any], users: dict[str, dict[str, Any]]) -> Incoming:
        event_id = id_of(event, "/2/dm_events")
        conv = str(event.get("dm_conversation_id") or "")
        if not conv:
            raise BadPayload(f"/2/dm_events: message {event_id[:24]} has no dm_conversation_id")
        author = self._author(event.get("sender_id"), users)
        ours = author is not None and author.external_id == str(self.me().get("id"))
        who = author.handle or author.display_name if author else "someone"
        return Incoming(
            external_id=DM + event_id,
            kind=ItemKind.DIRECT_MESSAGE,
            created_at=parse_time(event.get("created_at"), "/2/dm_events", "created_at"),
            author=author,
            thread=ThreadRef(DM + conv, f"Direct messages with {who}" if not ours else None),
            body_html=text_to_html(plain(event)),
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            needs_reply=not ours,
            raw=event,
            raw_bytes=self._api.received.bytes_of(event),
        )

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        """Deletions (`errors` in a 200 answer) and edits (a newer id in the history) of known posts."""
        ids = [e for e, s in known.items() if s != "deleted" and not e.startswith(DM)]
        ids = ids[-MAX_RECONCILE:]
        if not ids:
            return []
        params = {"ids": ",".join(ids), "tweet.fields": TWEET_FIELDS}
        page = self._api.get("/2/tweets", params)
        out: list[SourceState] = []
        errors = page.get("errors")
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, dict) and str(err.get("type", "")).endswith("resource-not-found"):
                out.append(SourceState(str(err.get("resource_id") or err.get("value")), "deleted"))
        posts = data_list(page, "/2/tweets")
        newer: dict[str, str] = {}  # first id → newest id of an edited post
        for post in posts:
            history = post.get("edit_history_tweet_ids")
            if isinstance(history, list) and len(history) > 1:
                newer[id_of(post, "/2/tweets")] = str(history[-1])
        latest: dict[str, dict[str, Any]] = {}
        if newer:
            params = {"ids": ",".join(newer.values()), "tweet.fields": TWEET_FIELDS}
            again = self._api.get("/2/tweets", params)
            latest = {id_of(p, "/2/tweets"): p for p in data_list(again, "/2/tweets")}
        for post in posts:
            first = id_of(post, "/2/tweets")
            shown = latest.get(newer.get(first, ""), post)
            state = "hidden" if known.get(first) == "hidden" else "published"
            out.append(SourceState(first, state, text_to_html(plain(shown))))
        return out

    # ---- writing --------------------------------------------------------------
    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        return replies.send_reply(self._api, self.me, target, body)

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """Our post answering the target with this text (our timeline), or our message in the DM."""
        return replies.find_reply(self._api, self.me, target, body)

    def moderate(self, external_id: str, action: str) -> str:
        if action not in self.moderation_actions or external_id.startswith(DM):
            raise ChannelError(
                f"X cannot {action!r} this: replies to the force's own posts can be hidden or unhidden"
            )
        hidden = action == "hide"
        try:
            resp = self._api.call(
                "PUT",
                f"/2/tweets/{external_id}/hidden",
                json_body={"hidden": hidden},
                needs="tweet.moderate.write",
                ok=(400, 403),
            )
        except Gone:
            raise ChannelError("the post is gone from X") from None
        if resp.status in (400, 403):
            raise ChannelError(
                f"X refused to {action} it ({problem_text(resp)}): only replies in "
                "conversations the force started can be hidden, and the token needs "
                "tweet.moderate.write"
            )
        answer = resp.json()
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or data.get("hidden") is not hidden:
            raise ChannelError(f"X did not confirm the {action} of this reply")
        return "hidden" if hidden else "published"
