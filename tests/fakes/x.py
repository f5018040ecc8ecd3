"""A fake X API v2 for one account, written to CHANNELS.md §5 and §9.

Mentions page newest first with `since_id`, `max_results` and `next_token`
(an empty answer has `meta.result_count: 0` and no `data`); `GET /2/tweets`
reports deleted posts as `errors` in a 200; an edit makes a new id with the
history chain; texts come HTML-escaped. Every answer carries
`x-rate-limit-*` per endpoint, and an exhausted endpoint answers 429 with
remaining 0 and its reset epoch. 401 and 403 are problem bodies.
"""

from __future__ import annotations

import base64
import html
import itertools
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.http_server import FakeServer, Reply, Request

TOKEN = "fake-x-user-token-0123456789"
REFRESH_TOKEN = "fake-x-refresh-0"
CLIENT_ID = "fake-x-client-id"
BASE_ID = 1_860_000_000_000_000_000
WINDOW = 15 * 60
_ID = re.compile(r"/\d{4,}(?=/|$)")  # ids, not the /2 version


def problem(status: int, title: str, detail: str = "", kind: str = "about:blank") -> Reply:
    return Reply(
        status,
        {"title": title, "detail": detail or title, "type": kind, "status": status},
        content_type="application/problem+json",
    )


