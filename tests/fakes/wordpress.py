"""A fake WordPress REST API (comments, posts, users/me) written to CHANNELS.md §1."""

from __future__ import annotations

import base64
import itertools
import math
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.http_server import FakeServer, Reply, Request

STATUS_PARAM = {
    "approve": ["approved"],
    "hold": ["hold"],
    "spam": ["spam"],
    "trash": ["trash"],
    "all": ["approved", "hold"],
}
TYPE_PARAM = {
    "comment": ["comment"],
    "pingback": ["pingback"],
    "trackback": ["trackback"],
    "pings": ["pingback", "trackback"],
}


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message, "data": {"status": status}})


class FakeWordPress:
    def __init__(
        self,
        login: str = "engagement",
        password: str = "abcd efgh ijkl mnop qrst uvwx",
        newer_core: bool = False,
        page_past_end_400: bool = False,
        plain_permalinks: bool = False,
    ) -> None:
        self.login = login
        self.password = password.replace(" ", "")
        self.me_id = 7
        self.newer_core = newer_core
        self.page_past_end_400 = page_past_end_400
        # A fresh WordPress: the API only at ?rest_route=, /wp-json/ answers the home page.
        self.plain_permalinks = plain_permalinks
        self.posts: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.hang_after_create = False
        # Core refuses a second identical comment (409); plugins and other platforms may not.
        self.detect_duplicates = True
        self.delay = 0.0  # seconds per request, to make a long sync last long enough to kill
        self.server = FakeServer(self.handle)

    # ---- seeding ----------------------------------------------------------------
    def add_post(self, post_id: int, title: str, open_comments: bool = True) -> None:
        self.posts[post_id] = {
            "id": post_id,
            "title": {"rendered": title},
            "link": f"{self.site}/?p={post_id}",
            "comment_status": "open" if open_comments else "closed",
        }

    def add_comment(
        self,
        post: int,
        text: str,
        author: str = "Member of the Public",
        status: str = "approved",
        type_: str = "comment",
        parent: int = 0,
        html: str | None = None,
        when: datetime | None = None,
        author_id: int = 0,
    ) -> int:
        with self._lock:
            cid = next(self._ids)
            gmt = (
                when or datetime(2026, 11, 20, 10, 0, tzinfo=UTC) + timedelta(minutes=cid)
            ).astimezone(UTC)
            self.comments[cid] = {
                "id": cid,
                "post": post,
                "parent": parent,
                "author": author_id,
                "author_name": author,
                "author_email": f"{author.split()[0].lower()}@mail.example",
                "author_url": "",
                "author_ip": "192.0.2.1",
                "date": gmt.replace(tzinfo=None).isoformat(timespec="seconds"),
                "date_gmt": gmt.replace(tzinfo=None).isoformat(timespec="seconds"),
                "content": {
                    "rendered": html if html is not None else f"<p>{text}</p>\n",
                    "raw": text,
                },
                "link": f"{self.site}/?p={post}#comment-{cid}",
                "status": status,
                "type": type_,
                "author_avatar_urls": {"24": "https://secure.gravatar.example/avatar/x?s=24"},
            }
            return cid

    @property
    def site(self) -> str:
        return self.server.url

    def start(self) -> FakeWordPress:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    # ---- handling ---------------------------------------------------------------
    def _authed(self, req: Request) -> bool:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        login, _, password = base64.b64decode(header[6:]).decode().partition(":")
        # A wrong application password silently runs as anonymous on a real 6.1.9 (obs).
        return login == self.login and password.replace(" ", "") == self.password

    @property
    def api_root(self) -> str:
        if self.plain_permalinks:
            return f"{self.site}/index.php?rest_route=/"
        return f"{self.site}/wp-json/"

    def _home_page(self) -> Reply:
        feed = "?feed=comments-rss2" if self.plain_permalinks else "comments/feed/"
        html = (
            "<!DOCTYPE html><html><head><title>Force blog</title>"
            f'<link rel="alternate" type="application/rss+xml" title="Comments Feed" '
            f'href="{self.site}/{feed}" />'
            f'<link rel="https://api.w.org/" href="{self.api_root}" />'
            "</head><body><h1>Force blog</h1></body></html>"
        )
        return Reply(
            200,
            html.encode(),
            {"Link": f'<{self.api_root}>; rel="https://api.w.org/"'},
            "text/html; charset=UTF-8",
        )

    def handle(self, req: Request) -> Reply:
        if self.delay:
            time.sleep(self.delay)
        if "rest_route" not in req.query and (
            req.path in ("/", "/index.php")
            or (self.plain_permalinks and req.path.startswith("/wp-json"))
        ):
            return self._home_page()
        route = req.query.get("rest_route", [req.path.removeprefix("/wp-json")])[0]
        q = {k: v[-1] for k, v in req.query.items()}
        authed = self._authed(req)
        with self._lock:
            if route == "/wp/v2/users/me":
                if not authed:
                    return _error(401, "rest_not_logged_in", "You are not currently logged in.")
                return Reply(
                    200,
                    {
                        "id": self.me_id,
                        "name": "Engagement Team",
                        "slug": self.login,
                        "capabilities": {"moderate_comments": True},
                    },
                )
            if m := re.fullmatch(r"/wp/v2/posts/(\d+)", route):
                post = self.posts.get(int(m.group(1)))
                return (
                    Reply(200, post)
                    if post
                    else _error(404, "rest_post_invalid_id", "Invalid post ID.")
                )
            if route == "/wp/v2/comments" and req.method == "GET":
                return self._list(q, authed)
            if route == "/wp/v2/comments":
                reply = self._create(req, authed)
                hang = reply.status == 201 and self.hang_after_create
            else:
                hang = False
            if not hang and (m := re.fullmatch(r"/wp/v2/comments/(\d+)", route)):
                return self._one(req, int(m.group(1)), q, authed)
        if route == "/wp/v2/comments":
            if hang:
                time.sleep(60)  # the comment exists; the caller never hears back (lock released)
            return reply
        return _error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _list(self, q: dict[str, str], authed: bool) -> Reply:
        status, type_ = q.get("status", "approve"), q.get("type", "comment")
        if not authed and (status != "approve" or type_ != "comment"):
            return _error(401, "rest_forbidden_param", "Query parameter not permitted: status")
        if not authed and q.get("context") == "edit":
            return _error(
                401, "rest_forbidden_context", "Sorry, you are not allowed to edit comments."
            )
        rows = [
            c
            for c in self.comments.values()
            if c["status"] in STATUS_PARAM.get(status, [status])
            and c["type"] in TYPE_PARAM.get(type_, [type_])
        ]
        for key in ("post", "parent", "author"):
            if key in q:
                rows = [c for c in rows if str(c[key]) == q[key]]
        key = "id" if q.get("orderby") == "id" else "date_gmt"
        rows.sort(key=lambda c: c[key], reverse=q.get("order", "desc") == "desc")
        per_page, page = int(q.get("per_page", 10)), int(q.get("page", 1))
        total_pages = max(1, math.ceil(len(rows) / per_page)) if rows else 0
        if page > max(total_pages, 1) and self.page_past_end_400:
            return _error(
                400,
                "rest_comment_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        chunk = rows[(page - 1) * per_page : page * per_page]
        base = f"{self.site}/wp-json/wp/v2/comments"
        links = []
        if page < total_pages:
            links.append(f'<{base}?page={page + 1}>; rel="next"')
        if page > 1:
            links.append(f'<{base}?page={page - 1}>; rel="prev"')
        headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(total_pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return Reply(200, [self._view(c, q.get("context") == "edit") for c in chunk], headers)

    def _view(self, c: dict[str, Any], edit: bool) -> dict[str, Any]:
        out = dict(c, content=dict(c["content"]))
        if not edit:
            for k in ("author_email", "author_ip"):
                out.pop(k, None)
            out["content"].pop("raw", None)
        return out

    def _create(self, req: Request, authed: bool) -> Reply:
        if not authed:
            return _error(
                401, "rest_comment_login_required", "Sorry, you must be logged in to comment."
            )
        body = req.json() or {}
        post = self.posts.get(int(body.get("post", 0)))
        if post is None:
            return _error(
                403,
                "rest_comment_invalid_post_id",
                "Sorry, you are not allowed to create this comment without a post.",
            )
        if post["comment_status"] != "open":
            return _error(403, "rest_comment_closed", "Sorry, comments are closed for this item.")
        content = str(body.get("content", ""))
        if not content.strip():
            return _error(400, "rest_comment_content_invalid", "Invalid comment content.")
        parent = int(body.get("parent", 0))
        for c in self.comments.values() if self.detect_duplicates else ():
            if (
                c["post"] == post["id"]
                and c["parent"] == parent
                and c["content"]["raw"] == content
                and c["author"] == self.me_id
            ):
                return _error(
                    409,
                    "comment_duplicate",
                    "Duplicate comment detected; it looks as though you've already said that!",
                )
        cid = self.add_comment(
            post["id"],
            content,
            "Engagement Team",
            parent=parent,
            author_id=self.me_id,
            when=datetime.now(UTC),
        )
        return Reply(
            201,
            self._view(self.comments[cid], True),
            {"Location": f"{self.site}/wp-json/wp/v2/comments/{cid}"},
        )

    def _one(self, req: Request, cid: int, q: dict[str, str], authed: bool) -> Reply:
        c = self.comments.get(cid)
        if c is None:
            return _error(404, "rest_comment_invalid_id", "Invalid comment ID.")
        if req.method == "GET":
            if q.get("context") == "edit" and not authed:
                return _error(
                    401, "rest_forbidden_context", "Sorry, you are not allowed to edit comments."
                )
            return Reply(200, self._view(c, q.get("context") == "edit"))
        if not authed:
            return _error(
                401, "rest_cannot_edit", "Sorry, you are not allowed to edit this comment."
            )
        if req.method == "DELETE":
            if q.get("force") == "true":
                del self.comments[cid]
                return Reply(200, {"deleted": True, "previous": self._view(c, True)})
            if c["status"] == "trash":
                return _error(410, "rest_already_trashed", "The comment has already been trashed.")
            c["status"] = "trash"
            return Reply(200, self._view(c, True))
        body = req.json() or {}
        wanted = {
            "approve": "approved",
            "1": "approved",
            "0": "hold",
            "unspam": "approved",
            "untrash": "approved",
        }.get(str(body.get("status")), str(body.get("status")))
        if wanted not in ("approved", "hold", "spam", "trash"):
            return Reply(200, self._view(c, True))  # unknown status: 200, nothing changes (obs)
        if wanted == c["status"] and self.newer_core:
            return _error(500, "rest_comment_failed_edit", "Updating comment status failed.")
        c["status"] = wanted
        return Reply(200, self._view(c, True))
