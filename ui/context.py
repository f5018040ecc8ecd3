"""What every pane needs from the application, handed down through constructors."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from services.workspace.site_config import CentralConfig
from ui.jobs import Jobs


@dataclass(frozen=True)
class UiContext:
    factory: SessionFactory
    actor: Actor
    tz: ZoneInfo
    jobs: Jobs
    # What each kind of channel can do, and its name, colour and letter (console/context.py).
    registry: Registry
    # The central configuration for the settings dialog (console/context.py central_config).
    central: CentralConfig = field(default_factory=CentralConfig)
