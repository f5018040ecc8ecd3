"""From a short-lived Facebook user token to the Page token a channel keeps (CHANNELS.md §4).

Graph Explorer and Facebook Login hand out user tokens that die within hours.
Given the Meta app's id and secret, `channel add facebook` exchanges such a
token for a long-lived one (`GET /oauth/access_token?grant_type=fb_exchange_token`)
and asks with it for the Page's own token (`GET /{page-id}?fields=access_token`).
A Page token got from a long-lived user token does not expire by time. The app
secret is used for the exchange only and is not kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.channels.errors import BadPayload, ChannelError, PermissionMissing
from services.channels.facebook_api import DEFAULT_API, GraphApi
from services.channels.http import make_client

if TYPE_CHECKING:
    import httpx


def page_token(
    api_url: str,
    page_id: str,
    app_id: str,
    app_secret: str,
    user_token: str,
    client: httpx.Client | None = None,
) -> str:
    """The Page access token for `page_id`, from a (short-lived) user token of a Page admin."""
    http = client or make_client()
    try:
        return _page_token(api_url or DEFAULT_API, page_id, app_id, app_secret, user_token, http)
    finally:
        if client is None:
            http.close()


def _page_token(
    base: str, page_id: str, app_id: str, app_secret: str, user_token: str, http: httpx.Client
) -> str:
    exchange = GraphApi(base, user_token, http)
    try:
        long_lived = exchange.get(
            "/oauth/access_token",
            {
                "grant_type": "fb_exchange_token",
                "client_id": app_id,
                "client_secret": app_secret,
                "fb_exchange_token": user_token,
            },
        ).get("access_token")
    except ChannelError as exc:
        raise ChannelError(
            f"Facebook refused to exchange the user token for a long-lived one ({exc}): check "
            "the app id and secret, and get a fresh user token from the app"
        ) from None
    if not isinstance(long_lived, str) or not long_lived:
        raise BadPayload("/oauth/access_token answered without an access_token")
    graph = GraphApi(base, long_lived, http)
    page = graph.get(f"/{page_id}", {"fields": "id,name,access_token"}, "pages_show_list")
    token = page.get("access_token")
    if not isinstance(token, str) or not token:
        raise PermissionMissing(
            f"pages_show_list — Facebook gave no token for Page {page_id}: the user who "
            "signed in must hold a role on the Page (MODERATE at least) and grant the app "
            "pages_show_list, pages_read_engagement and pages_manage_engagement"
        )
    return token
