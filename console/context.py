"""The composition root: builds the engine and session factory and upgrades the schema."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from services.store.db import SessionFactory, make_engine, make_session_factory, upgrade


@dataclass(frozen=True)
class AppContext:
    engine: Engine
    factory: SessionFactory
    url: str
    tz: ZoneInfo

    def close(self) -> None:
        self.engine.dispose()


def open_context(url: str, tz_name: str = "Europe/London", migrate: bool = True) -> AppContext:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return AppContext(engine, make_session_factory(engine), url, ZoneInfo(tz_name))
