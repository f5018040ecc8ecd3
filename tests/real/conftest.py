"""A real WordPress for the whole session; each test re-seeds it (PLATFORM.md §7).

Skipped where Debian's packages are missing, except under CI=true, where a
missing real server fails the run like a missing PostgreSQL does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from services.channels import admin as channels_admin
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from tests.conftest import UNDER_CI
from tests.real.wordpress_site import MariaDB, Seed, WordPressSite, missing_parts


def _wordpress_unavailable(reason: str) -> None:
    message = f"real WordPress unavailable: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI=true: real-server tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: these tests are about what WordPress does; the fakes' tests run on both stores."""
    return sqlite_url


@pytest.fixture(autouse=True)
def _no_backoff_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=4):
        yield


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    reason = missing_parts()
    if reason:
        _wordpress_unavailable(reason)
    db = MariaDB(tmp_path_factory.mktemp("mariadb"))
    try:
        db.start()
    except Exception as exc:  # any start failure means "no server here"
        db.stop()
        _wordpress_unavailable(str(exc))
    yield db
    db.stop()


def _site(
    tmp_path_factory: pytest.TempPathFactory, mariadb: MariaDB, subfolder: str
) -> Iterator[WordPressSite]:
    site = WordPressSite(tmp_path_factory.mktemp("wordpress"), mariadb, subfolder)
    try:
        site.start()
    except Exception as exc:
        site.stop()
        _wordpress_unavailable(str(exc))
    yield site
    site.stop()


@pytest.fixture(scope="session")
def wp_site(tmp_path_factory: pytest.TempPathFactory, mariadb: MariaDB) -> Iterator[WordPressSite]:
    """A site at the root of its address: http://127.0.0.1:PORT/."""
    yield from _site(tmp_path_factory, mariadb, "")


@pytest.fixture(scope="session")
def wp_blog_site(
    tmp_path_factory: pytest.TempPathFactory, mariadb: MariaDB
) -> Iterator[WordPressSite]:
    """A site in a subfolder: http://127.0.0.1:PORT/blog/."""
    yield from _site(tmp_path_factory, mariadb, "blog")


@pytest.fixture
def sync_engine(factory: SessionFactory, registry: Registry) -> SyncEngine:
    return SyncEngine(factory, registry)


def connect(
    factory: SessionFactory, admin: Actor, site: WordPressSite, seed: Seed, name: str = "Force blog"
) -> int:
    """A WordPress channel as `channel add wordpress --url SITE --login …` makes it."""
    view = channels_admin.add_channel(
        factory, admin, "wordpress", name, {"url": site.site, "login": seed.login}, seed.password
    )
    return view.id
