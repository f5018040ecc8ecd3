"""Attachment files no item names any more are swept from the folder; a file still named never is."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.records import attachments
from services.records.attachments import IncomingFile
from services.records.attachments_sweep import sweep, sweep_daily
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import ItemKind, utcnow
from services.store.models_audit import AuditEvent
from services.workspace import site_config
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = b"%PDF-1.4 witness statement of R. Achebe"
PHOTO = b"\xff\xd8\xff\xe0 photo of the number plate"
LONDON = ZoneInfo("Europe/London")


def mail_with_files(
    factory: SessionFactory, channel_id: int, message_id: str, *payloads: bytes
) -> int:
    """An e-mail item with these attachments, through the real ingest path."""
    now = utcnow()
    incoming = Incoming(
        external_id=message_id,
        kind=ItemKind.EMAIL,
        created_at=now - timedelta(minutes=1),
        author=Author("gordon@public.example", "Gordon Achebe", "gordon@public.example"),
        thread=ThreadRef(message_id, "CCTV from my doorbell"),
        body_text="Attached, as promised.",
        files=tuple(
            IncomingFile(f"file-{n}.bin", "application/octet-stream", len(p), p)
            for n, p in enumerate(payloads, 1)
        ),
    )
    with write_transaction(factory, None) as tx:
        result = upsert(tx.session, channel_id, [incoming], now)
        tx.touched(ChangeKind.ITEMS, *result.item_ids)
        return result.inserted[0]


def content_files(folder: Path) -> list[bytes]:
    """The kept attachments' bytes in the folder (not its marker or anything else there)."""
    return sorted(p.read_bytes() for p in folder.glob("??/*") if p.is_file() and len(p.name) == 64)


@pytest.fixture
def folder(db_url: str, tmp_path: Path) -> Iterator[Path]:
    """Where this database keeps attachments: beside the SQLite file, or the configured share."""
    if not db_url.startswith("postgresql"):  # the fixtures give SQLite as a file path
        yield Path(db_url).with_name(Path(db_url).stem + ".attachments")
        return
    share = tmp_path / "share"
    with site_config.installed(site_config.site_config(attachments_folder=str(share))):
        yield share


