"""The PostgreSQL password from the OS keyring (`db password set`), never from a file or the database.

The keyring is the tests' file backend (tests/conftest.py) in a throw-away folder. The
test server trusts loopback, so these tests show which password the app hands libpq,
not that the server checked it; README's pg_hba.conf lines make it check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.store.db import make_engine
from services.workspace import secrets

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-7731"


def _cli(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONT_COUNTER", "PGPASS"))}
    return subprocess.run(
        [sys.executable, "-m", "console", "--db", db, *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=120, cwd=ROOT,
    )  # fmt: skip


@pytest.fixture
def url_without_password(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = make_url(pg_database)
    assert url.password is None  # the test server's URL carries none
    return url.render_as_string(hide_password=False)


def test_the_password_stored_with_the_cli_is_used_when_the_url_has_none(
    url_without_password: str,
) -> None:
    stored = _cli(url_without_password, "db", "password", "set", "--stdin", stdin=PASSWORD + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "stored in the keyring" in stored.stdout
    assert PASSWORD not in stored.stdout + stored.stderr
    engine = make_engine(url_without_password)
    try:
        assert engine.url.password == PASSWORD
        assert PASSWORD not in repr(engine) and PASSWORD not in str(engine.url)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
            # Nowhere in the database: not a setting, not an audit event.
            found = conn.scalar(
                text("SELECT count(*) FROM setting WHERE value::text LIKE :p"),
                {"p": f"%{PASSWORD}%"},
            )
            assert found == 0
    finally:
        engine.dispose()
    # A command that uses it says nothing of it, even when it fails.
    wrong_db = make_url(url_without_password).set(database="no_such_database_here")
    failed = _cli(wrong_db.render_as_string(hide_password=False), "inbox")
    assert PASSWORD not in failed.stdout + failed.stderr
    forgot = _cli(url_without_password, "db", "password", "forget")
    assert forgot.returncode == 0 and "removed" in forgot.stdout
    engine = make_engine(url_without_password)
    assert engine.url.password is None
    engine.dispose()


def test_the_urls_own_password_and_pgpassword_come_before_the_keyring(
    url_without_password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(url_without_password)
    secrets.store_database_password(
        secrets.database_key(url.username, url.host, url.port, url.database), PASSWORD
    )
    with_own = url.set(password="from-the-url").render_as_string(hide_password=False)
    assert make_engine(with_own).url.password == "from-the-url"
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    assert make_engine(url_without_password).url.password is None  # libpq reads PGPASSWORD


def test_the_key_is_filled_in_as_libpq_fills_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPORT", raising=False)
    monkeypatch.delenv("PGDATABASE", raising=False)
    monkeypatch.setenv("PGUSER", "d.hughes")
    assert secrets.database_key(None, None, None, "fc") == "postgresql://d.hughes@localhost:5432/fc"
    assert (
        secrets.database_key("grace", "db.force.local", 6432, None)
        == "postgresql://grace@db.force.local:6432/grace"
    )


def test_a_sqlite_database_has_no_password_to_store(tmp_path: Path) -> None:
    refused = _cli(str(tmp_path / "desk.db"), "db", "password", "set", "--stdin", stdin="x\n")
    assert refused.returncode == 1 and "only a PostgreSQL database" in refused.stderr
