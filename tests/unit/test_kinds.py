"""Every kind of channel names the connector that reaches it, and that connector is its own.

The registry answers for a kind without importing its connector (kinds.py); the name it
keeps must lead to a class that inherits the kind, so a typo fails here, not at a
channel's first sync.
"""

from __future__ import annotations

import pytest

from services.channels import kinds
from services.channels.capabilities import Capabilities
from services.channels.protocol import connector_class
from services.channels.registry import build_registry


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda k: k.kind)
def test_each_kind_leads_to_a_connector_that_inherits_it(kind: type[Capabilities]) -> None:
    connector = connector_class(kind)
    assert isinstance(connector, type) and issubclass(connector, kind)
    assert connector.kind == kind.kind
    assert callable(getattr(connector, "create", None))


def test_the_registry_knows_every_kind_once() -> None:
    registry = build_registry()
    assert registry.kinds() == sorted(k.kind for k in kinds.ALL)
    assert len({k.kind for k in kinds.ALL}) == len(kinds.ALL)
