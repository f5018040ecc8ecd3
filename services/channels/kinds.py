"""Each platform as the registry knows it, apart from how it is reached.

A kind says what its connector declares (capabilities.py): the name, the reply limit and
how it is counted, the moderations, the icon's colour and letter, and where its connector
lives. Each connector class inherits its kind, so every fact has this one home. The
registry answers from the kinds, and a connector's module (HTTP, IMAP, SMTP, their
parsers) is imported when a channel of that kind is first polled or answered: importing
all seven at every start cost the desktop 35-40 ms before its first rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from services.channels.capabilities import Capabilities


class WordPress(Capabilities):
    kind: ClassVar[str] = "wordpress"
    connector: ClassVar[str] = "services.channels.wordpress:WordPressConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ("approve", "hold", "spam", "trash")
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "WordPress"
    character_limit: ClassVar[int | None] = 65_525
    colour: ClassVar[str] = "#21759b"
    icon_letter: ClassVar[str] = "W"


class Feed(Capabilities):
    kind: ClassVar[str] = "feed"
    connector: ClassVar[str] = "services.channels.feed:FeedConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ()
    can_reply: ClassVar[bool] = False
    display_name: ClassVar[str] = "RSS/Atom feeds"
    character_limit: ClassVar[int | None] = None
    colour: ClassVar[str] = "#ee802f"
    icon_letter: ClassVar[str] = "R"


class Email(Capabilities):
    kind: ClassVar[str] = "email"
    connector: ClassVar[str] = "services.channels.email:EmailConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ()
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "email"
    character_limit: ClassVar[int | None] = 100_000
    colour: ClassVar[str] = "#5f6368"
    icon_letter: ClassVar[str] = "@"


class Mastodon(Capabilities):
    kind: ClassVar[str] = "mastodon"
    connector: ClassVar[str] = "services.channels.mastodon:MastodonConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ("mute", "block", "report")
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "Mastodon"
    character_limit: ClassVar[int | None] = 500
    colour: ClassVar[str] = "#6364ff"
    icon_letter: ClassVar[str] = "M"

    # Counts `@user@domain` as `@user`; the limit is the server's own (mastodon_text).
    @classmethod
    def text_length(cls, text: str) -> int:
        from services.channels import mastodon_text

        return mastodon_text.length(text)

    @classmethod
    def reply_problem(
        cls, body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
    ) -> str | None:
        from services.channels import mastodon_text

        return mastodon_text.reply_problem(body, raw, cursor)


class Bluesky(Capabilities):
    kind: ClassVar[str] = "bluesky"
    connector: ClassVar[str] = "services.channels.bluesky:BlueskyConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = (
        "mute",
        "block",
        "hide",
        "report",
        "report_account",
    )
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "Bluesky"
    character_limit: ClassVar[int | None] = 300
    colour: ClassVar[str] = "#1185fe"
    icon_letter: ClassVar[str] = "B"

    @classmethod
    def reply_problem(
        cls, body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
    ) -> str | None:
        """Graphemes and UTF-8 bytes (bluesky_text)."""
        from services.channels import bluesky_text

        return bluesky_text.reply_problem(body, raw, cursor)


class Facebook(Capabilities):
    kind: ClassVar[str] = "facebook"
    connector: ClassVar[str] = "services.channels.facebook:FacebookConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ("hide", "unhide", "delete")
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "Facebook"
    character_limit: ClassVar[int | None] = 8000
    colour: ClassVar[str] = "#1877f2"
    icon_letter: ClassVar[str] = "f"


class X(Capabilities):
    kind: ClassVar[str] = "x"
    connector: ClassVar[str] = "services.channels.xcom:XConnector"
    moderation_actions: ClassVar[tuple[str, ...]] = ("hide", "unhide")
    can_reply: ClassVar[bool] = True
    display_name: ClassVar[str] = "X"
    character_limit: ClassVar[int | None] = 280
    colour: ClassVar[str] = "#000000"
    icon_letter: ClassVar[str] = "X"

    # Weighted as twitter-text v3 counts: links 23, CJK and emoji 2.
    @classmethod
    def text_length(cls, text: str) -> int:
        from services.channels import x_text

        return x_text.weighted_length(text)

    @classmethod
    def reply_problem(
        cls, body: str, raw: Mapping[str, Any] | None, cursor: Mapping[str, Any] | None
    ) -> str | None:
        from services.channels import x_text

        return x_text.reply_problem(body, raw, cursor)


ALL: tuple[type[Capabilities], ...] = (WordPress, Feed, Email, Mastodon, Bluesky, Facebook, X)
