"""The sync worker as a real process, killed with SIGKILL at random points: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.answers import replies, review
from services.channels.protocol import Registry
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.store.models import Item, Reply, ReplyState, Role
from services.workspace.users import add_user, resolve_actor
from tests.builders import wordpress_channel
from tests.fakes.wordpress import FakeWordPress

ROOT = Path(__file__).resolve().parents[2]


def worker(db_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "FRONT_COUNTER_DB": db_url}
    return subprocess.Popen(
        [sys.executable, "-m", "console", "sync", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[SessionFactory, FakeWordPress, int]]:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    admin = resolve_actor(factory, "ruth")
    fake = FakeWordPress().start()
    fake.add_post(812, "Recruiting")
    yield factory, fake, wordpress_channel(factory, admin, fake)
    fake.stop()
    engine.dispose()


def _count(factory: SessionFactory) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Item)) or 0)


def test_sigkill_at_random_points_then_restart_converges_to_the_source(
    setup: tuple[SessionFactory, FakeWordPress, int], db_url: str
) -> None:
    factory, fake, _channel = setup
    for n in range(1500):
        fake.add_comment(
            812,
            f"comment number {n}",
            status=("approved", "hold", "spam")[n % 3],
            type_="comment" if n % 10 else "pingback",
        )
    fake.delay = 0.03  # a run lasts ~4 s: every kill below lands mid-run
    rng = random.Random(20261124)
    kills = 0
    for _ in range(5):
        proc = worker(db_url)
        time.sleep(rng.uniform(0.3, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        fake.add_comment(812, f"arrived while the worker was down {_}")  # the source keeps moving
    assert kills >= 3
    done = worker(db_url)
    _out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    with factory() as s:
        ours = {e for (e,) in s.execute(select(Item.external_id))}
        total = s.scalar(select(func.count()).select_from(Item))
    assert ours == {str(c) for c in fake.comments}
    assert total == len(fake.comments)


def test_killed_after_posting_before_recording_posts_exactly_once(
    setup: tuple[SessionFactory, FakeWordPress, int], db_url: str, registry: Registry
) -> None:
    factory, fake, _channel = setup
    cid = fake.add_comment(812, "Is anyone reading these?", "Lena Osei")
    first = worker(db_url)
    assert first.wait(timeout=60) == 0
    admin = resolve_actor(factory, "ruth")
    officer = add_user(factory, admin, "dan", Role.OFFICER)
    sergeant = add_user(factory, admin, "grace", Role.SUPERVISOR)
    with factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.external_id == str(cid)))
    assert item_id is not None
    draft = replies.save_draft(
        factory,
        officer,
        item_id,
        "Yes, Lena: every message is read by the team.",
        registry=registry,
    )
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    review.approve(factory, sergeant, draft.reply_id, registry=registry)

    fake.hang_after_create = True
    proc = worker(db_url)
    deadline = time.monotonic() + 30
    while not any(c["author"] == fake.me_id for c in fake.comments.values()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # posted on the blog, not yet recorded here
    proc.wait(timeout=30)
    with factory() as s:
        assert s.get_one(Reply, draft.reply_id).state == ReplyState.SENDING

    fake.hang_after_create = False
    again = worker(db_url)
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    ours = [c for c in fake.comments.values() if c["author"] == fake.me_id]
    assert len(ours) == 1 and ours[0]["parent"] == cid
    with factory() as s:
        reply = s.get_one(Reply, draft.reply_id)
        assert reply.state == ReplyState.SENT and reply.external_id == str(ours[0]["id"])
        outbound = s.scalar(
            select(func.count()).select_from(Item).where(Item.external_id == str(ours[0]["id"]))
        )
    assert outbound == 1


def test_child_worker_stops_when_the_desktop_dies(sqlite_url: str, tmp_path: Path) -> None:
    # A stand-in "desktop" starts the worker as the GUI does (naming itself, console.gui.
    # worker_command), then is killed outright while the worker may still be starting up:
    # the hardest moment, since the worker has not yet looked at its parent.
    script = tmp_path / "desktop.py"
    script.write_text(
        "import os, subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'console', '--db', {sqlite_url!r}, 'sync', '--watch',"
        " '--exit-with-parent', str(os.getpid())])\n"
        "print(p.pid, flush=True)\n"
        "sys.stdin.read()\n"  # idles until killed (or until the test ends)
    )
    desktop = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert desktop.stdout is not None
    worker_pid = int(desktop.stdout.readline())
    # The worker is not our child: a pidfd tells us when it exits, reaped or not.
    exited = os.pidfd_open(worker_pid)
    try:
        desktop.send_signal(signal.SIGKILL)
        desktop.wait(timeout=30)
        waiting = selectors.DefaultSelector()
        waiting.register(exited, selectors.EVENT_READ)
        if not waiting.select(timeout=90):
            os.kill(worker_pid, signal.SIGKILL)
            raise AssertionError("the orphaned worker kept running")
    finally:
        os.close(exited)
