"""A fake Bluesky PDS (with the AppView calls it proxies) written to CHANNELS.md §7 and §9.

Sessions from createSession (401 on a wrong app password) carry JWT-shaped
tokens with an `exp`; `expire_access()` makes the access token answer 400
ExpiredToken, `revoke_refresh()` makes refreshSession answer 400 too.
listNotifications pages newest first by `cursor`; posts can be deleted;
createRecord checks `$type`, the reply's root and parent and 300 graphemes;
threadgates, mutes and blocks change the fake's state. Every answer carries
`RateLimit-*` headers.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import regex

from tests.fakes.http_server import FakeServer, Reply, Request

POST = "app.bsky.feed.post"


def _error(status: int, name: str, message: str) -> Reply:
    return Reply(status, {"error": name, "message": message})


def _jwt(kind: str, did: str, lifetime: float, serial: int) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"scope": kind, "sub": did, "exp": int(time.time() + lifetime), "jti": serial}
    return f"{part({'typ': kind, 'alg': 'HS256'})}.{part(claims)}.c2ln"


class FakeBluesky:
    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}  # did → profile
        self.passwords: dict[str, str] = {}  # handle → app password
        self.posts: dict[str, dict[str, Any]] = {}  # uri → {uri, cid, did, record, indexedAt}
        self.deleted: set[str] = set()
        self.notifications: list[dict[str, Any]] = []  # oldest first
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}  # (did, coll, rkey)
        self.muted: set[str] = set()
        self.reports: list[dict[str, Any]] = []  # createReport bodies, oldest first
        self.access: dict[str, tuple[str, bool]] = {}  # token → (did, expired)
        self.refresh: dict[str, tuple[str, bool]] = {}  # token → (did, revoked)
        self.access_lifetime = 7200.0
        self.sessions_created = 0
        self._serial = itertools.count(1)
        self._clock = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._lock = threading.RLock()
        self.server = FakeServer(self.handle)
        self.me = self.add_account("police.example.social", "Northvale Police", "app-pass-1234")

    # ---- lifecycle and seeding ----------------------------------------------------
    def start(self) -> FakeBluesky:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def _tick(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def add_account(self, handle: str, display_name: str = "", password: str = "pw") -> str:
        did = f"did:plc:{handle.split('.')[0]}{len(self.accounts):04d}"
        self.accounts[did] = {"did": did, "handle": handle, "displayName": display_name}
        self.passwords[handle] = password
        return did

    def _author(self, did: str) -> dict[str, Any]:
        profile = self.accounts[did]
        out = {"did": did, "handle": profile["handle"]}
        if profile["displayName"]:
            out["displayName"] = profile["displayName"]
        return out

    def _cid(self) -> str:
        return f"bafyrei{next(self._serial):020d}"

    def post(
        self,
        did: str,
        text: str,
        reply_to: str | None = None,
        mention_us: bool = False,
        facets: list[dict[str, Any]] | None = None,
        reason: str | None = None,
    ) -> str:
        """A post by `did`; notifies us of a reply to our post, a mention, or `reason` if given."""
        with self._lock:
            rkey = f"3k{next(self._serial):011d}"
            uri = f"at://{did}/{POST}/{rkey}"
            record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": self._tick()}
            if facets:
                record["facets"] = facets
            if reply_to is not None:
                parent = self.posts[reply_to]
                root = parent["record"].get("reply", {}).get("root") or {
                    "uri": parent["uri"],
                    "cid": parent["cid"],
                }
                record["reply"] = {"root": root, "parent": {"uri": reply_to, "cid": parent["cid"]}}
            self._store(uri, did, record)
            kind = reason
            if kind is None and reply_to is not None and self.posts[reply_to]["did"] == self.me:
                kind = "reply"
            if kind is None and mention_us:
                kind = "mention"
            if kind is not None and did != self.me:
                self.notify(kind, uri)
            return uri

    def _store(self, uri: str, did: str, record: dict[str, Any]) -> dict[str, Any]:
        post = {"uri": uri, "cid": self._cid(), "did": did, "record": record}
        post["indexedAt"] = self._tick()
        self.posts[uri] = post
        return post

    def notify(self, reason: str, uri: str) -> None:
        post = self.posts[uri]
        self.notifications.append(
            {
                "uri": uri,
                "cid": post["cid"],
                "author": self._author(post["did"]),
                "reason": reason,
                "record": post["record"],
                "isRead": False,
                "indexedAt": post["indexedAt"],
                "labels": [],
            }
        )

    def delete(self, uri: str) -> None:
        self.deleted.add(uri)

    def mine(self) -> list[dict[str, Any]]:
        return [p for u, p in self.posts.items() if p["did"] == self.me and u not in self.deleted]

    # ---- sessions -----------------------------------------------------------------
    def _session(self, did: str) -> dict[str, Any]:
        access = _jwt("com.atproto.access", did, self.access_lifetime, next(self._serial))
        refresh = _jwt("com.atproto.refresh", did, 90 * 86400, next(self._serial))
        self.access[access] = (did, False)
        self.refresh[refresh] = (did, False)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.accounts[did]["handle"],
            "did": did,
            "active": True,
        }

    def expire_access(self) -> None:
        self.access = {t: (did, True) for t, (did, _) in self.access.items()}

    def revoke_refresh(self) -> None:
        self.refresh = {t: (did, True) for t, (did, _) in self.refresh.items()}

    def _who(self, req: Request) -> tuple[str | None, Reply | None]:
        token = req.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.access:
            return None, _error(400, "InvalidToken", "Token could not be verified")
        did, expired = self.access[token]
        if expired:
            return None, _error(400, "ExpiredToken", "Token has expired")
        return did, None

    # ---- HTTP ---------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        with self._lock:
            reply = self._route(req)
        reply.headers.setdefault("RateLimit-Limit", "3000")
        reply.headers.setdefault("RateLimit-Remaining", "2999")
        reply.headers.setdefault("RateLimit-Reset", str(int(time.time()) + 300))
        reply.headers.setdefault("RateLimit-Policy", "3000;w=300")
        return reply

    def _route(self, req: Request) -> Reply:
        nsid = req.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            body = req.json() or {}
            did = next(
                (d for d, a in self.accounts.items() if body.get("identifier") in (a["handle"], d)),
                None,
            )
            if did is None or self.passwords[self.accounts[did]["handle"]] != body.get("password"):
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            self.sessions_created += 1
            return Reply(200, self._session(did))
        if nsid == "com.atproto.server.refreshSession":
            token = req.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.refresh:
                return _error(400, "InvalidToken", "Token could not be verified")
            did, revoked = self.refresh.pop(token)
            if revoked:
                return _error(400, "ExpiredToken", "Token has been revoked")
            return Reply(200, self._session(did))
        me, refused = self._who(req)
        if refused is not None:
            return refused
        assert me is not None
        q = {k: v[0] for k, v in req.query.items()}
        handler = getattr(self, "_" + nsid.replace(".", "_"), None)
        if handler is None:
            return _error(501, "MethodNotImplemented", f"{nsid} is not in the fake")
        out: Reply = handler(req, q, me)
        return out

    def _app_bsky_notification_listNotifications(
        self, req: Request, q: dict[str, str], me: str
    ) -> Reply:
        reasons = set(req.query.get("reasons", [])) or None
        limit = int(q.get("limit", "50"))
        listed = [
            n
            for n in reversed(self.notifications)
            if (reasons is None or n["reason"] in reasons) and n["uri"] not in self.deleted
        ]
        start = int(q.get("cursor", "0"))
        page = listed[start : start + limit]
        body: dict[str, Any] = {"notifications": page}
        if start + limit < len(listed):
            body["cursor"] = str(start + limit)
        return Reply(200, body)

    def _view(self, uri: str) -> dict[str, Any]:
        post = self.posts[uri]
        return {
            "uri": uri,
            "cid": post["cid"],
            "author": self._author(post["did"]),
            "record": post["record"],
            "indexedAt": post["indexedAt"],
        }

    def _app_bsky_feed_getPostThread(self, req: Request, q: dict[str, str], me: str) -> Reply:
        uri = q["uri"]
        if uri not in self.posts or uri in self.deleted:
            return _error(400, "NotFound", f"Post not found: {uri}")

        def node(at: str) -> dict[str, Any]:
            if at in self.deleted or at not in self.posts:
                return {"$type": "app.bsky.feed.defs#notFoundPost", "uri": at, "notFound": True}
            out: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost"}
            out["post"] = self._view(at)
            parent = self.posts[at]["record"].get("reply", {}).get("parent")
            if parent:
                out["parent"] = node(parent["uri"])
            return out

        return Reply(200, {"thread": node(uri)})

    def _app_bsky_feed_getPosts(self, req: Request, q: dict[str, str], me: str) -> Reply:
        uris = req.query.get("uris", [])
        found = [self._view(u) for u in uris if u in self.posts and u not in self.deleted]
        return Reply(200, {"posts": found})

    def _app_bsky_actor_getProfile(self, req: Request, q: dict[str, str], me: str) -> Reply:
        did = next((d for d, a in self.accounts.items() if q["actor"] in (d, a["handle"])), None)
        if did is None:
            return _error(400, "InvalidRequest", "Profile not found")
        return Reply(200, {**self._author(did), "viewer": {"muted": did in self.muted}})

    def _com_atproto_identity_resolveHandle(
        self, req: Request, q: dict[str, str], me: str
    ) -> Reply:
        did = next((d for d, a in self.accounts.items() if a["handle"] == q["handle"]), None)
        if did is None:
            return _error(400, "InvalidRequest", "Unable to resolve handle")
        return Reply(200, {"did": did})

    def _com_atproto_moderation_createReport(
        self, req: Request, q: dict[str, str], me: str
    ) -> Reply:
        body = req.json() or {}
        subject = body.get("subject") or {}
        kind = subject.get("$type")
        if not str(body.get("reasonType", "")).startswith("com.atproto.moderation.defs#reason"):
            return _error(400, "InvalidRequest", "Invalid reasonType")
        if kind == "com.atproto.repo.strongRef":
            post = self.posts.get(subject.get("uri", ""))
            if post is None or post["cid"] != subject.get("cid"):
                return _error(400, "InvalidRequest", "Report subject not found")
        elif kind != "com.atproto.admin.defs#repoRef" or subject.get("did") not in self.accounts:
            return _error(400, "InvalidRequest", "Invalid report subject")
        report = {"id": len(self.reports) + 1, **body, "reportedBy": me}
        self.reports.append(report)
        return Reply(200, {**report, "createdAt": self._tick()})

    def _app_bsky_graph_muteActor(self, req: Request, q: dict[str, str], me: str) -> Reply:
        self.muted.add(req.json()["actor"])
        return Reply(200, b"", content_type="application/json")

    def _com_atproto_repo_createRecord(self, req: Request, q: dict[str, str], me: str) -> Reply:
        body = req.json()
        record, collection = body.get("record") or {}, body.get("collection")
        if body.get("repo") not in (me, self.accounts[me]["handle"]):
            return _error(400, "InvalidRequest", "Invalid repo")
        if record.get("$type") != collection:
            return _error(400, "InvalidRequest", "Invalid $type: must match the collection")
        rkey = f"3l{next(self._serial):011d}"
        uri = f"at://{me}/{collection}/{rkey}"
        if collection == POST:
            problem = self._check_post(record)
            if problem:
                return _error(400, "InvalidRequest", problem)
            post = self._store(uri, me, record)
            cid = post["cid"]
        else:
            cid = self._cid()
            self.records[(me, str(collection), rkey)] = {"uri": uri, "cid": cid, "value": record}
        return Reply(200, {"uri": uri, "cid": cid, "validationStatus": "valid"})

    def _check_post(self, record: dict[str, Any]) -> str | None:
        text = record.get("text")
        if not isinstance(text, str):
            return "Invalid app.bsky.feed.post record: text must be a string"
        if len(regex.findall(r"\X", text)) > 300:
            return "Invalid app.bsky.feed.post record: text must not be longer than 300 graphemes"
        reply = record.get("reply")
        if reply is not None:
            parent, root = reply.get("parent") or {}, reply.get("root") or {}
            if parent.get("uri") not in self.posts or not root.get("uri") or not root.get("cid"):
                return "Invalid app.bsky.feed.post record: reply must have root and parent"
            if parent["cid"] != self.posts[parent["uri"]]["cid"]:
                return "Invalid app.bsky.feed.post record: reply.parent cid does not match"
        return None

    def _com_atproto_repo_listRecords(self, req: Request, q: dict[str, str], me: str) -> Reply:
        did, collection = q["repo"], q["collection"]
        limit = int(q.get("limit", "50"))
        if collection == POST:
            mine = [p for p in reversed(self.posts.values()) if p["did"] == did]
            listed = [{"uri": p["uri"], "cid": p["cid"], "value": p["record"]} for p in mine]
        else:
            listed = [r for (d, c, _), r in self.records.items() if (d, c) == (did, collection)]
        return Reply(200, {"records": listed[:limit]})

    def _com_atproto_repo_getRecord(self, req: Request, q: dict[str, str], me: str) -> Reply:
        found = self.records.get((q["repo"], q["collection"], q["rkey"]))
        if found is None:
            return _error(400, "RecordNotFound", "Could not locate record")
        return Reply(200, found)

    def _com_atproto_repo_putRecord(self, req: Request, q: dict[str, str], me: str) -> Reply:
        body = req.json()
        key = (me, str(body["collection"]), str(body["rkey"]))
        uri = f"at://{me}/{body['collection']}/{body['rkey']}"
        if body["record"].get("$type") != body["collection"]:
            return _error(400, "InvalidRequest", "Invalid $type: must match the collection")
        self.records[key] = {"uri": uri, "cid": self._cid(), "value": body["record"]}
        return Reply(200, {"uri": uri, "cid": self.records[key]["cid"]})

    def threadgate(self, root_uri: str) -> dict[str, Any] | None:
        did, _, rkey = root_uri.removeprefix("at://").split("/")
        found = self.records.get((did, "app.bsky.feed.threadgate", rkey))
        return found["value"] if found else None

    def blocks(self) -> list[str]:
        return [
            r["value"]["subject"]
            for (d, c, _), r in self.records.items()
            if (d, c) == (self.me, "app.bsky.graph.block")
        ]