def cli(db_url: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as an admin runs it on this machine (the share from the environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env |= {
        "FRONT_COUNTER_DB": db_url,
        "FRONT_COUNTER_USER": "ruth",
        "FRONT_COUNTER_ATTACHMENTS": str(folder),
        "FRONT_COUNTER_SYSTEM_CONFIG": os.environ["FRONT_COUNTER_SYSTEM_CONFIG"],
    }
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def test_the_files_of_a_removed_channel_are_swept_and_a_file_still_named_is_kept(
    db_url: str, factory: SessionFactory, admin: Actor, folder: Path
) -> None:
    old = add_channel(factory, "Old mailbox", kind="email")
    current = add_channel(factory, "Contact mailbox", kind="email")
    mail_with_files(factory, old, "<a-1@public.example>", STATEMENT, PHOTO)
    # The same statement also sent to the mailbox that stays: one file, named by both.
    still_here = mail_with_files(factory, current, "<b-1@public.example>", STATEMENT)
    assert content_files(folder) == sorted([STATEMENT, PHOTO])

    channels_admin.remove_channel(factory, admin, "Old mailbox")
    assert content_files(folder) == sorted([STATEMENT, PHOTO])  # the rows went, the files not

    dry = cli(db_url, folder, "db", "sweep-attachments", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"would remove 1 file no item names ({len(PHOTO):,} bytes)" in dry.stdout
    assert content_files(folder) == sorted([STATEMENT, PHOTO])

    done = cli(db_url, folder, "db", "sweep-attachments")
    assert done.returncode == 0, done.stderr
    assert f"removed 1 file no item names ({len(PHOTO):,} bytes); kept 1 file in use" in (
        done.stdout
    )
    assert content_files(folder) == [STATEMENT]
    _view, data = attachments.open_bytes(factory, admin, still_here, 1)
    assert data == STATEMENT
    with factory() as s:
        recorded = s.scalars(
            select(AuditEvent.after).where(AuditEvent.action == AuditAction.ATTACHMENT_SWEEP)
        ).all()
    assert [(e or {}).get("removed") for e in recorded] == [1]

    again = cli(db_url, folder, "db", "sweep-attachments")
    assert "removed 0 files" in again.stdout and content_files(folder) == [STATEMENT]


def test_a_rolled_back_batch_and_an_unfinished_write_are_swept_and_nothing_else_is(
    factory: SessionFactory, admin: Actor, folder: Path
) -> None:
    channel = add_channel(factory, "Contact mailbox", kind="email")
    kept = mail_with_files(factory, channel, "<kept@public.example>", STATEMENT)
    with pytest.raises(RuntimeError), write_transaction(factory, None) as tx:
        # The files are written during ingest; the batch then fails and its rows are gone.
        upsert(tx.session, channel, [_incoming("<lost@public.example>", PHOTO)], tx.now)
        raise RuntimeError("the connection to the database dropped")
    assert content_files(folder) == sorted([STATEMENT, PHOTO])
    (folder / "ab").mkdir(exist_ok=True)
    unfinished = folder / "ab" / ".incoming-k2j3h4"
    unfinished.write_bytes(b"half a fi")
    notes = folder / "README-from-IT.txt"
    notes.write_text("Backed up nightly with the database.")

    result = sweep(factory, admin)

    assert (result.removed, result.partial, result.kept) == (1, 1, 1)
    assert content_files(folder) == [STATEMENT]
    assert not unfinished.exists()
    assert notes.read_text() == "Backed up nightly with the database."
    assert (folder / attachments.MARKER).exists()
    assert attachments.open_bytes(factory, admin, kept, 1)[1] == STATEMENT


def test_the_worker_sweeps_once_a_day(factory: SessionFactory, folder: Path) -> None:
    channel = add_channel(factory, "Contact mailbox", kind="email")
    now = utcnow()
    # No attachment kept yet: nothing is swept, and no folder appears beside the database.
    assert sweep_daily(factory, now, LONDON) is None and not folder.exists()
    mail_with_files(factory, channel, "<kept@public.example>", STATEMENT)
    first = sweep_daily(factory, now, LONDON)
    assert first is not None and first.kept == 1
    assert sweep_daily(factory, now + timedelta(minutes=5), LONDON) is None
    assert sweep_daily(factory, now + timedelta(days=1), LONDON) is not None


def test_a_folder_holding_another_databases_attachments_is_refused_not_emptied(
    db_url: str, factory: SessionFactory, admin: Actor, folder: Path
) -> None:
    channel = add_channel(factory, "Contact mailbox", kind="email")
    mail_with_files(factory, channel, "<ours@public.example>", STATEMENT)
    # The share was set up for another database first (say, the training one): its marker
    # names that database, and its files are named by that database's rows, not ours.
    (folder / attachments.MARKER).write_text("f" * 64 + "\n")
    (folder / "cd").mkdir()
    theirs = folder / "cd" / ("cd" + "0" * 62)
    theirs.write_bytes(b"another database's attachment")

    result = sweep(factory, admin)
    assert result.refused is not None and "another database" in result.refused
    assert theirs.exists() and content_files(folder) != []

    done = cli(db_url, folder, "db", "sweep-attachments")
    assert done.returncode != 0
    assert "another database's attachments" in done.stderr and "nothing was removed" in done.stderr
    assert theirs.exists()


def _incoming(message_id: str, payload: bytes) -> Incoming:
    now = utcnow()
    return Incoming(
        external_id=message_id,
        kind=ItemKind.EMAIL,
        created_at=now,
        author=Author("mo@public.example", "Mo", "mo@public.example"),
        thread=ThreadRef(message_id, "A photo"),
        body_text="Photo attached.",
        files=(IncomingFile("plate.jpg", "image/jpeg", len(payload), payload),),
    )
