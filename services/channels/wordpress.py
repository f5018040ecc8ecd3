"""WordPress comments, pingbacks and trackbacks over the REST API v2 with an application password.

Incremental fetch: for each status × type, page newest-first by id until the
stored highest id; a reconciliation pass catches edits, status changes and
deletions (comments have no modified date). See CHANNELS.md §1.

The API root is found as WordPress announces it (wordpress_discovery.RestApi)
and kept in the cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.channels import kinds
from services.channels.errors import BadPayload, ChannelError, Gone, Rejected
from services.channels.http import make_client
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.protocol import Batch, ChannelConfig, ReplyTarget, SentReply, SourceState
from services.channels.sanitise import html_to_text
from services.channels.wordpress_discovery import RestApi, error_code
from services.records.payloads import json_array_elements
from services.store.models import Direction, ItemKind

if TYPE_CHECKING:
    import httpx

STATUSES = ("approve", "hold", "spam")
TYPES = ("comment", "pingback", "trackback")
PER_PAGE = 100
COMMENTS = "wp/v2/comments"
_STATE = {"approved": "approved", "hold": "hold", "spam": "spam", "trash": "trash"}
_ACTION_STATUS = {"approve": "approved", "hold": "hold", "spam": "spam", "trash": "trash"}


def _parse_gmt(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{where}: field 'date_gmt' is missing")
    try:
        return datetime.fromisoformat(value.rstrip("Z")).replace(tzinfo=UTC)
    except ValueError:
        raise BadPayload(f"{where}: field 'date_gmt' is unreadable ({value[:40]!r})") from None


def _int_field(obj: dict[str, Any], name: str, where: str, default: int | None = None) -> int:
    """An integer field of a WordPress answer; anything else is a channel error naming it."""
    value = obj.get(name)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadPayload(f"{where}: field {name!r} is missing or not a number")
    try:
        return int(value)
    except ValueError:
        raise BadPayload(f"{where}: field {name!r} is not a number ({str(value)[:40]!r})") from None


def _plain(html: Any) -> str:
    """Titles and names arrive as HTML (`We&#8217;re`): keep their text."""
    return html_to_text(html) if isinstance(html, str) else ""


class WordPressConnector(kinds.WordPress):
    def __init__(
        self,
        site: str,
        login: str,
        password: str,
        client: httpx.Client | None = None,
        known_threads: set[str] | None = None,
        api_root: str | None = None,
    ) -> None:
        self._client = client or make_client(auth=(login, password.replace(" ", "")))
        self._api = RestApi(self._client, site, api_root)
        self._posts: dict[str, ThreadRef] = {}
        self._known_threads = known_threads or set()
        self._me: int | None = None
        # The last page's comments as sent, by id: each comment's bytes for evidence.
        self._received: dict[int, bytes] = {}

    @classmethod
    def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> WordPressConnector:
        if not cfg.secret:
            raise ChannelError(
                "no application password stored for this channel: run `channel add` again"
            )
        return cls(
            cfg.config["url"],
            cfg.config["login"],
            cfg.secret,
            client,
            cfg.known_threads,
            cfg.config.get("api_root"),
        )

    def close(self) -> None:
        self._client.close()

    @property
    def address(self) -> str:
        """The REST API root in use (found on first need)."""
        return self._api.root

    # ---- reading -------------------------------------------------------------
    def test(self) -> str:
        where = "wp/v2/users/me"
        me = self._api.call("GET", where, params={"context": "edit"}).json()
        if not isinstance(me, dict) or "id" not in me:
            raise BadPayload(f"{where} did not describe a user")
        self._me = _int_field(me, "id", where)
        caps = me.get("capabilities") or {}
        note = (
            ""
            if caps.get("moderate_comments", True)
            else " (cannot moderate: held and spam comments stay hidden)"
        )
        return f"connected as {_plain(me.get('name')) or me.get('slug')}{note}"

    def _my_id(self) -> int:
        if self._me is None:
            self.test()
        assert self._me is not None
        return self._me

    def _page(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        resp = self._api.call("GET", COMMENTS, params=params, ok_statuses=(400,))
        if resp.status == 400:
            if error_code(resp.json()).endswith("invalid_page_number"):
                return [], 0
            raise BadPayload(
                f"{COMMENTS} refused the query: {error_code(resp.json()) or 'HTTP 400'}"
            )
        data = resp.json()
        if not isinstance(data, list) or not all(isinstance(c, dict) and "id" in c for c in data):
            raise BadPayload(
                f"{COMMENTS} answered JSON of the wrong shape (expected a list of comments)"
            )
        for c in data:
            c["id"] = _int_field(c, "id", COMMENTS)
        self._received = _as_sent(data, resp.body)
        pages = resp.headers.get("X-WP-TotalPages", "")
        return data, int(pages) if pages.isdigit() else 0

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        if isinstance(cursor.get("api_root"), str):
            self._api.remember(cursor["api_root"])
        highs = {k: int(v) for k, v in cursor.get("highest", {}).items()}
        for status in STATUSES:
            for type_ in TYPES:
                key = f"{status}/{type_}"
                high = highs.get(key, 0)
                newest = high
                page = 1
                while True:
                    data, total_pages = self._page(
                        {
                            "status": status,
                            "type": type_,
                            "orderby": "id",
                            "order": "desc",
                            "per_page": PER_PAGE,
                            "page": page,
                            "context": "edit",
                        }
                    )
                    fresh = [c for c in data if c["id"] > high]
                    if fresh:
                        newest = max(newest, max(c["id"] for c in fresh))
                        yield Batch([self._map(c) for c in fresh])
                    if len(fresh) < len(data) or not data or (total_pages and page >= total_pages):
                        break
                    page += 1
                highs[key] = newest
        yield Batch([], cursor={**cursor, "highest": highs, "api_root": self._api.root})

    def _thread(self, post_id: int) -> ThreadRef:
        key = str(post_id)
        if key in self._posts:
            return self._posts[key]
        if key in self._known_threads:
            ref = ThreadRef(key)
        else:
            try:
                post = self._api.call(
                    "GET", f"wp/v2/posts/{post_id}", params={"_fields": "id,title,link"}
                ).json()
            except Gone:
                post = {}
            title = post.get("title", {}).get("rendered") if isinstance(post, dict) else None
            link = post.get("link") if isinstance(post, dict) else None
            ref = ThreadRef(key, _plain(title) or f"Post {post_id}", link)
        self._posts[key] = ref
        return ref

    def _map(self, c: dict[str, Any]) -> Incoming:
        where = f"{COMMENTS} (comment {str(c.get('id'))[:20]})"
        comment_id = _int_field(c, "id", where)
        post_id = _int_field(c, "post", where)
        parent = _int_field(c, "parent", where, default=0)
        created_at = _parse_gmt(c.get("date_gmt"), where)
        comment_type = c.get("type") or "comment"
        kind = {"pingback": ItemKind.PINGBACK, "trackback": ItemKind.TRACKBACK}.get(
            comment_type, ItemKind.COMMENT
        )
        name = _plain(c.get("author_name")) or "Anonymous"
        email = c.get("author_email") or None
        author_key = email or (
            f"user:{c['author']}" if c.get("author") else f"{name}|{c.get('author_url') or ''}"
        )
        content = c.get("content") or {}
        if not isinstance(content, dict):
            raise BadPayload(f"{where}: field 'content' is not an object")
        return Incoming(
            external_id=str(comment_id),
            kind=kind,
            created_at=created_at,
            author=Author(str(author_key), name, email, c.get("author_url") or None),
            thread=self._thread(post_id),
            body_html=str(content.get("rendered") or ""),
            parent_external_id=str(parent) if parent else None,
            permalink=c.get("link"),
            source_state=_STATE.get(str(c.get("status")), "published"),
            needs_reply=kind == ItemKind.COMMENT,
            raw=c,
            raw_bytes=self._received.get(comment_id),
        )

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        seen: dict[str, SourceState] = {}
        for status in (*STATUSES, "trash"):
            for type_ in TYPES:
                page = 1
                while True:
                    data, total = self._page(
                        {
                            "status": status,
                            "type": type_,
                            "per_page": PER_PAGE,
                            "page": page,
                            "context": "edit",
                            "_fields": "id,status,content",
                        }
                    )
                    for c in data:
                        state = _STATE.get(str(c.get("status")), "published")
                        html = (c.get("content") or {}).get("rendered")
                        seen[str(c["id"])] = SourceState(str(c["id"]), state, html)
                    if not data or (total and page >= total):
                        break
                    page += 1
        out = [s for ext, s in seen.items() if ext in known]
        out += [
            SourceState(ext, "deleted")
            for ext in known
            if ext not in seen and known[ext] != "deleted"
        ]
        return out

    # ---- writing --------------------------------------------------------------
    def _target(self, target: ReplyTarget) -> tuple[int, int]:
        raw = target.reply_target
        try:
            return int(raw["post"]), int(raw["id"])
        except (KeyError, TypeError, ValueError):
            raise Rejected("this item has no WordPress post and comment id to reply to") from None

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        post, parent = self._target(target)
        # WordPress does not check that the parent exists on that post (obs): check it ourselves.
        where = f"{COMMENTS}/{parent}"
        try:
            parent_json = self._api.call("GET", where, params={"context": "edit"}).json()
        except Gone:
            raise Rejected("the comment being answered was deleted on the blog") from None
        if not isinstance(parent_json, dict) or _int_field(parent_json, "post", where) != post:
            raise Rejected("the comment being answered now belongs to another post")
        resp = self._api.call(
            "POST",
            COMMENTS,
            retry=False,
            json_body={"post": post, "parent": parent, "content": body},
            ok_statuses=(400, 403, 409),
        )
        if resp.status == 409:
            found = self.find_reply(target, body)
            if found is not None:
                return found
            raise Rejected("WordPress says this exact reply was already posted (comment_duplicate)")
        if resp.status in (400, 403):
            payload = resp.json()
            raise Rejected(
                _rejection(
                    error_code(payload),
                    str(payload.get("message", "")) if isinstance(payload, dict) else "",
                )
            )
        created = resp.json()
        if not isinstance(created, dict) or "id" not in created:
            raise BadPayload(f"{COMMENTS} did not return the created comment")
        incoming = self._map(created)
        return SentReply(incoming.external_id, created.get("link"), _outbound(incoming))

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        post, parent = self._target(target)
        me = self._my_id()
        wanted = body.strip()
        for status in ("approve", "hold"):
            data, _ = self._page(
                {
                    "post": post,
                    "parent": parent,
                    "status": status,
                    "context": "edit",
                    "per_page": PER_PAGE,
                    "orderby": "id",
                    "order": "desc",
                }
            )
            for c in data:
                raw = str((c.get("content") or {}).get("raw", "")).strip()
                if _int_field(c, "author", COMMENTS, default=0) == me and raw == wanted:
                    return SentReply(str(c["id"]), c.get("link"), _outbound(self._map(c)))
        return None

    def moderate(self, external_id: str, action: str) -> str:
        if action not in _ACTION_STATUS:
            raise ChannelError(
                f"WordPress cannot {action!r}: use one of {', '.join(_ACTION_STATUS)}"
            )
        wanted = _ACTION_STATUS[action]
        path = f"{COMMENTS}/{int(external_id)}"
        if action == "trash":
            self._api.call("DELETE", path, retry=False, ok_statuses=(410,))
        else:
            # Same-status updates answer 200 (6.1) or 500 rest_comment_failed_edit (newer): read back either way.
            self._api.call(
                "POST", path, json_body={"status": wanted}, retry=False, ok_statuses=(500,)
            )
        now = self._api.call("GET", path, params={"context": "edit"}).json()
        state = _STATE.get(str(now.get("status")) if isinstance(now, dict) else "", "")
        if state != wanted:
            raise ChannelError(
                f"WordPress kept comment {external_id} as {state or 'unknown'} instead of {wanted}"
            )
        return state


def _as_sent(data: list[dict[str, Any]], body: bytes) -> dict[int, bytes]:
    """Each comment's own bytes from the page's answer (none if the page cannot be cut up)."""
    try:
        parts = json_array_elements(body)
    except ValueError:
        return {}
    return (
        {c["id"]: part for c, part in zip(data, parts, strict=False)}
        if len(parts) == len(data)
        else {}
    )


def _outbound(incoming: Incoming) -> Incoming:
    return Incoming(
        external_id=incoming.external_id,
        kind=ItemKind.REPLY,
        created_at=incoming.created_at,
        author=incoming.author,
        thread=incoming.thread,
        body_html=incoming.body_html,
        parent_external_id=incoming.parent_external_id,
        permalink=incoming.permalink,
        source_state=incoming.source_state,
        direction=Direction.OUTBOUND,
        needs_reply=False,
        raw=incoming.raw,
    )


def _rejection(code: str, message: str) -> str:
    known = {
        "rest_comment_closed": "comments are closed on this post",
        "rest_comment_invalid_post_id": "the post no longer exists",
        "rest_comment_draft_post": "the post is a draft",
        "rest_comment_trash_post": "the post is in the bin",
        "rest_comment_content_invalid": "the reply is empty",
        "comment_flood": "WordPress refused: replies are being posted too quickly (comment_flood)",
    }
    return known.get(code) or f"WordPress refused the reply: {message or code or 'no reason given'}"
