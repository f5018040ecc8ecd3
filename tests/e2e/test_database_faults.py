"""The database's own faults from `python -m console`: one line naming the file and what to do.

Read-only is made real for root (who ignores file modes) by dropping the
capabilities that let root bypass them (setpriv --bounding-set); a full disk
is a real 300 kB tmpfs in a private mount namespace (unshare -m).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from services.store.db import current_revision, head_revision, make_engine

ROOT = Path(__file__).resolve().parents[2]
DROP_ROOT_BYPASS = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--",
]


def run(
    db: str, *args: str, prefix: list[str] | None = None, user: str = "ruth"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env["FRONT_COUNTER_USER"] = user
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "console", "--db", db, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    err = result.stderr.strip()
    assert "Traceback" not in err and "sqlalchemy" not in err.lower(), err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: the database "), err
    for word in words:
        assert word in err, err
    return err


def test_a_file_that_is_not_a_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, eggs, bread\n" * 40)
    assert_one_line_error(run(str(path), "inbox"), str(path), "not a Front Counter database")


def test_a_truncated_database_is_named_as_damaged(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "cut.db"
    data = Path(sqlite_url).read_bytes()
    path.write_bytes(data[: len(data) // 3])
    assert_one_line_error(run(str(path), "inbox"), str(path), "damaged", "backup")


@pytest.fixture
def read_only_copy(sqlite_url: str, tmp_path: Path) -> Path:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "front-counter.db"
    shutil.copy(sqlite_url, path)
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)


def _as_ordinary_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes cannot be made to bind")
    return DROP_ROOT_BYPASS


def test_a_read_only_database_says_so_and_what_to_change(read_only_copy: Path) -> None:
    result = run(
        str(read_only_copy),
        "team",
        "add",
        "Roads policing",
        prefix=_as_ordinary_user(),
    )
    assert_one_line_error(result, str(read_only_copy), "read-only", "permission")


INTACT = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "sys.exit(c.execute('PRAGMA integrity_check').fetchone()[0] != 'ok')"
)


def test_a_full_disk_says_so_and_leaves_the_database_intact(
    sqlite_url: str, tmp_path: Path
) -> None:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    db = mount / "front-counter.db"
    size_kb = os.path.getsize(sqlite_url) // 1024 + 40
    script = (
        f"mount -t tmpfs -o size={size_kb}k tmpfs {mount} || exit 77; "
        f"cp {sqlite_url} {db}; "
        f"{sys.executable} -m console --db {db} demo load; rc=$?; "
        f"{sys.executable} -c {INTACT!r} {db} || exit 78; exit $rc"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env["FRONT_COUNTER_USER"] = "ruth"
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    if result.returncode == 77 or "unshare:" in result.stderr:
        pytest.skip(f"no private tmpfs mount here: {result.stderr.strip()}")
    assert result.returncode != 78, result.stderr  # the full disk damaged nothing
    assert_one_line_error(result, str(db), "is full", "Free some space")


def test_a_database_file_with_tables_but_no_schema_stamp_is_refused_clearly(
    tmp_path: Path,
) -> None:
    """What an interrupted first start of an older release left behind."""
    path = tmp_path / "half.db"
    engine = make_engine(str(path))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE audit_head (id INTEGER PRIMARY KEY)")
    engine.dispose()
    assert_one_line_error(run(str(path), "inbox"), str(path), "half-built", "delete it")


KILLER = """
import os, signal, sys
from alembic.operations import Operations
from services.store.db import make_engine, upgrade

real = Operations.create_table
calls = 0

def create_table_then_die(self, *args, **kwargs):
    global calls
    calls += 1
    if calls == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, *args, **kwargs)

Operations.create_table = create_table_then_die
upgrade(make_engine(sys.argv[1]))
"""


@pytest.mark.parametrize("nth_table", [2, 9, 17])
def test_a_first_start_killed_mid_migration_starts_cleanly_next_time(
    tmp_path: Path, nth_table: int
) -> None:
    path = tmp_path / "first.db"
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(path), str(nth_table)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    engine = make_engine(str(path))
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # nothing of the first start remains
    engine.dispose()

    again = run(str(path), "team", "list")
    assert again.returncode == 0, again.stderr
    engine = make_engine(str(path))
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_failed_migration_step_leaves_no_half_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.operations import Operations

    from services.store.db import upgrade

    real = Operations.create_table
    calls = {"n": 0}

    def create_table_then_fail(self: Operations, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("power cut")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Operations, "create_table", create_table_then_fail)
    engine = make_engine(str(tmp_path / "first.db"))
    with pytest.raises(RuntimeError, match="power cut"):
        upgrade(engine)
    monkeypatch.setattr(Operations, "create_table", real)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_postgresql_read_only_and_unreachable_are_one_line(pg_database: str) -> None:
    read_only = make_url(pg_database).update_query_dict(
        {"options": "-c default_transaction_read_only=on"}
    )
    result = run(read_only.render_as_string(hide_password=False), "team", "add", "Roads")
    assert_one_line_error(result, "read-only")
    nowhere = make_url(pg_database).set(host="127.0.0.1", port=1)
    result = run(nowhere.render_as_string(hide_password=False), "inbox")
    assert_one_line_error(result, "127.0.0.1:1", "could not be reached")


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see open files")
def test_the_worker_stops_when_its_database_file_is_deleted(sqlite_url: str) -> None:
    path = Path(sqlite_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "console", "--db", str(path), "sync", "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        end = time.monotonic() + 60
        while not _has_open(worker.pid, path) and time.monotonic() < end:
            assert worker.poll() is None, worker.communicate()
            time.sleep(0.05)  # polling /proc for a condition, bounded by the deadline
        assert _has_open(worker.pid, path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 1, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "deleted or replaced" in err and str(path) in err
