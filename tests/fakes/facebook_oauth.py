"""The fake Graph API's token exchange: short-lived user token → long-lived → the Page's token.

CHANNELS.md §4: `GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret
&fb_exchange_token`, then `GET /{page-id}?fields=access_token` with the long-lived user token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.http_server import Reply, Request

if TYPE_CHECKING:
    from tests.fakes.facebook import FakeGraph

VERSION = "/v21.0"
# The Meta app, and the user tokens Facebook Login hands a Page admin (CHANNELS.md §4).
APP_ID = "4242"
APP_SECRET = "fake-app-secret-77"
USER_TOKEN = "EAAGfakeShortUserToken"
LONG_USER_TOKEN = "EAAGfakeLongLivedUserToken"


def exchange(fake: FakeGraph, req: Request) -> Reply | None:
    """Short-lived user token → long-lived one → the Page's token (CHANNELS.md §4)."""
    q = {k: v[0] for k, v in req.query.items()}
    path = req.path[len(VERSION) :]
    if path == "/oauth/access_token":
        fake.exchanges.append(q)
        if (q.get("client_id"), q.get("client_secret")) != (APP_ID, APP_SECRET):
            return _error(1, "Error validating client secret.", status=400)
        if q.get("grant_type") != "fb_exchange_token":
            return _error(100, "Unsupported grant_type", status=400)
        if q.get("fb_exchange_token") != USER_TOKEN:
            return _error(190, "Error validating access token: Session has expired", 463)
        return Reply(
            200,
            {"access_token": LONG_USER_TOKEN, "token_type": "bearer", "expires_in": 5183944},
        )
    if fake._token_of(req) == LONG_USER_TOKEN:
        if path == f"/{fake.page_id}" and "access_token" in q.get("fields", ""):
            return Reply(
                200, {"id": fake.page_id, "name": fake.page_name, "access_token": fake.token}
            )
        return _error(190, "This call needs a Page access token")
    return None


def _error(code: int, message: str, subcode: int | None = None, status: int = 400) -> Reply:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "Fake",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error})
