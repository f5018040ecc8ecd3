"""Mastodon and compatible servers (snac2, GoToSocial, Akkoma…) over the Mastodon client API with an access token.

Mentions and direct messages come from notifications. Paging never relies on
a Link header nor on `since_id` (compatible servers send none, or ignore it),
nor on comparing ids (they are opaque): see `fetch`. A reply keeps the
parent's visibility, so a direct or followers-only message is never answered
in public. Edits and deletions are caught by `reconcile`. See CHANNELS.md §6.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from services.channels import kinds
from services.channels.errors import BadPayload, ChannelError, Gone, Rejected
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.mastodon_api import MastodonApi, error_text, id_of, parse_time
from services.channels.mastodon_text import addressed, host_of, length, same_text, spoiler_of
from services.channels.mastodon_text import status_of as target_status
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.channels.sanitise import html_to_text
from services.store.models import Direction, ItemKind

if TYPE_CHECKING:
    import httpx

PAGE = 40
NOTIFICATIONS = "/api/v1/notifications"
STATUSES = "/api/v1/statuses"
# Statuses re-checked per reconcile run: one request each where the server has no batch lookup,
# and the default budget is 300 requests per 5 minutes.
MAX_RECONCILE = 80
_OTHER_TYPES = ("favourite", "reblog", "follow", "follow_request", "poll", "status", "update")
# Widest last: a reply never goes wider than its parent.
_VISIBILITIES = ("direct", "private", "unlisted", "public")
_TITLE = 80


def _plain(status: dict[str, Any]) -> str:
    content = status.get("content")
    return html_to_text(content) if isinstance(content, str) else ""


def _clip(text: str, size: int = _TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


class MastodonConnector(kinds.Mastodon):
    def __init__(self, server: str, token: str, client: httpx.Client | None = None) -> None:
        self._api = MastodonApi(server, token, client)
        self._roots: dict[str, ThreadRef] = {}
        self._as_sent: dict[str, bytes | None] = {}

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> MastodonConnector:
        if not cfg.secret:
            raise ChannelError("no access token stored for this channel: run `channel add` again")
        return cls(cfg.config["url"], cfg.secret, client)

    def close(self) -> None:
        self._api.close()

    @property
    def address(self) -> str:
        return self._api.server

    # ---- reading -------------------------------------------------------------
    def test(self) -> str:
        me = self._api.me()
        limit, _ = self._api.limits()
        return f"connected as @{me['acct']} on {host_of(self._api.server)}; posts up to {limit} characters"

    def _page(self, **bounds: str) -> list[dict[str, Any]]:
        params: list[tuple[str, str]] = [
            ("types[]", "mention"),
            *(("exclude_types[]", t) for t in _OTHER_TYPES),  # servers that ignore types[]
            ("include_filtered", "true"),
            ("limit", str(PAGE)),
            *bounds.items(),
        ]
        data = self._api.get_json(NOTIFICATIONS, params)
        if not isinstance(data, list) or not all(isinstance(n, dict) for n in data):
            raise BadPayload(f"{NOTIFICATIONS} answered JSON of the wrong shape (expected a list)")
        for n in data:
            n["id"] = id_of(n, NOTIFICATIONS)
        # Each notification's bytes as sent, cut now: looking up threads reads more answers.
        self._as_sent = {n["id"]: self._api.received.bytes_of(n) for n in data}
        return data

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """Notifications newer than the cursor's, each page newest first.

        `min_id` alone means "the page just after" on Mastodon but "the newest
        page above" on snac2; so a full page is followed by `max_id` pages below
        it (down to the cursor) before moving on above it, which is right for both.
        """
        floor = cursor.get("notification_id")
        floor = floor if isinstance(floor, str) else None
        newest = floor
        seen: set[str] = set()
        while True:
            above = {"min_id": newest} if newest else {}
            page = self._page(**above)
            fresh = [n for n in page if n["id"] not in seen]
            if not fresh:
                break
            yield from self._batch(fresh, seen)
            top = page[0]["id"]
            lowest = page[-1]["id"]
            while len(page) >= PAGE:
                page = self._page(max_id=lowest, **above)
                below = [n for n in page if n["id"] not in seen]
                if not below:
                    break
                yield from self._batch(below, seen)
                lowest = page[-1]["id"]
            newest = top
        max_chars, url_chars = self._api.limits()
        out = {**cursor, "max_characters": max_chars, "url_chars": url_chars}
        if newest:
            out["notification_id"] = newest
        yield Batch([], cursor=out)

    def _batch(self, notifications: list[dict[str, Any]], seen: set[str]) -> Iterator[Batch]:
        seen.update(n["id"] for n in notifications)
        items = [self._map(n) for n in notifications if n.get("type") == "mention"]
        if items:
            yield Batch(items)

    def _map(self, n: dict[str, Any]) -> Incoming:
        where = f"{NOTIFICATIONS} (notification {n['id'][:24]})"
        status = n.get("status")
        if not isinstance(status, dict):
            raise BadPayload(f"{where}: a mention without its status")
        incoming = self._status(status, where)
        direct = status.get("visibility") in ("direct", "private")
        return Incoming(
            external_id=incoming.external_id,
            kind=ItemKind.DIRECT_MESSAGE if direct else ItemKind.MENTION,
            created_at=incoming.created_at,
            author=incoming.author,
            thread=self._thread(status, where),
            body_html=incoming.body_html,
            parent_external_id=incoming.parent_external_id,
            permalink=incoming.permalink,
            source_updated_at=incoming.source_updated_at,
            raw=n,
            raw_bytes=self._as_sent.get(n["id"]),
        )

    def _status(self, status: dict[str, Any], where: str) -> Incoming:
        """A status as an item (without its thread): fields every use shares."""
        status_id = id_of(status, where)
        account = status.get("account")
        if not isinstance(account, dict):
            raise BadPayload(f"{where}: status {status_id[:24]} has no account")
        edited = status.get("edited_at")
        parent = status.get("in_reply_to_id")
        return Incoming(
            external_id=status_id,
            kind=ItemKind.MENTION,
            created_at=parse_time(status.get("created_at"), where, "created_at"),
            author=self._author(account, where),
            thread=None,
            body_html=_body_html(status),
            parent_external_id=str(parent) if isinstance(parent, (str, int)) and parent else None,
            permalink=str(status.get("url") or status.get("uri") or "") or None,
            source_updated_at=parse_time(edited, where, "edited_at") if edited else None,
            raw=status,
        )

    def _author(self, account: dict[str, Any], where: str) -> Author:
        acct = str(account.get("acct") or account.get("username") or "")
        if not acct:
            raise BadPayload(f"{where}: an account without 'acct'")
        profile = account.get("url") if isinstance(account.get("url"), str) else None
        # Local accounts come without a domain; contact history across channels needs one.
        full = acct if "@" in acct else f"{acct}@{host_of(profile) or host_of(self._api.server)}"
        name = account.get("display_name")
        return Author(
            id_of(account, where),
            name if isinstance(name, str) and name else acct,
            f"@{full}",
            profile,
        )

    def _thread(self, status: dict[str, Any], where: str) -> ThreadRef:
        """The conversation: its root status (title and text) found through /context."""
        status_id = id_of(status, where)
        if not status.get("in_reply_to_id"):
            return ThreadRef(status_id, _clip(_plain(status)) or None, status.get("url"))
        if status_id not in self._roots:
            try:
                context = self._api.get_json(f"{STATUSES}/{status_id}/context")
            except Gone:
                context = {}
            ancestors = context.get("ancestors") if isinstance(context, dict) else None
            root = ancestors[0] if isinstance(ancestors, list) and ancestors else None
            if isinstance(root, dict) and root.get("id"):
                text = _plain(root)
                ref = ThreadRef(id_of(root, where), _clip(text) or None, root.get("url"), text)
            else:  # the parent is gone or hidden from us: keep the thread by its id
                ref = ThreadRef(str(status["in_reply_to_id"]))
            self._roots[status_id] = ref
        return self._roots[status_id]

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        """Edits (new content) and deletions (404) of the statuses we hold."""
        ids = sorted(
            (ext for ext, state in known.items() if state != "deleted"),
            key=lambda ext: (len(ext), ext),  # Mastodon's ids sort this way, newest last
            reverse=True,
        )[:MAX_RECONCILE]
        out: list[SourceState] = []
        for ext in ids:
            resp = self._api.call("GET", f"{STATUSES}/{ext}", ok=(404, 410))
            if resp.status in (404, 410):
                # A muted or blocked author's post answers 404 on some servers: it stays hidden.
                if known[ext] != "hidden":
                    out.append(SourceState(ext, "deleted"))
                continue
            status = resp.json()
            if not isinstance(status, dict):
                raise BadPayload(f"{STATUSES}/{ext[:24]} did not describe a status")
            state = "hidden" if known[ext] == "hidden" else "published"
            out.append(SourceState(ext, state, _body_html(status)))
        return out

    # ---- writing --------------------------------------------------------------
    def _reply_parts(self, target: ReplyTarget, body: str) -> tuple[str, str, str, str]:
        """(parent id, text to post, visibility, content warning) for a reply to `target`."""
        status = target_status(target.reply_target)
        parent = str(status.get("id") or target.item_external_id)
        visibility = status.get("visibility")
        # Unknown visibility: the narrowest, never wider than the parent might have been.
        visibility = visibility if visibility in _VISIBILITIES else "direct"
        own_host = host_of(self._api.me().get("url")) or host_of(self._api.server)
        text = addressed(target.reply_target, body, own_host)
        return parent, text, str(visibility), spoiler_of(target.reply_target)

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        parent, text, visibility, spoiler = self._reply_parts(target, body)
        limit, url_chars = self._api.limits()
        counted = length(text, spoiler, url_chars)
        if counted > limit:
            raise Rejected(
                f"the reply is {counted} characters with the mention and content warning it "
                f"carries; this server allows {limit}"
            )
        payload: dict[str, Any] = {
            "status": text,
            "in_reply_to_id": parent,
            "visibility": visibility,
        }
        if spoiler:
            payload["spoiler_text"] = spoiler
        # The same reply sent twice within the server's memory of keys (1 h) is posted once.
        key = hashlib.sha256(f"{parent}\n{text}".encode()).hexdigest()[:40]
        resp = self._api.call(
            "POST",
            STATUSES,
            json_body=payload,
            headers={"Idempotency-Key": key},
            retry=False,
            ok=(403, 404, 422),
        )
        if resp.status == 404:
            raise Rejected(
                "the post being answered was deleted, or this account can no longer see it"
            )
        if resp.status in (403, 422):
            raise Rejected(f"the server refused the reply: {error_text(resp) or resp.status}")
        created = resp.json()
        if not isinstance(created, dict):
            raise BadPayload(f"{STATUSES} did not return the created status")
        return self._sent(created, target)

    def _sent(self, created: dict[str, Any], target: ReplyTarget) -> SentReply:
        mine = self._status(created, STATUSES)
        outbound = Incoming(
            external_id=mine.external_id,
            kind=ItemKind.REPLY,
            created_at=mine.created_at,
            author=mine.author,
            thread=ThreadRef(target.thread_external_id) if target.thread_external_id else None,
            body_html=mine.body_html,
            parent_external_id=target.item_external_id,
            permalink=mine.permalink,
            direction=Direction.OUTBOUND,
            needs_reply=False,
            raw=created,
        )
        return SentReply(mine.external_id, mine.permalink, outbound)

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """Our status answering the parent with this text: among the parent's replies, then our own posts."""
        parent, text, _, _ = self._reply_parts(target, body)
        me = id_of(self._api.me(), "verify_credentials")
        try:
            context = self._api.get_json(f"{STATUSES}/{parent}/context")
        except Gone:
            return None
        replies = context.get("descendants") if isinstance(context, dict) else None
        found = self._mine(replies, parent, me, text, target)
        if found is None:  # a server that leaves our own replies out of the context
            own = self._api.get_json(f"/api/v1/accounts/{me}/statuses", {"limit": str(PAGE)})
            found = self._mine(own, parent, me, text, target)
        return found

    def _mine(
        self, statuses: Any, parent: str, me: str, text: str, target: ReplyTarget
    ) -> SentReply | None:
        for status in statuses if isinstance(statuses, list) else []:
            if not isinstance(status, dict) or str(status.get("in_reply_to_id")) != parent:
                continue
            account = status.get("account")
            if not isinstance(account, dict) or str(account.get("id")) != me:
                continue
            said = status.get("text") if isinstance(status.get("text"), str) else None
            if same_text(said or _plain(status), text):
                return self._sent(status, target)
        return None

    def moderate(self, external_id: str, action: str) -> str:
        if action not in self.moderation_actions:
            raise ChannelError(
                f"Mastodon cannot {action!r}: use one of {', '.join(self.moderation_actions)}"
            )
        try:
            status = self._api.get_json(f"{STATUSES}/{external_id}")
        except Gone:
            raise ChannelError("the post is gone, so its author cannot be found") from None
        account = status.get("account") if isinstance(status, dict) else None
        account_id = id_of(account, f"{STATUSES}/{external_id[:24]}")
        if action == "report":
            resp = self._api.call(
                "POST",
                "/api/v1/reports",
                json_body={
                    "account_id": account_id,
                    "status_ids": [external_id],
                    "category": "other",
                },
                retry=False,
                ok=(404, 422),
            )
            if resp.status != 200:
                raise ChannelError(
                    f"this server does not take reports through its API (HTTP {resp.status}): "
                    "report it on the server's web page"
                )
            return "published"
        path = f"/api/v1/accounts/{account_id}/{action}"
        body = {"notifications": True} if action == "mute" else None
        resp = self._api.call("POST", path, json_body=body, retry=False, ok=(404,))
        if resp.status == 404:
            raise ChannelError(f"this server offers no {action} through its API (HTTP 404)")
        relations = self._api.get_json("/api/v1/accounts/relationships", {"id[]": account_id})
        flag = "muting" if action == "mute" else "blocking"
        now = relations[0] if isinstance(relations, list) and relations else {}
        if not (isinstance(now, dict) and now.get(flag) is True):
            raise ChannelError(f"the server did not confirm the {action} of this account")
        return "hidden"


def _body_html(status: dict[str, Any]) -> str:
    """The content as received, with its content warning and attachments made visible to the officer."""
    parts = []
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler:
        parts.append(f"<p><strong>Content warning: {html.escape(spoiler)}</strong></p>")
    content = status.get("content")
    parts.append(content if isinstance(content, str) else "")
    media = status.get("media_attachments")
    links = []
    for m in media if isinstance(media, list) else []:
        url = m.get("url") or m.get("remote_url") if isinstance(m, dict) else None
        if isinstance(url, str) and url:
            label = f"{m.get('type') or 'attachment'}: {m.get('description') or 'no description'}"
            links.append(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>')
    if links:
        parts.append(f"<ul>{''.join(links)}</ul>")
    return "".join(parts)
