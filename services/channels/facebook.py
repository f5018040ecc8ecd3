"""A Facebook Page through the Graph API: comments on the Page's posts, Messenger, replies and moderation.

Comments come from the posts of the Page's feed updated since the last run
(`filter=stream` returns both levels flat, with `parent`); Messenger
conversations are read where the token has `pages_messaging`, and where it
has not the channel says so without failing the comments. Graph never flags
an edit and deleted comments just vanish from lists, so both are found by
`reconcile`. See CHANNELS.md §4.

Replies (a comment, a private reply chosen by starting the reply with
`/private`, or a Messenger message) are sent by facebook_replies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.channels import facebook_api as graph
from services.channels import facebook_replies as replies
from services.channels import kinds
from services.channels.errors import BadPayload, ChannelError, Gone, PermissionMissing
from services.channels.facebook_api import CONVERSATION_FIELDS, GraphApi, id_of, parse_time
from services.channels.facebook_text import body_html, clip
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.store.models import Direction, ItemKind

if TYPE_CHECKING:
    import httpx

POST_FIELDS = "id,message,created_time,updated_time,permalink_url,from"
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,attachment,"
    "is_hidden,can_hide,can_remove,can_reply_privately,comment_count"
)
# Comments are re-read from a little before the last one seen: clocks and indexing lag.
OVERLAP = timedelta(minutes=10)
# Posts older than this are not scanned for new comments (config "days").
WINDOW_DAYS = 30
FIRST_RUN_DAYS = 7
MAX_RECONCILE = 100
REQUIRED = {
    "pages_read_engagement": "reading posts and comments",
    "pages_read_user_content": "reading visitors' comments and names",
    "pages_manage_engagement": "replying, hiding and deleting comments",
    "pages_messaging": "reading and answering Messenger",
}


class FacebookConnector(kinds.Facebook):
    def __init__(
        self,
        page_id: str,
        token: str,
        api_url: str = graph.DEFAULT_API,
        client: httpx.Client | None = None,
        days: int = WINDOW_DAYS,
    ) -> None:
        self._api = GraphApi(api_url, token, client)
        self._token = token
        self.page_id = page_id
        self._days = days
        self._notes: list[str] = []

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> FacebookConnector:
        if not cfg.secret:
            raise ChannelError("no Page access token stored for this channel: run `channel add`")
        page = cfg.config.get("page_id")
        if not page:
            raise ChannelError("this Facebook channel has no page id: run `channel add` again")
        url = str(cfg.config.get("url") or graph.DEFAULT_API)
        return cls(str(page), cfg.secret, url, client, int(cfg.config.get("days") or WINDOW_DAYS))

    def close(self) -> None:
        self._api.close()

    @property
    def address(self) -> str:
        return self._api.base

    @property
    def warning(self) -> str | None:
        """What the channel's status row says after a run that otherwise went well."""
        notes = [*self._notes, self._api.usage_note]
        return "; ".join(n for n in notes if n) or None

    # ---- reading -------------------------------------------------------------
    def test(self) -> str:
        me = self._api.get("/me", {"fields": "id,name"})
        name, page = me.get("name") or "?", id_of(me, "/me")
        said = f"connected as the Page “{name}” (id {page})"
        if page != self.page_id:
            said += f"; but this channel is set up for page id {self.page_id}"
        try:
            debug = self._api.get("/debug_token", {"input_token": self._token})
        except ChannelError:
            return said + "; could not read the token's permissions (debug_token refused)"
        data = debug.get("data") if isinstance(debug.get("data"), dict) else {}
        scopes = set(data.get("scopes") or []) if isinstance(data, dict) else set()
        missing = [f"{p} ({why})" for p, why in REQUIRED.items() if p not in scopes]
        if missing:
            return said + "; missing permissions: " + ", ".join(missing)
        return said + "; every permission Front Counter uses is granted"

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        now = datetime.now(UTC)
        since = cursor.get("since")
        if isinstance(since, (int, float)):
            newest = datetime.fromtimestamp(since, UTC)
            floor = newest - OVERLAP  # the overlap is read again, never stored
        else:
            newest = floor = now - timedelta(days=FIRST_RUN_DAYS)
        oldest_post = now - timedelta(days=self._days)
        for post in self._api.pages(
            f"/{self.page_id}/feed", {"fields": POST_FIELDS, "limit": "25"}
        ):
            where = f"/{self.page_id}/feed"
            created = parse_time(post.get("created_time"), where)
            updated = parse_time(post.get("updated_time") or post.get("created_time"), where)
            if created < oldest_post:
                break
            if updated < floor:
                continue
            items = self._comments(post, floor)
            for item in items:
                if item.created_at is not None and item.created_at > newest:
                    newest = item.created_at
            if items:
                yield Batch(items)
        out = {**cursor, "since": int(newest.timestamp())}
        messages, out["conversations_updated"] = self._messenger(cursor)
        if messages:
            yield Batch(messages)
        yield Batch([], cursor=out)

    def _comments(self, post: dict[str, Any], floor: datetime) -> list[Incoming]:
        post_id = id_of(post, f"/{self.page_id}/feed")
        said = post.get("message")
        message = said if isinstance(said, str) else ""
        thread = ThreadRef(
            post_id,
            clip(message) or "Facebook post",
            post.get("permalink_url") if isinstance(post.get("permalink_url"), str) else None,
            message or None,
        )
        params = {
            "filter": "stream",
            "order": "reverse_chronological",
            "since": str(int(floor.timestamp())),
            "fields": COMMENT_FIELDS,
            "limit": "100",
        }
        try:
            # Each comment with its bytes as sent, cut while its page is the latest answer.
            found = [
                (c, self._api.received.bytes_of(c))
                for c in self._api.pages(f"/{post_id}/comments", params)
            ]
        except Gone:  # the post was deleted between the two calls
            return []
        return [self._comment(c, post_id, thread, sent) for c, sent in found]

    def _author(self, who: Any) -> Author | None:
        if not isinstance(who, dict) or not who.get("id"):
            return None  # Graph leaves `from` out without pages_read_user_content
        name = who.get("name")
        return Author(str(who["id"]), name if isinstance(name, str) and name else "Facebook user")

    def _comment(
        self, c: dict[str, Any], post_id: str, thread: ThreadRef, sent: bytes | None = None
    ) -> Incoming:
        where = f"/{post_id}/comments"
        comment_id = id_of(c, where)
        parent = c.get("parent")
        parent_id = str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else None
        author = self._author(c.get("from"))
        ours = author is not None and author.external_id == self.page_id
        return Incoming(
            external_id=comment_id,
            kind=ItemKind.REPLY if parent_id else ItemKind.COMMENT,
            created_at=parse_time(c.get("created_time"), where),
            author=author,
            thread=thread,
            body_html=body_html(c),
            parent_external_id=parent_id or post_id,
            permalink=c.get("permalink_url") if isinstance(c.get("permalink_url"), str) else None,
            source_state="hidden" if c.get("is_hidden") is True else "published",
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            needs_reply=not ours,
            raw={**c, "post_id": post_id},
            raw_bytes=sent,
        )

    def _messenger(self, cursor: dict[str, Any]) -> tuple[list[Incoming], str | None]:
        """New Messenger messages, newest conversations first, down to the stored time."""
        stored = cursor.get("conversations_updated")
        stop = parse_time(stored, "cursor") if isinstance(stored, str) else None
        newest: str | None = stored if isinstance(stored, str) else None
        items: list[Incoming] = []
        path = f"/{self.page_id}/conversations"
        params = {"platform": "messenger", "fields": CONVERSATION_FIELDS, "limit": "25"}
        try:
            for conv in self._api.pages(path, params, needs="pages_messaging"):
                updated_raw = conv.get("updated_time")
                updated = parse_time(updated_raw, path, "updated_time")
                if stop is not None and updated <= stop:
                    break
                if newest is None or updated > parse_time(newest, "cursor"):
                    newest = str(updated_raw)
                items += self._conversation(conv, stop)
        except PermissionMissing as exc:
            self._notes.append(
                "Messenger is not read: the token lacks pages_messaging (and "
                "pages_manage_metadata); comments are unaffected — " + str(exc).split(" — ")[0]
            )
            return [], stored if isinstance(stored, str) else None
        return items, newest

    def _conversation(self, conv: dict[str, Any], stop: datetime | None) -> list[Incoming]:
        path = f"/{self.page_id}/conversations"
        conv_id = id_of(conv, path)
        people = conv.get("participants")
        people = people.get("data") if isinstance(people, dict) else None
        others = [
            p
            for p in (people if isinstance(people, list) else [])
            if isinstance(p, dict) and str(p.get("id")) != self.page_id
        ]
        psid = str(others[0]["id"]) if others and others[0].get("id") else None
        name = str(others[0].get("name") or "someone") if others else "someone"
        thread = ThreadRef(conv_id, f"Messenger conversation with {name}")
        box = conv.get("messages")
        messages = box.get("data") if isinstance(box, dict) else None
        if not isinstance(messages, list):
            raise BadPayload(f"{path}: conversation {conv_id[:24]} came without its messages")
        paging = box.get("paging") if isinstance(box, dict) else None
        out: list[Incoming] = []
        while True:
            older = True
            for m in messages:
                item = self._message(m, conv_id, psid, thread)
                if stop is not None and item.created_at is not None and item.created_at <= stop:
                    older = False
                    break
                out.append(item)
            nxt = paging.get("next") if isinstance(paging, dict) else None
            if not (older and isinstance(nxt, str) and nxt):
                return out
            page = self._api.get(nxt, needs="pages_messaging")
            messages = page.get("data") if isinstance(page.get("data"), list) else []
            paging = page.get("paging")

    def _message(self, m: Any, conv_id: str, psid: str | None, thread: ThreadRef) -> Incoming:
        where = f"/{conv_id[:24]}/messages"
        message_id = id_of(m, where)
        author = self._author(m.get("from"))
        ours = author is not None and author.external_id == self.page_id
        return Incoming(
            external_id=message_id,
            kind=ItemKind.DIRECT_MESSAGE,
            created_at=parse_time(m.get("created_time"), where),
            author=author,
            thread=thread,
            body_html=body_html(m),
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            needs_reply=not ours,
            raw={**m, "conversation_id": conv_id, "psid": psid},
            raw_bytes=self._api.received.bytes_of(m),
        )

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        """Edits (the message differs), hiding and deletions (Graph's 100/33) of known comments."""
        ids = [
            ext
            for ext, state in known.items()
            if state != "deleted" and not ext.startswith(("m_", "mid."))  # Messenger: no edits
        ][-MAX_RECONCILE:]
        out: list[SourceState] = []
        for ext in ids:
            try:
                c = self._api.get(f"/{ext}", {"fields": "id,message,is_hidden,attachment"})
            except Gone:
                out.append(SourceState(ext, "deleted"))
                continue
            state = "hidden" if c.get("is_hidden") is True else "published"
            out.append(SourceState(ext, state, body_html(c)))
        return out

    # ---- writing --------------------------------------------------------------
    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        return replies.send_reply(self._api, self.page_id, target, body)

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """Our comment under the same comment, or our Messenger message, with this text."""
        return replies.find_reply(self._api, self.page_id, target, body)

    def moderate(self, external_id: str, action: str) -> str:
        if action not in self.moderation_actions:
            raise ChannelError(
                f"Facebook cannot {action!r}: use one of {', '.join(self.moderation_actions)}"
            )
        needs = "pages_manage_engagement"
        if action == "delete":
            with contextlib.suppress(Gone):  # already gone: the wanted outcome
                self._api.call("DELETE", f"/{external_id}", needs=needs)
            return "deleted"
        hidden = action == "hide"
        try:
            self._api.call("POST", f"/{external_id}", json_body={"is_hidden": hidden}, needs=needs)
            now = self._api.get(f"/{external_id}", {"fields": "id,is_hidden"})
        except Gone:
            raise ChannelError("the comment is gone from Facebook") from None
        if now.get("is_hidden") is not hidden:
            raise ChannelError(f"Facebook did not confirm the {action} of this comment")
        return "hidden" if hidden else "published"
