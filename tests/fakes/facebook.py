"""A fake Graph API for one Facebook Page, written to CHANNELS.md §4 and §9.

Paths carry the version prefix (`/v21.0/...`); lists page with
`paging.cursors` and an absolute `next` URL that, like Graph's, holds
`access_token=`. Errors are HTTP 400 bodies with Graph's codes: 190/463 for
an expired token, 100/33 for a deleted object, 10 for a missing permission,
32 and 80001 for throttling. `X-Business-Use-Case-Usage` rides on every
answer. Hides, deletions, replies and private replies change the state.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.fakes.facebook_oauth import exchange
from tests.fakes.http_server import FakeServer, Reply, Request

TOKEN = "EAAGfakePageToken0123456789"
VERSION = "/v21.0"
PAGE_ID = "1000100"
ALL_SCOPES = {
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_messaging",
    "pages_manage_metadata",
}


def graph_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(code: int, message: str, sub: int | None = None, status: int = 400) -> Reply:
    err: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if sub is not None:
        err["error_subcode"] = sub
    err["fbtrace_id"] = "AbCdEf"
    return Reply(status, {"error": err})


class FakeGraph:
    def __init__(self, page_size: int = 25) -> None:
        self.token = TOKEN
        self.page_id = PAGE_ID
        self.page_name = "Northshire Police"
        self.page_size = page_size
        self.scopes = set(ALL_SCOPES)
        self.expired = False
        self.usage = {"call_count": 5, "total_cputime": 2, "total_time": 3}
        self.regain_minutes = 0
        self.app_usage: dict[str, int] | None = None
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.conversations: dict[str, dict[str, Any]] = {}
        self.private_replies: list[dict[str, Any]] = []
        self.people: dict[str, str] = {}
        self.exchanges: list[dict[str, str]] = []  # /oauth/access_token queries
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.server = FakeServer(self.handle)

    # ---- lifecycle and seeding ----------------------------------------------------
    def start(self) -> FakeGraph:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url + VERSION

    def _next_id(self) -> str:
        return str(next(self._ids))

    def add_post(self, message: str, minutes_ago: int = 60) -> str:
        with self._lock:
            post_id = f"{self.page_id}_{self._next_id()}"
            when = graph_time(datetime.now(UTC) - timedelta(minutes=minutes_ago))
            self.posts[post_id] = {
                "id": post_id,
                "message": message,
                "created_time": when,
                "updated_time": when,
                "permalink_url": f"https://www.facebook.com/{post_id}",
                "from": {"id": self.page_id, "name": self.page_name},
            }
            return post_id

    def add_comment(
        self,
        on: str,
        message: str,
        name: str = "Helen Brennan",
        person_id: str | None = None,
        minutes_ago: int = 5,
    ) -> str:
        """A comment on a post, or a reply when `on` is a comment (nested under its top comment)."""
        with self._lock:
            parent = self.comments.get(on)
            post_id = parent["post_id"] if parent else on
            top = (parent.get("parent_id") or on) if parent else None
            comment_id = f"{post_id.split('_')[1]}_{self._next_id()}"
            when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
            who = {
                "id": person_id or self.people.setdefault(name, f"90{len(self.people)}"),
                "name": name,
            }
            if person_id == self.page_id:
                who = {"id": self.page_id, "name": self.page_name}
            self.comments[comment_id] = {
                "id": comment_id,
                "post_id": post_id,
                "parent_id": top,
                "message": message,
                "created_time": graph_time(when),
                "from": who,
                "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}",
                "is_hidden": False,
                "can_reply_privately": True,
            }
            post = self.posts[post_id]
            post["updated_time"] = max(post["updated_time"], graph_time(datetime.now(UTC)))
            return comment_id

    def add_message(self, name: str, text: str, psid: str = "7001", minutes_ago: int = 3) -> str:
        with self._lock:
            conv_id = f"t_{psid}"
            conv = self.conversations.setdefault(
                conv_id,
                {
                    "id": conv_id,
                    "participants": {
                        "data": [
                            {"id": psid, "name": name},
                            {"id": self.page_id, "name": self.page_name},
                        ]
                    },
                    "messages": [],
                },
            )
            return self._message(conv, {"id": psid, "name": name}, text, minutes_ago)

    def _message(
        self, conv: dict[str, Any], who: dict[str, str], text: str, minutes_ago: int = 0
    ) -> str:
        mid = f"m_{self._next_id()}"
        when = graph_time(datetime.now(UTC) - timedelta(minutes=minutes_ago))
        conv["messages"].insert(0, {"id": mid, "created_time": when, "from": who, "message": text})
        conv["updated_time"] = max(conv.get("updated_time", ""), when)
        return mid

    def page_comments(self) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["from"]["id"] == self.page_id]

    def page_messages(self) -> list[dict[str, Any]]:
        return [
            m
            for conv in self.conversations.values()
            for m in conv["messages"]
            if m["from"]["id"] == self.page_id
        ]

    def throttle(self, path: str, code: int, minutes: int) -> None:
        """The next request on `path` is refused as Graph refuses a throttled Page."""
        usage = {"type": "pages", "call_count": 100, "total_cputime": 40, "total_time": 60}
        usage["estimated_time_to_regain_access"] = minutes
        self.server.fail(
            path,
            status=400,
            body={"error": {"message": "User request limit reached", "code": code}},
            headers={"X-Business-Use-Case-Usage": json.dumps({self.page_id: [usage]})},
        )

    # ---- HTTP ---------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        with self._lock:
            reply = self._answer(req)
            usage = {**self.usage, "type": "pages"}
            usage["estimated_time_to_regain_access"] = self.regain_minutes
            reply.headers.setdefault(
                "X-Business-Use-Case-Usage", json.dumps({self.page_id: [usage]})
            )
            if self.app_usage is not None:  # user and app tokens are counted by the app
                reply.headers.setdefault("X-App-Usage", json.dumps(self.app_usage))
            return reply

    def _token_of(self, req: Request) -> str:
        auth = req.headers.get("Authorization", "")
        if auth.startswith(("Bearer ", "OAuth ")):
            return auth.split(" ", 1)[1]
        return req.query.get("access_token", [""])[0]

    def _params(self, req: Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[0] for k, v in req.query.items()}
        if req.body:
            ctype = req.headers.get("Content-Type", "")
            if "json" in ctype:
                params.update(req.json())
            else:
                params.update({k: v[0] for k, v in parse_qs(req.body.decode()).items()})
        return params

    def _answer(self, req: Request) -> Reply:
        if not req.path.startswith(VERSION + "/"):
            return graph_error(2500, "Unknown path components", status=400)
        exchanged = exchange(self, req)
        if exchanged is not None:
            return exchanged
        if self._token_of(req) != self.token:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if self.expired:
            return graph_error(
                190, "Error validating access token: Session has expired on Sunday.", 463
            )
        path = req.path[len(VERSION) :]
        params = self._params(req)
        parts = path.strip("/").split("/")
        if parts == ["me"]:
            return Reply(200, {"id": self.page_id, "name": self.page_name})
        if parts == ["debug_token"]:
            data = {"is_valid": True, "expires_at": 0, "scopes": sorted(self.scopes)}
            return Reply(200, {"data": {"app_id": "42", "type": "PAGE", **data}})
        if len(parts) == 2 and parts[0] == self.page_id:
            return self._page_edge(req, parts[1], params)
        if len(parts) == 2 and parts[1] == "comments":
            return self._comments(req, parts[0], params)
        if len(parts) == 2 and parts[1] == "messages" and parts[0] in self.conversations:
            return self._paged(req, self.conversations[parts[0]]["messages"], params)
        if len(parts) == 1:
            return self._object(req, parts[0], params)
        return graph_error(100, "Unsupported get request.", 33)

    def _need(self, scope: str) -> Reply | None:
        if scope in self.scopes:
            return None
        return graph_error(10, f"(#10) This endpoint requires the '{scope}' permission")

    def _paged(self, req: Request, rows: list[dict[str, Any]], params: dict[str, Any]) -> Reply:
        start = int(base64.b64decode(params["after"]).decode()) if params.get("after") else 0
        limit = min(int(params.get("limit") or self.page_size), self.page_size)
        page = rows[start : start + limit]
        paging: dict[str, Any] = {}
        if page:
            enc = [base64.b64encode(str(n).encode()).decode() for n in (start, start + limit)]
            paging["cursors"] = {"before": enc[0], "after": enc[1]}
            if start + limit < len(rows):
                query = {k: v for k, v in params.items() if isinstance(v, str) and k != "after"}
                query.update({"access_token": self.token, "after": enc[1]})
                paging["next"] = (
                    f"https://graph.facebook.com{VERSION}{req.path[len(VERSION) :]}?{urlencode(query)}"
                )
        return Reply(200, {"data": page, "paging": paging} if paging else {"data": page})

    def _page_edge(self, req: Request, edge: str, params: dict[str, Any]) -> Reply:
        if edge == "feed":
            posts = sorted(self.posts.values(), key=lambda p: p["created_time"], reverse=True)
            live = [p for p in posts if p["id"] not in self.deleted]
            return self._paged(req, live, params)
        if edge == "conversations":
            denied = self._need("pages_messaging")
            if denied:
                return denied
            convs = sorted(
                self.conversations.values(), key=lambda c: c["updated_time"], reverse=True
            )
            shaped = [
                {
                    **{k: v for k, v in c.items() if k != "messages"},
                    "messages": self._nested(c),
                }
                for c in convs
            ]
            return self._paged(req, shaped, params)
        if edge == "messages" and req.method == "POST":
            return self._send_message(params)
        return graph_error(100, "Unsupported request", 33)

    def _nested(self, conv: dict[str, Any]) -> dict[str, Any]:
        messages = conv["messages"]
        box: dict[str, Any] = {"data": messages[:20]}
        if len(messages) > 20:
            after = base64.b64encode(b"20").decode()
            box["paging"] = {
                "next": f"https://graph.facebook.com{VERSION}/{conv['id']}/messages?"
                + urlencode({"access_token": self.token, "after": after, "limit": "20"})
            }
        return box

    def _shape(self, c: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in c.items() if k not in ("post_id", "parent_id")}
        if c["parent_id"]:
            out["parent"] = {"id": c["parent_id"]}
        return out

    def _comments(self, req: Request, on: str, params: dict[str, Any]) -> Reply:
        if on in self.deleted or (on not in self.posts and on not in self.comments):
            return graph_error(
                100,
                f"Unsupported get request. Object with ID '{on}' does not exist",
                33,
            )
        if req.method == "POST":
            denied = self._need("pages_manage_engagement")
            if denied:
                return denied
            new = self.add_comment(
                on, str(params.get("message") or ""), person_id=self.page_id, minutes_ago=0
            )
            return Reply(200, {"id": new})
        rows = [
            c
            for c in self.comments.values()
            if c["id"] not in self.deleted and (c["post_id"] == on or c["parent_id"] == on)
        ]
        if on in self.posts and params.get("filter", "toplevel") == "toplevel":
            rows = [c for c in rows if c["parent_id"] is None]
        if "since" in params:
            floor = graph_time(datetime.fromtimestamp(int(params["since"]), UTC))
            rows = [c for c in rows if c["created_time"] >= floor]
        rows.sort(
            key=lambda c: c["created_time"], reverse=params.get("order") == "reverse_chronological"
        )
        return self._paged(req, [self._shape(c) for c in rows], params)

    def _object(self, req: Request, oid: str, params: dict[str, Any]) -> Reply:
        found = self.comments.get(oid) or self.posts.get(oid)
        if found is None or oid in self.deleted:
            return graph_error(
                100, f"Unsupported get request. Object with ID '{oid}' does not exist", 33
            )
        if req.method == "GET":
            return Reply(200, self._shape(found) if oid in self.comments else found)
        denied = self._need("pages_manage_engagement")
        if denied:
            return denied
        if req.method == "DELETE":
            self.deleted.add(oid)
            return Reply(200, {"success": True})
        if "is_hidden" in params:
            found["is_hidden"] = params["is_hidden"] in (True, "true")
        if "message" in params:
            found["message"] = str(params["message"])
        return Reply(200, {"success": True})

    def _send_message(self, params: dict[str, Any]) -> Reply:
        denied = self._need("pages_messaging")
        if denied:
            return denied
        recipient = params.get("recipient")
        if isinstance(recipient, str):
            recipient = json.loads(recipient)
        message = params.get("message")
        if isinstance(message, str):
            message = json.loads(message)
        text = str((message or {}).get("text") or "")
        page = {"id": self.page_id, "name": self.page_name}
        if recipient and recipient.get("comment_id"):
            comment = self.comments.get(recipient["comment_id"])
            if comment is None or comment["id"] in self.deleted:
                return graph_error(100, "Object does not exist", 33)
            if not comment["can_reply_privately"]:
                return graph_error(10900, "Activity already replied to")
            comment["can_reply_privately"] = False
            psid = "8" + comment["from"]["id"]
            conv = self.conversations.setdefault(
                f"t_{psid}",
                {
                    "id": f"t_{psid}",
                    "participants": {"data": [dict(comment["from"], id=psid), page]},
                    "messages": [],
                },
            )
            mid = self._message(conv, page, text)
            self.private_replies.append({"comment_id": comment["id"], "text": text})
            return Reply(200, {"recipient_id": psid, "message_id": mid})
        psid = str((recipient or {}).get("id") or "")
        conv = self.conversations.get(f"t_{psid}")
        if conv is None:
            return graph_error(100, "No matching user found", 2018001)
        theirs = [m for m in conv["messages"] if m["from"]["id"] == psid]
        window = graph_time(datetime.now(UTC) - timedelta(hours=24))
        if not theirs or theirs[0]["created_time"] < window:
            return graph_error(
                10,
                "(#10) This message is sent outside of allowed window.",
                2018278,
            )
        mid = self._message(conv, page, text)
        return Reply(200, {"recipient_id": psid, "message_id": mid})
