"""Adding, listing and removing channels; the secret goes to the keyring, never the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.channels import email_smtp
from services.channels.bluesky_api import KeyringSession
from services.channels.errors import ChannelError
from services.channels.http import redact
from services.channels.x_oauth import KeyringTokens
from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Channel
from services.store.models_channels import QuarantinedItem
from services.store.states import ChannelState
from services.workspace import secrets
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    kind: str
    url: str | None
    enabled: bool
    state: str
    state_reason: str | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    poll_seconds: int
    # Items the platform sent that could not be stored (services.channels.quarantine).
    quarantined: int = 0
    # When the worker polls next: after a rate limit, when the platform lets us again.
    next_poll_at: datetime | None = None


def _view(c: Channel, quarantined: int = 0) -> ChannelView:
    return ChannelView(
        c.id,
        c.name,
        c.kind,
        redact(c.config["url"]) if c.config.get("url") else None,
        c.enabled,
        c.state,
        c.state_reason,
        c.last_success_at,
        c.last_attempt_at,
        c.poll_seconds,
        quarantined,
        c.next_poll_at,
    )


def _quarantined(session: Session, channel_id: int | None = None) -> dict[int, int]:
    stmt = select(QuarantinedItem.channel_id, func.count()).group_by(QuarantinedItem.channel_id)
    if channel_id is not None:
        stmt = stmt.where(QuarantinedItem.channel_id == channel_id)
    return {cid: int(n) for cid, n in session.execute(stmt)}


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"{redact(url)!r} is not a web address: use https://…")
    if "@" in parts.netloc:
        # Kept in the address, the password would sit in the database and in every message.
        raise InvalidInput(
            f"put the user name and password of {redact(url)} in --login and the keyring "
            "(--secret-stdin), not in the address"
        )
    return url.strip()


def _check_mailbox(config: dict[str, Any]) -> dict[str, Any]:
    """An e-mail channel's servers, address and security, refused before anything is stored."""
    security = str(config.get("security") or "tls")
    address = str(config.get("address") or "").strip()
    if "@" not in address:
        raise InvalidInput(f"{address!r} is not an e-mail address: give the mailbox's --address")
    hosts = []
    for key in ("imap", "smtp"):
        try:
            hosts.append(email_smtp.split_server(str(config.get(key) or ""), 1)[0])
        except ValueError as exc:
            raise InvalidInput(f"--{key}: {exc}; use HOST:PORT") from None
    try:
        email_smtp.check_security(security, *hosts)
    except ChannelError as exc:
        raise InvalidInput(str(exc)) from None
    return {**config, "address": address, "security": security}


def checked_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """The configuration with its addresses checked; refused before anything is stored."""
    if "url" in config:
        config = {**config, "url": _check_url(config["url"])}
    if kind == "email":
        config = _check_mailbox(config)
    return config


def add_channel(
    factory: SessionFactory,
    actor: Actor,
    kind: str,
    name: str,
    config: dict[str, Any],
    secret: str | None = None,
    poll_seconds: int = 300,
) -> ChannelView:
    actor.require(Permission.MANAGE)
    name = name.strip()
    if not name:
        raise InvalidInput("a channel needs a name")
    config = checked_config(kind, config)
    if kind == "bluesky" and not (config.get("url") and config.get("login") and secret):
        raise InvalidInput(
            "a Bluesky channel needs the PDS address, the handle and an app password"
        )
    if kind == "mastodon" and not (config.get("url") and secret):
        raise InvalidInput("a Mastodon channel needs the server's address and an access token")
    if kind == "facebook" and not (config.get("page_id") and secret):
        raise InvalidInput("a Facebook channel needs the Page's id and a Page access token")
    if kind == "x" and not secret:
        raise InvalidInput("an X channel needs an access token for the force's account")
    if poll_seconds < 30:
        raise InvalidInput("poll at most every 30 seconds: platforms rate-limit faster pollers")
    if secret is not None:
        secrets.backend()  # fail before writing anything if there is nowhere safe to keep it
    with write_transaction(factory, actor) as tx:
        if tx.session.scalar(select(Channel.id).where(Channel.name == name)) is not None:
            raise InvalidInput(f"a channel named {name!r} already exists")
        channel = Channel(
            name=name, kind=kind, config=config, poll_seconds=poll_seconds, state=ChannelState.OK
        )
        tx.session.add(channel)
        tx.session.flush()
        if secret is not None:
            secrets.store(channel.id, secret)
        tx.audit(
            AuditAction.CHANNEL_CREATE,
            "channel",
            channel.id,
            None,
            {"name": name, "kind": kind, **config},
        )
        tx.touched(ChangeKind.CHANNELS)
        return _view(channel)


def list_channels(factory: SessionFactory) -> list[ChannelView]:
    with factory() as s:
        held = _quarantined(s)
        return [
            _view(c, held.get(c.id, 0)) for c in s.scalars(select(Channel).order_by(Channel.name))
        ]


def find_channel(factory: SessionFactory, name: str) -> ChannelView:
    with factory() as s:
        c = s.scalar(select(Channel).where(Channel.name == name))
        if c is None:
            raise NotFound(f"no channel named {name!r}")
        return _view(c, _quarantined(s, c.id).get(c.id, 0))


def set_enabled(factory: SessionFactory, actor: Actor, name: str, enabled: bool) -> ChannelView:
    """Pause (the worker skips it, nothing is polled or sent) or resume a channel."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        c = tx.session.scalar(select(Channel).where(Channel.name == name))
        if c is None:
            raise NotFound(f"no channel named {name!r}")
        if c.enabled != enabled:
            tx.audit(
                AuditAction.CHANNEL_UPDATE,
                "channel",
                c.id,
                {"enabled": c.enabled},
                {"enabled": enabled},
            )
            c.enabled = enabled
            if enabled:
                c.next_poll_at = None  # due at once
            tx.touched(ChangeKind.CHANNELS)
        return _view(c, _quarantined(tx.session, c.id).get(c.id, 0))


def remove_channel(factory: SessionFactory, actor: Actor, name: str) -> None:
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        c = tx.session.scalar(select(Channel).where(Channel.name == name))
        if c is None:
            raise NotFound(f"no channel named {name!r}")
        channel_id, kind, config = c.id, c.kind, dict(c.config)
        tx.session.delete(c)
        tx.audit(AuditAction.CHANNEL_REMOVE, "channel", channel_id, {"name": name}, None)
        tx.touched(ChangeKind.CHANNELS)
        tx.touched(ChangeKind.ITEMS)
    secrets.delete(channel_id)
    if kind == "bluesky" and config.get("url") and config.get("login"):
        KeyringSession(config["url"], config["login"]).forget()  # the signed-in session too
    if isinstance(config.get("token_key"), str):
        KeyringTokens(config["token_key"]).forget()  # X's renewable token pair
