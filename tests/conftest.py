"""Shared fixtures: a real database per test on SQLite and on PostgreSQL, actors, isolated dirs."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from services.channels.protocol import Registry
from services.channels.registry import build_registry
from services.store.db import (
    SessionFactory,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade,
)
from services.store.models import Base, Role
from services.workspace.actor import Actor
from services.workspace.users import add_user, resolve_actor
from tests.fakes.feeds import FakeFeeds
from tests.fakes.wordpress import FakeWordPress

PG_ADMIN_URL = os.environ.get(
    "FRONT_COUNTER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
UNDER_CI = os.environ.get("CI", "").lower() == "true"
# `make test-headless` runs without PySide6: tests marked `qt` draw with it and are skipped there.
HAS_QT = importlib.util.find_spec("PySide6") is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if HAS_QT:
        return
    skip = pytest.mark.skip(reason="needs PySide6 (Qt), which this virtualenv does not have")
    for item in items:
        if item.get_closest_marker("qt"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    # A machine's real /etc/xdg/front-counter/config.toml must not reach the tests.
    monkeypatch.setenv("FRONT_COUNTER_SYSTEM_CONFIG", str(home / "system-config.toml"))
    monkeypatch.delenv("FRONT_COUNTER_DB", raising=False)
    monkeypatch.delenv("FRONT_COUNTER_USER", raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(str(path))
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _pg_unavailable(reason: str) -> None:
    message = f"PostgreSQL unavailable at {make_url(PG_ADMIN_URL).render_as_string()}: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the whole session, at schema head."""
    name = f"fc_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection failure means "no server here"
        _pg_unavailable(str(exc).splitlines()[0])
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
        # A test may rewrite the schema stamp (the "newer release" test): put it back.
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "front-counter.db"
        shutil.copy(sqlite_template, path)
        return str(path)
    url: str = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    _truncate_pg(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "front-counter.db"
    shutil.copy(sqlite_template, path)
    return str(path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The connector registry, as the composition root builds it (console/context.py)."""
    return build_registry()


@pytest.fixture
def admin(factory: SessionFactory) -> Actor:
    return resolve_actor(factory, "ruth")


@pytest.fixture
def officer(factory: SessionFactory, admin: Actor) -> Actor:
    return add_user(factory, admin, "dan", Role.OFFICER, "PC Dan Hughes", "4521")


@pytest.fixture
def supervisor(factory: SessionFactory, admin: Actor) -> Actor:
    return add_user(factory, admin, "grace", Role.SUPERVISOR, "Sgt Grace Okafor", "1187")


@pytest.fixture
def wp() -> Iterator[FakeWordPress]:
    """A fake WordPress on 127.0.0.1 with the recruiting post the comments answer."""
    fake = FakeWordPress().start()
    fake.add_post(812, "We&#8217;re recruiting: a social media engagement officer")
    yield fake
    fake.stop()


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    """A fake feed server on 127.0.0.1 (RSS, Atom and the faults tests ask it for)."""
    fake = FakeFeeds().start()
    yield fake
    fake.stop()


OUR_LOGGERS = ("services", "ui", "console")


@pytest.fixture(autouse=True)
def _fail_on_logged_problems(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """A warning or error logged by our code fails the test, unless the test expects it."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_logged_problems"):
        return
    problems = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and r.name.startswith(OUR_LOGGERS)
    ]
    if problems:
        pytest.fail("unexpected log messages:\n" + "\n".join(problems))
