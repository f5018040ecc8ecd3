"""What adding a channel asks for, declared once per kind: `channel add KIND` and the desktop read it.

Each kind lists its fields in the order they are asked: a label for the
desktop's form, a help text for both, whether it is required, and where its
value is kept in the channel's configuration. Fields marked `secret` are typed
hidden, go to the keyring and are never shown again; `channel add --secret-stdin`
reads them from standard input, one line each, in the order declared here.

`prepare` turns the values typed (by option or form field) into what is stored,
refusing a missing field with the option's name and the form's label, so the
command line and the desktop say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.errors import InvalidInput

SECRET = "secret"  # the field whose value is the channel's own keyring entry


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    required: bool = False
    # The key in the channel's configuration; "" for a secret or a value used only at add time.
    config_key: str | None = None
    choices: tuple[str, ...] = ()
    default: str = ""
    metavar: str | None = None
    placeholder: str = ""
    secret: bool = False
    # Asked (and required, if `required`) only when this other field has a value.
    only_with: str | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def key(self) -> str:
        return self.name if self.config_key is None else self.config_key

    def applies(self, values: Mapping[str, str]) -> bool:
        return self.only_with is None or bool(values.get(self.only_with, "").strip())

    def described(self) -> str:
        return f"{self.label} ({self.option})"


@dataclass(frozen=True)
class KindForm:
    kind: str
    title: str
    summary: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def secrets(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.secret)

    @property
    def settings(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.secret)


@dataclass(frozen=True)
class Prepared:
    """What `channel add` stores: the kind kept, its configuration and the secrets typed."""

    kind: str
    config: dict[str, Any]
    secret: str | None
    # Secrets other than the channel's own (an app secret, a refresh token), by field name.
    extra: dict[str, str]


_API_URL = Field(
    "api_url",
    "API address",
    "the platform's API address, for an egress proxy or a test server (default: the "
    "platform's own)",
    config_key="url",
    placeholder="leave empty for the platform's own address",
)

FORMS: dict[str, KindForm] = {
    f.kind: f
    for f in (
        KindForm(
            "wordpress",
            "WordPress site",
            "Comments, pingbacks and trackbacks of a WordPress site (REST API).",
            (
                Field("url", "Site address", "the site's address", True, placeholder="https://"),
                Field(
                    "login",
                    "User name",
                    "a WordPress user with moderation rights; without it the public comments "
                    "feed is read",
                    placeholder="empty: read the public comments feed only",
                ),
                Field(
                    SECRET,
                    "Application password",
                    "the user's application password (Users › Profile)",
                    True,
                    config_key="",
                    secret=True,
                    only_with="login",
                ),
            ),
        ),
        KindForm(
            "feed",
            "RSS or Atom feed",
            "Entries of an RSS or Atom feed (read only).",
            (
                Field("url", "Feed address", "the feed's address", True, placeholder="https://"),
                Field("login", "User name", "a private feed's user name (HTTP basic auth)"),
                Field(
                    SECRET,
                    "Password",
                    "the private feed's password",
                    True,
                    config_key="",
                    secret=True,
                    only_with="login",
                ),
            ),
        ),
        KindForm(
            "email",
            "E-mail mailbox",
            "The contact mailbox: mail in over IMAP, replies out over SMTP.",
            (
                Field(
                    "imap",
                    "IMAP server",
                    "the mailbox's IMAP server",
                    True,
                    metavar="HOST:PORT",
                    placeholder="imap.example.org:993",
                ),
                Field(
                    "smtp",
                    "SMTP server",
                    "the SMTP server replies go out by",
                    True,
                    metavar="HOST:PORT",
                    placeholder="smtp.example.org:465",
                ),
                Field(
                    "address",
                    "Mailbox address",
                    "the mailbox's address: replies come from it",
                    True,
                    placeholder="contact@example.org",
                ),
                Field(
                    "login",
                    "Login",
                    "the mailbox's login (default: the address)",
                    placeholder="empty: the address",
                ),
                Field(
                    "security",
                    "Security",
                    "tls (993/465, the default), starttls (143/587), or none (only for 127.0.0.1)",
                    choices=("tls", "starttls", "none"),
                    default="tls",
                ),
                Field(
                    "display_name",
                    "Display name",
                    "the name replies are signed with in From (default: the channel's name)",
                    placeholder="empty: the channel's name",
                ),
                Field(
                    "signature",
                    "Signature",
                    "text under every reply, with the saved replies' placeholders "
                    "({officer}, {collar}, {reference}, {force}); \\n starts a new line",
                    placeholder="{officer}, collar {collar}\\nRef {reference}",
                ),
                Field(
                    SECRET,
                    "Password",
                    "the mailbox's password",
                    True,
                    config_key="",
                    secret=True,
                ),
            ),
        ),
        KindForm(
            "mastodon",
            "Mastodon",
            "Mentions and direct messages on a Mastodon (or compatible) server.",
            (
                Field(
                    "url",
                    "Server address",
                    "the Mastodon server's address",
                    True,
                    placeholder="https://mastodon.example",
                ),
                Field(
                    SECRET,
                    "Access token",
                    "an access token with the scopes `read write` (the desktop gets one by "
                    "signing in)",
                    True,
                    config_key="",
                    secret=True,
                ),
            ),
        ),
        KindForm(
            "facebook",
            "Facebook Page",
            "Comments on the Page's posts and Messenger conversations.",
            (
                Field(
                    "page_id",
                    "Page id",
                    "the Facebook Page's numeric id",
                    True,
                    placeholder="the number in the Page's About section",
                ),
                _API_URL,
                Field(
                    "app_id",
                    "App id",
                    "the Meta app's id: with it, the token typed is a short-lived user token, "
                    "exchanged for a long-lived one and then for the Page's token",
                    config_key="app_id",
                    placeholder="empty: the token typed is already a Page token",
                ),
                Field(
                    SECRET,
                    "Access token",
                    "the Page access token (or, with an app id, a user token of a Page admin)",
                    True,
                    config_key="",
                    secret=True,
                ),
                Field(
                    "app_secret",
                    "App secret",
                    "the Meta app's secret, used once for the exchange and not kept",
                    True,
                    config_key="",
                    secret=True,
                    only_with="app_id",
                ),
            ),
        ),
        KindForm(
            "x",
            "X",
            "Mentions, replies to the force's posts and direct messages on X.",
            (
                _API_URL,
                Field(
                    "client_id",
                    "OAuth client id",
                    "the X app's OAuth 2.0 client id: with it (and a refresh token) the access "
                    "token is renewed when it expires",
                    placeholder="empty: the token is never renewed",
                ),
                Field(
                    SECRET,
                    "Access token",
                    "an OAuth 2.0 user access token of the force's account (tweet.read "
                    "tweet.write tweet.moderate.write users.read, dm.read dm.write for messages)",
                    True,
                    config_key="",
                    secret=True,
                ),
                Field(
                    "refresh_token",
                    "Refresh token",
                    "the refresh token that came with it (scope offline.access)",
                    True,
                    config_key="",
                    secret=True,
                    only_with="client_id",
                ),
                Field(
                    "client_secret",
                    "Client secret",
                    "the app's client secret, for a confidential client (empty for a public one)",
                    config_key="",
                    secret=True,
                    only_with="client_id",
                ),
            ),
        ),
        KindForm(
            "bluesky",
            "Bluesky",
            "Mentions and replies on Bluesky (or another AT Protocol server).",
            (
                Field(
                    "url",
                    "PDS address",
                    "the account's PDS (https://bsky.social for most)",
                    True,
                    placeholder="https://bsky.social",
                ),
                Field(
                    "login",
                    "Handle",
                    "the account's handle",
                    True,
                    placeholder="force.bsky.social",
                ),
                Field(
                    SECRET,
                    "App password",
                    "an app password (Settings › App passwords), never the account's password",
                    True,
                    config_key="",
                    secret=True,
                ),
            ),
        ),
    )
}


def form(kind: str) -> KindForm:
    try:
        return FORMS[kind]
    except KeyError:
        raise InvalidInput(
            f"no such kind of channel: {kind!r}; choose one of {', '.join(FORMS)}"
        ) from None


def missing(kind_form: KindForm, values: Mapping[str, str], editing: bool = False) -> list[Field]:
    """Required fields left empty; when editing, an empty secret means "keep the one stored"."""
    return [
        f
        for f in kind_form.fields
        if f.required
        and f.applies(values)
        and not (editing and f.secret)
        and not values.get(f.name, "").strip()
    ]


def prepare(kind: str, name: str, values: Mapping[str, str], editing: bool = False) -> Prepared:
    """The configuration and secrets to store for `values` typed into the kind's form."""
    spec = form(kind)
    lacking = missing(spec, values, editing)
    if lacking:
        raise InvalidInput(f"{spec.title} needs: {', '.join(f.described() for f in lacking)}")
    typed = {f.name: values.get(f.name, "").strip() or f.default for f in spec.fields}
    config: dict[str, Any] = {
        f.key: typed[f.name] for f in spec.settings if f.key and typed[f.name] and f.applies(typed)
    }
    chosen = [f for f in spec.secrets if f.applies(typed) and typed[f.name]]
    secret = next((typed[f.name] for f in chosen if f.name == SECRET), None)
    extra = {f.name: typed[f.name] for f in chosen if f.name != SECRET}
    stored_kind = kind
    if kind == "email":
        config["login"] = config.get("login") or config.get("address", "")
        config["display_name"] = config.get("display_name") or name.strip()
    elif kind == "bluesky":
        config["login"] = str(config["login"]).lstrip("@")
    elif kind == "wordpress" and not config.get("login"):
        # Without a login the site's public comments feed is what can be read.
        stored_kind = "feed"
        config = {
            "url": str(config["url"]).rstrip("/") + "/comments/feed/",
            "wordpress_comments": True,
        }
    return Prepared(stored_kind, config, secret, extra)


def values_of(kind: str, config: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for a stored configuration (no secrets: they are never shown again)."""
    spec = form(kind)
    return {f.name: str(config.get(f.key, "")) for f in spec.settings if f.key}