class FakeX:
    def __init__(self, page_size: int = 100, dm_allowed: bool = True) -> None:
        self.token = TOKEN
        self.page_size = page_size
        self.dm_allowed = dm_allowed
        self.revoked = False
        # OAuth 2.0: the app's client (public unless a secret is set) and the rotating refresh token.
        self.client_secret: str | None = None
        self.refresh_token = REFRESH_TOKEN
        self.token_requests: list[dict[str, str]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}  # every version, by id
        self.deleted: set[str] = set()
        self.hidden: set[str] = set()
        self.dm_events: list[dict[str, Any]] = []  # newest first
        self.limit = 300
        self.used: dict[str, int] = {}
        self.reset_at = int(time.time()) + WINDOW
        self._ids = itertools.count(BASE_ID + 1)
        self._clock = datetime.now(UTC) - timedelta(hours=2)
        self._lock = threading.RLock()
        self.server = FakeServer(self.handle)
        self.me = self.add_user("NorthshirePolice", "Northshire Police")

    def start(self) -> FakeX:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    # ---- seeding --------------------------------------------------------------------
    def _next(self) -> str:
        return str(next(self._ids))

    def _tick(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def add_user(self, username: str, name: str = "") -> str:
        uid = self._next()
        self.users[uid] = {"id": uid, "username": username, "name": name or username}
        return uid

    def post(self, author: str, text: str, reply_to: str | None = None) -> str:
        with self._lock:
            pid = self._next()
            parent = self.posts.get(reply_to) if reply_to else None
            post: dict[str, Any] = {
                "id": pid,
                "text": html.escape(text, quote=False),
                "author_id": author,
                "created_at": self._tick(),
                "conversation_id": parent["conversation_id"] if parent else pid,
                "edit_history_tweet_ids": [pid],
                "lang": "en",
            }
            if parent:
                post["in_reply_to_user_id"] = parent["author_id"]
                post["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            self.posts[pid] = post
            return pid

    def edit(self, pid: str, text: str) -> str:
        """A new version: a new id, the chain oldest first on every version."""
        with self._lock:
            old = self.posts[pid]
            new = self._next()
            chain = [*old["edit_history_tweet_ids"], new]
            self.posts[new] = {**old, "id": new, "text": html.escape(text, quote=False)}
            for version in chain:
                self.posts[version]["edit_history_tweet_ids"] = chain
            return new

    def add_dm(self, sender: str, text: str, other: str | None = None) -> str:
        with self._lock:
            eid = self._next()
            peer = other or sender
            self.dm_events.insert(
                0,
                {
                    "id": eid,
                    "event_type": "MessageCreate",
                    "text": html.escape(text, quote=False),
                    "sender_id": sender,
                    "dm_conversation_id": f"{min(peer, self.me)}-{max(peer, self.me)}",
                    "created_at": self._tick(),
                },
            )
            return eid

    def mine(self) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if p["author_id"] == self.me]

    def exhaust(self, endpoint: str) -> None:
        """That endpoint has no request left in this window."""
        self.used[endpoint] = self.limit

    # ---- HTTP ---------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        with self._lock:
            key = f"{req.method} {_ID.sub('/:id', req.path)}"
            used = self.used.get(key, 0)
            headers = {
                "x-rate-limit-limit": str(self.limit),
                "x-rate-limit-reset": str(self.reset_at),
            }
            if used >= self.limit:
                headers["x-rate-limit-remaining"] = "0"
                reply = problem(429, "Too Many Requests")
            else:
                self.used[key] = used + 1
                headers["x-rate-limit-remaining"] = str(self.limit - used - 1)
                reply = self._answer(req)
            reply.headers.update(headers)
            return reply

    def expire_token(self) -> None:
        """The access token's 2 hours are up: it answers 401 from now on."""
        self.token = f"{TOKEN}-{next(self._ids)}"

    def _oauth_token(self, req: Request) -> Reply:
        """`POST /2/oauth2/token`, grant_type=refresh_token: a new pair, the old refresh spent."""
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        self.token_requests.append(form)
        auth = req.headers.get("Authorization", "")
        if self.client_secret is not None:
            expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
            if auth != f"Basic {expected}":
                return Reply(
                    401,
                    {
                        "error": "unauthorized_client",
                        "error_description": "Missing valid authorization header",
                    },
                )
        elif form.get("client_id") != CLIENT_ID:
            return Reply(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Missing required parameter [client_id].",
                },
            )
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            return Reply(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the token was invalid.",
                },
            )
        self.refresh_token = f"fake-x-refresh-{next(self._ids)}"
        return Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": self.token,
                "scope": "tweet.read tweet.write users.read offline.access",
                "refresh_token": self.refresh_token,
            },
        )

    def _answer(self, req: Request) -> Reply:
        if req.path == "/2/oauth2/token" and req.method == "POST":
            return self._oauth_token(req)
        if req.headers.get("Authorization") != f"Bearer {self.token}" or self.revoked:
            return problem(401, "Unauthorized")
        path, method = req.path, req.method
        if path == "/2/users/me":
            return Reply(200, {"data": self.users[self.me]})
        found = re.fullmatch(r"/2/users/(\d+)/(mentions|tweets)", path)
        if found:
            return self._timeline(req, found.group(1), found.group(2))
        if path == "/2/tweets" and method == "GET":
            return self._lookup(req)
        if path == "/2/tweets" and method == "POST":
            return self._create(req)
        found = re.fullmatch(r"/2/tweets/(\d+)/hidden", path)
        if found and method == "PUT":
            return self._hide(req, found.group(1))
        found = re.fullmatch(r"/2/tweets/(\d+)", path)
        if found and method == "DELETE":
            self.deleted.add(found.group(1))
            return Reply(200, {"data": {"deleted": True}})
        if path.startswith("/2/dm_"):
            return self._dms(req)
        return problem(
            404, "Not Found Error", kind="https://api.x.com/2/problems/resource-not-found"
        )

    def _current(self) -> list[dict[str, Any]]:
        """Live posts at their newest version, newest first."""
        live = [
            p
            for p in self.posts.values()
            if p["edit_history_tweet_ids"][-1] == p["id"]
            and not set(p["edit_history_tweet_ids"]) & self.deleted
        ]
        return sorted(live, key=lambda p: int(p["id"]), reverse=True)

    def _includes(self, posts: list[dict[str, Any]]) -> dict[str, Any]:
        users = {p["author_id"] for p in posts}
        refs = {r["id"] for p in posts for r in p.get("referenced_tweets", [])}
        refs |= {p["conversation_id"] for p in posts}
        tweets = [self.posts[r] for r in sorted(refs) if r in self.posts and r not in self.deleted]
        return {"users": [self.users[u] for u in sorted(users)], "tweets": tweets}

    def _timeline(self, req: Request, uid: str, which: str) -> Reply:
        q = {k: v[0] for k, v in req.query.items()}
        me = self.users[uid]["username"]
        if which == "mentions":
            rows = [
                p
                for p in self._current()
                if f"@{me}".lower() in p["text"].lower() and p["author_id"] != uid
            ]
        else:
            rows = [p for p in self._current() if p["author_id"] == uid]
        if "since_id" in q:
            rows = [p for p in rows if int(p["id"]) > int(q["since_id"])]
        size = min(int(q.get("max_results", 10)), self.page_size)
        start = int(q.get("pagination_token") or 0)
        page = rows[start : start + size]
        if not page:
            return Reply(200, {"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if start + size < len(rows):
            meta["next_token"] = str(start + size)
        return Reply(200, {"data": page, "includes": self._includes(page), "meta": meta})

    def _lookup(self, req: Request) -> Reply:
        ids = req.query.get("ids", [""])[0].split(",")
        data, errors = [], []
        for i in ids:
            post = self.posts.get(i)
            if post is None or set(post["edit_history_tweet_ids"]) & self.deleted:
                errors.append(
                    {
                        "value": i,
                        "detail": f"Could not find tweet with ids: [{i}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": i,
                        "type": "https://api.x.com/2/problems/resource-not-found",
                    }
                )
            else:
                data.append(post)
        body: dict[str, Any] = {"errors": errors} if errors else {}
        if data:
            body["data"] = data
        return Reply(200, body)

    def _create(self, req: Request) -> Reply:
        body = req.json()
        text = str(body.get("text") or "")
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if parent and (parent not in self.posts or parent in self.deleted):
            return problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        pid = self.post(self.me, text, parent)
        return Reply(
            201,
            {"data": {"id": pid, "text": self.posts[pid]["text"], "edit_history_tweet_ids": [pid]}},
        )

    def _hide(self, req: Request, pid: str) -> Reply:
        post = self.posts.get(pid)
        if post is None or pid in self.deleted:
            return problem(
                404, "Not Found Error", kind="https://api.x.com/2/problems/resource-not-found"
            )
        root = self.posts.get(post["conversation_id"])
        if root is None or root["author_id"] != self.me:
            return problem(
                403, "Forbidden", "You cannot hide replies in a conversation you did not start."
            )
        hidden = bool(req.json().get("hidden"))
        (self.hidden.add if hidden else self.hidden.discard)(pid)
        return Reply(200, {"data": {"hidden": hidden}})

    def _dms(self, req: Request) -> Reply:
        if not self.dm_allowed:
            return problem(
                403,
                "Client Forbidden",
                "This request must be made using an approved developer account that is "
                "enrolled in the requested endpoint.",
                "https://api.x.com/2/problems/client-forbidden",
            )
        found = re.fullmatch(r"/2/dm_conversations/([\w-]+)/(messages|dm_events)", req.path)
        if found and req.method == "POST":
            conv = found.group(1)
            peer = next(p for p in conv.split("-") if p != self.me)
            eid = self.add_dm(self.me, str(req.json().get("text") or ""), peer)
            return Reply(201, {"data": {"dm_conversation_id": conv, "dm_event_id": eid}})
        rows = self.dm_events
        if found:
            rows = [e for e in rows if e["dm_conversation_id"] == found.group(1)]
        q = {k: v[0] for k, v in req.query.items()}
        size = min(int(q.get("max_results", 100)), self.page_size)
        start = int(q.get("pagination_token") or 0)
        page = rows[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if start + size < len(rows):
            meta["next_token"] = str(start + size)
        senders = sorted({e["sender_id"] for e in page})
        out: dict[str, Any] = {
            "meta": meta,
            "includes": {"users": [self.users[s] for s in senders]},
        }
        if page:
            out["data"] = page
        return Reply(200, out)
