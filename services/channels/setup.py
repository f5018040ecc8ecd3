"""Connecting, editing and testing a channel from the values typed into its kind's form.

`channel add KIND`, `channel edit` and the desktop's Channels dialog all come
here with the values of the fields declared in services/channels/forms.py;
what needs the network at add time (Facebook's token exchange) happens here
too, so the command line and the desktop connect a channel the same way.
Secrets go to the keyring (services/workspace/secrets.py), never to the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels import facebook_oauth, forms
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.channels.x_oauth import KeyringTokens, TokenPair, new_token_key
from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Channel
from services.workspace import secrets
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

if TYPE_CHECKING:
    import httpx

# Settings that name a different source: changing one starts reading it afresh.
_SOURCE_KEYS = ("url", "page_id", "login", "imap", "address")


@dataclass(frozen=True)
class ChannelSettings:
    """What the edit form starts from: the kind's form and the values stored (no secrets)."""

    name: str
    kind: str
    values: dict[str, str]
    poll_seconds: int
    enabled: bool
    secret_stored: bool


def _finish_secrets(
    prepared: forms.Prepared, client: httpx.Client | None
) -> tuple[forms.Prepared, TokenPair | None]:
    """Facebook's exchange for a Page token; X's renewable pair. Network first, then store."""
    config, secret = dict(prepared.config), prepared.secret
    if prepared.kind == "facebook" and secret and prepared.extra.get("app_secret"):
        secret = facebook_oauth.page_token(
            str(config.get("url") or ""),
            str(config["page_id"]),
            str(config["app_id"]),
            prepared.extra["app_secret"],
            secret,
            client,
        )
    pair = None
    if prepared.kind == "x" and secret and prepared.extra.get("refresh_token"):
        pair = TokenPair(
            secret, prepared.extra["refresh_token"], None, prepared.extra.get("client_secret", "")
        )
    return forms.Prepared(prepared.kind, config, secret, prepared.extra), pair


def connect(
    factory: SessionFactory,
    actor: Actor,
    kind: str,
    name: str,
    values: Mapping[str, str],
    poll_seconds: int = 300,
    client: httpx.Client | None = None,
) -> channels_admin.ChannelView:
    """Add a channel of `kind` from its form's values (secrets included, by field name)."""
    actor.require(Permission.MANAGE)
    prepared, pair = _finish_secrets(forms.prepare(kind, name, values), client)
    config = dict(prepared.config)
    store = None
    if pair is not None:
        secrets.backend()
        config["token_key"] = new_token_key()
        store = KeyringTokens(config["token_key"])
        store.save(pair)
    try:
        return channels_admin.add_channel(
            factory, actor, prepared.kind, name, config, prepared.secret, poll_seconds
        )
    except Exception:
        if store is not None:
            store.forget()
        raise


def settings(factory: SessionFactory, name: str) -> ChannelSettings:
    with factory() as s:
        c = s.scalar(select(Channel).where(Channel.name == name))
        if c is None:
            raise NotFound(f"no channel named {name!r}")
        kind, config, channel_id = c.kind, dict(c.config), c.id
        result = ChannelSettings(
            c.name, kind, forms.values_of(kind, config), c.poll_seconds, c.enabled, False
        )
    try:
        stored = secrets.load(channel_id) is not None
    except secrets.SecretStoreError:
        stored = False
    return ChannelSettings(**{**result.__dict__, "secret_stored": stored})


def edit(
    factory: SessionFactory,
    actor: Actor,
    name: str,
    values: Mapping[str, str],
    poll_seconds: int | None = None,
    client: httpx.Client | None = None,
) -> channels_admin.ChannelView:
    """Change a channel's settings; a secret left empty keeps the one in the keyring."""
    actor.require(Permission.MANAGE)
    current = settings(factory, name)
    spec = forms.form(current.kind)
    unknown = sorted(set(values) - {f.name for f in spec.fields})
    if unknown:
        options = ", ".join("--" + u.replace("_", "-") for u in unknown)
        raise InvalidInput(f"a {spec.title} channel has no {options}")
    merged = {**current.values, **{k: v for k, v in values.items() if v is not None}}
    prepared, pair = _finish_secrets(forms.prepare(current.kind, name, merged, True), client)
    if poll_seconds is not None and poll_seconds < 30:
        raise InvalidInput("poll at most every 30 seconds: platforms rate-limit faster pollers")
    if prepared.secret is not None:
        secrets.backend()
    with write_transaction(factory, actor) as tx:
        c = tx.session.scalar(select(Channel).where(Channel.name == name))
        if c is None:
            raise NotFound(f"no channel named {name!r}")
        before: dict[str, Any] = {**c.config, "poll_seconds": c.poll_seconds}
        form_keys = {f.key for f in spec.settings if f.key}
        kept = {k: v for k, v in c.config.items() if k not in form_keys}
        config = channels_admin.checked_config(current.kind, {**kept, **prepared.config})
        if any(c.config.get(k) != config.get(k) for k in _SOURCE_KEYS):
            c.cursor = {}  # another source: read it from its start
        if prepared.secret is not None and current.kind == "x":
            old_key = c.config.get("token_key")
            if isinstance(old_key, str):
                KeyringTokens(old_key).forget()  # the new token replaces the old pair
            config.pop("token_key", None)
            if pair is not None:
                config["token_key"] = new_token_key()
                KeyringTokens(config["token_key"]).save(pair)
        c.config = config
        if poll_seconds is not None:
            c.poll_seconds = poll_seconds
        c.next_poll_at = None
        if prepared.secret is not None:
            secrets.store(c.id, prepared.secret)
        after = {**config, "poll_seconds": c.poll_seconds}
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        tx.audit(
            AuditAction.CHANNEL_UPDATE,
            "channel",
            c.id,
            {k: before.get(k) for k in changed},
            {
                **{k: after.get(k) for k in changed},
                **({"secret": "replaced"} if prepared.secret is not None else {}),
            },
        )
        tx.touched(ChangeKind.CHANNELS)
        channel_id = c.id
    return next(v for v in channels_admin.list_channels(factory) if v.id == channel_id)


def test(factory: SessionFactory, name: str, *, registry: Registry) -> list[str]:
    """Sign in and read once: who we are connected as, and where (what `channel test` prints)."""
    view = channels_admin.find_channel(factory, name)
    connector = SyncEngine(factory, registry).connector_for(view.id)
    try:
        lines = [connector.test()]
        address = getattr(connector, "address", None)  # where a WordPress API or feed was found
        if address:
            lines.append(f"using {address}")
        return lines
    finally:
        connector.close()
