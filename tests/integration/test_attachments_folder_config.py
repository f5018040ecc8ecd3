"""The attachments folder is a central setting: IT sets (and may lock) it, the services get it handed down."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.context import open_context
from services.records import attachments
from services.store.db import SessionFactory
from services.workspace import site_config
from services.workspace.actor import Actor
from tests.builders import add_channel
from tests.integration.test_attachment_sweep import STATEMENT, content_files, mail_with_files

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def _restore_site() -> Iterator[None]:
    before = site_config.current()
    yield
    site_config.install(before)


def _system_file(text: str) -> Path:
    path = Path(os.environ["FRONT_COUNTER_SYSTEM_CONFIG"])
    path.write_text(text)
    return path


@ON_POSTGRESQL
def test_a_postgresql_database_keeps_attachments_in_the_folder_it_locked(
    db_url: str,
    factory: SessionFactory,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    share, elsewhere = tmp_path / "share", tmp_path / "elsewhere"
    system = _system_file(f'attachments_folder = "{share}"\nlocked = ["attachments_folder"]\n')
    monkeypatch.setenv("FRONT_COUNTER_ATTACHMENTS", str(elsewhere))  # overruled by the lock

    ctx = open_context(db_url, migrate=False)  # the composition root, as every command opens it
    try:
        assert ctx.site.attachments_folder == str(share)
        item = mail_with_files(factory, add_channel(factory, kind="email"), "<a@x>", STATEMENT)
    finally:
        ctx.close()

    assert content_files(share) == [STATEMENT] and not elsewhere.exists()
    assert attachments.open_bytes(factory, admin, item, 1)[1] == STATEMENT

    env = {**os.environ, "FRONT_COUNTER_DB": db_url}
    shown = subprocess.run(
        [sys.executable, "-m", "console", "config", "show"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    lines = {line.split()[0]: line for line in shown.stdout.splitlines() if line.strip()}
    assert str(share) in lines["attachments_folder"]
    assert f"(system file {system}, locked)" in lines["attachments_folder"]
    assert "FRONT_COUNTER_ATTACHMENTS" in shown.stdout and "locked" in lines["note:"]


@ON_POSTGRESQL
def test_the_environment_sets_the_folder_where_nothing_is_locked_and_without_one_none_is_kept(
    db_url: str,
    factory: SessionFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = add_channel(factory, kind="email")
    open_context(db_url, migrate=False).close()  # nothing configured
    first = mail_with_files(factory, channel, "<first@x>", STATEMENT)
    (listed,) = attachments.listed(factory, first)
    assert not listed.kept and listed.note == attachments.NO_FOLDER

    monkeypatch.setenv("FRONT_COUNTER_ATTACHMENTS", str(tmp_path / "share"))
    ctx = open_context(db_url, migrate=False)
    assert ctx.site.attachments_folder == str(tmp_path / "share")
    ctx.close()
    second = mail_with_files(factory, channel, "<second@x>", STATEMENT)
    assert attachments.listed(factory, second)[0].kept
    assert content_files(tmp_path / "share") == [STATEMENT]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_sqlite_database_keeps_its_attachments_beside_its_file_whatever_is_configured(
    db_url: str,
    factory: SessionFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRONT_COUNTER_ATTACHMENTS", str(tmp_path / "share"))
    open_context(db_url, migrate=False).close()
    mail_with_files(factory, add_channel(factory, kind="email"), "<a@x>", STATEMENT)
    beside = Path(db_url).with_name(Path(db_url).stem + ".attachments")
    assert content_files(beside) == [STATEMENT]
    assert not (tmp_path / "share").exists()
