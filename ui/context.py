"""What every pane needs from the application, handed down through constructors."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.store.db import SessionFactory
from services.users import Actor
from ui.jobs import Jobs


@dataclass(frozen=True)
class UiContext:
    factory: SessionFactory
    actor: Actor
    tz: ZoneInfo
    jobs: Jobs
