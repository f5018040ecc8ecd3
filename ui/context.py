"""What every pane needs from the application, handed down through constructors."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from services.site_config import CentralConfig
from services.store.db import SessionFactory
from services.users import Actor
from ui.jobs import Jobs


@dataclass(frozen=True)
class UiContext:
    factory: SessionFactory
    actor: Actor
    tz: ZoneInfo
    jobs: Jobs
    # The central configuration for the settings dialog (console/context.py central_config).
    central: CentralConfig = field(default_factory=CentralConfig)
