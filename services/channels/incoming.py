"""The common item model of CHANNELS.md §8: what a connector hands to ingest.

Plain values in a module of their own, so the connectors (imported as the app starts, to
draw their channels) do not load ingest, its risk rules and its cleaners until a first sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.store.models import Direction, ItemKind

if TYPE_CHECKING:
    from services.records.attachments import IncomingFile


@dataclass(frozen=True)
class Author:
    external_id: str
    display_name: str
    handle: str | None = None
    profile_url: str | None = None


@dataclass(frozen=True)
class ThreadRef:
    external_id: str
    title: str | None = None
    url: str | None = None
    body_text: str | None = None


@dataclass(frozen=True)
class Incoming:
    external_id: str
    kind: ItemKind
    # When the public posted it, as the platform says; None where the platform gives no time
    # (the fetch time stands in and the item says so).
    created_at: datetime | None
    author: Author | None
    thread: ThreadRef | None
    body_html: str | None = None
    body_text: str | None = None
    parent_external_id: str | None = None
    permalink: str | None = None
    source_state: str = "published"
    source_updated_at: datetime | None = None
    direction: Direction = Direction.INBOUND
    needs_reply: bool = True
    raw: dict[str, Any] | None = field(default=None, compare=False)
    # The item's bytes exactly as the platform sent them (kept for evidence, services/records).
    raw_bytes: bytes | None = field(default=None, compare=False, repr=False)
    raw_media_type: str = "application/json"
    # Attachments' bytes (e-mail), kept beside the database within limits (services/attachments).
    files: tuple[IncomingFile, ...] = field(default=(), compare=False, repr=False)
