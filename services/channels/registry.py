"""The one list of the kinds of channel: adding a channel is a connector module, its kind in
kinds.py (what the platform allows, and where the connector lives), and one line here.

Only the composition root (console/context.py) calls `build_registry()`; services are
handed the registry it builds, as they are handed the session factory. protocol.py knows
no connector, so the connectors can import it without a circle; the registry imports a
connector's module when a channel of its kind is first polled or answered.
"""

from __future__ import annotations

from services.channels import kinds
from services.channels.protocol import Registry


def build_registry() -> Registry:
    return Registry(kinds.ALL)
