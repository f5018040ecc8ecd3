"""The connector protocol every channel implements, and the registry that answers for the kinds.

A connector talks to one platform and returns plain data; the sync engine
maps it onto the domain model, writes it, and keeps the cursor.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from services.channels.capabilities import ChannelLook, graphemes, unknown_look
from services.channels.errors import NoConnector
from services.channels.incoming import Incoming

if TYPE_CHECKING:
    import httpx


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
    """Text to put under the words (the channel's, filled in: services/answers/signatures.py)."""


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


class PlatformKind(Protocol):
    """What the registry keeps of a kind of channel: what its platform allows.

    The kinds (kinds.py) inherit their defaults from capabilities.Capabilities, and each
    names its connector class, loaded when a channel of the kind is first reached.
    """

    @property
    def kind(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    @property
    def moderation_actions(self) -> tuple[str, ...]: ...

    @property
    def can_reply(self) -> bool: ...

    @property
    def character_limit(self) -> int | None: ...

    def text_length(self, text: str) -> int: ...

    def reply_problem(
        self, body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
    ) -> str | None: ...

    def look(self) -> ChannelLook: ...


class ConnectorClass(PlatformKind, Protocol):
    """A connector class: its kind's capabilities, and how to build one."""

    def create(self, cfg: ChannelConfig, client: httpx.Client | None = None) -> Connector: ...


def connector_class(found: PlatformKind) -> ConnectorClass:
    """The class that reaches the platform: `found` itself if it is one (a test's fake), else
    the connector its kind names ("module:Class"), whose module is imported now."""
    if hasattr(found, "create"):
        return cast("ConnectorClass", found)
    module, _, name = str(getattr(found, "connector", "")).partition(":")
    if not name:
        raise NoConnector(f"the {found.kind!r} kind names no connector class")
    return cast("ConnectorClass", getattr(importlib.import_module(module), name))


class Registry:
    """Channel kinds → connector classes, and what each kind can do.

    Built once by the composition root (services/channels/registry.py lists the classes)
    and handed down to the services that need it, like the session factory. A kind with
    no connector (demo data, a platform not built yet) is answered for too: no replies
    sent, no moderation, its name as stored, lengths in graphemes, no limit.
    """

    def __init__(self, kinds: Iterable[PlatformKind] = ()) -> None:
        self._classes: dict[str, PlatformKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: PlatformKind) -> None:
        self._classes[kind.kind] = kind

    def kinds(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, kind: object) -> bool:
        """Front Counter can poll (and, where the platform allows, answer) this kind of channel."""
        return kind in self._classes

    def display_name(self, kind: str) -> str:
        """How people call the platform, for messages; a kind without a connector as stored."""
        found = self._classes.get(kind)
        return found.display_name if found else kind

    def look(self, kind: str) -> ChannelLook:
        """The name, colour and letter the desktop draws a channel of this kind with."""
        found = self._classes.get(kind)
        return found.look() if found else unknown_look(kind)

    def moderation_actions(self, kind: str) -> tuple[str, ...]:
        """What can be moderated on this kind of channel (unknown kinds: nothing)."""
        found = self._classes.get(kind)
        return found.moderation_actions if found else ()

    def can_reply(self, kind: str) -> bool:
        found = self._classes.get(kind)
        return found.can_reply if found else True

    def character_limit(self, kind: str) -> int | None:
        found = self._classes.get(kind)
        return found.character_limit if found else None

    def text_length(self, kind: str, text: str) -> int:
        """The length the platform counts: graphemes, URLs as 23 on Mastodon and X, and so on."""
        found = self._classes.get(kind)
        return found.text_length(text) if found else graphemes(text)

    def reply_problem(
        self,
        kind: str,
        body: str,
        raw: Mapping[str, Any] | None = None,
        cursor: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Why the platform would refuse this reply (too long, as it counts), or None."""
        found = self._classes.get(kind)
        return found.reply_problem(body, raw, cursor) if found else None

    def create(self, cfg: ChannelConfig, client: httpx.Client | None = None) -> Connector:
        try:
            found = self._classes[cfg.kind]
        except KeyError:
            raise NoConnector(
                f"Front Counter has no connector for {cfg.kind!r} channels: nothing is polled"
                " or sent there"
            ) from None
        return connector_class(found).create(cfg, client)
