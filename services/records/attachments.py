"""Attachments kept beside the database, by content hash, opened only when a person asks.

Where the bytes go: for SQLite, the folder `NAME.attachments` next to the database
file `NAME.db` (a backup of the one should take the other; they travel together).
For PostgreSQL there is no file to stand beside, so the folder is the central setting
`attachments_folder` (env FRONT_COUNTER_ATTACHMENTS, console/config_file.py), which the
composition root hands down in services.workspace.site_config: a share every desktop and the worker
can reach, under whatever path each sees it. Without it attachments are listed, marked
"not kept", and the words of the message are unaffected.

Each distinct content is one file, `ab/abcdef…` (its SHA-256, no extension, so
nothing on the machine opens it by double-click), written once and shared by every
item that carries the same bytes. The folder holds a MARKER file naming its database
(the hash of its first audit event), so a sweep never empties another database's folder. The limits are rules of this module: an
attachment over MAX_FILE_BYTES, or one that would take a message's kept total over
MAX_MESSAGE_BYTES, is listed with TOO_LARGE instead. Reading checks the hash, so a
file changed on disk is refused, not handed over. Erasing an item (retention, a
person's erasure) deletes its rows and every file no other item still uses; what other
ways of losing rows leave behind (`channel remove`, a rolled-back batch) is removed by
services/records/attachments_sweep.py.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_attachments import Attachment
from services.store.models_audit import AuditEvent
from services.workspace import site_config
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

log = logging.getLogger(__name__)

MARKER = "FRONT-COUNTER-DATABASE.txt"
MAX_FILE_BYTES = 10_000_000
MAX_MESSAGE_BYTES = 15_000_000  # under the connector's 25 MB download cap once base64 is undone
TOO_LARGE = "too large, not kept"
NO_FOLDER = "not kept: no attachment folder for this database (attachments_folder)"
UNWRITABLE = "not kept: the attachment folder could not be written"


@dataclass(frozen=True)
class IncomingFile:
    """One attachment as a connector read it; `data` None when it is over the limits."""

    name: str
    mime: str
    size: int
    data: bytes | None


def within_limits(sizes: Sequence[int]) -> list[bool]:
    """Which of a message's attachments are kept: each under the file cap, in order, while the total fits."""
    kept, total = [], 0
    for size in sizes:
        fits = size <= MAX_FILE_BYTES and total + size <= MAX_MESSAGE_BYTES
        total += size if fits else 0
        kept.append(fits)
    return kept


def folder_for(session: Session) -> Path | None:
    """The attachment folder of this session's database, or None where there is none."""
    bind = session.get_bind()
    url = make_url(str(bind.engine.url))
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            return None
        path = Path(database)
        return path.with_name(path.stem + ".attachments")
    configured = site_config.current().attachments_folder
    return Path(configured).expanduser() if configured else None


def database_identity(session: Session) -> str | None:
    """What names this database for its folder: its first audit event's hash (None: no history)."""
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq).limit(1))


def folder_owner(folder: Path) -> str | None:
    """The identity the folder's MARKER names, or None when it has none."""
    try:
        text = (folder / MARKER).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.split(maxsplit=1)[0] if text.strip() else None


def claim(folder: Path, identity: str | None) -> None:
    """Write the folder's MARKER for this database, unless it has one (or there is no identity)."""
    marker = folder / MARKER
    if identity is None or marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        f"{identity}\n\nThe e-mail attachments of the Front Counter database whose first audit "
        "event has the hash above. Files here are named by their SHA-256; do not rename them.\n",
        encoding="utf-8",
    )


def _path(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256


def _write_once(folder: Path, sha256: str, data: bytes) -> None:
    path = _path(folder, sha256)
    if path.exists() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed: a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep(session: Session, item_id: int, files: Sequence[IncomingFile], now: datetime) -> None:
    """List an item's attachments and keep their bytes; once per item (a re-fetch changes nothing)."""
    if not files or session.scalar(select(Attachment.id).where(Attachment.item_id == item_id)):
        return
    folder = folder_for(session)
    for position, f in enumerate(files, 1):
        sha256, note = None, None
        if f.data is None:
            note = TOO_LARGE
        elif folder is None:
            note = NO_FOLDER
        else:
            digest = hashlib.sha256(f.data).hexdigest()
            try:
                if not (folder / MARKER).exists():
                    claim(folder, database_identity(session))
                _write_once(folder, digest, f.data)
                sha256 = digest
            except OSError as exc:
                log.warning("attachment %s of item %s not kept: %s", f.name, item_id, exc)
                note = UNWRITABLE
        session.add(
            Attachment(
                item_id=item_id,
                position=position,
                name=f.name[:255],
                mime=f.mime[:100],
                size=f.size,
                sha256=sha256,
                note=note,
                received_at=now,
            )
        )


@dataclass(frozen=True)
class AttachmentView:
    position: int
    name: str
    mime: str
    size: int
    kept: bool
    note: str | None


def listed(factory: SessionFactory, item_id: int) -> list[AttachmentView]:
    with factory() as s:
        rows = s.scalars(
            select(Attachment).where(Attachment.item_id == item_id).order_by(Attachment.position)
        )
        return [
            AttachmentView(a.position, a.name, a.mime, a.size, a.sha256 is not None, a.note)
            for a in rows
        ]


def open_bytes(
    factory: SessionFactory, actor: Actor, item_id: int, position: int
) -> tuple[AttachmentView, bytes]:
    """One attachment's bytes for a person who asked for them (audited), checked against its hash."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        row = tx.session.scalar(
            select(Attachment).where(Attachment.item_id == item_id, Attachment.position == position)
        )
        if row is None:
            raise NotFound(f"item #{item_id} has no attachment {position}")
        view = AttachmentView(
            row.position, row.name, row.mime, row.size, bool(row.sha256), row.note
        )
        if row.sha256 is None:
            raise InvalidInput(f"attachment {position} ({row.name}) was {row.note or TOO_LARGE}")
        folder = folder_for(tx.session)
        if folder is None:
            raise InvalidInput(f"attachment {position} cannot be read here: {NO_FOLDER}")
        path = _path(folder, row.sha256)
        try:
            data = path.read_bytes()
        except OSError:
            raise NotFound(
                f"the file of attachment {position} ({row.name}) is missing from {folder}"
            ) from None
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise InvalidInput(
                f"the file of attachment {position} ({row.name}) was changed on disk; "
                "it is not what the message carried and is not handed over"
            )
        tx.audit(
            AuditAction.ITEM_ATTACHMENT_OPEN,
            "item",
            item_id,
            None,
            {"position": position, "name": row.name, "sha256": row.sha256},
        )
    return view, data


def erase(session: Session, item_ids: Sequence[int]) -> int:
    """Delete the items' attachment rows, and each file no other item still uses; files deleted."""
    if not item_ids:
        return 0
    hashes = {
        h
        for h in session.scalars(
            select(Attachment.sha256).where(
                Attachment.item_id.in_(item_ids), Attachment.sha256.is_not(None)
            )
        )
        if h
    }
    session.execute(delete(Attachment).where(Attachment.item_id.in_(item_ids)))
    if not hashes:
        return 0
    session.flush()
    still_used = set(
        session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(hashes)).distinct())
    )
    folder = folder_for(session)
    if folder is None:
        return 0
    removed = 0
    for digest in sorted(hashes - still_used):
        try:
            _path(folder, digest).unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:  # the rows are gone; the file is named only by its hash
            log.warning("could not delete attachment file %s: %s", digest, exc)
    return removed
