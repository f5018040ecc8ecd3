"""`db recount`: an admin repairs the sidebar's counts from the command line (issue 18)."""

from __future__ import annotations

from sqlalchemy import text

from services.channels.protocol import Registry
from services.inbox import sidebar
from services.store.db import make_engine, make_session_factory
from tests.e2e.test_cli import run


def test_db_recount_repairs_the_sidebar(db_url: str, registry: Registry) -> None:
    assert run(db_url, "db", "upgrade").returncode == 0
    assert run(db_url, "demo", "load").returncode == 0
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    try:
        right = sidebar.load(factory, None, registry=registry).views
        with engine.begin() as conn:
            conn.execute(text("UPDATE item_count SET n = n + 7"))
        assert sidebar.load(factory, None, registry=registry).views != right

        result = run(db_url, "db", "recount")

        assert result.returncode == 0, result.stderr
        assert "are repaired" in result.stdout
        assert sidebar.load(factory, None, registry=registry).views == right
        assert "all were right" in run(db_url, "db", "recount").stdout
    finally:
        engine.dispose()
