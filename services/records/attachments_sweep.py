"""Attachment files no row names any more, removed from the folder beside the database.

Erasure and retention delete an item's files as they delete its rows
(services/records/attachments.py). Other ways of losing rows leave files behind: `channel
remove` drops the channel's items and their attachment rows with them (the
database's ON DELETE CASCADE), and a batch rolled back after its files were
written leaves files no row ever named. The sweep removes those: every content
file (`ab/abcdef…`) whose hash no attachment row holds, and the `.incoming-`
files of a write that never finished.

Never a file a row still names. Files are written only inside a write transaction
(ingest holds the audit chain's head, services.workspace.unit_of_work.write_transaction), so the
sweep first lists the folder without holding anything, then removes each chunk of
candidates inside a write transaction of its own, after asking the database again
which of them a row names: a message that arrived since the listing, carrying the
same bytes, keeps its file. A folder whose MARKER names another database (a share
configured for two databases by mistake) is refused, not emptied.

The worker sweeps once a local day (`sweep_daily`); `db sweep-attachments` sweeps now.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.records.attachments import MARKER, claim, database_identity, folder_for, folder_owner
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_attachments import Attachment
from services.store.models_audit import AuditEvent
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

log = logging.getLogger(__name__)

CHUNK = 1000  # files checked and removed per write transaction: the lock is never held long
_SUBFOLDER = re.compile(r"[0-9a-f]{2}")
_CONTENT = re.compile(r"[0-9a-f]{64}")
_PARTIAL = ".incoming-"


@dataclass(frozen=True)
class SweepResult:
    folder: Path | None  # None: this database keeps no attachment files here
    removed: int = 0  # content files no row named (with a dry run: that would go)
    freed_bytes: int = 0
    partial: int = 0  # unfinished writes removed
    kept: int = 0  # content files a row names
    dry_run: bool = False
    refused: str | None = None  # why nothing was touched, when the folder is not ours


@dataclass(frozen=True)
class _File:
    path: Path
    digest: str | None  # None: an unfinished write
    size: int


def _listing(folder: Path) -> list[_File]:
    """The folder's content files and unfinished writes; anything else in it is left alone."""
    found: list[_File] = []
    if not folder.is_dir():
        return found
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir() or not _SUBFOLDER.fullmatch(sub.name):
            continue
        for path in sorted(sub.iterdir()):
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            if _CONTENT.fullmatch(path.name) and path.name.startswith(sub.name):
                found.append(_File(path, path.name, size))
            elif path.name.startswith(_PARTIAL) and path.is_file():
                found.append(_File(path, None, size))
    return found


def _chunks(files: list[_File]) -> Iterator[list[_File]]:
    for start in range(0, len(files), CHUNK):
        yield files[start : start + CHUNK]


def _refusal(folder: Path, identity: str | None) -> str | None:
    owner = folder_owner(folder)
    if owner is None or owner == identity:
        return None
    return (
        f"{folder} holds another database's attachments ({folder / MARKER} names "
        f"{owner[:12]}…, this database is {(identity or 'new, with no history')[:12]}…); "
        "nothing was removed: give each database a folder of its own (attachments_folder)"
    )


def sweep(factory: SessionFactory, actor: Actor | None, *, dry_run: bool = False) -> SweepResult:
    """Remove the attachment files no row names (None actor: the worker); never a named one."""
    if actor is not None:
        actor.require(Permission.MANAGE)
    with factory() as s:
        folder = folder_for(s)
        identity = database_identity(s)
    if folder is None:
        return SweepResult(None, dry_run=dry_run)
    refused = _refusal(folder, identity)
    if refused is not None:
        return SweepResult(folder, dry_run=dry_run, refused=refused)
    files = _listing(folder)
    removed = freed = partial = kept = 0
    for chunk in _chunks(files):
        digests = [f.digest for f in chunk if f.digest is not None]
        if dry_run:
            with factory() as s:
                named = _named(s, digests)
            gone = [f for f in chunk if f.digest not in named]
        else:
            with write_transaction(factory, actor) as tx:
                # Asked again under the write lock: a row committed since the listing counts.
                named = _named(tx.session, digests)
                gone = [f for f in chunk if f.digest not in named and _unlink(f.path)]
        removed += sum(1 for f in gone if f.digest is not None)
        freed += sum(f.size for f in gone if f.digest is not None)
        partial += sum(1 for f in gone if f.digest is None)
        kept += sum(1 for d in digests if d in named)
    result = SweepResult(folder, removed, freed, partial, kept, dry_run)
    if not dry_run:
        if folder.is_dir():
            claim(folder, identity)
        _record(factory, actor, result)
    return result


def _named(session: Session, digests: list[str]) -> set[str]:
    """Which of these hashes an attachment row holds."""
    if not digests:
        return set()
    rows = session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(digests)))
    return {h for h in rows if h}


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not remove attachment file %s: %s", path, exc)
        return False


def _record(factory: SessionFactory, actor: Actor | None, result: SweepResult) -> None:
    with write_transaction(factory, actor) as tx:
        tx.audit(
            AuditAction.ATTACHMENT_SWEEP,
            "attachment",
            None,
            None,
            {
                "removed": result.removed,
                "freed_bytes": result.freed_bytes,
                "partial": result.partial,
                "kept": result.kept,
                "refused": result.refused,
            },
        )


def sweep_daily(factory: SessionFactory, now: datetime, tz: ZoneInfo) -> SweepResult | None:
    """The worker's sweep: once per local day where this database keeps files, else None.

    A database whose folder does not exist (no e-mail attachment yet) is not swept at all.

    A refused sweep is recorded too (and logged), so a misconfigured share is reported
    once a day rather than on every tick.
    """
    with factory() as s:
        folder = folder_for(s)
        if folder is None or not folder.is_dir():
            return None
        last = s.scalar(
            select(AuditEvent.at)
            .where(AuditEvent.action == AuditAction.ATTACHMENT_SWEEP)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    if last is not None and last.astimezone(tz).date() >= now.astimezone(tz).date():
        return None
    result = sweep(factory, None)
    if result.refused is not None:
        log.warning("attachment sweep refused: %s", result.refused)
        _record(factory, None, result)
    return result
