"""A fake Mastodon client API written to CHANNELS.md §6 and §9.

Notifications page newest first with `min_id`/`max_id`/`since_id` as Mastodon
pages them (or, with `snac_paging`, as snac2 does: `min_id` gives the newest
page above it, `since_id` is ignored, no Link header). Statuses can be edited
(`edited_at`) and deleted (404); replies honour `Idempotency-Key` and the
instance's `max_characters`; a revoked token answers 401.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import regex

from tests.fakes.http_server import FakeServer, Reply, Request

TOKEN = "fake-mastodon-token-0123456789"
BASE_ID = 110_000_000_000_000_000
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@(\w+)@[\w.:-]+")


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


class FakeMastodon:
    def __init__(self, max_characters: int | None = 500, snac_paging: bool = False) -> None:
        self.max_characters = max_characters  # None: no /api/v2/instance, v1 says max_toot_chars
        self.snac_paging = snac_paging
        self.token = TOKEN
        self.revoked = False
        self.statuses: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []  # oldest first
        self.accounts: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.idempotency: dict[str, str] = {}
        self.muted: set[str] = set()
        self.blocked: set[str] = set()
        self.reports: list[dict[str, Any]] = []
        self.apps: dict[str, dict[str, Any]] = {}  # client_id → registration
        self.codes: dict[str, dict[str, str]] = {}  # authorization code → authorize query
        self._ids = itertools.count(BASE_ID + 1)
        self._clock = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._lock = threading.RLock()
        self.server = FakeServer(self.handle)
        self.me = self.add_account("police", "Northshire Police")

    # ---- lifecycle and seeding ----------------------------------------------------
    def start(self) -> FakeMastodon:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def _next(self) -> str:
        return str(next(self._ids))

    def _tick(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._clock.isoformat().replace("+00:00", ".000Z")

    def add_account(self, username: str, display_name: str = "", domain: str = "") -> str:
        account_id = self._next()
        host = domain or "fake.social"
        self.accounts[account_id] = {
            "id": account_id,
            "username": username,
            "acct": f"{username}@{domain}" if domain else username,
            "display_name": display_name,
            "url": f"https://{host}/@{username}",
            "avatar": f"https://{host}/avatars/{username}.png",
        }
        return account_id

    def post(
        self,
        account_id: str,
        text: str,
        visibility: str = "public",
        in_reply_to: str | None = None,
        spoiler: str = "",
        mention_us: bool = True,
    ) -> str:
        """A status by `account_id`; mentioning us makes a mention notification, as Mastodon does."""
        with self._lock:
            status_id = self._next()
            account = self.accounts[account_id]
            self.statuses[status_id] = {
                "id": status_id,
                "uri": f"https://fake.social/users/{account['username']}/statuses/{status_id}",
                "url": f"https://fake.social/@{account['username']}/{status_id}",
                "created_at": self._tick(),
                "edited_at": None,
                "in_reply_to_id": in_reply_to,
                "in_reply_to_account_id": self.statuses[in_reply_to]["account"]["id"]
                if in_reply_to
                else None,
                "visibility": visibility,
                "sensitive": bool(spoiler),
                "spoiler_text": spoiler,
                "content": f"<p>{text}</p>",
                "media_attachments": [],
                "mentions": [],
                "language": "en",
                "account": account,
            }
            if mention_us and account_id != self.me:
                self.notify("mention", account_id, status_id)
            return status_id

    def notify(self, kind: str, account_id: str, status_id: str | None = None) -> str:
        with self._lock:
            nid = self._next()
            self.notifications.append(
                {"id": nid, "type": kind, "account_id": account_id, "status_id": status_id}
            )
            return nid

    def edit(self, status_id: str, text: str) -> None:
        self.statuses[status_id]["content"] = f"<p>{text}</p>"
        self.statuses[status_id]["edited_at"] = self._tick()

    def delete(self, status_id: str) -> None:
        self.deleted.add(status_id)

    def mine(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if s["account"]["id"] == self.me]

    # ---- HTTP ---------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        with self._lock:
            if req.path.startswith("/api/v2/instance") or req.path == "/api/v1/instance":
                return self._instance(req)
            if req.path in ("/api/v1/apps", "/oauth/authorize", "/oauth/token"):
                return self._oauth(req)
            if req.headers.get("Authorization") != f"Bearer {self.token}" or self.revoked:
                return _error(401, "The access token is invalid")
            return self._route(req)

    def _oauth(self, req: Request) -> Reply:
        """App registration, the authorize page (signed in already: it shows the code) and the
        code exchange with PKCE, as Mastodon 4.3 does them (CHANNELS.md §6)."""
        if req.path == "/api/v1/apps" and req.method == "POST":
            body = req.json() or {}
            if not body.get("client_name") or not body.get("redirect_uris"):
                return Reply(
                    422, {"error": "Validation failed: Name can't be blank, Redirect URI ..."}
                )
            n = len(self.apps) + 1
            app = {"client_id": f"fake-client-{n}", "client_secret": f"fake-client-secret-{n}"}
            self.apps[app["client_id"]] = {**body, **app}
            return Reply(200, {"id": str(n), "name": body["client_name"], **app})
        if req.path == "/oauth/authorize" and req.method == "GET":
            q = {k: v[0] for k, v in req.query.items()}
            if q.get("client_id") not in self.apps or q.get("response_type") != "code":
                return Reply(400, b"<p>Client authentication failed</p>", content_type="text/html")
            code = f"fake-code-{len(self.codes) + 1}"
            self.codes[code] = q
            page = f"<p>Copy this code into the application:</p><input value='{code}'>"
            return Reply(200, page.encode(), content_type="text/html")
        if req.path == "/oauth/token" and req.method == "POST":
            form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
            asked = self.codes.pop(form.get("code", ""), None)
            app = self.apps.get(form.get("client_id", ""), {})
            invalid = Reply(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid, "
                    "expired, revoked, does not match the redirection URI used in the "
                    "authorization request, or was issued to another client.",
                },
            )
            if asked is None or app.get("client_secret") != form.get("client_secret"):
                return invalid
            challenge = asked.get("code_challenge")
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if challenge and challenge != base64.urlsafe_b64encode(digest).decode().rstrip("="):
                return invalid
            return Reply(
                200,
                {"access_token": self.token, "token_type": "Bearer", "scope": "read write"},
            )
        return _error(404, "Record not found")

    def _route(self, req: Request) -> Reply:
        path, method = req.path, req.method
        if path == "/api/v1/accounts/verify_credentials":
            return Reply(200, self.accounts[self.me])
        if path == "/api/v1/notifications":
            return self._notifications(req)
        if path == "/api/v1/statuses" and method == "POST":
            return self._create(req)
        if path == "/api/v1/reports" and method == "POST":
            self.reports.append(req.json())
            return Reply(200, {"id": str(len(self.reports))})
        if path == "/api/v1/accounts/relationships":
            aid = req.query.get("id[]", [""])[0]
            return Reply(
                200, [{"id": aid, "muting": aid in self.muted, "blocking": aid in self.blocked}]
            )
        found = re.fullmatch(r"/api/v1/accounts/(\w+)/(mute|block|statuses)", path)
        if found:
            aid, what = found.groups()
            if what == "statuses":
                own = [s for s in reversed(self.statuses.values()) if s["account"]["id"] == aid]
                return Reply(200, own)
            (self.muted if what == "mute" else self.blocked).add(aid)
            return Reply(200, {"id": aid})
        found = re.fullmatch(r"/api/v1/statuses/(\w+)(/context)?", path)
        if found:
            sid, context = found.groups()
            if sid not in self.statuses or sid in self.deleted:
                return _error(404, "Record not found")
            if context:
                return Reply(200, self._context(sid))
            return Reply(200, self.statuses[sid])
        return _error(404, "Record not found")

    def _instance(self, req: Request) -> Reply:
        if req.path.startswith("/api/v2/"):
            if self.max_characters is None:
                return _error(404, "Record not found")
            limits = {"max_characters": self.max_characters, "characters_reserved_per_url": 23}
            return Reply(200, {"domain": "fake.social", "configuration": {"statuses": limits}})
        return Reply(200, {"uri": "fake.social", "max_toot_chars": 5000})

    def _visible(self, n: dict[str, Any], req: Request) -> bool:
        types = req.query.get("types[]")
        if types and n["type"] not in types:
            return False
        if n["type"] in req.query.get("exclude_types[]", []):
            return False
        return n["status_id"] is None or n["status_id"] not in self.deleted

    def _notifications(self, req: Request) -> Reply:
        q = {k: v[0] for k, v in req.query.items()}
        limit = min(int(q.get("limit", 40)), 80)
        rows = [n for n in self.notifications if self._visible(n, req)]  # oldest first
        key = int
        if "max_id" in q:
            rows = [n for n in rows if key(n["id"]) < key(q["max_id"])]
        if "since_id" in q and not self.snac_paging:
            rows = [n for n in rows if key(n["id"]) > key(q["since_id"])]
        if "min_id" in q:
            rows = [n for n in rows if key(n["id"]) > key(q["min_id"])]
            if not self.snac_paging:  # the page just after min_id
                rows = rows[:limit]
        page = list(reversed(rows))[:limit]
        headers = {}
        if page and not self.snac_paging:
            base = f"{self.url}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return Reply(200, [self._notification(n) for n in page], headers)

    def _notification(self, n: dict[str, Any]) -> dict[str, Any]:
        out = {
            "id": n["id"],
            "type": n["type"],
            "created_at": self._clock.isoformat(),
            "account": self.accounts[n["account_id"]],
        }
        if n["status_id"]:
            out["status"] = self.statuses[n["status_id"]]
        return out

    def _context(self, sid: str) -> dict[str, Any]:
        ancestors = []
        parent = self.statuses[sid]["in_reply_to_id"]
        while parent and parent in self.statuses and parent not in self.deleted:
            ancestors.insert(0, self.statuses[parent])
            parent = self.statuses[parent]["in_reply_to_id"]
        descendants, todo = [], [sid]
        while todo:
            current = todo.pop(0)
            children = [
                s
                for s in self.statuses.values()
                if s["in_reply_to_id"] == current and s["id"] not in self.deleted
            ]
            descendants += children
            todo += [c["id"] for c in children]
        return {"ancestors": ancestors, "descendants": descendants}

    def _create(self, req: Request) -> Reply:
        key = req.headers.get("Idempotency-Key")
        if key and key in self.idempotency:
            return Reply(200, self.statuses[self.idempotency[key]])
        body = req.json()
        text, spoiler = str(body.get("status") or ""), str(body.get("spoiler_text") or "")
        if not text.strip():
            return _error(422, "Validation failed: Text can't be blank")
        counted = _MENTION.sub(r"@\1", _URL.sub("x" * 23, spoiler + text))
        if self.max_characters and len(regex.findall(r"\X", counted)) > self.max_characters:
            return _error(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        parent = body.get("in_reply_to_id")
        if parent and (parent not in self.statuses or parent in self.deleted):
            return _error(404, "Record not found")
        sid = self.post(
            self.me, text, body.get("visibility") or "public", parent, spoiler, mention_us=False
        )
        if key:
            self.idempotency[key] = sid
        return Reply(200, self.statuses[sid])
