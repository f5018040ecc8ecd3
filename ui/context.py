"""What every pane needs from the application, handed down through constructors."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from services.actor import Actor
from services.channels.protocol import Registry
from services.site_config import CentralConfig
from services.store.db import SessionFactory
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
