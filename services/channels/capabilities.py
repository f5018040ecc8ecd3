"""What a connector class declares about its platform, with the defaults most platforms share.

Every kind of channel (kinds.py) inherits `Capabilities` and overrides what differs: the
name people call the platform by, how long a reply may be and how the platform counts it,
which moderations it offers, the colour and letter of its icon (hints the desktop draws;
services never draw), and its connector class, which inherits the kind. The registry
(protocol.py) answers from the kinds, so nothing is declared twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


def graphemes(text: str) -> int:
    """Extended grapheme clusters, as Bluesky and Mastodon count them (CHANNELS.md §6–7)."""
    if text.isascii():  # one cluster a character, but CR LF is one (the composer's empty text)
        return len(text) - text.count("\r\n")
    import regex  # 9 ms to import: loaded when a reply is first counted, not at every start

    return len(regex.findall(r"\X", text))


@dataclass(frozen=True)
class ChannelLook:
    """How a kind of channel is shown: its name, and an icon's colour (#rrggbb) and letter."""

    name: str
    colour: str
    letter: str


UNKNOWN_COLOUR = "#888888"
UNKNOWN_LETTER = "?"


def unknown_look(kind: str) -> ChannelLook:
    """A kind no connector knows (demo data, a removed platform): shown as stored, in grey."""
    return ChannelLook(kind, UNKNOWN_COLOUR, UNKNOWN_LETTER)


class Capabilities:
    """The defaults: replies allowed, no moderation, no length limit, lengths in graphemes."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    """How people call the platform, in messages ("on Mastodon", "no Bluesky connector")."""
    moderation_actions: ClassVar[tuple[str, ...]] = ()
    can_reply: ClassVar[bool] = True
    character_limit: ClassVar[int | None] = None
    """The most a reply may count (text_length), or None for no practical limit."""
    colour: ClassVar[str] = UNKNOWN_COLOUR
    icon_letter: ClassVar[str] = UNKNOWN_LETTER
    connector: ClassVar[str | None] = None
    """"module:Class" of the connector that reaches the platform (protocol.connector_class)."""

    @classmethod
    def text_length(cls, text: str) -> int:
        """The length the platform counts for this text."""
        return graphemes(text)

    @classmethod
    def reply_problem(
        cls, body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
    ) -> str | None:
        """Why the platform would refuse `body` as a reply to an item with this raw data, or None.

        `cursor` is the channel's, as the last sync left it (a server's own limit, say).
        """
        limit = cls.character_limit
        used = cls.text_length(body)
        if limit is not None and used > limit:
            return f"the reply is {used} characters; {cls.kind} allows {limit}"
        return None

    @classmethod
    def look(cls) -> ChannelLook:
        return ChannelLook(cls.display_name, cls.colour, cls.icon_letter)
