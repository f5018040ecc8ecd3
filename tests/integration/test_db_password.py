"""The PostgreSQL password from the OS keyring (`db password set`), never from a file or the database.

The keyring is the tests' file backend (tests/conftest.py) in a throw-away folder. The
machine's test server trusts loopback, so the logins here go to a private server that
checks every password (scram-sha-256, tests/pg_password_server.py), as README's
pg_hba.conf lines make a team server do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.store import backup
from services.store.db import make_engine, upgrade
from services.store.pg_login import login_password
from services.workspace import secrets
from services.workspace.change_feed import ChangeListener
from tests.conftest import UNDER_CI
from tests.pg_password_server import SUPERUSER, PasswordServer, missing_parts
from tests.ui.child_python import in_a_child

ROOT = Path(__file__).resolve().parents[2]
SUPERUSER_PASSWORD = "correct-horse-7731"


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


@pytest.fixture(scope="module")
def password_server() -> Iterator[PasswordServer]:
    reason = missing_parts()
    if reason is None:
        server = PasswordServer(SUPERUSER_PASSWORD)
        try:
            server.start()
        except Exception as exc:  # any start failure means "no server here"
            server.stop()
            reason = str(exc)
        else:
            yield server
            server.stop()
            return
    message = f"a password-checking PostgreSQL could not start: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def team_url(password_server: PasswordServer) -> str:
    """A database at schema head on the password-checking server; its URL has no password."""
    admin = create_engine(password_server.url(password=SUPERUSER_PASSWORD))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE DATABASE fc"))
    admin.dispose()
    with_password = password_server.url("fc", password=SUPERUSER_PASSWORD)
    engine = make_engine(with_password.render_as_string(hide_password=False))
    upgrade(engine)
    engine.dispose()
    return password_server.url("fc").render_as_string(hide_password=False)


def _key(url: str) -> str:
    parsed = make_url(url)
    return secrets.database_key(parsed.username, parsed.host, parsed.port, parsed.database)


def test_a_server_that_asks_gets_the_password_stored_with_the_cli(
    team_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    # Nothing stored: the server's refusal says what is missing.
    refused = _cli(team_url, "inbox")
    assert refused.returncode != 0
    assert "asked for a password and none was found" in refused.stderr
    assert "db password set" in refused.stderr
    stored = _cli(team_url, "db", "password", "set", "--stdin", stdin=SUPERUSER_PASSWORD + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "stored in the keyring" in stored.stdout
    assert SUPERUSER_PASSWORD not in stored.stdout + stored.stderr
    listed = _cli(team_url, "inbox")
    assert listed.returncode == 0, listed.stderr
    assert SUPERUSER_PASSWORD not in listed.stdout + listed.stderr
    engine = make_engine(team_url)
    try:
        assert engine.url.password is None  # held by the engine's login, never in its URL
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == SUPERUSER
            # Nowhere in the database: not a setting, not an audit event.
            found = conn.scalar(
                text("SELECT count(*) FROM setting WHERE value::text LIKE :p"),
                {"p": f"%{SUPERUSER_PASSWORD}%"},
            )
            assert found == 0
        assert SUPERUSER_PASSWORD not in repr(engine) + str(engine.url)
    finally:
        engine.dispose()
    # A command that logs in with it says nothing of it, even when it fails after the login.
    wrong_db = make_url(team_url).set(database="no_such_database_here", password=SUPERUSER_PASSWORD)
    failed = _cli(wrong_db.render_as_string(hide_password=False), "inbox")
    assert failed.returncode != 0
    assert "does not exist on that server" in failed.stderr
    assert SUPERUSER_PASSWORD not in failed.stdout + failed.stderr
    forgot = _cli(team_url, "db", "password", "forget")
    assert forgot.returncode == 0 and "removed" in forgot.stdout
    assert "asked for a password" in _cli(team_url, "inbox").stderr


def test_a_wrong_stored_password_is_refused_by_the_server_and_never_shown(
    team_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    secrets.store_database_password(_key(team_url), "stale-password-0000")
    failed = _cli(team_url, "inbox")
    assert failed.returncode != 0
    assert "refused the password" in failed.stderr
    assert "stale-password-0000" not in failed.stdout + failed.stderr


def test_the_change_listener_and_pg_dump_log_in_with_the_keyrings_password(
    team_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    secrets.store_database_password(_key(team_url), SUPERUSER_PASSWORD)
    engine = make_engine(team_url)
    try:
        # Before any connection: asking for it makes one, as the engine would.
        assert login_password(engine) == SUPERUSER_PASSWORD
        listener = ChangeListener(engine, None, lambda: None)
        try:
            assert listener.start(), "the listener could not log in"
        finally:
            listener.stop()
        if shutil.which("pg_dump"):
            made = backup.backup(engine, tmp_path / "fc.dump")
            assert made.bytes > 0
        elif UNDER_CI:
            pytest.fail("pg_dump is missing (postgresql-client)")
    finally:
        engine.dispose()


def test_the_urls_own_password_and_pgpassword_come_before_the_keyring(
    team_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keyring holds a wrong password: a login that used it would be refused."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    secrets.store_database_password(_key(team_url), "wrong-password-1111")
    with_own = make_url(team_url).set(password=SUPERUSER_PASSWORD)
    for url, environment in (
        (with_own.render_as_string(hide_password=False), None),
        (team_url, SUPERUSER_PASSWORD),
    ):
        if environment:
            monkeypatch.setenv("PGPASSWORD", environment)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT current_user")) == SUPERUSER
        finally:
            engine.dispose()


def test_the_keyring_is_not_opened_where_the_server_asks_for_no_password(
    url_without_password: str,
) -> None:
    """The test server trusts loopback: a start that reads no password never pays for the
    keyring's backend discovery (60-80 ms, with cryptography, D-Bus and ctypes imports)."""
    secrets.store_database_password(_key(url_without_password), "never-asked-for")
    child = in_a_child(
        "import sys\n"
        "from sqlalchemy import text\n"
        "from services.store.db import make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "with engine.connect() as conn:\n"
        "    print(conn.scalar(text('SELECT current_user')))\n"
        "print('keyring' in sys.modules)\n",
        url_without_password,
    )
    assert child.returncode == 0, child.stderr
    user, keyring_loaded = child.stdout.split()
    assert user == make_url(url_without_password).username
    assert keyring_loaded == "False"


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
