"""README's "Team set-up", step by step, as commands against the local PostgreSQL.

Step 1 (the superuser creates the owner and the database) is tests/team_db.py's
create_team_database; every later step is `python -m console` as a subprocess,
connecting as the real login roles the steps create.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL
from tests.team_db import TeamDatabase, team_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamDatabase]:
    yield from team_database()


def _env(url: str, pgpass: Path | None = None, login: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONT_COUNTER", "PG"))}
    env["FRONT_COUNTER_DB"] = url
    if pgpass is not None:
        env["PGPASSFILE"] = str(pgpass)
    if login is not None:
        env["PGUSER"] = login  # what the OS login is on a real desktop
    return env


def fc(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=120, cwd=ROOT,
    )  # fmt: skip


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_team_set_up_as_in_the_readme(team: TeamDatabase, tmp_path: Path) -> None:
    owner = _env(team.url(team.owner))
    ruth, dan, grace, worker = (team.login(p) for p in ("ruth", "dan", "grace", "worker"))

    # 2. Schema, group roles and grants, as the owner; nobody else may.
    assert "schema at" in ok(fc(owner, "db", "upgrade"))
    # 3. The first admin and the worker's login.
    ok(fc(owner, "db", "grant", "--admin", ruth, "--password-stdin", stdin="ruth-pw\n"))
    ok(fc(owner, "db", "grant", "--worker", worker, "--password-stdin", stdin="worker-pw\n"))

    # 4. Everyone else, by the admin; her URL names no user and no password (PGPASSFILE).
    pgpass = tmp_path / "pgpass"
    host = make_url(PG_ADMIN_URL)
    pgpass.write_text(f"{host.host}:{host.port or 5432}:{team.name}:{ruth}:ruth-pw\n")
    pgpass.chmod(0o600)
    no_user = f"postgresql://{host.host}:{host.port or 5432}/{team.name}"
    admin = _env(no_user, pgpass, ruth)
    ok(fc(admin, "user", "add", dan, "--role", "officer", "--password-stdin", stdin="dan-pw\n"))
    out = ok(fc(admin, "user", "add", grace, "--role", "supervisor"))
    assert f"first password for {grace}:" in out
    roles_out = ok(fc(admin, "db", "roles"))
    assert dan in roles_out and grace in roles_out and worker in roles_out

    # 6. A desktop: the officer acts as his login, and cannot claim to be anyone else.
    officer = _env(team.url(dan, "dan-pw"))
    assert dan in ok(fc(officer, "user", "list"))
    claimed = fc({**officer, "FRONT_COUNTER_USER": grace}, "user", "list")
    assert claimed.returncode == 1 and "refused" in claimed.stderr
    assert "enforced by the database" in ok(fc(officer, "policy", "show"))
    refused = fc(officer, "db", "upgrade")
    assert refused.returncode == 1 and "schema's owner" in refused.stderr

    # 5. The worker: a second one waits, and takes over when the first is killed.
    _two_workers_one_at_a_time(_env(team.url(worker, "worker-pw")), team.name)

    # Backups: while it runs, then into a new database; the audit chain verifies there.
    dump = tmp_path / "front-counter.dump"
    assert "backup written" in ok(fc(owner, "db", "backup", "--out", str(dump)))
    restored = f"{team.name}_restored"
    sa = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with sa.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{restored}" OWNER "{team.owner}"'))
        conn.execute(
            text(f"ALTER DATABASE \"{restored}\" SET front_counter.role_prefix = '{team.prefix}'")
        )
    sa.dispose()
    copy = _env(make_url(team.url(team.owner)).set(database=restored).render_as_string(False))
    assert "audit chain intact" in ok(fc(copy, "db", "restore", str(dump)))
    assert dan in ok(fc({**copy, "FRONT_COUNTER_DB": team.url(dan, "dan-pw").replace(
        team.name, restored)}, "user", "list"))  # fmt: skip


class _Worker:
    """`sync --watch` as a subprocess, its stderr read line by line on a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console", "sync", "--watch"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, words: str, seconds: float) -> float:
        started = time.monotonic()
        deadline = started + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                if words in self.lines.get(timeout=left):
                    return time.monotonic() - started
            except queue.Empty:
                break
        raise AssertionError(f"worker did not say {words!r} within {seconds} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)


def _lock_held(database: str) -> bool:
    sa = create_engine(PG_ADMIN_URL)
    with sa.connect() as conn:
        held = conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = :d"
            ),
            {"d": database},
        )
    sa.dispose()
    return bool(held)


def _two_workers_one_at_a_time(env: dict[str, str], database: str) -> None:
    first = _Worker(env)
    second: _Worker | None = None
    try:
        deadline = time.monotonic() + 30
        while not _lock_held(database):
            assert time.monotonic() < deadline, "the first worker never took the lock"
            assert first.proc.poll() is None, "the first worker ended"
            threading.Event().wait(0.1)
        second = _Worker(env)
        second.wait_for("waiting", 30)
        assert first.proc.poll() is None
        first.proc.kill()  # kill -9: no chance to let go of anything
        took = second.wait_for("taking over", 10)
        print(f"the second worker took over {took:.1f} s after the first was killed")
    finally:
        first.stop()
        if second is not None:
            second.stop()
