"""The connector protocol every channel implements, and the small registry that finds them.

A connector talks to one platform and returns plain data; the sync engine
maps it onto the domain model, writes it, and keeps the cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from services.channels.errors import NoConnector
from services.ingest import Incoming


@dataclass(frozen=True)
class Batch:
    """Items from one page. `cursor` is set only on the last batch of a run: store it with those items."""

    items: list[Incoming]
    cursor: dict[str, Any] | None = None


@dataclass(frozen=True)
class SentReply:
    external_id: str
    permalink: str | None
    created: Incoming | None = None


@dataclass(frozen=True)
class ReplyTarget:
    item_external_id: str
    thread_external_id: str | None
    reply_target: dict[str, Any]
    signature: str = ""
    """Text to put under the words (the channel's, filled in: services/signatures.py)."""


@dataclass(frozen=True)
class SourceState:
    external_id: str
    source_state: str
    body_html: str | None = None


@dataclass
class ChannelConfig:
    kind: str
    config: dict[str, Any]
    secret: str | None
    known_threads: set[str] = field(default_factory=set)


class Connector(Protocol):
    kind: ClassVar[str]
    moderation_actions: ClassVar[tuple[str, ...]]
    can_reply: ClassVar[bool]

    def test(self) -> str:
        """Authenticate and read once; returns who we are connected as."""

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """New and changed items since `cursor`, page by page."""

    def reconcile(self, known: dict[str, str]) -> list[SourceState]:
        """States of known items (external id → state) that differ on the source, deletions included."""

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        """Publish a reply once; never retried blindly."""

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        """A reply with this body already published under the target, after a crash."""

    def moderate(self, external_id: str, action: str) -> str:
        """Apply a moderation action; returns the state read back from the source."""

    def close(self) -> None: ...


class ConnectorClass(Protocol):
    """What the registry keeps of a connector: its capabilities and how to build one."""

    @property
    def kind(self) -> str: ...

    @property
    def moderation_actions(self) -> tuple[str, ...]: ...

    @property
    def can_reply(self) -> bool: ...

    def create(self, cfg: ChannelConfig, client: httpx.Client | None = None) -> Connector: ...


class Registry:
    """Channel kinds → connector classes. Adding a channel is one module and one `register`."""

    def __init__(self) -> None:
        self._classes: dict[str, ConnectorClass] = {}

    def register(self, connector: ConnectorClass) -> None:
        self._classes[connector.kind] = connector

    def kinds(self) -> list[str]:
        return sorted(self._classes)

    def moderation_actions(self, kind: str) -> tuple[str, ...]:
        """What can be moderated on this kind of channel ('' for unknown kinds: nothing)."""
        found = self._classes.get(kind)
        return found.moderation_actions if found else ()

    def can_reply(self, kind: str) -> bool:
        found = self._classes.get(kind)
        return found.can_reply if found else True

    def create(self, cfg: ChannelConfig, client: httpx.Client | None = None) -> Connector:
        try:
            connector = self._classes[cfg.kind]
        except KeyError:
            raise NoConnector(
                f"Front Counter has no connector for {cfg.kind!r} channels: nothing is polled"
                " or sent there"
            ) from None
        return connector.create(cfg, client)


def default_registry() -> Registry:
    from services.channels import email, facebook, feed, mastodon, wordpress, xcom
    from services.channels.bluesky import BlueskyConnector

    registry = Registry()
    registry.register(wordpress.WordPressConnector)
    registry.register(feed.FeedConnector)
    registry.register(email.EmailConnector)
    registry.register(mastodon.MastodonConnector)
    registry.register(BlueskyConnector)
    registry.register(facebook.FacebookConnector)
    registry.register(xcom.XConnector)
    return registry
