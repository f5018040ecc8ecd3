"""The one list of connector classes: adding a channel is one module and one line here.

Only the composition root (console/context.py) calls `build_registry()`; services are
handed the registry it builds, as they are handed the session factory. protocol.py knows
no connector, so the connectors can import it without a circle.
"""

from __future__ import annotations

from services.channels.bluesky import BlueskyConnector
from services.channels.email import EmailConnector
from services.channels.facebook import FacebookConnector
from services.channels.feed import FeedConnector
from services.channels.mastodon import MastodonConnector
from services.channels.protocol import Registry
from services.channels.wordpress import WordPressConnector
from services.channels.xcom import XConnector


def build_registry() -> Registry:
    return Registry(
        [
            WordPressConnector,
            FeedConnector,
            EmailConnector,
            MastodonConnector,
            BlueskyConnector,
            FacebookConnector,
            XConnector,
        ]
    )
