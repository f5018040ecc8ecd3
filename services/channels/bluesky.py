"""Bluesky (AT Protocol) through the account's PDS, signed in with an app password.

Mentions, replies and quotes come from listNotifications, newest first; there
is no "since", so a run pages down from the top until it meets what the last
run stored (CHANNELS.md §7). Deletions are never announced: `reconcile`
asks getPosts for the posts we hold. A post record read as an item is in
bluesky_posts; sending a reply (root and parent as strong refs, facets over
UTF-8 byte ranges) is in bluesky_replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.channels import bluesky_replies as replies
from services.channels import bluesky_text as text
from services.channels import kinds
from services.channels.bluesky_api import BlueskyApi, KeyringSession, SessionStore
from services.channels.bluesky_moderation import moderate
from services.channels.bluesky_posts import body_html, clip, parse_time, post_item, ref
from services.channels.errors import BadPayload, ChannelError
from services.channels.incoming import Incoming, ThreadRef
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.store.models import ItemKind

if TYPE_CHECKING:
    import httpx

PAGE = 50
NOTIFICATIONS = "app.bsky.notification.listNotifications"
REASONS = ("mention", "reply", "quote")
# Posts re-checked per reconcile run, 25 per getPosts call.
MAX_RECONCILE = 100


class BlueskyConnector(kinds.Bluesky):
    def __init__(
        self,
        pds: str,
        login: str,
        password: str,
        store: SessionStore | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._api = BlueskyApi(pds, login, password, store or KeyringSession(pds, login), client)
        self._threads: dict[str, ThreadRef] = {}

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> BlueskyConnector:
        if not cfg.secret or not cfg.config.get("login"):
            raise ChannelError("no app password stored for this channel: run `channel add` again")
        return cls(cfg.config["url"], cfg.config["login"], cfg.secret, client=client)

    def close(self) -> None:
        self._api.close()

    @property
    def warning(self) -> str | None:
        return self._api.warning

    # ---- reading -------------------------------------------------------------
    def test(self) -> str:
        profile = self._api.get("app.bsky.actor.getProfile", {"actor": self._api.did})
        name = profile.get("displayName")
        who = (
            f"{name} (@{self._api.handle})"
            if isinstance(name, str) and name
            else f"@{self._api.handle}"
        )
        return f"connected as {who} through {self._api.pds}"

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """Notifications down from the newest until the high-water mark of the last run."""
        mark = cursor.get("indexed_at") if isinstance(cursor.get("indexed_at"), str) else None
        floor = parse_time(mark, "cursor", "indexed_at") if mark else None
        at_mark = set(cursor.get("uris_at_mark") or [])
        newest: tuple[datetime, set[str]] | None = None
        page_cursor: str | None = None
        while True:
            params: list[tuple[str, str]] = [("limit", str(PAGE))]
            params += [("reasons", r) for r in REASONS]
            if page_cursor:
                params.append(("cursor", page_cursor))
            page = self._api.get(NOTIFICATIONS, params)
            notes = page.get("notifications")
            if not isinstance(notes, list) or not all(isinstance(n, dict) for n in notes):
                raise BadPayload(f"{NOTIFICATIONS} answered JSON of the wrong shape")
            # Each notification's bytes as sent, cut before threads are looked up.
            sent = {id(n): self._api.received.bytes_of(n) for n in notes}
            fresh: list[dict[str, Any]] = []
            reached = False
            for n in notes:
                uri = n.get("uri")
                if not isinstance(uri, str):
                    raise BadPayload(f"{NOTIFICATIONS}: a notification without its 'uri'")
                indexed = parse_time(n.get("indexedAt"), NOTIFICATIONS, "indexedAt")
                if floor is not None and (indexed < floor or (indexed == floor and uri in at_mark)):
                    reached = True
                    break
                if newest is None or indexed > newest[0]:
                    newest = (indexed, {uri})
                elif indexed == newest[0]:
                    newest[1].add(uri)
                if n.get("reason") in REASONS:
                    fresh.append(n)
            items = [self._map(n, sent[id(n)]) for n in fresh]
            if items:
                yield Batch(items)
            next_cursor = page.get("cursor")
            if reached or not notes or not isinstance(next_cursor, str) or not next_cursor:
                break
            page_cursor = next_cursor
        out = dict(cursor)
        if newest is not None and (floor is None or newest[0] >= floor):
            uris = newest[1] | (at_mark if floor == newest[0] else set())
            stamp = newest[0].isoformat().replace("+00:00", "Z")
            out.update(indexed_at=stamp, uris_at_mark=sorted(uris))
        yield Batch([], cursor=out)

    def _map(self, n: dict[str, Any], raw_bytes: bytes | None = None) -> Incoming:
        uri = str(n["uri"])
        where = f"{NOTIFICATIONS} ({uri[:80]})"
        record = n.get("record")
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise BadPayload(f"{where}: a post without its record text")
        if not isinstance(n.get("cid"), str):
            raise BadPayload(f"{where}: a post without its 'cid'")
        incoming = post_item(uri, record, n.get("author"), n.get("indexedAt"), where)
        return Incoming(
            external_id=uri,
            kind=ItemKind.REPLY if n.get("reason") == "reply" else ItemKind.MENTION,
            created_at=incoming.created_at,
            author=incoming.author,
            thread=self._thread(uri, record, where),
            body_html=incoming.body_html,
            parent_external_id=incoming.parent_external_id,
            permalink=incoming.permalink,
            raw=n,
            raw_bytes=raw_bytes,
        )

    def _thread(self, uri: str, record: dict[str, Any], where: str) -> ThreadRef:
        """The conversation, named after its first post (found through getPostThread)."""
        reply = record.get("reply")
        root = ref(reply.get("root")) if isinstance(reply, dict) else None
        if root is None:
            return ThreadRef(uri, clip(str(record["text"])) or None, None, str(record["text"]))
        if root["uri"] not in self._threads:
            resp = self._api.call(
                "GET",
                "app.bsky.feed.getPostThread",
                params={"uri": uri, "depth": "0", "parentHeight": "80"},
                ok=(400, 404),
            )
            top = resp.json().get("thread") if resp.status == 200 else None
            while isinstance(top, dict) and isinstance(top.get("parent"), dict):
                top = top["parent"]
            post = top.get("post") if isinstance(top, dict) else None
            post = post if isinstance(post, dict) else {}
            said = post.get("record")
            if (
                isinstance(said, dict)
                and isinstance(said.get("text"), str)
                and post.get("uri") == root["uri"]
            ):
                found = post.get("author")
                author: dict[str, Any] = found if isinstance(found, dict) else {}
                words = str(said["text"])
                link = text.permalink(
                    str(author.get("handle") or author.get("did") or ""), root["uri"]
                )
                self._threads[root["uri"]] = ThreadRef(
                    root["uri"], clip(words) or None, link, words
                )
            else:  # the first post is gone or hidden from us: keep the thread by its id
                self._threads[root["uri"]] = ThreadRef(root["uri"])
        return self._threads[root["uri"]]

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        """Deletions (a uri getPosts leaves out) and edits (a new record under a known uri)."""
        uris = sorted(u for u, state in known.items() if state != "deleted")[-MAX_RECONCILE:]
        out: list[SourceState] = []
        for at in range(0, len(uris), 25):
            chunk = uris[at : at + 25]
            body = self._api.get("app.bsky.feed.getPosts", [("uris", u) for u in chunk])
            posts = body.get("posts")
            if not isinstance(posts, list):
                raise BadPayload("app.bsky.feed.getPosts answered JSON of the wrong shape")
            found = {
                p["uri"]: p for p in posts if isinstance(p, dict) and isinstance(p.get("uri"), str)
            }
            for uri in chunk:
                post = found.get(uri)
                if post is None:
                    # Deleted, or its author blocked us or was blocked: a hidden one stays hidden.
                    if known[uri] != "hidden":
                        out.append(SourceState(uri, "deleted"))
                    continue
                record = post.get("record")
                shown = body_html(record) if isinstance(record, dict) else None
                state = "hidden" if known[uri] == "hidden" else "published"
                out.append(SourceState(uri, state, shown))
        return out

    # ---- writing --------------------------------------------------------------
    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        return replies.send_reply(self._api, target, body)

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """Our post answering the parent with this text, among our newest records (read from the PDS)."""
        return replies.find_reply(self._api, target, body)

    def moderate(self, external_id: str, action: str) -> str:
        if action not in self.moderation_actions:
            raise ChannelError(
                f"Bluesky cannot {action!r}: use one of {', '.join(self.moderation_actions)}"
            )
        return moderate(self._api, external_id, action)
