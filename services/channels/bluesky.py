"""Bluesky (AT Protocol) through the account's PDS, signed in with an app password.

Mentions, replies and quotes come from listNotifications, newest first; there
is no "since", so a run pages down from the top until it meets what the last
run stored (CHANNELS.md §7). A reply is a post record carrying the thread's
root and the parent as strong refs (uri + cid); links and @handles become
facets over UTF-8 byte ranges. Deletions are never announced: `reconcile`
asks getPosts for the posts we hold.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from services.channels import bluesky_text as text
from services.channels.bluesky_api import BlueskyApi, KeyringSession, SessionStore, error_of
from services.channels.bluesky_moderation import moderate
from services.channels.capabilities import Capabilities
from services.channels.errors import BadPayload, ChannelError, Rejected
from services.channels.ingest import Author, Incoming, ThreadRef
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.store.models import Direction, ItemKind

PAGE = 50
NOTIFICATIONS = "app.bsky.notification.listNotifications"
REASONS = ("mention", "reply", "quote")
# Posts re-checked per reconcile run, 25 per getPosts call.
MAX_RECONCILE = 100
_TITLE = 80
# A post may claim any creation time; one claimed this far past its indexing is not believed.
_CLOCK_SLACK = timedelta(minutes=5)


def parse_time(value: Any, where: str, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{where}: field {name!r} is missing")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"{where}: field {name!r} is unreadable ({value[:40]!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _clip(words: str, size: int = _TITLE) -> str:
    words = " ".join(words.split())
    return words if len(words) <= size else words[: size - 1].rstrip() + "…"


def _ref(value: Any) -> dict[str, str] | None:
    """A strong ref {uri, cid}, or None when either is missing."""
    if not isinstance(value, dict):
        return None
    uri, cid = value.get("uri"), value.get("cid")
    return {"uri": uri, "cid": cid} if isinstance(uri, str) and isinstance(cid, str) else None


class BlueskyConnector(Capabilities):
    kind: ClassVar[str] = "bluesky"
    moderation_actions: ClassVar[tuple[str, ...]] = (
        "mute",
        "block",
        "hide",
        "report",
        "report_account",
    )
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "Bluesky"
    character_limit: ClassVar[int | None] = 300
    colour: ClassVar[str] = "#1185fe"
    icon_letter: ClassVar[str] = "B"
    reply_problem = staticmethod(text.reply_problem)  # graphemes and UTF-8 bytes

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
        incoming = self._post(uri, record, n.get("author"), n.get("indexedAt"), where)
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

    def _post(
        self, uri: str, record: dict[str, Any], author: Any, indexed_at: Any, where: str
    ) -> Incoming:
        """A post as an item, without its thread: the fields every use shares."""
        if not isinstance(author, dict) or not isinstance(author.get("did"), str):
            raise BadPayload(f"{where}: a post without its author's 'did'")
        handle = author.get("handle") if isinstance(author.get("handle"), str) else None
        name = author.get("displayName")
        did = str(author["did"])
        indexed = parse_time(indexed_at, where, "indexedAt") if indexed_at else None
        created: datetime | None
        try:
            created = parse_time(record.get("createdAt"), where, "createdAt")
        except BadPayload:
            created = indexed
        if created is None or (indexed is not None and created > indexed + _CLOCK_SLACK):
            created = indexed  # a clock in the future would sort the item above everything
        reply = record.get("reply")
        parent = _ref(reply.get("parent")) if isinstance(reply, dict) else None
        return Incoming(
            external_id=uri,
            kind=ItemKind.MENTION,
            created_at=created,
            author=Author(
                did,
                name if isinstance(name, str) and name.strip() else (handle or did),
                f"@{handle}" if handle else None,
                text.profile_url(handle or did),
            ),
            thread=None,
            body_html=_body_html(record),
            parent_external_id=parent["uri"] if parent else None,
            permalink=text.permalink(handle or did, uri),
            raw=record,
        )

    def _thread(self, uri: str, record: dict[str, Any], where: str) -> ThreadRef:
        """The conversation, named after its first post (found through getPostThread)."""
        reply = record.get("reply")
        root = _ref(reply.get("root")) if isinstance(reply, dict) else None
        if root is None:
            return ThreadRef(uri, _clip(str(record["text"])) or None, None, str(record["text"]))
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
                    root["uri"], _clip(words) or None, link, words
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
                shown = _body_html(record) if isinstance(record, dict) else None
                state = "hidden" if known[uri] == "hidden" else "published"
                out.append(SourceState(uri, state, shown))
        return out

    # ---- writing --------------------------------------------------------------
    def _refs(self, target: ReplyTarget) -> tuple[dict[str, str], dict[str, str]]:
        """(root, parent) strong refs for a reply: root is the parent's root if it is a reply."""
        n = target.reply_target
        parent = _ref(n)
        if parent is None:
            raise Rejected(
                "this item lacks the post's reference (uri and cid): sync the channel again"
            )
        record = n.get("record")
        reply = record.get("reply") if isinstance(record, dict) else None
        root = _ref(reply.get("root")) if isinstance(reply, dict) else None
        return root or parent, parent

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        root, parent = self._refs(target)
        words = body.strip()
        problem = text.too_long(words)
        if problem:
            raise Rejected(problem)
        record: dict[str, Any] = {
            "$type": text.POST,
            "text": words,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "reply": {"root": root, "parent": parent},
        }
        found = text.facets(words, self._resolve)
        if found:
            record["facets"] = found
        resp = self._api.call(
            "POST",
            "com.atproto.repo.createRecord",
            body={"repo": self._api.did, "collection": text.POST, "record": record},
            retry=False,
            ok=(400,),
        )
        if resp.status == 400:
            name, message = error_of(resp)
            raise Rejected(
                f"Bluesky refused the reply ({name or 400}: {message or 'no reason given'})"
            )
        made = _ref(resp.json())
        if made is None:
            raise BadPayload("com.atproto.repo.createRecord did not return the post's uri and cid")
        return self._sent(made["uri"], record, target)

    def _resolve(self, handle: str) -> str | None:
        resp = self._api.call(
            "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}, ok=(400, 404)
        )
        did = resp.json().get("did") if resp.status == 200 else None
        return did if isinstance(did, str) and did.startswith("did:") else None

    def _sent(self, uri: str, record: dict[str, Any], target: ReplyTarget) -> SentReply:
        mine = self._post(
            uri,
            record,
            {"did": self._api.did, "handle": self._api.handle},
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

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """Our post answering the parent with this text, among our newest records (read from the PDS)."""
        _, parent = self._refs(target)
        words = body.strip()
        listed = self._api.get(
            "com.atproto.repo.listRecords",
            {"repo": self._api.did, "collection": text.POST, "limit": "100"},
        )
        records = listed.get("records")
        for entry in records if isinstance(records, list) else []:
            value = entry.get("value") if isinstance(entry, dict) else None
            if not isinstance(value, dict) or not isinstance(entry.get("uri"), str):
                continue
            reply = value.get("reply")
            said = _ref(reply.get("parent")) if isinstance(reply, dict) else None
            if (
                said
                and said["uri"] == parent["uri"]
                and text.same_text(str(value.get("text")), words)
            ):
                return self._sent(str(entry["uri"]), value, target)
        return None

    def moderate(self, external_id: str, action: str) -> str:
        if action not in self.moderation_actions:
            raise ChannelError(
                f"Bluesky cannot {action!r}: use one of {', '.join(self.moderation_actions)}"
            )
        return moderate(self._api, external_id, action)


def _body_html(record: dict[str, Any]) -> str:
    """The text with its facets as links, and what the post embeds named for the officer."""
    words = record.get("text")
    parts = [text.to_html(words if isinstance(words, str) else "", record.get("facets"))]
    embed = record.get("embed")
    notes: list[str] = []
    if isinstance(embed, dict):
        media = embed.get("media") if isinstance(embed.get("media"), dict) else embed
        images = media.get("images") if isinstance(media, dict) else None
        for image in images if isinstance(images, list) else []:
            alt = image.get("alt") if isinstance(image, dict) else None
            notes.append(f"image: {_attr(str(alt or 'no description'))}")
        external = embed.get("external")
        if isinstance(external, dict) and isinstance(external.get("uri"), str):
            notes.append(
                f'<a href="{_attr(external["uri"])}">link card: {_attr(str(external.get("title") or external["uri"]))}</a>'
            )
        quoted = embed.get("record")
        quoted = quoted.get("record", quoted) if isinstance(quoted, dict) else None
        if isinstance(quoted, dict) and isinstance(quoted.get("uri"), str):
            notes.append(f"quotes {_attr(quoted['uri'])}")
        if embed.get("$type") == "app.bsky.embed.video":
            notes.append("video")
    if notes:
        parts.append("<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>")
    return "".join(parts)


def _attr(value: str) -> str:
    return html.escape(value)
